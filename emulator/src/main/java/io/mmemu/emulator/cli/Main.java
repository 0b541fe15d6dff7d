package io.mmemu.emulator.cli;

import io.mmemu.emulator.unicorn.Unicorn;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code mmemu} command line: {@code run}, {@code debug}, {@code replay}, {@code shrink},
 * {@code campaign}, {@code demo}, {@code lab}. The top level and run are built with picocli's
 * programmatic model, the rest from annotations ({@link OptionSpecs} says why).
 */
public final class Main implements Runnable {
    /*
     * Every annotated command but lab (whose subcommands are methods) says addMethodSubcommands = false:
     * otherwise picocli scans each command class's methods for @Command by reflection at every
     * start, about 20 ms of CPU in the interpreter (bin/bench startup: 205 -> 192 ms).
     */

    /**
     * The subcommands, in the order the usage lists them. A command line that starts with one of
     * them other than help gets only that one: picocli reads a command's annotations when it is
     * added, by reflection that every cold start pays for (bin/bench startup), while only the
     * usage and help need them all.
     */
    private static final List<Map.Entry<String, Supplier<Object>>> SUBCOMMANDS = List.of(
            Map.entry("run", () -> new RunCommand().spec()), Map.entry("debug", () -> new DebugCommand().commandLine()),
            Map.entry("replay", ReplayCommand::new), Map.entry("shrink", ShrinkCommand::new),
            Map.entry("campaign", () -> new CampaignCommand().commandLine()),
            Map.entry("demo", DemoCommand::new), Map.entry("lab", io.mmemu.emulator.lab.LabCommand::new),
            Map.entry("help", CommandLine.HelpCommand::new));

    /** The subcommands that run guests: each starts by checking the native libraries. */
    private static final Set<String> GUEST_RUNNING = Set.of("run", "debug", "replay", "shrink", "campaign");

    /**
     * The subcommands after which the process ends with System.exit, for its shutdown hooks and
     * deleteOnExit: demo's packaged programs are extracted to files deleted at exit, debug's JLine
     * terminal is restored by a hook, and lab runs a student's code, whose resources it does not
     * control. Every other command line (run, replay, shrink, campaign, the usage, --help, --version,
     * a mistyped command) ends with Runtime.halt, the standard streams flushed: System.exit costs
     * about 20 ms of a cold start on JDK 25, as it logs the exit to System.Logger
     * "java.lang.Runtime", and the first logger lookup searches the class path for a logging backend.
     */
    private static final Set<String> EXIT_WITH_HOOKS = Set.of("demo", "debug", "lab");

    /** The command line this is the top of (a field, not picocli's @Spec: one annotation type fewer to read at start-up). */
    private CommandLine commandLine;

    /** The top-level command; {@link #execute} builds it with its subcommands. */
    public Main() {}

    /** With no subcommand: prints the usage. */
    @Override
    public void run() {
        commandLine.usage(System.err);
    }

    /**
     * The {@code mmemu} command line; exits with {@link #execute}'s status.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        int status = execute(args);
        if (args.length == 0 || !EXIT_WITH_HOOKS.contains(args[0])) {
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
        System.exit(status);
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     * @return the exit status (the guest's, for run)
     */
    public static int execute(String... args) {
        // Two optional lookups of picocli that every cold start paid for and no option uses: its
        // Groovy closure support looks for groovy.lang.Closure on the class path (opening every jar),
        // and its java.sql and java.time converters load those classes reflectively.
        setIfAbsent("picocli.disable.closures", "true");
        setIfAbsent("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        String first = args.length == 0 ? "" : args[0];
        if (GUEST_RUNNING.contains(first)) Unicorn.startLibraryCheck(); // overlaps the parsing below
        Main main = new Main();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(main).name("mmemu").version("mmemu 0.1.0");
        spec.usageMessage().description("An instruction-level x86-64 MMU and memory-management emulator: runs static "
                + "Linux programs on an emulated CPU whose every translation goes through a model of Linux x86-64 "
                + "memory management.");
        OptionSpecs.addStandardHelpOptions(spec);
        CommandLine cl = new CommandLine(spec);
        main.commandLine = cl;
        boolean onlyFirst = false;
        for (Map.Entry<String, Supplier<Object>> sub : SUBCOMMANDS) {
            onlyFirst |= sub.getKey().equals(first) && !first.equals("help");
        }
        // --version alone prints one line that no subcommand is part of.
        boolean versionOnly = args.length == 1 && (first.equals("--version") || first.equals("-V"));
        for (Map.Entry<String, Supplier<Object>> sub : SUBCOMMANDS) {
            if (!versionOnly && (!onlyFirst || sub.getKey().equals(first))) cl.addSubcommand(sub.getKey(), sub.getValue().get());
        }
        // Everything after PROGRAM belongs to the guest, options included.
        for (String guestRunning : List.of("run", "debug", "campaign")) {
            CommandLine c = cl.getSubcommands().get(guestRunning);
            if (c != null) c.setStopAtPositional(true);
        }
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
