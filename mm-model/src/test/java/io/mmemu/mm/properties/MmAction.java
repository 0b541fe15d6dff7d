package io.mmemu.mm.properties;

import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of the address-space property: a system call or a user access on one of the address
 * spaces of {@link AddressSpaces}. Parameters are chosen before the state is known; an address is
 * a {@link Where}, resolved against the VMAs that exist when the step runs, so that steps keep
 * their meaning while jqwik shrinks the sequence around them.
 *
 * <p>{@link Fork} makes a child address space with dup_mmap() in another slot, so that frames
 * are shared copy-on-write between address spaces; the checker counts mappings across all of
 * them.
 */
sealed interface MmAction {
    /** Which address space (index into {@link AddressSpaces#live()}). */
    int mm();

    void run(AddressSpaces s);

    /** How a {@link Where} picks its address. */
    enum Anchor { WINDOW, BOUNDARY, INSIDE, MAPPED }

    /**
     * An address, chosen by {@code anchor}: BOUNDARY is {@code delta} pages either side of a VMA's
     * start or end ({@code pick} chooses the VMA and which end); INSIDE is a page of a VMA
     * ({@code pick} chooses the VMA, {@code delta} the page, modulo its size); MAPPED is a page
     * mapped to a frame of its own, not the zero page ({@code pick} chooses which; an even pick
     * one whose entry is write-protected, if any), so that accesses come back to written pages
     * and, after a fork, to the copy-on-write ones; or INSIDE when there is none; WINDOW,
     * or any anchor when there are no VMAs, is page {@code pick} of the window.
     */
    record Where(Anchor anchor, int pick, int delta) {
        long resolve(MmStruct mm) {
            if (anchor == Anchor.MAPPED) {
                List<Long> mapped = new ArrayList<>(), readOnly = new ArrayList<>();
                mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PageTypes.PAGE_SIZE, (va, slot, pte) -> {
                    if ((pte & Pte.SPECIAL) != 0) return;
                    mapped.add(va);
                    if ((pte & Pte.RW) == 0) readOnly.add(va);
                });
                if (!readOnly.isEmpty() && (pick & 1) == 0) return readOnly.get((pick >>> 1) % readOnly.size());
                if (!mapped.isEmpty()) return mapped.get(pick % mapped.size());
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
            return AddressSpaces.WINDOW_BASE + (long) (pick % AddressSpaces.WINDOW_PAGES) * PageTypes.PAGE_SIZE;
        }

        @Override
        public String toString() {
            return switch (anchor) {
                case WINDOW -> "window+" + (pick % AddressSpaces.WINDOW_PAGES) + "p";
                case INSIDE -> "vma[" + (pick >>> 1) + "]+" + delta + "p";
                case MAPPED -> "mapped[" + pick + "]";
                case BOUNDARY -> "vma[" + (pick >>> 1) + "]." + ((pick & 1) == 0 ? "start" : "end")
                        + (delta == 0 ? "" : (delta > 0 ? "+" : "") + delta + "p");
            };
        }
    }

    enum Placement { ANYWHERE, HINT, FIXED }

    enum RemapMode { IN_PLACE, MAYMOVE, FIXED, DONTUNMAP }

    static String protString(int prot) {
        return ((prot & 1) != 0 ? "r" : "-") + ((prot & 2) != 0 ? "w" : "-") + ((prot & 4) != 0 ? "x" : "-");
    }

