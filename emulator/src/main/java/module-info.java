/**
 * The CPU front end: Unicorn bound through java.lang.foreign, one engine per emulated CPU, the
 * {@code Machine} that runs the kernel model on them, and the command line.
 *
 * <p>Exported: {@code Machine} (a whole machine in a few lines: options, exec, run), the CPUs it
 * hands out with their statistics, and the command line. The Unicorn binding is internal: the
 * rest of the code reaches Unicorn only through the CPUs. picocli is compiled into this module
 * from its source (see the pom), so its reflection on the commands stays inside the module.
 */
module io.mmemu.emulator {
    requires transitive io.mmemu.kernel;
    requires io.mmemu.perfetto;
    requires com.google.gson;
    requires java.compiler; // lab check compiles a student's Java file (javax.tools)
    requires net.jqwik.api; // lab 1's random page tables
    requires org.jline.reader;
    requires org.jline.terminal;

    exports io.mmemu.emulator;
    exports io.mmemu.emulator.campaign;
    exports io.mmemu.emulator.cli;
    exports io.mmemu.emulator.cpu;
    exports io.mmemu.emulator.lab.pgtable;
    exports io.mmemu.emulator.record;
    exports io.mmemu.emulator.run;
    exports io.mmemu.emulator.trace;
}
