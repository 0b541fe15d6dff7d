package io.mmemu.emulator.lab;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmemu lab list|check N [PATH]|scenario N}: the autograded labs under labs/. */
@Command(name = "lab", mixinStandardHelpOptions = true,
        description = "The teaching labs under labs/ (see labs/README.md): list them, grade a hand-in, or run a "
                + "lab's scenario.",
        subcommands = {LabCommand.ListLabs.class, LabCommand.CheckLab.class, LabCommand.Scenario.class})
public final class LabCommand implements Runnable {
    /** The command; picocli adds its subcommands. */
    public LabCommand() {}

    @Override
    public void run() {
        new ListLabs().call();
    }

    /** {@code lab list}. */
    @Command(name = "list", description = "Lists the labs with their directories.")
    static final class ListLabs implements Callable<Integer> {
        @Override
        public Integer call() {
            for (Lab l : Labs.ALL) System.out.printf("%d  %-16s %s%n", l.number(), "labs/" + l.directory(), l.title());
            return 0;
        }
    }

    /** {@code lab check N [PATH]}. */
    @Command(name = "check", description = "Grades the hand-in of lab N in PATH (default: labs/N-name found from "
            + "the current directory) and prints the score and, for each failed check, what was expected. Exit "
            + "status 0 for full marks, 1 otherwise, 2 for an unknown lab.")
    static final class CheckLab implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "N", description = "The lab's number (mmemu lab list).")
        int number;

        @Parameters(index = "1", paramLabel = "PATH", arity = "0..1", description = "The hand-in's directory.")
        Path dir;

        @Override
        public Integer call() {
            return check(number, dir, System.out, System.err);
        }
    }

    /** {@code lab scenario N}. */
    @Command(name = "scenario", description = "Runs lab N's scenario (lab 4: the kernel-object scenario with a "
            + "planted bug) and prints what the kernel would print.")
    static final class Scenario implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "N", description = "The lab's number.")
        int number;

        @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1",
                description = "Which variant of the scenario (default: ${DEFAULT-VALUE}); the answers file names it.")
        long seed;

        @Option(names = "--slub-debug", paramLabel = "FLAGS", arity = "0..1", fallbackValue = "FZPU",
                description = "Boot the scenario's kernel with slub_debug=FLAGS (F, Z, P, U as Linux takes them; "
                        + "alone: all four). Without it the bug goes unreported.")
        String slubDebug;

        @Override
        public Integer call() {
            if (number != 4) {
                System.err.println("mmemu: lab scenario: only lab 4 has a scenario (got " + number + ")");
                return 2;
            }
            System.out.print(SlubScenario.of(seed).run(slubDebug == null ? "" : slubDebug).transcript());
            return 0;
        }
    }

    /** Grades lab {@code n} in {@code dir} (null: the default place), prints the report; the exit status. */
    static int check(int n, Path dir, PrintStream out, PrintStream err) {
        Lab lab = Labs.byNumber(n);
        if (lab == null) {
            err.println("mmemu: lab check: no lab " + n + " (expected one of: " + Labs.ALL.stream()
                    .map(l -> String.valueOf(l.number())).reduce((a, b) -> a + ", " + b).orElse("") + ")");
            return 2;
        }
        Path d = dir != null ? dir : Labs.defaultDir(lab, Path.of(""));
        LabReport report = lab.check(d);
        report.print(out);
        return report.score() == report.max() ? 0 : 1;
    }
}
