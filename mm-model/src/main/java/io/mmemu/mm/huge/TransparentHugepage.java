package io.mmemu.mm.huge;

import io.mmemu.mm.page.LongMap;

/**
 * The machine-wide state of transparent huge pages: the policy of
 * /sys/kernel/mm/transparent_hugepage/enabled (transparent_hugepage_flags, mm/huge_memory.c) and
 * how many PMDs map each huge folio (folio-&gt;_entire_mapcount), whose count of folios mapped at
 * least once is NR_ANON_THPS, /proc/meminfo's AnonHugePages; and the huge zero page
 * (huge_zero_folio), which read faults map when use_zero_page is set (the default).
 *
 * <p>The map is keyed by head frame and never iterated, so hash order cannot reach a run; it does
 * not box, so the fault path allocates nothing.
 */
public final class TransparentHugepage {
    private ThpPolicy enabled = ThpPolicy.MADVISE;
    /** /sys/kernel/mm/transparent_hugepage/use_zero_page. */
    private boolean useZeroPage = true;
    /**
     * The huge zero folio's first frame, or -1 before the first read fault needs it. Once
     * allocated it stays (Linux's shrinker frees it when no mm uses it; the model keeps it, as a
     * machine under no memory pressure does).
     */
    private long hugeZeroPfn = -1;
    /** folio-&gt;_entire_mapcount of each PMD-mapped huge folio, by head frame; absent when 0. */
    private final LongMap entireMapcount = new LongMap();
    /**
     * huge_anon_orders_always, _madvise and _inherit, mm/huge_memory.c: a bit per anonymous folio
     * order set by hugepages-NkB/enabled. At boot only the PMD order inherits the global policy.
     */
    private long hugeAnonOrdersAlways;
    private long hugeAnonOrdersMadvise;
    private long hugeAnonOrdersInherit = 1L << HugeMemory.HPAGE_PMD_ORDER;
    private static final int NR_MTHP_STATS = MthpStat.values().length;
    /** mthp_stats: a counter per order and {@link MthpStat}, order-major. */
    private final long[] mthpStats = new long[(HugeMemory.HPAGE_PMD_ORDER + 1) * NR_MTHP_STATS];
    /** The other tunables of the sysfs directory (defrag, shmem_enabled, khugepaged/*). */
    private final ThpTunables tunables = new ThpTunables();

    /** The state at boot: policy madvise, no huge folio mapped. */
    public TransparentHugepage() {}

    /** {@return the policy: /sys/kernel/mm/transparent_hugepage/enabled} */
    public ThpPolicy enabled() {
        return enabled;
    }

    /**
     * Models enabled_store(), mm/huge_memory.c: a new policy, for faults from now on.
     *
     * @param policy the policy
     */
    public void setEnabled(ThpPolicy policy) {
        if (policy == null) throw new IllegalArgumentException("THP policy must not be null");
        this.enabled = policy;
    }

    /** {@return use_zero_page: whether a read fault maps the huge zero page instead of allocating a huge page} */
    public boolean useZeroPage() {
        return useZeroPage;
    }

    /**
     * Sets use_zero_page (use_zero_page_store()).
     *
     * @param use whether read faults map the huge zero page
     */
    public void setUseZeroPage(boolean use) {
        this.useZeroPage = use;
    }

    /** {@return defrag, shmem_enabled and the khugepaged tunables, stored as sysfs takes them} */
    public ThpTunables tunables() {
        return tunables;
    }

    /**
     * {@return the setting of hugepages-NkB/enabled for an anonymous folio order (thpsize_enabled_show())}
     *
     * @param order a folio order in {@link #THP_ORDERS_ALL_ANON}
     */
    public MthpPolicy anonOrderPolicy(int order) {
        long bit = 1L << order;
        if ((hugeAnonOrdersAlways & bit) != 0) return MthpPolicy.ALWAYS;
        if ((hugeAnonOrdersInherit & bit) != 0) return MthpPolicy.INHERIT;
        if ((hugeAnonOrdersMadvise & bit) != 0) return MthpPolicy.MADVISE;
        return MthpPolicy.NEVER;
    }

