package io.mmemu.tlb;

/**
 * The text view of one {@link Tlb}: what a lab, a debugger or a failing test reads. The valid
 * entries as a table, one line each, arrays in page-size order and ways in set order. {@code lru}
 * ranks the way within its set: 0 is the most recently used. Flags are {@code R W X} (cached
 * rights), {@code U} (U/S), {@code D} (dirty), {@code G} (global), {@code -} where clear.
 * <pre>
 * TLB 4K 4x2, 2M 1x2, 1G 1x1, CR4.PCIDE=1, current PCID 3, 2/11 valid
 * size  set way lru  pcid  virtual page        frame             flags
 * 4K      1   0   1  0x003 0x00007f0000005000  0x0000000123000  R W X U D -
 * 2M      0   0   0  0x003 0xffffffff81200000  0x0000001200000  R W - - D G
 * </pre>
 * Reading it changes nothing: no LRU order, no counter.
 */
final class TlbDump {
    private TlbDump() {}

    /** {@code tlb}'s table; {@code arrays} are its arrays, in page-size order. */
    static String dump(Tlb tlb, TlbArray[] arrays) {
        StringBuilder sb = new StringBuilder();
        sb.append("TLB ").append(geometry(tlb.config())).append(", CR4.PCIDE=").append(tlb.pcide() ? 1 : 0)
                .append(", current PCID ").append(tlb.currentPcid()).append(", ").append(tlb.validEntries()).append('/')
                .append(tlb.config().capacity()).append(" valid\n");
        sb.append("size  set way lru  pcid  virtual page        frame             flags\n");
        for (TlbArray a : arrays) {
            for (int i = 0; i < a.meta.length; i++) {
                int m = a.meta[i];
                if (!TlbArray.metaValid(m)) continue;
                sb.append(String.format("%-4s %4d %3d %3d  0x%03x 0x%016x  0x%013x  %s%n", a.size.label, i / a.ways,
                        i % a.ways, a.lruRank(i), TlbArray.metaPcid(m), a.vaddrOf(i), a.pfn[i] << Tlb.PAGE_SHIFT, flags(m)));
            }
        }
        return sb.toString();
    }

    private static String flags(int m) {
        return ((m & TlbArray.M_R) != 0 ? "R" : "-") + ((m & TlbArray.M_W) != 0 ? " W" : " -")
                + ((m & TlbArray.M_X) != 0 ? " X" : " -") + ((m & TlbArray.M_U) != 0 ? " U" : " -")
                + ((m & TlbArray.M_D) != 0 ? " D" : " -") + ((m & TlbArray.M_G) != 0 ? " G" : " -");
    }

    private static String geometry(TlbConfig config) {
        StringBuilder sb = new StringBuilder();
        for (PageSize s : PageSize.values()) {
            if (s.ordinal() > 0) sb.append(", ");
            sb.append(s.label).append(' ').append(config.sets(s)).append('x').append(config.ways(s));
        }
        return sb.toString();
    }
}
