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