    /**
     * Models thpsize_enabled_store(), mm/huge_memory.c: moves {@code order}'s bit into the mask of
     * the new setting (and out of the others).
     *
     * @param order  a folio order in {@link #THP_ORDERS_ALL_ANON}
     * @param policy the new setting
     */
    public void setAnonOrderPolicy(int order, MthpPolicy policy) {
        if (order < 0 || ((THP_ORDERS_ALL_ANON >>> order) & 1) == 0) {
            throw new IllegalArgumentException("anonymous THP order must be 2 to 9 (got " + order + ")");
        }
        long bit = 1L << order;
        hugeAnonOrdersAlways &= ~bit;
        hugeAnonOrdersInherit &= ~bit;
        hugeAnonOrdersMadvise &= ~bit;
        switch (policy) {
            case ALWAYS -> hugeAnonOrdersAlways |= bit;
            case INHERIT -> hugeAnonOrdersInherit |= bit;
            case MADVISE -> hugeAnonOrdersMadvise |= bit;
            case NEVER -> { }
        }
    }

    /**
     * The sysfs half of thp_vma_allowable_orders(), include/linux/huge_mm.h (TVA_ENFORCE_SYSFS on
     * an anonymous VMA): the orders set to always, those set to madvise when the VMA has
     * VM_HUGEPAGE, and those that inherit when the global policy allows the VMA.
     *
     * @param vmHugepage whether the VMA has VM_HUGEPAGE (MADV_HUGEPAGE)
     * @return a bit per allowed order
     */
    public long anonOrdersEnabled(boolean vmHugepage) {
        long mask = hugeAnonOrdersAlways;
        if (vmHugepage) mask |= hugeAnonOrdersMadvise;
        // hugepage_global_always() || (VM_HUGEPAGE && hugepage_global_enabled())
        if (enabled == ThpPolicy.ALWAYS || (vmHugepage && enabled == ThpPolicy.MADVISE)) mask |= hugeAnonOrdersInherit;
        return mask;
    }

    /**
     * Models count_mthp_stat(): one more event of {@code item} for folios of {@code order}.
     *
     * @param order the folio order
     * @param item  the counter
     */
    public void countMthp(int order, MthpStat item) {
        mthpStats[order * NR_MTHP_STATS + item.ordinal()]++;
    }

    /**
     * {@return a per-size counter (sum_mthp_stat())}
     *
     * @param order the folio order
     * @param item  the counter
     */
    public long mthpStat(int order, MthpStat item) {
        return mthpStats[order * NR_MTHP_STATS + item.ordinal()];
    }

    /** THP_ORDERS_ALL_ANON, include/linux/huge_mm.h: orders 2 to PMD_ORDER (order 1 cannot hold a deferred-split list). */
    public static final long THP_ORDERS_ALL_ANON = ((1L << (HugeMemory.HPAGE_PMD_ORDER + 1)) - 1) & ~3L;

    /** {@return the huge zero folio's first frame, or -1 while it has not been allocated} */
    public long hugeZeroPfn() {
        return hugeZeroPfn;
    }

    /** Records the huge zero folio, allocated by {@link HugeMemory}. */
    void setHugeZeroPfn(long pfn) {
        this.hugeZeroPfn = pfn;
    }

    /** {@return NR_ANON_THPS: huge folios that at least one PMD maps} */
    public long nrAnonThps() {
        return entireMapcount.size();
    }

    /**
     * {@return how many PMDs map the huge folio whose head is {@code head} (folio_entire_mapcount())}
     *
     * @param head the folio's first frame
     */
    public int entireMapcount(long head) {
        return (int) entireMapcount.get(head, 0);
    }

    /** One more PMD maps the folio at {@code head} (folio_add_anon_rmap_pmd()). */
    void entireMap(long head) {
        entireMapcount.put(head, entireMapcount.get(head, 0) + 1);
    }

    /** One PMD fewer maps the folio at {@code head} (folio_remove_rmap_pmd()). */
    void entireUnmap(long head) {
        long n = entireMapcount.get(head, 0);
        if (n == 0) throw new IllegalStateException(String.format("no PMD maps a huge folio at pfn 0x%x", head));
        if (n == 1) entireMapcount.remove(head);
        else entireMapcount.put(head, n - 1);
    }
}
