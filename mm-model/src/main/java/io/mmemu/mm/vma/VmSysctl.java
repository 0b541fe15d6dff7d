package io.mmemu.mm.vma;

/**
 * The vm sysctls the model obeys (/proc/sys/vm, kernel/sysctl.c and mm/util.c), machine-wide as
 * on Linux: vm.mmap_min_addr (the lowest address a task without CAP_SYS_RAWIO may map, and below
 * which no stack grows), vm.max_map_count (the most VMAs an address space may hold),
 * vm.overcommit_memory and vm.overcommit_ratio (__vm_enough_memory()'s policy and, under
 * OVERCOMMIT_NEVER, the share of RAM that may be committed). The kernel's /proc/sys/vm files read
 * and write them; the setters take values already checked as the sysctl handlers check them.
 */
public final class VmSysctl {
    /** vm.overcommit_memory: the heuristic (the default), always, or never beyond the commit limit. */
    public static final int OVERCOMMIT_GUESS = 0, OVERCOMMIT_ALWAYS = 1, OVERCOMMIT_NEVER = 2;
    /** vm.overcommit_ratio's default, in percent of RAM. */
    public static final int OVERCOMMIT_RATIO = 50;

    private long mmapMinAddr = MmStruct.MMAP_MIN_ADDR;
    private int maxMapCount = MmStruct.MAX_MAP_COUNT;
    private int overcommitMemory = OVERCOMMIT_GUESS;
    private int overcommitRatio = OVERCOMMIT_RATIO;
    /** vm.unprivileged_userfaultfd: 0 (Linux's default since 5.11), so only CAP_SYS_PTRACE may handle kernel faults. */
    private int unprivilegedUserfaultfd;

    /** The defaults of a booted kernel: 65536, 65530, OVERCOMMIT_GUESS, 50%. */
    public VmSysctl() {}

    /** {@return vm.mmap_min_addr (dac_mmap_min_addr; no LSM raises it here)} */
    public long mmapMinAddr() {
        return mmapMinAddr;
    }

    /**
     * Sets vm.mmap_min_addr (update_mmap_min_addr()).
     *
     * @param addr the new lowest address, any unsigned long
     */
    public void setMmapMinAddr(long addr) {
        this.mmapMinAddr = addr;
    }

    /** {@return vm.unprivileged_userfaultfd: 1 when any user may create a userfaultfd that handles kernel faults} */
    public int unprivilegedUserfaultfd() {
        return unprivilegedUserfaultfd;
    }

    /**
     * Sets vm.unprivileged_userfaultfd.
     *
     * @param value 0 or 1
     */
    public void setUnprivilegedUserfaultfd(int value) {
        if (value != 0 && value != 1) {
            throw new IllegalArgumentException("unprivileged_userfaultfd must be 0 or 1 (got " + value + ")");
        }
        this.unprivilegedUserfaultfd = value;
    }

    /** {@return vm.max_map_count} */
    public int maxMapCount() {
        return maxMapCount;
    }

    /**
     * Sets vm.max_map_count; existing VMAs beyond it stay.
     *
     * @param count the most VMAs an address space may hold, at least 0
     */
    public void setMaxMapCount(int count) {
        if (count < 0) throw new IllegalArgumentException("max_map_count must not be negative (got " + count + ")");
        this.maxMapCount = count;
    }

    /** {@return vm.overcommit_memory: {@link #OVERCOMMIT_GUESS}, {@link #OVERCOMMIT_ALWAYS} or {@link #OVERCOMMIT_NEVER}} */
    public int overcommitMemory() {
        return overcommitMemory;
    }

    /**
     * Sets vm.overcommit_memory.
     *
     * @param policy 0, 1 or 2
     */
    public void setOvercommitMemory(int policy) {
        if (policy < OVERCOMMIT_GUESS || policy > OVERCOMMIT_NEVER) {
            throw new IllegalArgumentException("overcommit_memory must be 0, 1 or 2 (got " + policy + ")");
        }
        this.overcommitMemory = policy;
    }

    /** {@return vm.overcommit_ratio, in percent (any int, as proc_dointvec() takes it)} */
    public int overcommitRatio() {
        return overcommitRatio;
    }

    /**
     * Sets vm.overcommit_ratio.
     *
     * @param ratio the percentage of RAM that OVERCOMMIT_NEVER lets be committed
     */
    public void setOvercommitRatio(int ratio) {
        this.overcommitRatio = ratio;
    }
}
