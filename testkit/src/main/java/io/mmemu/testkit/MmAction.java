package io.mmemu.testkit;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.vma.Errno;

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
