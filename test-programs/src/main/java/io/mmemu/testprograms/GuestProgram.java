package io.mmemu.testprograms;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One guest program: a static x86-64 Linux ELF binary built by {@code build-guests.sh}, with the
 * arguments it is run with and what the host kernel made of it (its exact stdout and its exit
 * status as a shell reports it, 128 + signal number when a signal killed it).
 *
 * <p>A guest run natively and under mmemu must print {@link #expectedStdout()} and end with
 * {@link #expectedStatus()}. The expectations were recorded by running the binaries on Linux;
 * {@code NativeRunTest} re-checks them against the host on every build.
 *
 * <p>The built programs live in one directory, found as {@link GuestDirectory} describes (system
 * property {@value GuestDirectory#PROPERTY}, else {@code test-programs/target/guest} located from
 * this class's code source or the working directory, else extracted from this jar). Instances are
 * immutable; {@link #all()} reads the directory once per JVM.
 */
public final class GuestProgram {

    private final String name;
    private final Path binary;
    private final List<String> args;
    private final byte[] expectedStdout;
    private final int expectedStatus;

    private GuestProgram(String name, Path binary, List<String> args, byte[] expectedStdout, int expectedStatus) {
        this.name = name;
        this.binary = binary;
        this.args = List.copyOf(args);
        this.expectedStdout = expectedStdout;
        this.expectedStatus = expectedStatus;
    }

    /** {@return every built guest program, sorted by name} */
    public static List<GuestProgram> all() {
        return Catalog.PROGRAMS;
    }

    /**
     * The guest program called {@code name} (the source file name without {@code .c}/{@code .S}).
     *
     * @param name the program's name
     * @throws IllegalArgumentException if there is none; the message lists the known names
     * @return the program
     */
    public static GuestProgram named(String name) {
        Objects.requireNonNull(name, "name");
        for (GuestProgram p : all()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no guest program named '" + name + "' in " + directory()
                + " (expected one of: " + all().stream().map(GuestProgram::name).toList() + ")");
    }

    /** {@return the directory holding the built binaries and their expectation files} */
    public static Path directory() {
        return Catalog.DIRECTORY;
    }

    /**
     * Reads every program listed in {@code dir/index}. Package-private so tests can point it at a
     * directory of their own; everyone else uses {@link #all()}.
     */
    static List<GuestProgram> load(Path dir) {
        Path index = dir.resolve(GuestDirectory.INDEX);
        List<GuestProgram> programs = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    programs.add(load(dir, line.strip()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the guest program index " + index, e);
        }
        programs.sort((a, b) -> a.name.compareTo(b.name));
        return List.copyOf(programs);
    }

    private static GuestProgram load(Path dir, String name) throws IOException {
        Path binary = dir.resolve(name);
        if (!Files.isRegularFile(binary)) {
            throw new IllegalStateException("guest program '" + name + "' is listed in " + dir.resolve(GuestDirectory.INDEX)
                    + " but its binary " + binary + " is missing (rebuild: mvn -pl test-programs install)");
        }
        Path argsFile = dir.resolve(name + ".args");
        List<String> args = Files.exists(argsFile) ? Files.readAllLines(argsFile, StandardCharsets.UTF_8) : List.of();
        byte[] stdout = Files.readAllBytes(dir.resolve(name + ".expected"));
        Path statusFile = dir.resolve(name + ".status");
        String statusText = Files.readString(statusFile, StandardCharsets.UTF_8).strip();
        int status;
        try {
            status = Integer.parseInt(statusText);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(statusFile + " must hold one decimal exit status (expected: 0..255, got: '"
                    + statusText + "')", e);
        }
        if (status < 0 || status > 255) {
            throw new IllegalStateException(statusFile + " must hold one decimal exit status (expected: 0..255, got: "
                    + status + ")");
        }
        return new GuestProgram(name, binary.toAbsolutePath(), args, stdout, status);
    }

    /** {@return the program's name: its source file name without the extension} */
    public String name() {
        return name;
    }

    /** {@return the absolute path of the static ELF binary} */
    public Path binary() {
        return binary;
    }

    /**
     * {@return the arguments after argv[0] ({@code NAME.args}, one per line); empty when there is no such file}
     */
    public List<String> args() {
        return args;
    }

    /** {@return the binary followed by {@link #args()}: a command line for {@link ProcessBuilder}} */
    public List<String> command() {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add(binary.toString());
        command.addAll(args);
        return List.copyOf(command);
    }

    /** {@return the exact bytes the program writes to stdout (a fresh copy)} */
    public byte[] expectedStdout() {
        return expectedStdout.clone();
    }

    /** {@return {@link #expectedStdout()} decoded as UTF-8, for messages and assertions on text} */
    public String expectedStdoutText() {
        return new String(expectedStdout, StandardCharsets.UTF_8);
    }

    /**
     * {@return the exit status as a shell reports it: the exit code, or 128 + signal number if a signal killed it}
     */
    public int expectedStatus() {
        return expectedStatus;
    }

    /** {@return the signal that kills the program (status above 128), or empty when it exits by itself} */
    public OptionalInt expectedSignal() {
        return expectedStatus > 128 ? OptionalInt.of(expectedStatus - 128) : OptionalInt.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GuestProgram p && name.equals(p.name) && binary.equals(p.binary) && args.equals(p.args)
                && Arrays.equals(expectedStdout, p.expectedStdout) && expectedStatus == p.expectedStatus;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, binary, args, Arrays.hashCode(expectedStdout), expectedStatus);
    }

    @Override
    public String toString() {
        return name;
    }

    /** Lazy holder: the directory is searched and read on first use, once. */
    private static final class Catalog {
        static final Path DIRECTORY = GuestDirectory.locate();
        static final List<GuestProgram> PROGRAMS = load(DIRECTORY);
    }
}
