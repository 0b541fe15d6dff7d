package io.mmemu.mm.proc;

import io.mmemu.mm.fault.Gup;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.MmEnv;

/**
 * /proc/PID/mem (fs/proc/base.c): the address space of the task it was opened for, read and
 * written at file offset = virtual address, through the page tables rather than the CPU's
 * permission checks. mem_rw() moves at most a page per step through access_remote_vm() with
 * FOLL_FORCE (CONFIG_PROC_MEM_ALWAYS_FORCE, as on the host): a read-only private mapping can be
 * written (COW is broken, the entry stays read-only), a PROT_NONE one read, a never-touched
 * anonymous page reads as the zero page (now mapped), and an address no VMA holds ends the
 * transfer (EIO when nothing moved). The mm is the one the file was opened for (mmgrab() at
 * open): after an exec the file still shows the old one, and once that one is gone (mm_users 0)
 * reads and writes move nothing.
 */
public final class Mem {
    private Mem() {}

    /**
     * Models __access_remote_vm(), mm/memory.c, with FOLL_FORCE: copies between {@code buf} and
     * the address space page by page, growing a stack for an address just below it, and stops at
     * the first page it cannot get.
     *
     * @param mm    the address space
     * @param addr  the first virtual address
     * @param buf   the bytes to write, or where read bytes go
     * @param off   the index in {@code buf} of the first byte
     * @param len   the bytes to move
     * @param write whether to write (FOLL_WRITE) or read
     * @return the bytes moved, 0 when the first page failed
     */
    public static int accessRemoteVm(MmStruct mm, long addr, byte[] buf, int off, int len, boolean write) {
        MmEnv env = mm.env();
        int done = 0;
        while (done < len) {
            long va = addr + done;
            long pfn = Gup.getUserPageRemote(mm, va, write);
            if (pfn == Gup.NO_PAGE) {
                // vma_lookup() failed: maybe the stack can grow to it (expand_stack()), then retry.
                if (va >= 0 && va < MmStruct.TASK_SIZE && mm.vmaLookup(va) == null && Gup.expandStack(mm, va)) continue;
                break; // no vm_ops->access() for any VMA the model has
            }
            int chunk = (int) Math.min(len - done, PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va));
            long pa = (pfn << PageTypes.PAGE_SHIFT) | PageTypes.offsetInPage(va);
            if (write) {
                // copy_to_user_page(): the frame changes behind the guest's back (translated code).
                env.frameWrites().beforeFrameWrite(pfn);
                env.mem().write(pa, buf, off + done, chunk);
            } else {
                env.mem().read(pa, buf, off + done, chunk);
            }
            done += chunk;
        }
        return done;
    }

    /**
     * Models mmget_not_zero() as mem_rw() asks it: whether the address space still has users, so
     * that it can be accessed (else the transfer moves nothing).
     *
     * @param mm the address space the file was opened for, or null (a task without one: a kernel thread)
     * @return whether it can be accessed
     */
    public static boolean accessible(MmStruct mm) {
        return mm != null && mm.mmUsers() > 0;
    }
}
