package io.mmemu.kernel;

import io.mmemu.mm.fault.Gup;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * process_vm_readv(2) and process_vm_writev(2), mm/process_vm_access.c: copies between the
 * caller's buffers (local iovecs) and another process's memory (remote iovecs), the remote pages
 * reached through pin_user_pages_remote() without FOLL_FORCE ({@link Gup}): the remote VMA must
 * allow the access, and memfd_secret() memory, [vvar] and holes end the transfer (EFAULT, or the
 * bytes copied before). The caller is root: mm_access()'s ptrace check passes.
 */
final class ProcessVmAccess {
    private final UserAccess uaccess;
    private final Processes procs;

    ProcessVmAccess(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    /**
     * Models process_vm_rw(): flags (EINVAL), the local iovecs (import_iovec(): EINVAL for too many
     * or a negative length, EFAULT for an unreadable array or a buffer past TASK_SIZE; nothing to
     * copy is 0), the remote iovecs (iovec_from_user()), then process_vm_rw_core(): no remote page
     * is 0, no such process ESRCH (also one whose mm is gone), then the copy: the bytes copied, or
     * the error that stopped it before any byte moved.
     */
    long processVmRw(Task caller, int pid, long lvec, long liovcnt, long rvec, long riovcnt, long flags, boolean write) {
        if (flags != 0) return -Errno.EINVAL;
        MmStruct local = caller.mm();
        Object l = iovecFromUser(local, lvec, liovcnt);
        if (l instanceof Integer e) return e;
        long[] lv = (long[]) l;
        long total = 0;
        for (int i = 0; i < lv.length; i += 2) {
            // import_iovec(): each local buffer within the user address space, the total within MAX_RW_COUNT.
            if (!ReadWrite.accessOk(lv[i], lv[i + 1])) return -Errno.EFAULT;
            long room = ReadWrite.MAX_RW_COUNT - total;
            if (lv[i + 1] > room) lv[i + 1] = room;
            total += lv[i + 1];
        }
        if (total == 0) return 0;
        Object r = iovecFromUser(local, rvec, riovcnt);
        if (r instanceof Integer e) return e;
        long[] rv = (long[]) r;
        boolean anyPage = false;
        for (int i = 1; i < rv.length; i += 2) anyPage |= rv[i] > 0;
        if (!anyPage) return 0;
        Processes.Proc p = pid > 0 ? procs.byPid(pid) : null; // find_get_task_by_vpid()
        if (p == null || p.reaped || p.task.mm() == null) return -Errno.ESRCH; // mm_access(): no mm is ESRCH too
        MmStruct remote = p.task.mm();
        LocalIter iter = new LocalIter(local, lv);
        long rc = 0;
        for (int i = 0; i < rv.length && iter.count() > 0 && rc == 0; i += 2) {
            rc = rwSingleVec(remote, rv[i], rv[i + 1], iter, write);
        }
        long copied = total - iter.count();
        return copied > 0 ? copied : rc;
    }

    /**
     * Models process_vm_rw_single_vec() → process_vm_rw_pages(): page by page of the remote range
     * while the local buffers last; a remote page that cannot be pinned is EFAULT, a local buffer
     * that faults part-way is EFAULT after what it took.
     */
    private long rwSingleVec(MmStruct remote, long addr, long len, LocalIter iter, boolean write) {
        byte[] page = new byte[(int) PageTypes.PAGE_SIZE];
        while (len > 0 && iter.count() > 0) {
            long pfn = Gup.getUserPageRemote(remote, addr, write, false);
            if (pfn == Gup.NO_PAGE) return -Errno.EFAULT;
            int off = (int) PageTypes.offsetInPage(addr);
            int bytes = (int) Math.min(len, Math.min(PageTypes.PAGE_SIZE - off, iter.count()));
            long pa = (pfn << PageTypes.PAGE_SHIFT) | off;
            int moved;
            if (write) {
                moved = iter.copyIn(page, bytes); // copy_page_from_iter()
                remote.env().frameWrites().beforeFrameWrite(pfn);
                remote.env().mem().write(pa, page, 0, moved);
            } else {
                remote.env().mem().read(pa, page, 0, bytes);
                moved = iter.copyOut(page, bytes); // copy_page_to_iter()
            }
            if (moved < bytes) return -Errno.EFAULT;
            addr += bytes;
            len -= bytes;
        }
        return 0;
    }

    /**
     * Models iovec_from_user(): {@code cnt} struct iovec {base, len} as a flat array; EINVAL for more
     * than UIO_MAXIOV or a negative length, EFAULT when the array cannot be read.
     */
    private Object iovecFromUser(MmStruct mm, long uvec, long cnt) {
        if (Long.compareUnsigned(cnt, ReadWrite.UIO_MAXIOV) > 0) return -Errno.EINVAL;
        byte[] raw = new byte[(int) cnt * 16];
        if (uaccess.copyFromUser(mm, raw, 0, uvec, raw.length) < 0) return -Errno.EFAULT;
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long[] v = new long[(int) cnt * 2];
        for (int i = 0; i < v.length; i++) v[i] = bb.getLong(8 * i);
        for (int i = 1; i < v.length; i += 2) if (v[i] < 0) return -Errno.EINVAL;
        return v;
    }

    /** An iov_iter over the caller's buffers: where the next byte goes or comes from, and how many are left. */
    private final class LocalIter {
        private final MmStruct mm;
        private final long[] vec;
        private int seg;
        private long segOff;
        private long count;

        LocalIter(MmStruct mm, long[] vec) {
            this.mm = mm;
            this.vec = vec;
            for (int i = 1; i < vec.length; i += 2) count += vec[i];
        }

        long count() {
            return count;
        }

        /** Copies up to {@code n} bytes of {@code src} to the buffers; fewer when one faults. */
        int copyOut(byte[] src, int n) {
            return move(src, n, true);
        }

        /** Copies up to {@code n} bytes from the buffers into {@code dst}; fewer when one faults. */
        int copyIn(byte[] dst, int n) {
            return move(dst, n, false);
        }

        private int move(byte[] b, int n, boolean out) {
            int done = 0;
            while (done < n && count > 0) {
                while (vec[2 * seg + 1] - segOff == 0) {
                    seg++;
                    segOff = 0;
                }
                long va = vec[2 * seg] + segOff;
                int chunk = (int) Math.min(n - done, Math.min(vec[2 * seg + 1] - segOff,
                        PageTypes.PAGE_SIZE - PageTypes.offsetInPage(va)));
                int r = out ? uaccess.copyToUser(mm, va, b, done, chunk) : uaccess.copyFromUser(mm, b, done, va, chunk);
                if (r < 0) return done;
                done += chunk;
                segOff += chunk;
                count -= chunk;
            }
            return done;
        }
    }
}
