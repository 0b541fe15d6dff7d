package io.mmemu.mm.huge;

/** The per-size THP counters of mm/huge_memory.c (enum mthp_stat_item) that the model counts. */
public enum MthpStat {
    /** A fault allocated and mapped a folio of this size. */
    ANON_FAULT_ALLOC("anon_fault_alloc"),
    /** A fault wanted a folio of this size and found no free block of its order. */
    ANON_FAULT_FALLBACK("anon_fault_fallback");

    /** The file's name under hugepages-NkB/stats. */
    public final String fileName;

    MthpStat(String fileName) {
        this.fileName = fileName;
    }
}
