package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The limits of copy_process() and alloc_pid() on a small machine: pids handed out cyclically up
 * to pid_max and wrapping to RESERVED_PIDS, EAGAIN when none is free or threads-max tasks exist,
 * RLIMIT_NPROC per real uid; and the defaults as the kernel computes them.
 */
class ProcessesTest {
    final MmEnv env = MmEnv.boot(16L << 20);

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    Processes procs(int pidMax, int maxThreads) {
        return new Processes(new UserAccess(env), env.kernelSlab(), pidMax, maxThreads);
    }

    /** A new process with the next pid, or the errno alloc_pid() gave. */
    static int spawn(Processes p, Cred cred) {
        int pid = p.allocPid();
        if (pid < 0) return pid;
        p.add(new Task(pid, pid, 1, "t"), cred);
        return pid;
    }

    /** The process exits; its parent (init, not modelled) reaps it at once. */
    static void reap(Processes p, int pid) {
        Processes.Proc proc = p.byPid(pid);
        proc.task.exit(0);
        p.exitThread(proc);
    }

    @ParameterizedTest(name = "pid {0} released: the next pid is {1}")
    @CsvSource({
        "305, 305",     // free again once released, found after the wrap
        "309, 309",     // the last pid below pid_max
        "150, -11",     // below RESERVED_PIDS: never handed out again after a wrap (EAGAIN)
    })
    void pidsWrapToReservedPidsAndRunOut(int released, int next) {
        Processes p = procs(310, 1000);
        for (int expected = 3; expected < 310; expected++) assertEquals(expected, spawn(p, Cred.ROOT));
        assertEquals(-Errno.EAGAIN, p.allocPid(), "every pid of 300..309 in use");
        reap(p, released);
        assertEquals(next, p.allocPid());
    }

    @Test
    void aZombieKeepsItsPidUntilReaped() {
        Processes p = procs(310, 1000);
        for (int i = 3; i < 310; i++) spawn(p, Cred.ROOT);
        // pid 300's task exits with a live parent (pid 3): it is a zombie, which keeps its pid.
        Processes.Proc z = p.byPid(300);
        z.task.setPpid(3);
        z.task.exit(0);
        p.exitThread(z);
        assertEquals(-Errno.EAGAIN, p.allocPid(), "a zombie's pid is not free");
        assertEquals(307, p.nrThreads(), "a zombie still counts in nr_threads");
    }

    @Test
    void threadsMaxStopsEveryoneRootIncluded() {
        Processes p = procs(32768, 5);
        for (int i = 0; i < 5; i++) {
            assertEquals(0, p.copyProcessLimits(Cred.ROOT, Rlimits.RLIM_INFINITY));
            spawn(p, Cred.ROOT);
        }
        assertEquals(-Errno.EAGAIN, p.copyProcessLimits(Cred.ROOT, Rlimits.RLIM_INFINITY));
        reap(p, 3);
        assertEquals(0, p.copyProcessLimits(Cred.ROOT, Rlimits.RLIM_INFINITY), "one released: room for one");
    }

    @Test
    void rlimitNprocCountsTasksOfTheRealUid() {
        Processes p = procs(32768, 100);
        Cred user = Cred.ROOT.withUids(1000, 1000, 1000, 1000).withCaps(0, 0, 0);
        Cred admin = user.withCaps(0, 1L << Cred.CAP_SYS_ADMIN, 1L << Cred.CAP_SYS_ADMIN);
        Cred resource = user.withCaps(0, 1L << Cred.CAP_SYS_RESOURCE, 1L << Cred.CAP_SYS_RESOURCE);
        Cred rootNoCaps = Cred.ROOT.withCaps(0, 0, 0);
        for (int i = 0; i < 3; i++) spawn(p, user);
        for (int i = 0; i < 5; i++) spawn(p, Cred.ROOT); // other users' tasks do not count
        assertEquals(3, p.userTasks(1000));
        assertEquals(0, p.copyProcessLimits(user, 4), "a fourth task of uid 1000 fits a limit of 4");
        assertEquals(-Errno.EAGAIN, p.copyProcessLimits(user, 3));
        assertEquals(0, p.copyProcessLimits(admin, 3), "CAP_SYS_ADMIN exempts");
        assertEquals(0, p.copyProcessLimits(resource, 3), "CAP_SYS_RESOURCE exempts");
        assertEquals(0, p.copyProcessLimits(rootNoCaps, 1), "INIT_USER is exempt whatever its capabilities");
        // setuid() moves a task to another user's count (commit_creds()).
        p.commitCreds(p.byPid(3), Cred.ROOT);
        assertEquals(2, p.userTasks(1000));
        assertEquals(0, p.copyProcessLimits(user, 3));
        reap(p, 4);
        assertEquals(1, p.userTasks(1000), "a released task leaves its user's count");
    }

    @ParameterizedTest(name = "{0} pages of RAM: threads-max {1}")
    @CsvSource({
        "65536, 2048",          // 256 MiB: an eighth in 16 KiB stacks
        "16384, 512",           // 64 MiB
        "100, 20",              // MIN_THREADS
        "34359738368, 1073741823", // 128 TiB: MAX_THREADS (FUTEX_TID_MASK)
        "4503599627370496, 1073741823", // 2^52 pages: nr_pages * PAGE_SIZE would overflow
    })
    void threadsMaxFollowsRamAsSetMaxThreadsDoes(long pages, int threads) {
        assertEquals(threads, Processes.defaultMaxThreads(pages));
    }

    @ParameterizedTest(name = "{0} CPUs: pid_max {1}")
    @CsvSource({"1, 32768", "32, 32768", "33, 33792", "64, 65536", "5000, 4194304"})
    void pidMaxGrowsWithCpusAsPidIdrInitDoes(int cpus, int pidMax) {
        assertEquals(pidMax, Processes.defaultPidMax(cpus));
    }

    @Test
    void limitsBelowTheKernelsMinimumsAreRefusedWithWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> procs(300, 10));
        assertEquals("pid_max must be 301..4194304 (got 300)", e.getMessage());
    }
}
