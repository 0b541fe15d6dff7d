package io.mmemu.mm.uaccess;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.Gup;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.io.ByteArrayOutputStream;

/**
 * The kernel's accesses to user memory for syscall arguments: copy_from_user(), copy_to_user(),
 * strncpy_from_user() (arch/x86/lib/usercopy_64.c and friends). Each page goes through the same
 * walker as the CPU, in supervisor mode with CR0.WP; a fault is handled by do_user_addr_fault,
 * as the kernel's exception fixup does, and an unresolvable one makes the call return -EFAULT.
 */
public final class UserAccess {
    private final MmEnv env;
    private final PageWalker walker;
    /** See {@link #takeUserfault}. */
    private FaultResult.Userfault userfault;

    /**
     * User-memory access for the address spaces of {@code env}.
     *
     * @param env the memory model
     */
    public UserAccess(MmEnv env) {
        this.env = env;
        this.walker = new PageWalker(env.mem());
    }

    /** Physical address for {@code uaddr} after faulting it in, or -1 for EFAULT. */
    private long translate(MmStruct mm, long uaddr, int access) {
        if (uaddr < 0 || uaddr >= MmStruct.TASK_SIZE) return -1;
        for (int attempt = 0; attempt < 3; attempt++) {
            long r = walker.walk(mm.pgd().cr3(), uaddr, access, false, env.pagingControl());
            if (!WalkResult.isFault(r)) return WalkResult.pagePa(r) | PageTypes.offsetInPage(uaddr);
            FaultResult f = UserFault.doUserAddrFault(mm, uaddr, WalkResult.errorCode(r));
            if (f instanceof FaultResult.Userfault uf) userfault = uf;
            if (f != FaultResult.HANDLED) return -1;
        }
        return -1;
    }

    /**
     * The last access that failed because it reached a userfaultfd (a missing or write-protected page
     * of a registered VMA), since the last call, and forgets it: the syscall layer then waits for
     * the handler and re-executes the call, as handle_userfault() would have made the kernel's
     * copy wait.
     *
     * @return that fault, or null
     */
    public FaultResult.Userfault takeUserfault() {
        FaultResult.Userfault uf = userfault;
        userfault = null;
        return uf;
    }

    /**
     * Models the fault-in of get_user_pages() for one page: true when the page is now mapped for the access.
     *
     * @param mm    the address space
     * @param uaddr a user address
     * @param write whether the access writes
     * @return whether the page is now mapped for it
     */
    public boolean faultIn(MmStruct mm, long uaddr, boolean write) {
        return translate(mm, uaddr, write ? Access.WRITE : Access.READ) >= 0;
    }

    /**
     * Models mm_populate(), mm/gup.c, over a range one mapping created: {@link #mmPopulate(MmStruct,
     * long, long, boolean)} with errors ignored, as Linux does.
     *
     * @param mm    the address space
     * @param start the mapping's start
     * @param len   the mapping's length in bytes
     */
    public void mmPopulate(MmStruct mm, long start, long len) {
        mmPopulate(mm, start, len, true);
    }

    /**
     * Models __mm_populate(), mm/gup.c: every VMA overlapping [start, start + len) is faulted in
     * by populate_vma_page_range() — for writing when it is private and writable (so COW happens
     * at once), for reading otherwise; nothing for a VM_LOCKONFAULT VMA, which locks pages as they
     * are faulted; EFAULT for a PROT_NONE VMA (no FOLL_FORCE for an inaccessible VMA) or a page
     * that cannot be faulted in (past the end of a file). With {@code ignoreErrors} a failing VMA
     * is skipped and the call succeeds.
     *
     * @param mm           the address space
     * @param start        the range's start, page aligned
     * @param len          its length in bytes
     * @param ignoreErrors whether failures are ignored (mm_populate()) or returned (mlock())
     * @return 0, or -EFAULT
     */
    public long mmPopulate(MmStruct mm, long start, long len, boolean ignoreErrors) {
        long end = start + len;
        long nstart = start;
        while (Long.compareUnsigned(nstart, end) < 0) {
            Vma vma = mm.findVma(nstart); // find_vma_intersection(nstart, end)
            if (vma == null || Long.compareUnsigned(vma.start(), end) >= 0) break;
            long nend = Long.compareUnsigned(vma.end(), end) < 0 ? vma.end() : end;
            if (Long.compareUnsigned(nstart, vma.start()) < 0) nstart = vma.start();
            if (!populateVmaPageRange(mm, vma, nstart, nend) && !ignoreErrors) return -Errno.EFAULT;
            nstart = nend;
        }
        return 0;
    }

    /** Models populate_vma_page_range(), mm/gup.c: false when a page could not be faulted in. */
    private boolean populateVmaPageRange(MmStruct mm, Vma vma, long start, long end) {
        // "Rightly or wrongly, the VM_LOCKONFAULT case has never used faultin_page() to break COW".
        if ((vma.flags() & VmFlags.VM_LOCKONFAULT) != 0) return true;
        if ((vma.flags() & VmFlags.VM_ACCESS_FLAGS) == 0 || Gup.isSecretmem(vma)) return false; // check_vma_flags()
        boolean write = (vma.flags() & (VmFlags.VM_WRITE | VmFlags.VM_SHARED)) == VmFlags.VM_WRITE;
        for (long a = start; a < end; a += PageTypes.PAGE_SIZE) {
            if (!faultIn(mm, a, write)) return false;
        }
        return true;
    }

