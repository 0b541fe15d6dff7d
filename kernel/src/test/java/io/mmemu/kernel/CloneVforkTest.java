package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.vma.MmStruct;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * clone() and vfork() of a process (kernel/fork.c kernel_clone(), copy_process(), copy_mm();
 * arch/x86 copy_thread()): the child's stack from clone's argument and RAX 0; CLONE_VM shares
 * the mm; CLONE_VFORK keeps the parent asleep in wait_for_vfork_done() until the child's
 * mm_release() at exit or exec; CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID. These are what
 * musl's and glibc's posix_spawn() and system() rely on.
 */
class CloneVforkTest {
    static final long SIGCHLD = 17;
    KernelHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new KernelHarness("hello");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /**
     * vfork(): the parent's syscall sleeps (rewound, RAX its number) until the child, which
     * runs on the parent's own mm, has exited; only then does it return the child's pid.
     */
    @Test
    void vforkSuspendsTheParentUntilTheChildExitsOnTheSharedMm() {
        List<String> seen = new ArrayList<>();
        MmStruct[] mms = new MmStruct[2];
        long[] childPid = {0};
        h.cpu.program = new java.util.function.Consumer<>() {
            int parentRuns;

            @Override
            public void accept(FakeCpu cpu) {
                if (cpu.current().pid() != Kernel.FIRST_PID) {
                    mms[1] = cpu.current().mm();
                    seen.add("child rax " + cpu.regs.rax);
                    cpu.syscall(Syscall.EXIT_GROUP, 3);
                    return;
                }
                if (parentRuns++ == 0) {
                    mms[0] = cpu.current().mm();
                    long rip = cpu.regs.rip;
                    cpu.syscall(Syscall.VFORK);
                    assertEquals(rip, cpu.regs.rip, "RIP back on the syscall instruction" + h.failure());
                    assertEquals(Syscall.VFORK.nr, cpu.regs.rax, "the parent sleeps" + h.failure());
                    seen.add("parent asleep");
                    return;
                }
                if (childPid[0] == 0) {
                    long r = cpu.syscall(Syscall.VFORK);
                    if (r == Syscall.VFORK.nr) return; // still asleep
                    childPid[0] = r;
                    seen.add("parent rax " + r);
                }
                reapAndExit(cpu, childPid[0], 3);
            }
        };
        assertEquals(0, h.kernel.run().exitCode(), h.failure());
        assertEquals(List.of("parent asleep", "child rax 0", "parent rax " + childPid[0]), seen, h.failure());
        assertSame(mms[0], mms[1], "CLONE_VM: one mm");
    }

