package io.mmemu.emulator.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run behind the launcher's AOT cache (bin/setup-lib.sh, {@code mmemu_train_aot_cache}):
 * several {@code run} commands in one JVM, so that the cache (JEP 483 and 515) holds the classes and
 * the method profiles of what real programs make mmemu do, not only of a start-up. With cached
 * profiles HotSpot compiles the page-fault, fill and syscall paths as soon as a run reaches them
 * instead of profiling them first: a training run of {@code hello} alone left those paths cold.
 *
 * <p>Each run's output and exit status are ignored: what counts is that the cache is written when
 * this JVM ends.
 */
public final class AotTraining {
    private AotTraining() {}

    /**
     * Runs the training programs.
     *
     * @param args the directory of the built guest programs, then a host file for {@code cat-file} to read
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: AotTraining GUEST_DIR FILE");
            System.exit(2);
        }
        for (List<String> command : commands(Path.of(args[0]), Path.of(args[1]).toAbsolutePath())) {
            Main.execute(command.toArray(String[]::new));
        }
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(0); // as run ends: the same classes, and no System.Logger lookup
    }

    /**
     * The training commands: a start-up with the statistics (the instruction counter and the table);
     * musl's allocator over brk and mmap (tens of thousands of page faults, mmap, munmap and
     * mremap); eight threads on one CPU (time slices, context switches, futexes); the start of
     * malloc-churn in precise mode, whose lookups differ from the default mode's (without it,
     * precise runs were 3% slower than with a training of hello alone); and read and write of
     * {@code file}, which the guest sees through {@code --root} as {@code /NAME} (the syscall
     * path's copies to and from guest memory).
     */
    static List<List<String>> commands(Path guests, Path file) {
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("run", "--stats", guests.resolve("hello").toString()));
        commands.add(List.of("run", guests.resolve("malloc-churn").toString()));
        commands.add(List.of("run", guests.resolve("mt-basic").toString()));
        commands.add(List.of("run", "--precise", "--max-instructions", "3000000", guests.resolve("malloc-churn").toString()));
        commands.add(List.of("run", "--root", file.getParent().toString(), guests.resolve("cat-file").toString(),
                "/" + file.getFileName()));
        return commands;
    }
}
