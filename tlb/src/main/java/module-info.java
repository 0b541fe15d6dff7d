/**
 * The per-CPU hardware TLB model with its presets ({@code io.mmemu.tlb}), Linux's x86 TLB
 * management: ASIDs, lazy TLB, shootdowns ({@code io.mmemu.tlb.linux}), and the
 * stale-translation checker ({@code io.mmemu.tlb.check}), and the MMU loop that joins them to the
 * page walker and the fault handler ({@code io.mmemu.tlb.mmu}). A CPU front end drives all four.
 */
module io.mmemu.tlb {
    requires transitive io.mmemu.mm;

    exports io.mmemu.tlb;
    exports io.mmemu.tlb.check;
    exports io.mmemu.tlb.linux;
    exports io.mmemu.tlb.mmu;
}