    /**
     * clone(CLONE_VM | CLONE_VFORK | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD) on a
     * stack of its own, as posix_spawn() does: the child starts on that stack with RAX 0 and the
     * parent's other registers; the parent's tid word holds the pid; the child's execve() wakes
     * the parent (exec_mm_release()) and clears the child's tid word in the parent's mm, while
     * the new program still runs.
     */
    @Test
    void cloneVmVforkStartsTheChildOnItsStackAndExecWakesTheParent() {
        long flags = ProcessSyscalls.CLONE_VM | ProcessSyscalls.CLONE_VFORK | ProcessSyscalls.CLONE_PARENT_SETTID
                | ProcessSyscalls.CLONE_CHILD_CLEARTID | SIGCHLD;
        long mem = h.mmap(4096);
        h.writeString(mem, "/hello");
        h.writeString(mem + 64, "hello");
        h.writeLong(mem + 128, mem + 64);
        h.writeLong(mem + 136, 0);
        h.writeLong(mem + 256, -1); // the parent's tid word and the child's
        List<String> seen = new ArrayList<>();
        PtRegs atClone = new PtRegs();
        long newsp = 0x7100_0000L;
        long[] pid = {0};
        h.cpu.program = new java.util.function.Consumer<>() {
            int parentRuns, childRuns;

            @Override
            public void accept(FakeCpu cpu) {
                if (cpu.current().pid() != Kernel.FIRST_PID) {
                    if (childRuns++ == 0) {
                        PtRegs expected = atClone.copy();
                        expected.rip += 2;
                        expected.rax = 0;
                        expected.rsp = newsp;
                        expected.rcx = expected.rip;
                        expected.r11 = expected.eflags;
                        expected.rdi = flags;
                        expected.rsi = newsp;
                        expected.rdx = mem + 256;
                        expected.r10 = mem + 260;
                        expected.r8 = 0;
                        assertEquals(expected.toString(), cpu.regs.toString(), "the child's registers" + h.failure());
                        seen.add("child execs");
                        assertEquals(0, cpu.syscall(Syscall.EXECVE, mem, mem + 128, mem + 136), h.failure());
                        return;
                    }
                    if (childRuns == 2) {
                        seen.add("new program yields");
                        cpu.syscall(Syscall.SCHED_YIELD);
                        return;
                    }
                    cpu.syscall(Syscall.EXIT_GROUP, 9);
                    return;
                }
                if (parentRuns++ == 0) {
                    cpu.regs.rbx = 0xb0b0;
                    atClone.copyFrom(cpu.regs);
                    cpu.syscall(Syscall.CLONE, flags, newsp, mem + 256, mem + 260, 0);
                    seen.add("parent asleep");
                    return;
                }
                if (pid[0] == 0) {
                    long r = cpu.syscall(Syscall.CLONE, flags, newsp, mem + 256, mem + 260, 0);
                    if (r == Syscall.CLONE.nr) return; // still asleep
                    pid[0] = r;
                    long words = h.readLong(mem + 256);
                    seen.add("parent back: tid word is pid " + ((int) words == pid[0]) + ", child word " + (words >>> 32));
                }
                reapAndExit(cpu, pid[0], 9);
            }
        };
        assertEquals(0, h.kernel.run().exitCode(), h.failure());
        // The parent is back while the new program still runs: the exec, not the exit, woke it.
        assertEquals(List.of("parent asleep", "child execs", "new program yields",
                "parent back: tid word is pid true, child word 0"), seen, h.failure());
    }

    /**
     * wait_for_vfork_done() sleeps killable: a signal with a handler, sent to the parent by its
     * vfork child, neither wakes it nor runs its handler (on the stack the child uses) before
     * the child has exited; the parent's next run starts in the handler.
     */
    @Test
    void aSignalDoesNotWakeTheParentOutOfItsVforkWait() {
        long mem = h.mmap(4096);
        long handler = 0x401000; // any address: the fake CPU runs no instruction
        h.writeLong(mem, handler); // struct sigaction: handler, flags, restorer, mask
        h.writeLong(mem + 8, Signals.SA_RESTORER);
        h.writeLong(mem + 16, handler);
        h.writeLong(mem + 24, 0);
        assertEquals(0, h.syscall(Syscall.RT_SIGACTION, 10, mem, 0, 8), h.failure());
        List<String> seen = new ArrayList<>();
        h.cpu.program = new java.util.function.Consumer<>() {
            int parentRuns, childRuns;

            @Override
            public void accept(FakeCpu cpu) {
                if (cpu.current().pid() != Kernel.FIRST_PID) {
                    if (childRuns++ == 0) {
                        assertEquals(0, cpu.syscall(Syscall.KILL, Kernel.FIRST_PID, 10), h.failure());
                        seen.add("child sent SIGUSR1");
                        cpu.syscall(Syscall.SCHED_YIELD);
                        return;
                    }
                    seen.add("child runs on");
                    cpu.syscall(Syscall.EXIT_GROUP, 0);
                    return;
                }
                if (parentRuns++ == 0) {
                    cpu.syscall(Syscall.VFORK);
                    seen.add("parent asleep");
                    return;
                }
                // Woken by the child's exit: the rewound vfork() runs again and returns; then the
                // pending SIGUSR1's handler runs.
                assertTrue(cpu.syscall(Syscall.VFORK) > Kernel.FIRST_PID, h.failure());
                seen.add("parent at 0x" + Long.toHexString(cpu.regs.rip));
                cpu.syscall(Syscall.EXIT_GROUP, 0);
            }
        };
        assertEquals(0, h.kernel.run().exitCode(), h.failure());
        assertEquals(List.of("parent asleep", "child sent SIGUSR1", "child runs on", "parent at 0x401000"), seen,
                h.failure());
    }

