package io.mmemu.testkit;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;

/**
 * One step of an address-space script: a system call or a user access made in one slot of an
 * {@link MmSandbox}. Addresses are {@link Where}s, lengths whole pages. {@link MmActions}
 * generates them; a script written by hand reads the same:
 *
 * <pre>{@code
 * List<MmAction> script = List.of(
 *         new MmAction.Mmap(0, MmAction.Placement.ANYWHERE, Where.vmaStart(0), 2, MmSandbox.PROT_READ | MmSandbox.PROT_WRITE),
 *         new MmAction.Touch(0, Where.vmaStart(0), Access.WRITE, 0, 42),
 *         new MmAction.Fork(0, 1),
 *         new MmAction.Touch(1, Where.vmaStart(0), Access.WRITE, 0, 7));
 * Scripts.run(sandbox, script, invariant);
 * }</pre>
 */
public sealed interface MmAction extends Action<MmSandbox> {

    /**
     * The slot of the address space the step acts in.
     *
     * @return the slot
     */
    int slot();

    /** How an {@link Mmap} picks its address. */
    enum Placement {
        /** Address 0: the kernel picks (top-down below mmap_base). */
        ANYWHERE,
        /** The {@link Where} as a hint, taken if that range is free. */
        HINT,
        /** MAP_FIXED at the {@link Where}, replacing what is there. */
        FIXED
    }

    /**
     * A protection as /proc/PID/maps shows it: {@code rw-}, {@code r-x}, {@code ---}.
     *
     * @param prot PROT_READ, PROT_WRITE, PROT_EXEC bits
     * @return three characters
     */
    static String protString(int prot) {
        return ((prot & 1) != 0 ? "r" : "-") + ((prot & 2) != 0 ? "w" : "-") + ((prot & 4) != 0 ? "x" : "-");
    }

    /**
     * A system call's return value as a script shows it: an address in hex, or its errno's name.
     *
     * @param r the return value
     * @return {@code "0x7fffe3000"}, {@code "0"}, {@code "-ENOMEM"}
     */
    static String result(long r) {
        if (r == 0) return "0";
        if (r > 0 || r <= -4096) return "0x" + Long.toHexString(r);
        long e = -r;
        return e == Errno.EINVAL ? "-EINVAL" : e == Errno.ENOMEM ? "-ENOMEM" : e == Errno.EPERM ? "-EPERM"
                : e == Errno.EFAULT ? "-EFAULT" : e == Errno.EACCES ? "-EACCES" : String.valueOf(r);
    }

