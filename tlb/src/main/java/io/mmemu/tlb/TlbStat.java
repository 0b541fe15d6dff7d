package io.mmemu.tlb;

/**
 * Event counters of one {@link Tlb}, one slot each in an enum-indexed array. Where Linux has the
 * counter (include/linux/vm_event_item.h, shown in /proc/vmstat) the name is Linux's; those two
 * are counted only by {@link Tlb#flushTlbRange}, the code path that counts them in Linux.
 */
public enum TlbStat {
    /** {@link Tlb#lookup} calls. */
    LOOKUP,
    /** Lookups answered from a cached entry. */
    HIT,
    /** Lookups that found no usable entry, permission misses included: the CPU walks. */
    MISS,
    /** Misses where an entry for the address existed but its cached rights refused the access. */
    MISS_PERMISSION,
    /** Entries inserted by {@link Tlb#fill}. */
    FILL,
    /** Of those, entries for a 2 MiB page (a huge PMD's translation, kept whole). */
    FILL_2M,
    /**
     * Fills of a page size the array holds no entries for, cached as a smaller page covering the
     * address (SDM 4.10.2.3): a 1 GiB page in an array without 1 GiB ways becomes a 2 MiB or 4 KiB entry.
     */
    FILL_SPLINTERED,
    /** Valid entries a fill pushed out of a full set (the set's least recently used way). */
    EVICTION,
    /** Entries a fill dropped because the new entry translates the same address for the same PCID. */
    FILL_REPLACED,
    /** Single-address invalidations: INVLPG or INVPCID type 0. */
    FLUSH_SINGLE,
    /** Whole-context invalidations: MOV to CR3 without NOFLUSH, INVPCID types 1 to 3, CR4 changes. */
    FLUSH_FULL,
    /** Valid entries removed by any invalidation. */
    ENTRIES_INVALIDATED,
    /** nr_tlb_local_flush_all: flush_tlb_func() chose a full flush of the local TLB. */
    NR_TLB_LOCAL_FLUSH_ALL,
    /** nr_tlb_local_flush_one: pages flushed one by one by flush_tlb_func() (counted per page). */
    NR_TLB_LOCAL_FLUSH_ONE
}
