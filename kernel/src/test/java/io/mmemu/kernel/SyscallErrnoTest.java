package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.mm.vma.Errno;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Syscalls' argument checks, each with the errno Linux gives, driven through the CPU boundary (a
 * row per case: adding one is a line). Arguments that must point to user memory use {@code
 * MAPPED}, a page of fresh anonymous memory, or {@code UNMAPPED}, an address nothing maps.
 */
class SyscallArgumentsTest {
    /** Stand-ins replaced by real addresses of the process. */
    static final long MAPPED = -0x1000_0001L, UNMAPPED = -0x1000_0002L;

    record Call(String why, int nr, long[] args, long expected) {
        @Override
        public String toString() {
            return why;
        }
    }

    static Call call(String why, long expected, int nr, long... args) {
        return new Call(why, nr, args, expected);
    }

    static Stream<Call> calls() {
        int anon = KernelHarness.MAP_PRIVATE_ANONYMOUS, rw = KernelHarness.PROT_RW;
        return Stream.of(
                call("mmap: an offset not page aligned", -Errno.EINVAL, Syscall.MMAP, 0, 4096, rw, 0x02, 3, 100),
                call("mmap: length 0", -Errno.EINVAL, Syscall.MMAP, 0, 0, rw, anon, -1, 0),
                call("mmap: a bad descriptor before the length", -Errno.EBADF, Syscall.MMAP, 0, 0, rw, 0x02, 99, 0),
                call("mmap: neither shared nor private", -Errno.EINVAL, Syscall.MMAP, 0, 4096, rw, 0x20, -1, 0),
                call("munmap: length 0", -Errno.EINVAL, Syscall.MUNMAP, MAPPED, 0),
                call("munmap: an unaligned address", -Errno.EINVAL, Syscall.MUNMAP, MAPPED + 1, 4096),
                call("rt_sigaction: a new action for SIGKILL", -Errno.EINVAL, Syscall.RT_SIGACTION, 9, MAPPED, 0, 8),
                call("rt_sigaction: a new action for SIGSTOP", -Errno.EINVAL, Syscall.RT_SIGACTION, 19, MAPPED, 0, 8),
                call("rt_sigaction: SIGKILL's action may be read", 0, Syscall.RT_SIGACTION, 9, 0, MAPPED, 8),
                call("rt_sigaction: signal 65", -Errno.EINVAL, Syscall.RT_SIGACTION, 65, 0, MAPPED, 8),
                call("rt_sigaction: a sigset of 4 bytes", -Errno.EINVAL, Syscall.RT_SIGACTION, 10, 0, MAPPED, 4),
                call("rt_sigaction: the action copied in before the number is checked", -Errno.EFAULT,
                        Syscall.RT_SIGACTION, 65, UNMAPPED, 0, 8),
                call("rt_sigprocmask: an unknown how", -Errno.EINVAL, Syscall.RT_SIGPROCMASK, 3, MAPPED, 0, 8),
                call("rt_sigprocmask: an unreadable set", -Errno.EFAULT, Syscall.RT_SIGPROCMASK, 0, UNMAPPED, 0, 8),
                call("arch_prctl: an FS base past TASK_SIZE", -Errno.EPERM, Syscall.ARCH_PRCTL, 0x1002, -4096L),
                call("arch_prctl: an unknown option", -Errno.EINVAL, Syscall.ARCH_PRCTL, 0x1005, 0),
                call("kill: signal 65", -Errno.EINVAL, Syscall.KILL, 2, 65),
                call("kill: no such process", -Errno.ESRCH, Syscall.KILL, 4000, 0),
                call("wait4: no child", -Errno.ECHILD, Syscall.WAIT4, -1, 0, 0, 0));
    }

    KernelHarness h;
    long mapped;

    @BeforeEach
    void setUp() throws Exception {
        h = new KernelHarness("hello");
        mapped = h.mmap(4096);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("calls")
    void errno(Call c) {
        long[] args = c.args().clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] == MAPPED) args[i] = mapped;
            else if (args[i] == MAPPED + 1) args[i] = mapped + 1;
            else if (args[i] == UNMAPPED) args[i] = 0x10_0000; // below the program: nothing there
        }
        assertEquals(c.expected(), h.syscall(c.nr(), args), c.why() + ": " + Sysno.name(c.nr()) + List.of(args)
                + h.failure());
    }

    /** arch_prctl(ARCH_SET_FS) reaches the CPU's FS base with the result; ARCH_GET_FS reads it back. */
    @Test
    void archPrctlSetsTheFsBaseOfTheCpu() {
        assertEquals(0, h.syscall(Syscall.ARCH_PRCTL, 0x1002, 0x7000_1234), h.failure());
        assertEquals(0x7000_1234, h.cpu.regs.fsBase, h.failure());
        assertEquals(0x7000_1234, h.task().fsBase, "thread_struct.fsbase" + h.failure());
        assertEquals(0, h.syscall(Syscall.ARCH_PRCTL, 0x1001, 0x7000_5678), h.failure());
        assertEquals(0x7000_5678, h.cpu.regs.gsBase, h.failure());
        assertEquals(0, h.syscall(Syscall.ARCH_PRCTL, 0x1003, mapped), h.failure());
        assertEquals(0x7000_1234, h.readLong(mapped), "ARCH_GET_FS" + h.failure());
    }

    /** The syscall instruction's own clobbers: RCX the return address, R11 the flags; the other registers kept. */
    @Test
    void aSyscallClobbersRcxAndR11Only() {
        h.cpu.regs.rbx = 0xb0b0;
        h.cpu.regs.eflags = 0x283;
        long rip = h.cpu.regs.rip;
        long pid = h.syscall(Syscall.GETPID);
        assertEquals(Kernel.FIRST_PID, pid, h.failure());
        assertEquals(rip + 2, h.cpu.regs.rcx, h.failure());
        assertEquals(0x283, h.cpu.regs.r11, h.failure());
        assertEquals(0xb0b0, h.cpu.regs.rbx, h.failure());
    }
}
