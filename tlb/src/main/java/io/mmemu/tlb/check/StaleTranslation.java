package io.mmemu.tlb.check;

/**
 * One translation a CPU may still use that its page tables no longer allow.
 *
 * @param operation the kernel operation after which the check ran ("munmap", "mprotect", ...)
 * @param cpu the CPU holding it
 * @param where the structure holding it: "L1 dTLB", "STLB", ..., or "PDE cache" and the like
 * @param pcid the PCID it is tagged with
 * @param asid the ASID slot that PCID belongs to
 * @param mm the address space the slot belongs to
 * @param vaddr the first virtual address it covers
 * @param size "4K", "2M", "1G", or the region a paging-structure cache entry covers
 * @param entrySays what the cached entry translates to
 * @param tablesSay what the page tables say now
 */
public record StaleTranslation(String operation, int cpu, String where, int pcid, int asid, String mm, long vaddr,
        String size, String entrySays, String tablesSay) {

    @Override
    public String toString() {
        return String.format("after %s: cpu %d %s pcid 0x%03x (asid %d, %s) 0x%016x %s: cached %s, tables %s", operation,
                cpu, where, pcid, asid, mm, vaddr, size, entrySays, tablesSay);
    }
}
