package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.kernel.fs.Stat;
import io.mmemu.mm.proc.ClearRefs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;

/**
 * The files of a task's /proc directory that a program writes to change or reach its memory
 * (fs/proc/base.c, fs/proc/task_mmu.c): /proc/PID/mem (read and written through {@link
 * ReadWrite}'s mem_rw()) and /proc/PID/clear_refs. The caller is root, so the ptrace access
 * checks of proc_mem_open() pass for every task.
 */
final class ProcPidFiles implements SpecialFiles {
    /** PROC_NUMBUF: clear_refs_write()'s buffer, one byte kept for the terminating NUL. */
    static final int PROC_NUMBUF = 13;

    private final Processes procs;

    ProcPidFiles(Processes procs) {
        this.procs = procs;
    }

    @Override
    public Object open(String path, int flags, boolean trailingSlash, Task task) {
        if (!path.startsWith("/proc/")) return null;
        if (!(ProcPidPath.resolve(path, flags, task, procs) instanceof ProcPidPath p)) return null;
        if (!p.name().equals("mem") && !p.name().equals("clear_refs")) return null;
        if (trailingSlash || (flags & io.mmemu.kernel.fs.Vfs.O_DIRECTORY) != 0) return -Errno.ENOTDIR;
        int mode = p.name().equals("mem") ? 0600 : 0200;
        Stat st = new Stat(FaultInjectionFiles.PROC_DEV, path.hashCode() & 0xffff, 1, Stat.S_IFREG | mode, 0, 0, 0, 0,
                1024, 0, 0, 0, 0, 0, 0, 0);
        Task t = p.task();
        if (p.name().equals("mem")) {
            // mem_open() → proc_mem_open(): the task's mm, grabbed for the file's life (none for a task without one).
            return new OpenFile(new OpenFile.ProcMem(t.mm(), st), path, flags);
        }
        OpenFile.Attribute.Ops ops = new OpenFile.Attribute.Ops() {
            @Override
            public byte[] show() {
                return new byte[0];
            }

            @Override
            public long store(byte[] data, long count) {
                return clearRefsWrite(t, data, count);
            }

            @Override
            public boolean canRead() {
                return false; // proc_clear_refs_operations has no read
            }
        };
        return new OpenFile(new OpenFile.Attribute(ops, st), path, flags);
    }

    /**
     * Models clear_refs_write(), fs/proc/task_mmu.c: at most PROC_NUMBUF - 1 bytes are read, and
     * that clipped count is what the write returns; kstrtoint(strstrip(), 10) (EINVAL, ERANGE),
     * a type outside [1, 5] is EINVAL; then {@link ClearRefs#clearRefs} on the task's mm, if it
     * has one.
     */
    static long clearRefsWrite(Task t, byte[] data, long count) {
        if (count > PROC_NUMBUF - 1) count = PROC_NUMBUF - 1;
        String s = Kstrtox.strstrip(Kstrtox.cString(data, (int) count));
        if (!s.matches("[+-]?[0-9]+")) return -Errno.EINVAL; // kstrtoint() in base 10
        // Kstrtox parses with base 0: dropping leading zeros leaves it nothing to read as octal.
        Kstrtox.Parsed type = Kstrtox.kstrtoint(s.replaceFirst("^([+-]?)0+(?=[0-9])", "$1"));
        if (!type.ok()) return type.errno();
        if (type.value() < ClearRefs.CLEAR_REFS_ALL || type.value() >= ClearRefs.CLEAR_REFS_LAST) return -Errno.EINVAL;
        MmStruct mm = t.mm();
        if (mm != null) ClearRefs.clearRefs(mm, (int) type.value());
        return count;
    }
}
