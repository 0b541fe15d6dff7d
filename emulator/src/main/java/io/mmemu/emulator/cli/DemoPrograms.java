package io.mmemu.emulator.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the guest programs {@code mmemu demo} runs, without the test-programs module (a test
 * fixture the shipped command line does not carry): in the directory the system property
 * {@value #PROPERTY} names, which bin/mmemu always sets to its copy of the built guests, else in
 * {@code test-programs/target/guest} of the working directory or one of its parents (a java
 * started by hand inside a checkout).
 */
final class DemoPrograms {
    /** The same property test-programs' GuestDirectory reads first. */
    static final String PROPERTY = "mmemu.guest.dir";

    private DemoPrograms() {}

    /** The built binary of guest program {@code name}; fails with where it looked. */
    static Path binary(String name) {
        Path dir = directory(System.getProperty(PROPERTY), Path.of(System.getProperty("user.dir")));
        Path binary = dir.resolve(name);
        if (!Files.isRegularFile(binary)) {
            throw new IllegalStateException("no guest program " + name + " in " + dir + " (expected: the guests"
                    + " build-guests.sh writes; bin/mmemu builds them on first use)");
        }
        return binary;
    }

    /**
     * Whether {@code name} (a bare file name) is one of the built guest programs: for a hint when
     * {@code run} is given the name alone. False when the guest directory cannot be found.
     */
    static boolean isGuestProgram(String name) {
        try {
            return Files.isExecutable(binary(name)); // not index, *.expected, *.args
        } catch (IllegalStateException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** The guest directory: {@code property} if set, else searched upwards from {@code workingDir}. */
    static Path directory(String property, Path workingDir) {
        if (property != null) return Path.of(property);
        for (Path dir = workingDir.toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("test-programs/target/guest");
            if (Files.isRegularFile(candidate.resolve("index"))) return candidate;
        }
        throw new IllegalStateException("cannot find the demo's guest programs: -D" + PROPERTY + " is not set and no"
                + " test-programs/target/guest lies above " + workingDir + " (run bin/mmemu demo, which sets it)");
    }
}
