package io.mmemu.emulator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code mmemu} command line: {@code run}, {@code demo}. */
@Command(name = "mmemu", mixinStandardHelpOptions = true, version = "mmemu 0.1.0",
        description = "An instruction-level x86-64 MMU and memory-management emulator: runs static Linux programs on "
                + "an emulated CPU whose every translation goes through a model of Linux x86-64 memory management.",
        subcommands = {RunCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status (the guest's, for run). */
    public static int execute(String... args) {
        // Two optional lookups of picocli that every cold start paid for and no option uses: its
        // Groovy closure support looks for groovy.lang.Closure on the class path (opening every jar,
        // fastutil's 12,901 entries included), and its java.sql and java.time converters load
        // those classes reflectively.
        setIfAbsent("picocli.disable.closures", "true");
        setIfAbsent("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        CommandLine cl = new CommandLine(new Main());
        // Everything after PROGRAM belongs to the guest, options included.
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.setOut(new java.io.PrintWriter(System.err, true));
        cl.setErr(new java.io.PrintWriter(System.err, true));
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            System.err.println("mmemu: internal error: " + e);
            e.printStackTrace(System.err);
            return 70; // EX_SOFTWARE
        });
        return cl.execute(args);
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) System.setProperty(property, value);
    }
}
