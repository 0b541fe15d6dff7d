package io.mmemu.emulator.run;

import io.mmemu.fault.Injection;
import io.mmemu.kernel.StopCause;
import java.util.List;

/**
 * How a guest run ended.
 *
 * @param status            the exit status as a shell reports it: the program's, 128+N when signal N killed it,
 *                          124 when --max-instructions or --timeout stopped it, 126 when the file cannot be
 *                          executed, 127 when it does not exist
 * @param started           whether the program ran at all (false when execve() failed)
 * @param signal            the fatal signal, 0 when the program exited or never ran
 * @param stopCause         what stopped the run early, or null
 * @param detail            mmemu's line about how the run ended ("killed by SIGSEGV ..."), or "" for a clean exit
 * @param instructions      instructions executed over all CPUs, or -1 when not counted
 * @param staleTranslations stale TLB entries the checker found (with --check-tlb)
 * @param slubProblems      problems validate_slab_cache() found in the kernel's slab caches after the run
 * @param injections        the faults injected, in order
 * @param wallNanos         wall time of the run (reported only: nothing in a run depends on it)
 */
public record RunResult(int status, boolean started, int signal, StopCause stopCause, String detail, long instructions,
        int staleTranslations, int slubProblems, List<Injection> injections, long wallNanos) {
    /** Exit status of a file that is not an executable this emulator runs (as a shell reports ENOEXEC). */
    public static final int EXIT_NOT_EXECUTABLE = 126;
    /** Exit status of a program that does not exist. */
    public static final int EXIT_NOT_FOUND = 127;
    /** Exit status of a run that --max-instructions or --timeout cut short (coreutils timeout's). */
    public static final int EXIT_STOPPED = 124;

    /** Copies the list of injections. */
    public RunResult {
        injections = List.copyOf(injections);
    }

    /**
     * A run that never started: execve() failed.
     *
     * @param status {@link #EXIT_NOT_EXECUTABLE} or {@link #EXIT_NOT_FOUND}
     * @param detail why
     * @return the result
     */
    static RunResult execFailed(int status, String detail) {
        return new RunResult(status, false, 0, null, detail, -1, 0, 0, List.of(), 0);
    }

    /** {@return whether the program never started: execve() failed} */
    public boolean execFailed() {
        return !started;
    }

    /** {@return whether a signal killed the program} */
    public boolean killed() {
        return signal != 0;
    }
}
