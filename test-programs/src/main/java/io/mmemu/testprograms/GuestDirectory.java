package io.mmemu.testprograms;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Finds the directory of built guest programs: a directory with an {@value #INDEX} file, as
 * {@code build-guests.sh} writes it. Searched in this order:
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY}, if set (it must then name such a directory);
 *   <li>from this class's code source upwards: {@code target/guest} beside the classes directory
 *       or jar of this module, or {@code test-programs/target/guest} in an ancestor, which finds
 *       the module's output from {@code test-programs/target/classes}, from its jar, and from
 *       another module's jar in the same checkout (a shaded benchmarks jar in
 *       {@code benchmarks/target});
 *   <li>the same search from the working directory, for a jar taken from the local Maven
 *       repository while running inside the checkout;
 *   <li>the copy packaged in this jar under {@value #RESOURCE_ROOT}, extracted to a temporary
 *       directory (deleted at JVM exit) with the binaries made executable.
 * </ol>
 */
final class GuestDirectory {

    /** System property naming the guest directory explicitly. */
    static final String PROPERTY = "mmemu.guest.dir";
    /** The file, one program name per line, that marks a guest directory. */
    static final String INDEX = "index";
    /** Where the pom packages the guest directory inside the jar. */
    static final String RESOURCE_ROOT = "io/mmemu/testprograms/guest/";

    private GuestDirectory() {}

    /** Searches the places listed in the class comment, for this JVM. */
    static Path locate() {
        return find(System.getProperty(PROPERTY), codeSource(), Path.of(System.getProperty("user.dir")),
                GuestDirectory::extractPackaged);
    }

    /**
     * The search itself, with its inputs explicit so tests can drive it.
     *
     * @param property the value of {@value #PROPERTY}, or null
     * @param codeSource this class's jar or classes directory, or null when unknown
     * @param workingDir the working directory, or null
     * @param packaged extracts the packaged copy, empty if there is none
     * @throws IllegalStateException if nothing is found; the message lists every place tried
     */
    static Path find(String property, Path codeSource, Path workingDir, Supplier<Optional<Path>> packaged) {
        if (property != null) {
            Path dir = Path.of(property).toAbsolutePath().normalize();
            if (!isGuestDirectory(dir)) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + property + " does not name a built guest directory"
                        + " (expected: a directory containing " + INDEX + ", as build-guests.sh writes it)");
            }
            return dir;
        }
        List<Path> tried = new ArrayList<>();
        for (Path start : new Path[] {codeSource, workingDir}) {
            if (start == null) {
                continue;
            }
            Optional<Path> found = searchUpwards(start.toAbsolutePath().normalize(), tried);
            if (found.isPresent()) {
                return found.get();
            }
        }
        Optional<Path> extracted = packaged.get();
        if (extracted.isPresent()) {
            return extracted.get();
        }
        throw new IllegalStateException("cannot find the built guest programs: no " + INDEX + " file in " + tried
                + " and none packaged under " + RESOURCE_ROOT + ". Build them with `mvn -pl test-programs install`"
                + " or set -D" + PROPERTY + "=<dir>");
    }

    private static Optional<Path> searchUpwards(Path start, List<Path> tried) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            List<Path> candidates = new ArrayList<>(2);
            if (dir.getFileName() != null && dir.getFileName().toString().equals("target")) {
                candidates.add(dir.resolve("guest"));
            }
            candidates.add(dir.resolve("test-programs").resolve("target").resolve("guest"));
            for (Path candidate : candidates) {
                tried.add(candidate);
                if (isGuestDirectory(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    static boolean isGuestDirectory(Path dir) {
        return Files.isRegularFile(dir.resolve(INDEX));
    }

    private static Path codeSource() {
        CodeSource source = GuestDirectory.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null; // not a file: URL (a custom class loader); the other searches still run
        }
    }

    /** Copies the packaged guest directory out of the class path, if this jar carries one. */
    private static Optional<Path> extractPackaged() {
        ClassLoader loader = GuestDirectory.class.getClassLoader();
        try (InputStream index = loader.getResourceAsStream(RESOURCE_ROOT + INDEX)) {
            if (index == null) {
                return Optional.empty();
            }
            String names = new String(index.readAllBytes(), StandardCharsets.UTF_8);
            Path dir = Files.createTempDirectory("mmemu-guest-");
            dir.toFile().deleteOnExit(); // deleteOnExit runs in reverse order: files first, then the directory
            write(dir.resolve(INDEX), names.getBytes(StandardCharsets.UTF_8));
            for (String name : names.lines().map(String::strip).filter(s -> !s.isEmpty()).toList()) {
                for (String file : List.of(name, name + ".expected", name + ".status", name + ".args")) {
                    try (InputStream in = loader.getResourceAsStream(RESOURCE_ROOT + file)) {
                        if (in != null) {
                            write(dir.resolve(file), in.readAllBytes());
                        }
                    }
                }
                Files.setPosixFilePermissions(dir.resolve(name), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            return Optional.of(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the packaged guest programs from " + RESOURCE_ROOT, e);
        }
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        file.toFile().deleteOnExit();
    }
}
