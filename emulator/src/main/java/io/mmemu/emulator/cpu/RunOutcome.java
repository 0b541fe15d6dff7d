package io.mmemu.emulator.cpu;

import io.mmemu.mm.fault.FaultResult;

/** How a task's run on a CPU ended: it exited with a code, or a fatal signal killed it at {@code ip}. */
public record RunOutcome(boolean killed, int exitCode, int signal, long ip, FaultResult.Signal info) {
    static RunOutcome exited(int code) {
        return new RunOutcome(false, code, 0, 0, null);
    }

    static RunOutcome killed(int signal, long ip, FaultResult.Signal info) {
        return new RunOutcome(true, 0, signal, ip, info);
    }
}
