package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;

/**
 * A path naming a file of a task's /proc directory (fs/proc/base.c): /proc/self/NAME,
 * /proc/thread-self/NAME, /proc/PID/NAME or /proc/PID/task/TID/NAME, resolved to the task
 * (proc_pid_lookup(), proc_task_lookup(), get_proc_task()) and NAME.
 *
 * @param task the task the directory shows
 * @param name the file's name in it
 */
record ProcPidPath(Task task, String name) {
    /**
     * Resolves {@code path}: a ProcPidPath; the /proc/PID/task/TID directory itself (an {@link
     * OpenFile}); ENOENT (an {@link Integer}) for a TID of another thread group; or null for a path
     * that names no task's file (another file of /proc, a pid no task has).
     *
     * @param path   the absolute, normalized guest path, under /proc/
     * @param flags  open()'s flags (for the directory)
     * @param caller the opening task ("self")
     * @param procs  the processes, by pid
     * @return what the path names, as above
     */
    static Object resolve(String path, int flags, Task caller, Processes procs) {
        String[] parts = path.substring("/proc/".length()).split("/");
        Task target;
        switch (parts[0]) {
            case "self" -> target = taskOf(procs, caller.tgid());
            case "thread-self" -> target = caller;
            default -> {
                if (!parts[0].matches("[1-9][0-9]{0,9}")) return null;
                target = taskOf(procs, Long.parseLong(parts[0]));
            }
        }
        if (target == null) return null;
        int i = 1;
        if (parts.length >= 3 && parts[1].equals("task")) {
            if (!parts[2].matches("[1-9][0-9]{0,9}")) return null;
            Task t = taskOf(procs, Long.parseLong(parts[2]));
            if (t == null || t.tgid() != target.tgid()) return -Errno.ENOENT;
            target = t;
            i = 3;
            if (parts.length == 3) return FaultInjectionFiles.directory(path, flags, 0555, FaultInjectionFiles.PROC_DEV);
        }
        if (parts.length != i + 1) return null;
        return new ProcPidPath(target, parts[i]);
    }

    /** get_proc_task(): the live task of that pid (a thread's tid names it too), or null. */
    private static Task taskOf(Processes procs, long pid) {
        if (pid > Integer.MAX_VALUE) return null;
        Processes.Proc p = procs.byPid((int) pid);
        return p == null ? null : p.task;
    }
}
