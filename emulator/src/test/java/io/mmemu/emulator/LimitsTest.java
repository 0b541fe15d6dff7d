package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.kernel.StopCause;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.testprograms.Toolchain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Limits that only mmemu can be asked to hit: the programs here would take the host down (a fork
 * bomb), or need root with every capability (this host's root lacks CAP_SYS_RESOURCE), so they run
 * under mmemu only, built at test time, and their expected output is written here. The RLIMIT_NPROC
 * program's expectation is what the host printed for it as root; the others follow kernel/fork.c,
 * kernel/pid.c and kernel/sys.c (see Processes and Rlimits). The limits the host can show with any
 * user are in test-programs (rlimit-nofile, rlimit-cpu), compared with the host.
 *
 * <p>The timeouts only guard against a hang (before the limits, a fork bomb never ended).
 */
class LimitsTest {
    record Run(RunOutcome outcome, String stdout, String log, String objectsLeft, int maxThreads) {}

    static Run run(Path binary, long ram, int cpus) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(ram, false, 1, false, false, out, new ByteArrayOutputStream(),
                new PrintStream(log, true, StandardCharsets.UTF_8)).withCpus(cpus);
        try (Machine m = new Machine(options)) {
            m.exec(binary, List.of(binary.toString()), List.of());
            RunOutcome o = m.run();
            return new Run(o, out.toString(StandardCharsets.UTF_8), log.toString(StandardCharsets.UTF_8),
                    GuestRunTest.kernelObjectsLeft(m.env().kernelSlab()), m.maxThreads());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Every process forks as fast as it can; on EAGAIN the first one reports the task counts and kills the rest. */
    static final String FORK_BOMB = """
            #include <errno.h>
            #include <fcntl.h>
            #include <sched.h>
            #include <signal.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <unistd.h>
            static long proc_number(const char *path, int field) {
                char buf[128];
                int fd = open(path, O_RDONLY);
                long n = read(fd, buf, sizeof buf - 1);
                close(fd);
                buf[n > 0 ? n : 0] = 0;
                char *p = buf;
                for (int i = 0; i < field; i++) p = strchr(p, ' ') + 1;
                if (field == 3) p = strchr(p, '/') + 1; /* loadavg's running/total: the total */
                return atol(p);
            }
            int main(void) {
                pid_t root = getpid();
                for (;;) {
                    pid_t p = fork();
                    sched_yield();
                    if (p >= 0) continue;
                    int e = errno;
                    if (getpid() != root) for (;;) pause();
                    long tasks = proc_number("/proc/loadavg", 3);
                    long max = proc_number("/proc/sys/kernel/threads-max", 0);
                    printf("fork: %s with %ld tasks, threads-max %ld\\n", e == EAGAIN ? "EAGAIN" : "other error", tasks, max);
                    fflush(stdout);
                    kill(-1, SIGKILL);
                    return 0;
                }
            }
            """;

    @ParameterizedTest(name = "on {0} CPUs")
    @ValueSource(ints = {1, 4})
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aForkBombEndsWithEagainAtThreadsMax(int cpus, @TempDir Path dir) {
        Path bomb = Toolchain.muslStatic(dir, "fork-bomb", FORK_BOMB);
        Run r = run(bomb, 64L << 20, cpus);
        // set_max_threads(): an eighth of 64 MiB in 16 KiB thread stacks, less the frames Linux keeps.
        assertTrue(r.maxThreads() > 400 && r.maxThreads() <= 512, "threads-max " + r.maxThreads());
        assertEquals("fork: EAGAIN with " + r.maxThreads() + " tasks, threads-max " + r.maxThreads() + "\n", r.stdout(),
                r.log());
        assertEquals(0, r.outcome().exitCode(), r.outcome().toString());
        assertEquals("", r.objectsLeft(), "every task of the bomb is gone with its kernel objects");
    }

    static final String THREAD_BOMB = """
            #include <errno.h>
            #include <pthread.h>
            #include <stdio.h>
            #include <unistd.h>
            static void *sleeper(void *arg) { for (;;) pause(); return arg; }
            int main(void) {
                pthread_attr_t a;
                pthread_attr_init(&a);
                pthread_attr_setstacksize(&a, 16384);
                int n = 0, e;
                pthread_t t;
                while ((e = pthread_create(&t, &a, sleeper, NULL)) == 0) n++;
                printf("pthread_create: %s after %d threads\\n", e == EAGAIN ? "EAGAIN" : "other error", n);
                return 0;
            }
            """;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void threadsStopAtThreadsMaxToo(@TempDir Path dir) {
        Path bomb = Toolchain.muslStatic(dir, "thread-bomb", THREAD_BOMB);
        Run r = run(bomb, 64L << 20, 1);
        assertEquals("pthread_create: EAGAIN after " + (r.maxThreads() - 1) + " threads\n", r.stdout(), r.log());
        assertEquals(0, r.outcome().exitCode());
        assertEquals("", r.objectsLeft());
    }

    /**
     * RLIMIT_NPROC binds a user other than root, unless it holds CAP_SYS_ADMIN or CAP_SYS_RESOURCE;
     * setresuid() clears the effective set when the effective uid leaves 0 and the permitted set
     * when no uid is 0 any more; capset() cannot take back what was dropped.
     */
    static final String NPROC = """
            #define _GNU_SOURCE
            #include <errno.h>
            #include <signal.h>
            #include <stdint.h>
            #include <stdio.h>
            #include <sys/resource.h>
            #include <sys/syscall.h>
            #include <sys/wait.h>
            #include <unistd.h>
            static pid_t kids[16];
            struct hdr { uint32_t version; int pid; };
            struct data { uint32_t effective, permitted, inheritable; };
            static const char *err(long rc) { return rc == 0 ? "0" : errno == EPERM ? "EPERM" : errno == EAGAIN ? "EAGAIN" : "other"; }
            static void forks(const char *who) {
                int n = 0, e = 0;
                while (n < 6) {
                    pid_t p = fork();
                    if (p == 0) { pause(); _exit(0); }
                    if (p < 0) { e = errno; break; }
                    kids[n++] = p;
                }
                printf("%s: %d forks%s\\n", who, n, e == EAGAIN ? ", then EAGAIN" : e ? ", then another error" : "");
                for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
                for (int i = 0; i < n; i++) waitpid(kids[i], NULL, 0);
            }
            static uint64_t permitted(void) {
                struct hdr h = {0x20080522, 0};
                struct data d[2];
                syscall(SYS_capget, &h, d);
                return d[0].permitted | (uint64_t)d[1].permitted << 32;
            }
            static long effective(uint64_t eff, uint64_t perm) {
                struct hdr h = {0x20080522, 0};
                struct data d[2] = {{(uint32_t)eff, (uint32_t)perm, 0}, {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), 0}};
                errno = 0;
                return syscall(SYS_capset, &h, d);
            }
            static void ids(void) {
                uid_t r, e, s;
                getresuid(&r, &e, &s);
                printf("uids: real %u, effective %u, saved %u; getuid %u, geteuid %u\\n", r, e, s, getuid(), geteuid());
            }
            int main(void) {
                struct rlimit rl = {4, 4};
                printf("setrlimit(RLIMIT_NPROC, 4/4): %d\\n", setrlimit(RLIMIT_NPROC, &rl));
                uint64_t p = permitted();
                printf("capset: no effective capabilities: %s\\n", err(effective(0, p)));
                forks("root (INIT_USER) without capabilities");
                printf("capset: all permitted effective: %s\\n", err(effective(p, p)));
                errno = 0;
                printf("setresuid(4242, 4242, 0): %s\\n", err(setresuid(4242, 4242, 0)));
                ids();
                forks("uid 4242, effective set cleared by the euid change");
                printf("capset: all permitted effective: %s\\n", err(effective(p, p)));
                forks("uid 4242 with capabilities");
                printf("capset: none effective: %s\\n", err(effective(0, p)));
                errno = 0;
                printf("setresuid(-1, -1, 4242): %s\\n", err(setresuid(-1, -1, 4242)));
                ids();
                printf("permitted set after leaving uid 0: %s\\n", permitted() == 0 ? "empty" : "not empty");
                printf("capset: the old permitted set back: %s\\n", err(effective(p, p)));
                errno = 0;
                printf("setuid(0): %s\\n", err(setuid(0)));
                rl.rlim_max = 5;
                errno = 0;
                printf("raise RLIMIT_NPROC's hard limit: %s\\n", err(setrlimit(RLIMIT_NPROC, &rl)));
                rl.rlim_cur = rl.rlim_max = 2;
                errno = 0;
                printf("lower RLIMIT_NPROC to 2/2: %s\\n", err(setrlimit(RLIMIT_NPROC, &rl)));
                forks("uid 4242 with RLIMIT_NPROC 2");
                fflush(stdout);
                return 0;
            }
            """;

    /** What the host printed for {@link #NPROC}, run natively as root under setarch -R. */
    static final String NPROC_EXPECTED = """
            setrlimit(RLIMIT_NPROC, 4/4): 0
            capset: no effective capabilities: 0
            root (INIT_USER) without capabilities: 6 forks
            capset: all permitted effective: 0
            setresuid(4242, 4242, 0): 0
            uids: real 4242, effective 4242, saved 0; getuid 4242, geteuid 4242
            uid 4242, effective set cleared by the euid change: 3 forks, then EAGAIN
            capset: all permitted effective: 0
            uid 4242 with capabilities: 6 forks
            capset: none effective: 0
            setresuid(-1, -1, 4242): 0
            uids: real 4242, effective 4242, saved 4242; getuid 4242, geteuid 4242
            permitted set after leaving uid 0: empty
            capset: the old permitted set back: EPERM
            setuid(0): EPERM
            raise RLIMIT_NPROC's hard limit: EPERM
            lower RLIMIT_NPROC to 2/2: 0
            uid 4242 with RLIMIT_NPROC 2: 1 forks, then EAGAIN
            """;

    @Test
    void rlimitNprocBindsUsersOtherThanRootWithoutCapabilities(@TempDir Path dir) {
        Run r = run(Toolchain.muslStatic(dir, "nproc", NPROC), 64L << 20, 1);
        assertEquals(NPROC_EXPECTED, r.stdout(), r.log());
        assertEquals(0, r.outcome().exitCode());
        assertEquals("", r.objectsLeft());
    }

    /** Root raises RLIMIT_NOFILE to fs.nr_open and opens what it asked for; one more than nr_open is EPERM even for root. */
    static final String NOFILE = """
            #include <errno.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <sys/resource.h>
            #include <unistd.h>
            static const char *err(long rc) { return rc >= 0 ? "ok" : errno == EPERM ? "EPERM" : errno == EBADF ? "EBADF" : errno == EMFILE ? "EMFILE" : "other"; }
            int main(void) {
                struct rlimit rl = {1048576, 1048576};
                printf("setrlimit(RLIMIT_NOFILE, 1048576): %s\\n", err(setrlimit(RLIMIT_NOFILE, &rl)));
                int n = 0;
                while (n < 5000 && open("/dev/null", O_RDONLY) >= 0) n++;
                printf("opened %d\\n", n);
                printf("F_DUPFD from 1048575: %d\\n", fcntl(0, F_DUPFD, 1048575));
                errno = 0;
                printf("F_DUPFD from 1048575 again: %s\\n", err(fcntl(0, F_DUPFD, 1048575)));
                errno = 0;
                printf("dup2(0, 1048576): %s\\n", err(dup2(0, 1048576)));
                rl.rlim_cur = rl.rlim_max = 1048577;
                errno = 0;
                printf("setrlimit(RLIMIT_NOFILE, 1048577): %s\\n", err(setrlimit(RLIMIT_NOFILE, &rl)));
                return 0;
            }
            """;

    @Test
    void rlimitNofileRaisedToNrOpenTakesEffect(@TempDir Path dir) {
        Run r = run(Toolchain.muslStatic(dir, "nofile", NOFILE), 64L << 20, 1);
        assertEquals("""
                setrlimit(RLIMIT_NOFILE, 1048576): ok
                opened 5000
                F_DUPFD from 1048575: 1048575
                F_DUPFD from 1048575 again: EMFILE
                dup2(0, 1048576): EBADF
                setrlimit(RLIMIT_NOFILE, 1048577): EPERM
                """, r.stdout(), r.log());
        assertEquals(0, r.outcome().exitCode());
    }

    @Test
    void aRunEndsAtItsInstructionBudgetTheSameWayEveryTime(@TempDir Path dir) throws Exception {
        Path loop = Toolchain.gccNostdlib(dir, "loop", "void _start(void) { for (;;) ; }");
        long[] counts = new long[2];
        for (int i = 0; i < 2; i++) {
            MachineOptions options = new MachineOptions(16L << 20, false, 1, false, false, new ByteArrayOutputStream(),
                    new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            try (Machine m = new Machine(options)) {
                m.exec(loop, List.of("loop"), List.of());
                m.setMaxInstructions(1_234_567);
                RunOutcome o = m.run();
                assertEquals(StopCause.INSTRUCTION_LIMIT, m.stopCause());
                assertTrue(o.killed() && o.signal() == 9, "the task left is killed: " + o);
                counts[i] = m.instructions();
            }
        }
        assertTrue(counts[0] >= 1_234_567, "stopped after " + counts[0]);
        assertEquals(counts[0], counts[1], "the same budget stops the same run at the same instruction");
    }

    @Test
    void aRunThatEndsByItselfHasNoStopCause(@TempDir Path dir) throws Exception {
        Path exit = Toolchain.gccNostdlib(dir, "exit7",
                "void _start(void) { __asm__ volatile(\"mov $60, %eax; mov $7, %edi; syscall\"); }");
        MachineOptions options = new MachineOptions(16L << 20, false, 1, false, false, new ByteArrayOutputStream(),
                new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try (Machine m = new Machine(options)) {
            m.exec(exit, List.of("exit7"), List.of());
            m.setMaxInstructions(1_000_000);
            m.allowStopRequests();
            assertEquals(7, m.run().exitCode());
            assertNull(m.stopCause());
        }
    }
}
