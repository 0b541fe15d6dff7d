package io.mmemu.tlb.linux;

/**
 * An address space as TLB management sees it: the three things arch/x86/mm/tlb.c reads from an
 * mm_struct. {@code ctxId} and {@code tlbGen} are Linux's mm->context.ctx_id and
 * mm->context.tlb_gen (arch/x86/include/asm/mmu.h); {@link #cpumask} is mm_cpumask(mm); the PGD
 * address is what CR3 gets. The memory model's {@link io.mmemu.mm.vma.MmStruct} stays unchanged:
 * {@link MmContexts} keeps one of these per MmStruct.
 *
 * <ul>
 *   <li>ctx_id comes from a global counter at init_new_context() and is never reused, so a CPU's
 *       ASID slot that remembers a ctx_id can never confuse a dead mm with a new one.</li>
 *   <li>tlb_gen counts the changes to the page tables that need a TLB flush: every
 *       flush_tlb_mm_range() increments it first (inc_mm_tlb_gen()); a CPU that has flushed up to
 *       a generation records it in its ASID slot.</li>
 *   <li>mm_cpumask has the CPUs that may hold translations of this mm in the ASID they use for it
 *       right now: set by switch_mm_irqs_off() when a CPU loads the mm, cleared when it loads
 *       another (lazy CPUs stay in it).</li>
 * </ul>
 */
public final class TlbMm {
    private final long ctxId;
    private final long pgdPa;
    private final String label;
    /** mm_cpumask: bit {@code cpu % 64} of word {@code cpu / 64}; iterated in CPU order. */
    private final long[] cpumask;
    private long tlbGen;

    TlbMm(long ctxId, long pgdPa, int nrCpus, String label) {
        this.ctxId = ctxId;
        this.pgdPa = pgdPa;
        this.label = label;
        this.cpumask = new long[(nrCpus + 63) >>> 6];
    }

    /** {@return mm->context.ctx_id} */
    public long ctxId() {
        return ctxId;
    }

    /** {@return mm->context.tlb_gen: the latest generation (mm_tlb_gen in flush_tlb_func())} */
    public long tlbGen() {
        return tlbGen;
    }

    /** Models inc_mm_tlb_gen(), arch/x86/include/asm/tlbflush.h: the new generation. */
    long incTlbGen() {
        return ++tlbGen;
    }

    /** {@return the PML4's physical address (__pa(mm->pgd)), without PCID bits} */
    public long pgdPa() {
        return pgdPa;
    }

    /** {@return a name for dumps and findings ("init_mm", "mm 3", or what the caller gave)} */
    public String label() {
        return label;
    }

    /**
     * Models cpumask_test_cpu(cpu, mm_cpumask(mm)).
     *
     * @param cpu a CPU
     * @return whether it is in the mask
     */
    public boolean cpumaskTest(int cpu) {
        return (cpumask[cpu >>> 6] & 1L << cpu) != 0;
    }

    void cpumaskSet(int cpu) {
        cpumask[cpu >>> 6] |= 1L << cpu;
    }

    void cpumaskClear(int cpu) {
        cpumask[cpu >>> 6] &= ~(1L << cpu);
    }

    /**
     * Whether some CPU other than {@code cpu} is in the mask: cpumask_any_but(mm_cpumask(mm), cpu) &lt; nr_cpu_ids.
     *
     * @param cpu a CPU
     * @return whether another CPU is in the mask
     */
    public boolean cpumaskAnyBut(int cpu) {
        for (int w = 0; w < cpumask.length; w++) {
            long bits = cpumask[w];
            if (w == cpu >>> 6) bits &= ~(1L << cpu);
            if (bits != 0) return true;
        }
        return false;
    }

    /** {@return the CPUs in mm_cpumask, as Linux prints a cpulist ("0-1,3"; "" when empty)} */
    public String cpumaskList() {
        StringBuilder sb = new StringBuilder();
        int n = cpumask.length * 64;
        for (int c = 0; c < n; c++) {
            if (!cpumaskTest(c)) continue;
            int end = c;
            while (end + 1 < n && cpumaskTest(end + 1)) end++;
            if (!sb.isEmpty()) sb.append(',');
            sb.append(c);
            if (end > c) sb.append('-').append(end);
            c = end;
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return label + " (ctx_id " + ctxId + ", tlb_gen " + tlbGen + ", cpus " + cpumaskList() + ")";
    }
}
