package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.RunOutcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The registers a task starts with, through the CPU boundary: start_thread() for the first
 * program and for execve(), copy_thread() for fork and clone (the child starts where its parent
 * returns, with RAX 0, loaded by the scheduler's context switch), and the rewind of a syscall
 * that sleeps.
 */
class TaskStartRegistersTest {
    KernelHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new KernelHarness("hello");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** start_thread(): RIP at the entry, RSP at argc, everything else zero but IF; the initial FPU state. */
    static void assertStartThread(KernelHarness h, String argv0) {
        PtRegs r = h.cpu.regs;
        PtRegs expected = new PtRegs();
        expected.rip = r.rip;
        expected.rsp = r.rsp;
        expected.eflags = 0x202;
        assertEquals(expected.toString(), r.toString(), "start_thread()'s registers" + h.failure());
        assertTrue(h.mm().vmaLookup(r.rip) != null, "RIP in a mapping" + h.failure());
        assertEquals(1, h.readLong(r.rsp), "argc at RSP" + h.failure());
        long argv0Addr = h.readLong(r.rsp + 8);
        byte[] name = h.read(argv0Addr, argv0.length() + 1);
        assertEquals(argv0 + "\0", new String(name, StandardCharsets.UTF_8), "argv[0]" + h.failure());
        FpuState init = new FpuState();
        init.init(0);
        assertEquals(init.toString(), h.cpu.fpu.toString(), "fpu_flush_thread()'s state" + h.failure());
    }

    @Test
    void theFirstProgramStartsAtItsEntryWithTheInitialState() {
        assertStartThread(h, "hello");
    }

    @Test
    void execveStartsTheNewProgramAfreshOnceTheSyscallReturns() {
        long mem = h.mmap(4096);
        h.writeString(mem, "/hello");
        h.writeString(mem + 64, "hello");
        h.writeLong(mem + 128, mem + 64); // argv = {"hello", NULL}
        h.writeLong(mem + 136, 0);
        h.cpu.regs.rbx = 0x1234;
        h.cpu.regs.fsBase = 0x7000_0000;
        java.util.Arrays.fill(h.cpu.fpu.xmm, 7);
        h.cpu.fpu.mxcsr = 0x1fa0;
        assertEquals(0, h.syscall(Syscall.EXECVE, mem, mem + 128, mem + 136), h.failure());
        assertStartThread(h, "hello");
    }

    @Test
    void aFailedExecveChangesNoRegister() {
        long mem = h.mmap(4096);
        h.writeString(mem, "/no-such-program");
        h.writeLong(mem + 8, 0);
        h.cpu.regs.rbx = 0x1234;
        long rip = h.cpu.regs.rip;
        assertEquals(-2, h.syscall(Syscall.EXECVE, mem, mem + 8, mem + 8), "ENOENT" + h.failure());
        assertEquals(0x1234, h.cpu.regs.rbx, h.failure());
        assertEquals(rip + 2, h.cpu.regs.rip, "execution goes on after the syscall" + h.failure());
    }

    /**
     * fork() in the parent, then the scheduler switches to the child: copy_thread() gave it the
     * parent's registers at the syscall's return with RAX 0, and fpu_clone() the parent's FPU state.
     */
    @Test
    void aForkChildStartsWhereItsParentReturnsWithRaxZero() {
        PtRegs atFork = new PtRegs();
        FpuState fpuAtFork = new FpuState();
        List<String> seen = new ArrayList<>();
        long[] childPid = {0};
        h.cpu.program = cpu -> {
            if (cpu.current().pid() == Kernel.FIRST_PID) {
                cpu.regs.rbx = 0xb0b0;
                cpu.regs.r12 = 0xc0c0;
                cpu.regs.fsBase = 0x7000_0000;
                cpu.fpu.mxcsr = 0x1fa0;
                cpu.fpu.xmm[3] = 0x33;
                atFork.copyFrom(cpu.regs);
                fpuAtFork.copyFrom(cpu.fpu);
                childPid[0] = cpu.syscall(Syscall.FORK);
                seen.add("parent rax " + cpu.regs.rax);
                cpu.syscall(Syscall.EXIT_GROUP, 0);
            } else {
                PtRegs expected = atFork.copy();
                expected.rip += 2;
                expected.rax = 0;
                expected.rcx = expected.rip;
                expected.r11 = expected.eflags;
                assertEquals(expected.toString(), cpu.regs.toString(), "the child's registers" + h.failure());
                assertEquals(fpuAtFork.toString(), cpu.fpu.toString(), "the child's FPU state" + h.failure());
                seen.add("child " + cpu.current().pid());
                cpu.syscall(Syscall.EXIT_GROUP, 0);
            }
        };
        RunOutcome o = h.kernel.run();
        assertEquals(List.of("parent rax " + childPid[0], "child " + childPid[0]), seen, h.failure());
        assertTrue(childPid[0] > Kernel.FIRST_PID, "fork returned " + childPid[0]);
        assertEquals(0, o.exitCode());
    }

    /** clone() of a thread: the child's stack and TLS come from the arguments, the rest from the parent. */
    @Test
    void aThreadStartsOnItsOwnStackWithItsOwnTls() {
        long flags = ProcessSyscalls.CLONE_VM | ProcessSyscalls.CLONE_FS | ProcessSyscalls.CLONE_FILES
                | ProcessSyscalls.CLONE_SIGHAND | ProcessSyscalls.CLONE_THREAD | ProcessSyscalls.CLONE_SETTLS;
        long[] got = new long[4];
        h.cpu.program = cpu -> {
            if (cpu.current().pid() == Kernel.FIRST_PID) {
                cpu.regs.rbx = 0xb0b0;
                long tid = cpu.syscall(Syscall.CLONE, flags, 0x7100_0000, 0, 0, 0x7200_0000);
                got[0] = tid;
                cpu.syscall(Syscall.EXIT, 0); // the leader exits; the thread runs on
            } else {
                got[1] = cpu.regs.rsp;
                got[2] = cpu.regs.fsBase;
                got[3] = cpu.regs.rax == 0 && cpu.regs.rbx == 0xb0b0 ? 1 : 0;
                cpu.syscall(Syscall.EXIT_GROUP, 0);
            }
        };
        h.kernel.run();
        assertArrayEquals(new long[] {Kernel.FIRST_PID + 1, 0x7100_0000, 0x7200_0000, 1}, got, h.failure());
    }

    /** A syscall that sleeps runs again when its task is woken: RIP back on the instruction, RAX its number. */
    @Test
    void aSleepingSyscallIsRewoundToRunAgain() {
        h.cpu.program = new java.util.function.Consumer<>() {
            int parentRuns;

            @Override
            public void accept(FakeCpu cpu) {
                if (cpu.current().pid() != Kernel.FIRST_PID) {
                    cpu.syscall(Syscall.EXIT_GROUP, 5);
                    return;
                }
                if (parentRuns++ == 0) {
                    assertTrue(cpu.syscall(Syscall.FORK) > 0, h.failure());
                    long rip = cpu.regs.rip;
                    cpu.syscall(Syscall.WAIT4, -1, 0, 0, 0);
                    assertEquals(rip, cpu.regs.rip, "RIP back on the syscall instruction" + h.failure());
                    assertEquals(Syscall.WAIT4.nr, cpu.regs.rax, "RAX holds the number again" + h.failure());
                    assertTrue(cpu.rescheduleRequested(), "the sleeper gives up the CPU");
                    return;
                }
                // Woken by the child's exit: the same wait4 runs again and reaps it.
                assertTrue(cpu.syscall(Syscall.WAIT4, -1, 0, 0, 0) > Kernel.FIRST_PID, h.failure());
                cpu.syscall(Syscall.EXIT_GROUP, 0);
            }
        };
        assertEquals(0, h.kernel.run().exitCode(), h.failure());
    }
}
