package io.mmemu.testkit;

import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;
import java.util.ArrayList;
import java.util.List;

/**
 * An address chosen before the state is known, resolved against the VMAs that exist when the
 * step runs, so that a step keeps its meaning while jqwik shrinks the script around it, and
 * ranges land on and across VMA boundaries far more often than random addresses would.
 *
 * <ul>
 *   <li>{@link Anchor#BOUNDARY}: {@code delta} pages either side of a VMA's start (even
 *       {@code pick}) or end (odd), of VMA number {@code pick / 2};</li>
 *   <li>{@link Anchor#INSIDE}: page {@code delta} (modulo its size) of VMA number {@code pick / 2};</li>
 *   <li>{@link Anchor#MAPPED}: a page mapped to a frame of its own (not the zero page): with an
 *       even {@code pick} one whose entry is write-protected, if any (after a fork: a
 *       copy-on-write page), so that accesses come back to pages already written; INSIDE when
 *       no page is mapped;</li>
 *   <li>{@link Anchor#WINDOW}, or any anchor when there are no VMAs: page {@code pick} of the
 *       sandbox's window.</li>
 * </ul>
 * VMA numbers are taken modulo the number of VMAs.
 *
 * @param anchor what the address is relative to
 * @param pick which VMA, end or page
 * @param delta a distance in pages
 */
public record Where(Anchor anchor, int pick, int delta) {

    /** What a {@link Where} is relative to. */
    public enum Anchor {
        /** A page of the sandbox's window, whatever is mapped. */
        WINDOW,
        /** Pages away from a VMA's start or end. */
        BOUNDARY,
        /** A page inside a VMA. */
        INSIDE,
        /** A page mapped to a frame. */
        MAPPED
    }

    /**
     * The start of VMA number {@code vma}: what a script written by hand uses most.
     *
     * @param vma the VMA's index in address order
     * @return the place
     */
    public static Where vmaStart(int vma) {
        return new Where(Anchor.BOUNDARY, 2 * vma, 0);
    }

    /**
     * Page {@code page} of the window.
     *
     * @param page 0 .. {@link MmSandbox#WINDOW_PAGES} - 1
     * @return the place
     */
    public static Where window(int page) {
        return new Where(Anchor.WINDOW, page, 0);
    }

    /**
     * The page-aligned address this place names in {@code mm} now.
     *
     * @param mm the address space
     * @return the address
     */
    public long resolve(MmStruct mm) {
        if (anchor == Anchor.MAPPED) {
            List<Long> mapped = new ArrayList<>(), readOnly = new ArrayList<>();
            mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PageTypes.PAGE_SIZE, (va, slot, pte) -> {
                if ((pte & Pte.SPECIAL) != 0) return;
                mapped.add(va);
                if ((pte & Pte.RW) == 0) readOnly.add(va);
            });
            if (!readOnly.isEmpty() && (pick & 1) == 0) return readOnly.get((pick >>> 1) % readOnly.size());
            if (!mapped.isEmpty()) return mapped.get(Math.floorMod(pick, mapped.size()));
            return new Where(Anchor.INSIDE, pick, delta).resolve(mm);
        }
        List<Vma> vmas = mm.vmas();
        if (anchor != Anchor.WINDOW && !vmas.isEmpty()) {
            Vma v = vmas.get((pick >>> 1) % vmas.size());
            if (anchor == Anchor.INSIDE) {
                long pages = (v.end() - v.start()) / PageTypes.PAGE_SIZE;
                return v.start() + Math.floorMod(delta, pages) * PageTypes.PAGE_SIZE;
            }
            long boundary = (pick & 1) == 0 ? v.start() : v.end();
            return boundary + (long) delta * PageTypes.PAGE_SIZE;
        }
        return MmSandbox.WINDOW_BASE + (long) Math.floorMod(pick, MmSandbox.WINDOW_PAGES) * PageTypes.PAGE_SIZE;
    }

    /** As a script shows it: {@code vma[1].end-2p}, {@code vma[0]+3p}, {@code mapped[4]}, {@code window+17p}. */
    @Override
    public String toString() {
        return switch (anchor) {
            case WINDOW -> "window+" + Math.floorMod(pick, MmSandbox.WINDOW_PAGES) + "p";
            case INSIDE -> "vma[" + (pick >>> 1) + "]+" + delta + "p";
            case MAPPED -> "mapped[" + pick + "]";
            case BOUNDARY -> "vma[" + (pick >>> 1) + "]." + ((pick & 1) == 0 ? "start" : "end")
                    + (delta == 0 ? "" : (delta > 0 ? "+" : "") + delta + "p");
        };
    }
}
