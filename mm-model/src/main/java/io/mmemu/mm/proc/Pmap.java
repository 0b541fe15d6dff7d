package io.mmemu.mm.proc;

import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code pmap -x} of an address space, in procps-ng's format: Address, Kbytes, RSS, Dirty, Mode,
 * Mapping, and the totals line. RSS counts pages mapped in the page tables, Dirty those whose PTE
 * has D set (what smaps' Private_Dirty + Shared_Dirty sum to for a single process).
 */
public final class Pmap {
    private Pmap() {}

    /**
     * The output of {@code pmap -x PID}.
     *
     * @param mm      the address space
     * @param pid     the process id, for the header
     * @param cmdline the command line, for the header
     * @return the text
     */
    public static String pmapX(MmStruct mm, int pid, String cmdline) {
        StringBuilder sb = new StringBuilder();
        sb.append(pid).append(":   ").append(cmdline).append('\n');
        sb.append("Address           Kbytes     RSS   Dirty Mode  Mapping\n");
        long totalKb = 0, totalRss = 0, totalDirty = 0;
        PageTable pgd = mm.pgd();
        for (Vma v : mm.vmas()) {
            long[] rssDirty = rssDirtyKb(pgd, v);
            long kb = (v.end() - v.start()) >>> 10;
            sb.append(String.format(Locale.ROOT, "%016x %7d %7d %7d %s %s%n", v.start(), kb, rssDirty[0], rssDirty[1],
                    mode(v), mapping(mm, v)));
            totalKb += kb;
            totalRss += rssDirty[0];
            totalDirty += rssDirty[1];
        }
        sb.append("---------------- ------- ------- ------- \n");
        sb.append(String.format(Locale.ROOT, "total kB %15d %7d %7d%n", totalKb, totalRss, totalDirty));
        return sb.toString();
    }

    /**
     * pmap's RSS and Dirty columns of one VMA: the kB mapped by its present entries, and those
     * whose entry has D set (a huge PMD counts 2 MiB).
     *
     * @param pgd the address space's page tables
     * @param v   one of its VMAs
     * @return {RSS kB, Dirty kB}
     */
    public static long[] rssDirtyKb(PageTable pgd, Vma v) {
        long[] rssDirty = new long[2];
        pgd.forEachPresentPte(v.start(), v.end(), (va, slot, pte) -> {
            long kb = (pte & Pte.PS) != 0 ? PageTypes.PMD_SIZE >>> 10 : 4; // a huge PMD maps 2 MiB
            rssDirty[0] += kb;
            if ((pte & Pte.D) != 0) rssDirty[1] += kb;
        });
        return rssDirty;
    }

    /** pmap's five-character mode: r w x, then s for shared, then R for MAP_NORESERVE. */
    static String mode(Vma v) {
        return "" + (v.has(VmFlags.VM_READ) ? 'r' : '-') + (v.has(VmFlags.VM_WRITE) ? 'w' : '-')
                + (v.has(VmFlags.VM_EXEC) ? 'x' : '-') + (v.has(VmFlags.VM_MAYSHARE) ? 's' : '-')
                + (v.has(VmFlags.VM_NORESERVE) ? 'R' : '-');
    }

    /** The file's base name, or "  [ anon ]" / "  [ stack ]" as pmap names anonymous memory. */
    static String mapping(MmStruct mm, Vma v) {
        if (v.file() != null) return Path.of(v.file().displayPath()).getFileName().toString();
        if ("[stack]".equals(mm.label(v))) return "  [ stack ]";
        return "  [ anon ]";
    }
}