    /** mmap(addr, pages, prot, MAP_PRIVATE | MAP_ANONYMOUS [| MAP_FIXED]). */
    record Mmap(int mm, Placement placement, Where where, int pages, int prot) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.mmap(this);
        }

        @Override
        public String toString() {
            return "mm" + mm + ".mmap(" + (placement == Placement.ANYWHERE ? "0" : where) + ", " + pages + "p, "
                    + protString(prot) + (placement == Placement.FIXED ? ", FIXED" : placement == Placement.HINT ? ", hint" : "") + ")";
        }
    }

    record Munmap(int mm, Where where, int pages) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.munmap(this);
        }

        @Override
        public String toString() {
            return "mm" + mm + ".munmap(" + where + ", " + pages + "p)";
        }
    }

    record Mprotect(int mm, Where where, int pages, int prot) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.mprotect(this);
        }

        @Override
        public String toString() {
            return "mm" + mm + ".mprotect(" + where + ", " + pages + "p, " + protString(prot) + ")";
        }
    }

    /**
     * mremap(old, oldPages, newPages, flags, dest); oldPages 0 stands for "to the end of the VMA at
     * old" (so that growing in place gets tried), and DONTUNMAP keeps the new length equal to the old.
     */
    record Mremap(int mm, Where where, int oldPages, int newPages, RemapMode mode, Where dest) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.mremap(this);
        }

        @Override
        public String toString() {
            String oldLen = oldPages == 0 ? "to end" : oldPages + "p";
            return "mm" + mm + ".mremap(" + where + ", " + oldLen + ", " + (mode == RemapMode.DONTUNMAP ? oldLen
                    : newPages + "p") + ", " + mode + (mode == RemapMode.FIXED ? " to " + dest : "") + ")";
        }
    }

    /** brk(current break + deltaPages pages + slack bytes). */
    record Brk(int mm, int deltaPages, int slack) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.brk(this);
        }

        @Override
        public String toString() {
            return "mm" + mm + ".brk(" + (deltaPages >= 0 ? "+" : "") + deltaPages + "p" + (slack != 0 ? "+" + slack : "") + ")";
        }
    }

    /**
     * madvise(addr, pages, advice) for MADV_DONTNEED and the fork advice: MADV_DONTFORK,
     * MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK.
     */
    record Madvise(int mm, Where where, int pages, int advice) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.madvise(this);
        }

        static String adviceName(int advice) {
            return switch (advice) {
                case io.mmemu.mm.vma.Madvise.MADV_DONTNEED -> "DONTNEED";
                case io.mmemu.mm.vma.Madvise.MADV_DONTFORK -> "DONTFORK";
                case io.mmemu.mm.vma.Madvise.MADV_DOFORK -> "DOFORK";
                case io.mmemu.mm.vma.Madvise.MADV_WIPEONFORK -> "WIPEONFORK";
                case io.mmemu.mm.vma.Madvise.MADV_KEEPONFORK -> "KEEPONFORK";
                default -> String.valueOf(advice);
            };
        }

        @Override
        public String toString() {
            return "mm" + mm + ".madvise(" + where + ", " + pages + "p, " + adviceName(advice) + ")";
        }
    }

    /** A user-mode access as the CPU makes it; a write stores {@code value} (1..255) at the chosen offset. */
    record Touch(int mm, Where where, int access, int offset, int value) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.touch(this);
        }

        @Override
        public String toString() {
            return "mm" + mm + "." + Access.name(access) + "(" + where + "+0x" + Integer.toHexString(offset)
                    + (access == Access.WRITE ? ", " + value : "") + ")";
        }
    }

    /** exit_mmap() of one address space; a fresh one (mm_alloc) takes its place. */
    record Exit(int mm) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.exit(this);
        }

        @Override
        public String toString() {
            return "mm" + mm + ".exit()";
        }
    }

    /**
     * fork(): dup_mmap() of address space {@code mm} into the slot {@code offset} (1 ..
     * {@link AddressSpaces#NR_MM} - 1) places after it; the process in that slot exits first, so
     * that the number of address spaces stays bounded.
     */
    record Fork(int mm, int offset) implements MmAction {
        @Override
        public void run(AddressSpaces s) {
            s.fork(this);
        }

        int parentSlot() {
            return mm % AddressSpaces.NR_MM;
        }

        int childSlot() {
            return (parentSlot() + 1 + Math.floorMod(offset - 1, AddressSpaces.NR_MM - 1)) % AddressSpaces.NR_MM;
        }

        @Override
        public String toString() {
            return "mm" + mm + ".fork() -> mm" + childSlot();
        }
    }
}
