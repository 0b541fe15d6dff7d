package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmemu.emulator.run.RunConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * run's options are built with picocli's programmatic model, whose values live in the specs: the
 * defaults must be mmemu run's documented ones whether or not anything was parsed (demo runs with
 * an unparsed command), and each option must reach its place in the RunConfig.
 */
class RunOptionsTest {
    private static final Path PROG = Path.of("prog");

    @Test
    void withNoOptionsTheRunIsRunConfigsDefaults() {
        assertEquals(RunConfig.defaults(PROG, List.of("a", "-b")), RunCommand.parse(List.of("prog", "a", "-b")).config());
        assertEquals(RunConfig.defaults(PROG, List.of()), new RunOptions().config(PROG, List.of()), "unparsed");
    }

    @Test
    void eachOptionReachesTheRunConfig() {
        RunConfig c = RunCommand.parse(List.of("--ram", "1G", "--no-aslr", "--seed", "7", "--stats", "--verbose",
                "--cpus", "3", "--quantum", "500", "--tlb", "teaching", "--no-pcid", "--check-tlb", "--drop-shootdowns",
                "--slub-debug", "FZ", "--precise", "--exact-tlb", "--root", "/r", "--max-instructions", "9", "--fail",
                "failslab", "--fail", "preempt", "--thp", "never", "--cpu-model", "skylake-server", "--env", "A=1",
                "prog", "--stats")).config();
        assertEquals(new RunConfig(PROG, List.of("--stats"), List.of("A=1"), 1L << 30, false, 7, 3, 500, "teaching",
                false, true, true, true, true, true, true, Path.of("/r"), 9, List.of("failslab", "preempt"), "FZ",
                "never", "skylake-server"), c);
    }

    @Test
    void aSecondParseStartsFromTheDefaults() {
        RunCommand run = new RunCommand();
        CommandLine cl = new CommandLine(run.spec()).setStopAtPositional(true);
        cl.parseArgs("--stats", "--fail", "failslab", "--ram", "1G", "prog");
        cl.parseArgs("prog");
        assertEquals(RunConfig.defaults(PROG, List.of()), run.config());
    }

    @Test
    void aBadValueIsRefusedWithTheOptionsName() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> RunCommand.parse(List.of("--cpus", "x", "prog")));
        assertEquals("Invalid value for option '--cpus': 'x' is not an int", e.getMessage());
    }
}
