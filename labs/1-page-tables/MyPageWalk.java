import io.mmemu.emulator.lab.pgtable.AccessType;
import io.mmemu.emulator.lab.pgtable.PageWalk;
import io.mmemu.emulator.lab.pgtable.PhysRead;
import io.mmemu.emulator.lab.pgtable.Translation;

/**
 * Lab 1: your x86-64 page walker. Read README.md first. Check it with
 *   bin/mmemu lab check 1
 * which compiles this file and compares it with mmemu's walker on thousands of random page tables.
 */
public class MyPageWalk implements PageWalk {
    /** Entry bits (SDM vol. 3A, 4.5, tables 4-15 to 4-20). */
    static final long P = 1, RW = 1 << 1, US = 1 << 2, PS = 1 << 7, NX = 1L << 63;
    /** Bits 51:12 of an entry: the physical address of the next table or of the page. */
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;

    @Override
    public Translation translate(PhysRead mem, long cr3, long vaddr, AccessType type, boolean user) {
        long table = cr3 & ADDR; // the PML4
        // TODO 1: read the PML4 entry: mem.readLong(table + 8 * index), index = bits 47:39 of vaddr.
        // TODO 2: a clear P bit ends the walk with a not-present #PF: Translation.pageFault(errorCode).
        // TODO 3: go down PDPT -> PD -> PT; PS set in a PDPT or PD entry maps a 1 GiB or 2 MiB page.
        // TODO 4: check U/S, R/W and NX over all the levels, and the reserved bits (README).
        // TODO 5: return Translation.ok(physical address), the page's base plus the offset in the page.
        return Translation.pageFault(0);
    }
}
