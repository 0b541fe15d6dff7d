package io.mmemu.slub;

/**
 * The emulated CPU a task is running on, as seen by the allocator: what
 * {@code raw_cpu_ptr()} and {@code this_cpu_cmpxchg()} consult.
 *
 * <p>A host thread passes its binding into every allocator call. The fast path reads
 * {@link #cpu()} once to find the per-CPU (freelist, tid) pair and reads it again at the
 * compare-and-exchange, because {@code this_cpu_cmpxchg} acts on whichever CPU the task is
 * on at that instant: a task that migrated in between exchanges on the new CPU's pair, whose
 * tid carries a different CPU number, so the exchange fails and the fast path starts over.
 * {@link #migrate} may be called by the owning thread or, under the
 * {@link io.mmemu.slub.testing.DeterministicScheduler}, by the scheduler while the task is parked.
 *
 * <p>The binding also carries what SLAB_STORE_USER records (pid) and an optional
 * {@link SchedHook} called at every {@link SchedPoint} of the fast paths.
 */
public final class CpuBinding {
    private final int nrCpus;
    /** The CPU the task runs on now; volatile so that a migration by another thread is seen at the next read. */
    private volatile int cpu;
    private int pid;
    /** Called at each scheduling point of the fast paths, or null. */
    SchedHook hook;

    CpuBinding(int nrCpus, int cpu, int pid) {
        this.nrCpus = nrCpus;
        checkCpu(cpu);
        this.cpu = cpu;
        this.pid = pid;
    }

    /** {@return the CPU the task is on now (smp_processor_id())} */
    public int cpu() {
        return cpu;
    }

    /**
     * Moves the task to another CPU; takes effect at the allocator's next read of the CPU.
     *
     * @param newCpu the CPU to move to, 0 to {@code nrCpus - 1}
     */
    public void migrate(int newCpu) {
        checkCpu(newCpu);
        this.cpu = newCpu;
    }

    /** {@return the task id recorded in allocation and free tracks} */
    public int pid() {
        return pid;
    }

    /**
     * Sets the task id recorded in allocation and free tracks.
     *
     * @param pid the task id
     */
    public void setPid(int pid) {
        this.pid = pid;
    }

    /**
     * Installs (or with null removes) the hook called at every fast-path {@link SchedPoint}.
     *
     * @param hook the hook, or null for none
     */
    public void setHook(SchedHook hook) {
        this.hook = hook;
    }

    /** {@return the hook called at every fast-path scheduling point, or null} */
    public SchedHook hook() {
        return hook;
    }

    private void checkCpu(int c) {
        if (c < 0 || c >= nrCpus) {
            throw new IllegalArgumentException("cpu out of range (expected: 0.." + (nrCpus - 1) + ", got " + c + ")");
        }
    }

    @Override
    public String toString() {
        return "CpuBinding[cpu=" + cpu + ", pid=" + pid + "]";
    }
}
