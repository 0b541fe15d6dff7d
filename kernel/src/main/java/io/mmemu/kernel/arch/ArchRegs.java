package io.mmemu.kernel.arch;

/**
 * The register state of the task on an {@link ArchCpu}, as values: the user registers
 * ({@link PtRegs}) and the FPU/SSE state ({@link FpuState}), each read and written whole, and the
 * whole context of a task switched out. Writes happen only between runs of the CPU: a run starts
 * where {@code rip} says, and a CPU in the middle of a run (inside a syscall) refuses them.
 */
public interface ArchRegs {
    /**
     * Copies the user registers into {@code into} ({@code origRax} becomes {@link PtRegs#NO_SYSCALL}).
     *
     * @param into overwritten with the CPU's registers
     */
    void get(PtRegs into);

    /**
     * Loads the user registers from {@code from}. Only between runs.
     *
     * @param from the registers the next run starts with
     */
    void set(PtRegs from);

    /**
     * Copies the FPU/SSE state into {@code into}.
     *
     * @param into overwritten with the CPU's FPU/SSE state
     */
    void getFpu(FpuState into);

    /**
     * Loads the FPU/SSE state from {@code from}. Only between runs.
     *
     * @param from the state the next run starts with
     */
    void setFpu(FpuState from);

    /**
     * A new context holding every register of the CPU now: what a task leaves behind when it is
     * switched out (context_switch(): its pt_regs, thread_struct and fpu together). Close it when
     * the task is gone. A context belongs to the CPU it came from (a task that moves to another CPU,
     * which only fault injection does, carries its registers over as values instead).
     *
     * @return the saved context, owned by the caller
     */
    Context saveContext();

    /** A task's whole register state parked off the CPU: opaque to the kernel. */
    interface Context extends AutoCloseable {
        /** Copies the CPU's registers into this context again. */
        void save();

        /** Loads this context into the CPU it came from. Only between runs. */
        void restore();

        /** Frees what the context holds. Idempotent. */
        @Override
        void close();
    }
}
