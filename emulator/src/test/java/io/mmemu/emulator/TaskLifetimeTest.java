package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host keeps nothing for a task beyond its life: tasks-hold forks and reaps 50 children,
 * then holds 2 children and 2 threads while it reads stdin. At that read the machine must keep
 * entries for the 5 live tasks only; it kept one (and an engine context) for every task ever
 * created, so host memory and every walk over the tasks grew with a program's history.
 */
class TaskLifetimeTest {
    @Test
    void tasksThatAreGoneLeaveNoEntryBehind() throws Exception {
        GuestProgram p = GuestProgram.named("tasks-hold");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream sink = OutputStream.nullOutputStream();
        List<Integer> keptAtTheRead = new ArrayList<>();
        Machine[] machine = new Machine[1];
        InputStream stdin = new InputStream() {
            @Override
            public int read() {
                keptAtTheRead.add(machine[0].tasksKept());
                return -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return read();
            }
        };
        MachineOptions o = new MachineOptions(64L << 20, false, 1, false, false, out, sink, new PrintStream(sink),
                false, null, stdin);
        try (Machine m = new Machine(o)) {
            machine[0] = m;
            m.exec(p.binary(), List.of("tasks-hold", "2", "2", "50"), List.of());
            RunOutcome outcome = m.run();
            assertEquals(0, outcome.exitCode(), outcome.toString());
            assertEquals("""
                    churned 50 of 50 children
                    holding 2 processes and 2 threads
                    released: 2 children exited 0, 2 threads joined
                    """, out.toString(StandardCharsets.UTF_8));
            assertEquals(List.of(5, 1), keptAtTheRead, "entries while the main thread, 2 children and 2 threads live, then once they have ended");
            assertEquals(0, m.tasksKept(), "entries after the run");
        }
    }
}