    /**
     * Models copy_from_user(): 0, or -EFAULT when any byte is not readable.
     *
     * @param mm    the address space
     * @param dst   where to copy to
     * @param off   the offset in {@code dst}
     * @param uaddr the user address to copy from
     * @param len   the number of bytes
     * @return 0, or -EFAULT
     */
    public int copyFromUser(MmStruct mm, byte[] dst, int off, long uaddr, int len) {
        PhysicalMemory mem = env.mem();
        int done = 0;
        while (done < len) {
            long va = uaddr + done;
            long pa = translate(mm, va, Access.READ);
            if (pa < 0) return -Errno.EFAULT;
            int chunk = (int) Math.min(len - done, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va));
            mem.read(pa, dst, off + done, chunk);
            done += chunk;
        }
        return 0;
    }

    /**
     * Models copy_to_user(): 0, or -EFAULT when any byte is not writable.
     *
     * @param mm    the address space
     * @param uaddr the user address to copy to
     * @param src   where to copy from
     * @param off   the offset in {@code src}
     * @param len   the number of bytes
     * @return 0, or -EFAULT
     */
    public int copyToUser(MmStruct mm, long uaddr, byte[] src, int off, int len) {
        PhysicalMemory mem = env.mem();
        int done = 0;
        while (done < len) {
            long va = uaddr + done;
            long pa = translate(mm, va, Access.WRITE);
            if (pa < 0) return -Errno.EFAULT;
            int chunk = (int) Math.min(len - done, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va));
            env.frameWrites().beforeFrameWrite(pa >>> PageTypes.PAGE_SHIFT);
            mem.write(pa, src, off + done, chunk);
            done += chunk;
        }
        return 0;
    }

    /**
     * Models clear_user(): zeroes {@code len} bytes; 0 or -EFAULT.
     *
     * @param mm    the address space
     * @param uaddr the user address
     * @param len   the number of bytes
     * @return 0, or -EFAULT
     */
    public int clearUser(MmStruct mm, long uaddr, int len) {
        return copyToUser(mm, uaddr, new byte[len], 0, len);
    }

    /**
     * Models get_user() of a u64.
     *
     * @param mm      the address space
     * @param uaddr   the user address
     * @param onFault what to return when the read faults
     * @return the value, or {@code onFault}
     */
    public long getUserLong(MmStruct mm, long uaddr, long onFault) {
        byte[] b = new byte[8];
        if (copyFromUser(mm, b, 0, uaddr, 8) < 0) return onFault;
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * Models get_user() of a u32: the value zero-extended, or {@code onFault} (a value no u32 has, e.g. -1L).
     *
     * @param mm      the address space
     * @param uaddr   the user address
     * @param onFault what to return when the read faults
     * @return the value, or {@code onFault}
     */
    public long getUserInt(MmStruct mm, long uaddr, long onFault) {
        byte[] b = new byte[4];
        if (copyFromUser(mm, b, 0, uaddr, 4) < 0) return onFault;
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xffff_ffffL;
    }

    /**
     * Models put_user() of a u32: 0 or -EFAULT.
     *
     * @param mm    the address space
     * @param uaddr the user address
     * @param value the value
     * @return 0, or -EFAULT
     */
    public int putUserInt(MmStruct mm, long uaddr, int value) {
        byte[] b = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(value).array();
        return copyToUser(mm, uaddr, b, 0, 4);
    }

    /**
     * The physical address behind {@code uaddr} after faulting it in for reading, or -1 for EFAULT (get_futex_key()'s shared key).
     *
     * @param mm    the address space
     * @param uaddr a user address
     * @return its physical address, or -1
     */
    public long physAddr(MmStruct mm, long uaddr) {
        return translate(mm, uaddr, Access.READ);
    }

    /**
     * Models put_user() of a u64.
     *
     * @param mm    the address space
     * @param uaddr the user address
     * @param value the value
     * @return 0, or -EFAULT
     */
    public int putUserLong(MmStruct mm, long uaddr, long value) {
        byte[] b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value).array();
        return copyToUser(mm, uaddr, b, 0, 8);
    }

    /**
     * Models strncpy_from_user(): the NUL-terminated string at {@code uaddr} of at most {@code max}
     * bytes, or null on EFAULT or when no NUL comes within {@code max} bytes (the caller's ENAMETOOLONG).
     *
     * @param mm    the address space
     * @param uaddr the string's user address
     * @param max   the most bytes to read, the NUL included
     * @return the string's bytes without the NUL, or null
     */
    public byte[] strncpyFromUser(MmStruct mm, long uaddr, int max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PhysicalMemory mem = env.mem();
        long va = uaddr;
        while (out.size() < max) {
            long pa = translate(mm, va, Access.READ);
            if (pa < 0) return null;
            int inPage = (int) (PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va));
            for (int i = 0; i < inPage && out.size() < max; i++) {
                byte b = mem.getByte(pa + i);
                if (b == 0) return out.toByteArray();
                out.write(b);
            }
            va += inPage;
        }
        return null;
    }
}
