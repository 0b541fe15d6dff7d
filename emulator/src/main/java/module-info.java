/**
 * The CPU front end (Unicorn bound through java.lang.foreign), the kernel model (processes,
 * syscalls, the ELF loader, files) and the command line.
 *
 * <p>Exported: the command line, the one interface the module ships. The kernel model
 * ({@code Machine} and the syscalls), the Unicorn binding, the CPUs, the ELF loader and the file
 * systems are its internals: {@code Machine}'s methods hand out CPUs, tasks and file systems,
 * types no other module is meant to build on yet (the benchmarks use them from the class path).
 * picocli is compiled into this module from its source (see the pom), so its reflection on the
 * commands stays inside the module.
 */
module io.mmemu.emulator {
    requires io.mmemu.mm;
    requires io.mmemu.slub;
    requires io.mmemu.tlb;

    exports io.mmemu.emulator.cli;
}
