package io.mmemu.tlb;

/**
 * Page-walk counters of one {@link CpuTlb}: how many walks ended in a fill, how many
 * paging-structure entries they read, and how many reads the paging-structure caches saved.
 */
public enum WalkStat {
    /** Successful walks (one per {@link CpuTlb#fill}). */
    WALKS,
    /** Paging-structure entries the walks read: 4 for a 4 KiB page, 3 for 2 MiB, 2 for 1 GiB, less what a cache supplied. */
    WALK_REFS,
    /** Entry reads a paging-structure cache hit made unnecessary. */
    WALK_REFS_SAVED,
    /** Walks that started from a PML4E-cache entry (and no deeper one). */
    PSC_HIT_PML4E,
    /** Walks that started from a PDPTE-cache entry (and no deeper one). */
    PSC_HIT_PDPTE,
    /** Walks that started from a PDE-cache entry: only the PT entry is read. */
    PSC_HIT_PDE,
    /** Entries written into the paging-structure caches. */
    PSC_FILL,
    /** Paging-structure-cache entries removed by invalidations. */
    PSC_INVALIDATED
}
