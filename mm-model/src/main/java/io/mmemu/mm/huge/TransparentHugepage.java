package io.mmemu.mm.huge;

import io.mmemu.mm.page.LongMap;

/**
 * The machine-wide state of transparent huge pages: the policy of
 * /sys/kernel/mm/transparent_hugepage/enabled (transparent_hugepage_flags, mm/huge_memory.c) and
 * how many PMDs map each huge folio (folio-&gt;_entire_mapcount), whose count of folios mapped at
 * least once is NR_ANON_THPS, /proc/meminfo's AnonHugePages.
 *
 * <p>The map is keyed by head frame and never iterated, so hash order cannot reach a run; it does
 * not box, so the fault path allocates nothing.
 */
public final class TransparentHugepage {
    private ThpPolicy enabled = ThpPolicy.MADVISE;
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
