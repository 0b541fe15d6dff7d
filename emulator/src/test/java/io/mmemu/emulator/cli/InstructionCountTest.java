package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --stats} counts instructions per translated block (with the instructions a fault kept
 * from running taken back), and counts exactly what a callback before every instruction counts:
 * each program runs with the block counter's ops inline in translated code (the default), with
 * its callback per block ({@code -Dmmemu.count=call}) and with the per-instruction reference
 * ({@code -Dmmemu.count=insn}), and the instruction counts are equal. The programs cover plain
 * runs, many syscalls and munmaps, page faults that end in signals and handlers that return, an
 * invalid opcode, a fault at the top of the address space, code rewritten in place, exec, and
 * two CPUs in time slices.
 */
class InstructionCountTest {
    @ParameterizedTest(name = "{0} on {1} CPU(s)")
    @CsvSource({"hello, 1", "malloc-churn, 1", "touch-pages, 1", "mm-fault-signals, 1", "segv-top-of-space, 1",
            "bad-insn, 1", "fault-probe, 1", "smc-count, 1", "wild-jump, 1", "write-rodata, 1", "mm-exec, 1",
            "mm-cow-fork, 1", "mt-basic, 2"})
    void blockCountsEqualTheCountOfACallbackPerInstruction(String name, int cpus) {
        GuestProgram program = GuestProgram.named(name);
        List<String> command = new ArrayList<>(List.of("--stats", "--cpus", Integer.toString(cpus),
                program.binary().toString()));
        command.addAll(program.args());
        assertTrue(Unicorn.countsBlocksInline(), "the block counter's ops are inline with this libunicorn");
        long inline = instructions(command);
        long byCall = instructions(command, "call");
        long reference = instructions(command, "insn");
        assertTrue(reference > 0, name + ": no instructions counted");
        assertEquals(reference, inline, name + ": inline block count vs a callback per instruction");
        assertEquals(reference, byCall, name + ": block callback's count vs a callback per instruction");
    }

    /** The instructions {@code --stats} reports for one in-process run with {@code -Dmmemu.count=how}. */
    private static long instructions(List<String> args, String how) {
        System.setProperty("mmemu.count", how);
        try {
            return instructions(args);
        } finally {
            System.clearProperty("mmemu.count");
        }
    }

    /** The instructions {@code --stats} reports for one in-process run. */
    private static long instructions(List<String> args) {
        RunCommand opts = RunCommand.parse(args);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        RunCommand.runProgram(opts.config(), opts,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        String messages = log.toString(StandardCharsets.UTF_8);
        return messages.lines().map(String::trim).filter(l -> l.startsWith("instructions "))
                .map(l -> Long.parseLong(l.substring("instructions".length()).trim().split("\\s+")[0].replace(",", "")))
                .findFirst().orElseThrow(() -> new AssertionError("no instruction count in:\n" + messages));
    }
}
