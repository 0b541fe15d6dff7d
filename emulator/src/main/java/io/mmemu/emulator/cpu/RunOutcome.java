package io.mmemu.emulator.cpu;

import io.mmemu.mm.fault.FaultResult;

/** How a task's run on a CPU ended: it exited with a code, a fatal signal killed it at {@code ip}, or it gave up the CPU. */
public record RunOutcome(boolean killed, int exitCode, int signal, long ip, FaultResult.Signal info, boolean switched) {
    public static RunOutcome exited(int code) {
        return new RunOutcome(false, code, 0, 0, null, false);
    }

    public static RunOutcome killed(int signal, long ip, FaultResult.Signal info) {
        return new RunOutcome(true, 0, signal, ip, info, false);
    }

    /** The task gave up the CPU (it sleeps or yielded) and lives on. */
    static RunOutcome yielded() {
        return new RunOutcome(false, 0, 0, 0, null, true);
    }
}