    /**
     * mmap(addr, pages, prot, MAP_PRIVATE | MAP_ANONYMOUS [| MAP_FIXED]).
     *
     * @param slot the address space
     * @param placement how the address is chosen
     * @param where the hint or fixed address (unused for ANYWHERE)
     * @param pages the length in pages
     * @param prot PROT_READ, PROT_WRITE, PROT_EXEC bits
     */
    record Mmap(int slot, Placement placement, Where where, int pages, int prot) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            long addr = placement == Placement.ANYWHERE ? 0 : where.resolve(s.mm(slot));
            return result(s.mmap(slot, addr, pages * MmSandbox.PAGE_SIZE, prot, placement == Placement.FIXED));
        }

        @Override
        public String toString() {
            return "mm" + slot + ".mmap(" + (placement == Placement.ANYWHERE ? "0" : where) + ", " + pages + "p, "
                    + protString(prot) + (placement == Placement.FIXED ? ", FIXED" : placement == Placement.HINT ? ", hint" : "")
                    + ")";
        }
    }

    /**
     * munmap(where, pages).
     *
     * @param slot the address space
     * @param where the start
     * @param pages the length in pages
     */
    record Munmap(int slot, Where where, int pages) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            return result(s.munmap(slot, where.resolve(s.mm(slot)), pages * MmSandbox.PAGE_SIZE));
        }

        @Override
        public String toString() {
            return "mm" + slot + ".munmap(" + where + ", " + pages + "p)";
        }
    }

    /**
     * mprotect(where, pages, prot).
     *
     * @param slot the address space
     * @param where the start
     * @param pages the length in pages
     * @param prot PROT_READ, PROT_WRITE, PROT_EXEC bits
     */
    record Mprotect(int slot, Where where, int pages, int prot) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            return result(s.mprotect(slot, where.resolve(s.mm(slot)), pages * MmSandbox.PAGE_SIZE, prot));
        }

        @Override
        public String toString() {
            return "mm" + slot + ".mprotect(" + where + ", " + pages + "p, " + protString(prot) + ")";
        }
    }

    /** How an {@link Mremap} may move the mapping: the flags it passes. */
    enum RemapMode {
        /** No flags: shrink, or grow in place. */
        IN_PLACE,
        /** MREMAP_MAYMOVE: grow in place, or move below mmap_base. */
        MAYMOVE,
        /** MREMAP_MAYMOVE | MREMAP_FIXED: move to the destination given. */
        FIXED,
        /** MREMAP_MAYMOVE | MREMAP_DONTUNMAP: move, leaving the old range mapped and empty. */
        DONTUNMAP
    }

    /**
     * mremap(where, oldPages, newPages, flags, dest). {@code oldPages} 0 stands for "to the end
     * of the VMA at {@code where}" (so that growing in place gets tried), and DONTUNMAP keeps the
     * new length equal to the old, as Linux requires.
     *
     * @param slot the address space
     * @param where the old range's start
     * @param oldPages the old length in pages, 0 for the rest of the VMA
     * @param newPages the new length in pages (unused for DONTUNMAP)
     * @param mode the flags
     * @param dest the destination (used for FIXED only)
     */
    record Mremap(int slot, Where where, int oldPages, int newPages, RemapMode mode, Where dest) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            MmStruct mm = s.mm(slot);
            long old = where.resolve(mm), oldLen = oldLength(mm, old);
            return result(s.mremap(slot, old, oldLen, newLength(oldLen), flags(),
                    mode == RemapMode.FIXED ? dest.resolve(mm) : 0));
        }

        /**
         * The old length in bytes the call passes.
         *
         * @param mm the address space
         * @param old the old range's start, {@code where} resolved
         * @return {@code oldPages} pages; for 0, up to the end of the VMA at {@code old} (a page if none)
         */
        public long oldLength(MmStruct mm, long old) {
            if (oldPages != 0) return oldPages * MmSandbox.PAGE_SIZE;
            Vma at = AddressSpaceInvariants.vmaAt(mm.vmas(), old); // not findVma(), which would move mmap_cache
            return at == null ? MmSandbox.PAGE_SIZE : at.end() - old;
        }

        /**
         * The new length in bytes the call passes.
         *
         * @param oldLen the old length, from {@link #oldLength}
         * @return {@code newPages} pages, or {@code oldLen} for DONTUNMAP
         */
        public long newLength(long oldLen) {
            return mode == RemapMode.DONTUNMAP ? oldLen : newPages * MmSandbox.PAGE_SIZE;
        }

        /**
         * The flags the call passes.
         *
         * @return the MREMAP_* bits of {@code mode}
         */
        public int flags() {
            return switch (mode) {
                case IN_PLACE -> 0;
                case MAYMOVE -> io.mmemu.mm.vma.Mremap.MREMAP_MAYMOVE;
                case FIXED -> io.mmemu.mm.vma.Mremap.MREMAP_MAYMOVE | io.mmemu.mm.vma.Mremap.MREMAP_FIXED;
                case DONTUNMAP -> io.mmemu.mm.vma.Mremap.MREMAP_MAYMOVE | io.mmemu.mm.vma.Mremap.MREMAP_DONTUNMAP;
            };
        }

        @Override
        public String toString() {
            String oldLen = oldPages == 0 ? "to end" : oldPages + "p";
            return "mm" + slot + ".mremap(" + where + ", " + oldLen + ", " + (mode == RemapMode.DONTUNMAP ? oldLen
                    : newPages + "p") + ", " + mode + (mode == RemapMode.FIXED ? " to " + dest : "") + ")";
        }
    }

    /**
     * brk(current break + deltaPages pages + slack bytes).
     *
     * @param slot the address space
     * @param deltaPages how many pages the break moves (negative: down)
     * @param slack bytes added, so that the break need not be page aligned
     */
    record Brk(int slot, int deltaPages, int slack) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            return result(s.brk(slot, newBrk(s.mm(slot))));
        }

        /**
         * The break the call asks for.
         *
         * @param mm the address space
         * @return its break moved by {@code deltaPages} pages and {@code slack} bytes
         */
        public long newBrk(MmStruct mm) {
            return mm.brk + deltaPages * MmSandbox.PAGE_SIZE + slack;
        }

        @Override
        public String toString() {
            return "mm" + slot + ".brk(" + (deltaPages >= 0 ? "+" : "") + deltaPages + "p" + (slack != 0 ? "+" + slack : "")
                    + ")";
        }
    }

    /**
     * madvise(where, pages, advice).
     *
     * @param slot the address space
     * @param where the start
     * @param pages the length in pages
     * @param advice a {@link io.mmemu.mm.vma.Madvise} MADV_* constant
     */
    record Madvise(int slot, Where where, int pages, int advice) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            return result(s.madvise(slot, where.resolve(s.mm(slot)), pages * MmSandbox.PAGE_SIZE, advice));
        }

        /**
         * The advice as a script shows it, without its MADV_ prefix.
         *
         * @param advice a MADV_* constant
         * @return {@code "DONTNEED"}, {@code "WIPEONFORK"}, ...; the number for advice without a name here
         */
        public static String adviceName(int advice) {
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
            return "mm" + slot + ".madvise(" + where + ", " + pages + "p, " + adviceName(advice) + ")";
        }
    }

    /**
     * A user access as the CPU makes it (faulting the page in); a write stores {@code value}.
     *
     * @param slot the address space
     * @param where the page
     * @param access {@link Access#READ}, {@link Access#WRITE} or {@link Access#FETCH}
     * @param offset the byte in the page, 0 .. 4095
     * @param value the byte a write stores
     */
    record Touch(int slot, Where where, int access, int offset, int value) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            long va = where.resolve(s.mm(slot)) + offset;
            if (access == Access.READ) {
                int b = s.load(slot, va);
                return b >= 0 ? "ok, reads " + b : describe(s.touch(slot, va, access));
            }
            return describe(access == Access.WRITE ? s.store(slot, va, (byte) value) : s.touch(slot, va, access));
        }

        private static String describe(FaultResult f) {
            return switch (f) {
                case FaultResult.Handled h -> "ok";
                case FaultResult.Signal sig -> (sig.signo() == Signo.SIGSEGV ? "SIGSEGV " : "signal " + sig.signo() + " ")
                        + (sig.code() == SiCode.SEGV_MAPERR ? "SEGV_MAPERR" : sig.code() == SiCode.SEGV_ACCERR
                        ? "SEGV_ACCERR" : "code " + sig.code());
                case FaultResult.OutOfMemory oom -> "out of memory";
                case FaultResult.Userfault uf -> "userfault" + (uf.wp() ? " (write-protect)" : " (missing)");
            };
        }

        @Override
        public String toString() {
            return "mm" + slot + "." + Access.name(access) + "(" + where + "+0x" + Integer.toHexString(offset)
                    + (access == Access.WRITE ? ", " + value : "") + ")";
        }
    }

    /**
     * fork(): the process in slot {@code child} exits, and a copy of this one (dup_mmap()) takes
     * its place.
     *
     * @param slot the parent
     * @param child the child's slot, another than the parent's
     */
    record Fork(int slot, int child) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            return result(s.fork(slot, child));
        }

        @Override
        public String toString() {
            return "mm" + slot + ".fork() -> mm" + child;
        }
    }

    /**
     * The process exits (exit_mmap()); a new empty address space takes its slot.
     *
     * @param slot the address space
     */
    record Exit(int slot) implements MmAction {
        @Override
        public String applyTo(MmSandbox s) {
            s.exit(slot);
            return "0";
        }

        @Override
        public String toString() {
            return "mm" + slot + ".exit()";
        }
    }
}
