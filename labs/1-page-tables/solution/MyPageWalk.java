import io.mmemu.emulator.lab.pgtable.AccessType;
import io.mmemu.emulator.lab.pgtable.PageWalk;
import io.mmemu.emulator.lab.pgtable.PhysRead;
import io.mmemu.emulator.lab.pgtable.Translation;

/** Lab 1's reference solution: the 4-level walk of SDM vol. 3A, 4.5 with the checks of 4.6 and the error code of 4.7. */
public class MyPageWalk implements PageWalk {
    static final long P = 1, RW = 1 << 1, US = 1 << 2, PS = 1 << 7, NX = 1L << 63;
    /** Bits 51:12 of an entry: the next table's or the page's physical address. */
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;
    /** Bits 51:46: physical-address bits at or above MAXPHYADDR (46), reserved in every entry. */
    static final long ABOVE_MAXPHYADDR = 0x000F_C000_0000_0000L;
    /** Where each level's 9-bit index starts in the virtual address: PML4, PDPT, PD, PT. */
    static final int[] SHIFT = {39, 30, 21, 12};

    @Override
    public Translation translate(PhysRead mem, long cr3, long vaddr, AccessType type, boolean user) {
        // The error code's access bits (4.7): W/R for writes, U/S from user mode, I/D for fetches (EFER.NXE is set).
        int access = (type == AccessType.WRITE ? Translation.PF_WRITE : 0) | (user ? Translation.PF_USER : 0)
                | (type == AccessType.FETCH ? Translation.PF_INSTR : 0);
        long table = cr3 & ADDR;
        boolean writable = true, userOk = true, noExec = false;
        for (int level = 0; level < 4; level++) {
            long entry = mem.readLong(table + 8 * ((vaddr >>> SHIFT[level]) & 511));
            if ((entry & P) == 0) return Translation.pageFault(access);
            long span = 1L << SHIFT[level];
            // PS maps a page at the PDPT (1 GiB) and PD (2 MiB) levels; in a PML4 entry it is reserved.
            boolean leaf = level == 3 || (level > 0 && (entry & PS) != 0);
            long reserved = ABOVE_MAXPHYADDR | (level == 0 ? PS : 0);
            if (leaf && level < 3) reserved |= (span - 1) & ~0x1FFFL; // a huge page's address must be aligned; bit 12 is PAT
            if ((entry & reserved) != 0) return Translation.pageFault(access | Translation.PF_PROT | Translation.PF_RSVD);
            // Rights accumulate: every level must allow user access and writes; NX at any level forbids fetches.
            writable &= (entry & RW) != 0;
            userOk &= (entry & US) != 0;
            noExec |= (entry & NX) != 0;
            if (leaf) {
                boolean denied = (user && !userOk) // U/S
                        || (type == AccessType.WRITE && !writable) // R/W; CR0.WP = 1 applies it to the kernel too
                        || (type == AccessType.FETCH && noExec); // NX
                if (denied) return Translation.pageFault(access | Translation.PF_PROT);
                return Translation.ok((entry & ADDR & ~(span - 1)) | (vaddr & (span - 1)));
            }
            table = entry & ADDR;
        }
        throw new AssertionError("the PT level always ends the walk");
    }
}