    /**
     * clone3() with CLONE_VM | CLONE_VFORK, as glibc's posix_spawn() calls it: the child's RSP is
     * the top of [stack, stack + stack_size) (clone3_stack_valid()), the parent sleeps until the
     * child exits, then clone3() returns the pid.
     */
    @Test
    void clone3StartsTheChildAtTheTopOfItsStackAndSuspendsTheParent() {
        long args = h.mmap(4096);
        h.writeLong(args, ProcessSyscalls.CLONE_VM | ProcessSyscalls.CLONE_VFORK); // flags
        h.writeLong(args + 32, SIGCHLD); // exit_signal
        h.writeLong(args + 40, 0x7100_0000L); // stack
        h.writeLong(args + 48, 0x1000); // stack_size
        List<String> seen = new ArrayList<>();
        long[] pid = {0};
        h.cpu.program = cpu -> {
            if (cpu.current().pid() != Kernel.FIRST_PID) {
                seen.add("child rsp 0x" + Long.toHexString(cpu.regs.rsp) + " rax " + cpu.regs.rax);
                cpu.syscall(Syscall.EXIT_GROUP, 8);
                return;
            }
            if (pid[0] == 0) {
                long r = cpu.syscall(Syscall.CLONE3, args, 88);
                if (r == Syscall.CLONE3.nr) {
                    seen.add("parent asleep");
                    return;
                }
                pid[0] = r;
                seen.add("parent back");
            }
            reapAndExit(cpu, pid[0], 8);
        };
        assertEquals(0, h.kernel.run().exitCode(), h.failure());
        assertEquals(List.of("parent asleep", "child rsp 0x71001000 rax 0", "parent back"), seen, h.failure());
    }

    /** wait4() for {@code pid} (a sleep returns, to be run again once woken), its exit status checked, then exit_group(0). */
    private void reapAndExit(FakeCpu cpu, long pid, int code) {
        long st = h.mmap(4096);
        long r = cpu.syscall(Syscall.WAIT4, pid, st, 0, 0);
        if (r == Syscall.WAIT4.nr) return; // asleep until the child exits
        assertEquals(pid, r, h.failure());
        assertEquals(code << 8, h.readLong(st) & 0xffff, "the child's status" + h.failure());
        cpu.syscall(Syscall.EXIT_GROUP, 0);
    }

    /** clone(SIGCHLD) with a stack: a copy of the mm (fork), the child on the given stack, the parent not suspended. */
    @Test
    void cloneWithoutVmCopiesTheMmAndUsesTheGivenStack() {
        List<String> seen = new ArrayList<>();
        MmStruct[] mms = new MmStruct[2];
        h.cpu.program = cpu -> {
            if (cpu.current().pid() != Kernel.FIRST_PID) {
                mms[1] = cpu.current().mm();
                seen.add("child rsp 0x" + Long.toHexString(cpu.regs.rsp) + " rax " + cpu.regs.rax);
                cpu.syscall(Syscall.EXIT_GROUP, 4);
                return;
            }
            mms[0] = cpu.current().mm();
            long pid = cpu.syscall(Syscall.CLONE, SIGCHLD, 0x7300_0000L, 0, 0, 0);
            seen.add("parent rax " + (pid > Kernel.FIRST_PID));
            cpu.syscall(Syscall.EXIT_GROUP, 0);
        };
        assertEquals(0, h.kernel.run().exitCode(), h.failure());
        assertEquals(List.of("parent rax true", "child rsp 0x73000000 rax 0"), seen, h.failure());
        assertNotSame(mms[0], mms[1], "a copy of the mm");
    }
}
