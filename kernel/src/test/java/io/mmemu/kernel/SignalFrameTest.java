package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.Signo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A signal delivered at a return to user mode and the handler's rt_sigreturn, through the CPU
 * boundary alone: setup_rt_frame() writes the interrupted registers, FPU state and mask to the
 * user stack and points the registers at the handler; rt_sigreturn() brings back every one of
 * them, whatever the handler did to the registers in between.
 */
class SignalFrameTest {
    static final int SIGUSR1 = 10, SIGUSR2 = 12;
    static final long HANDLER = 0x40_1000, RESTORER = 0x40_2000;

    KernelHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new KernelHarness("hello");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** rt_sigaction(sig, {handler, flags, restorer, mask}) with the action in user memory. */
    void sigaction(int sig, long handler, long flags, long mask) {
        long act = h.mmap(4096);
        byte[] a = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(handler).putLong(flags)
                .putLong(RESTORER).putLong(mask).array();
        h.write(act, a);
        assertEquals(0, h.syscall(Syscall.RT_SIGACTION, sig, act, 0, 8), h.failure());
    }

    /** Registers and FPU state no two of which are alike, so that a swapped slot shows. */
    void fillRegisters() {
        PtRegs r = h.cpu.regs;
        long v = 0x1111_0000_0000_0001L;
        r.r15 = v++;
        r.r14 = v++;
        r.r13 = v++;
        r.r12 = v++;
        r.rbp = v++;
        r.rbx = v++;
        r.r11 = v++;
        r.r10 = v++;
        r.r9 = v++;
        r.r8 = v++;
        r.rdx = v++;
        r.rsi = v++;
        r.rdi = v;
        r.eflags = 0x202 | 0x1 | 0x80; // IF, CF, SF
        r.fsBase = 0x7000_1000;
        r.gsBase = 0x7000_2000;
        FpuState f = h.cpu.fpu;
        f.fpcw = 0x37f;
        f.fpsw = 0;
        f.mxcsr = 0x1fa0; // round down, exceptions masked
        for (int i = 0; i < f.xmm.length; i++) f.xmm[i] = 0x5a5a_0000_0000_0000L + i;
    }

    @Test
    void sigreturnRestoresEveryRegisterTheFpuStateAndTheMask() {
        sigaction(SIGUSR1, HANDLER, Signals.SA_SIGINFO | Signals.SA_RESTORER, Signo.sigmask(SIGUSR2));
        h.task().blocked = Signo.sigmask(3); // SIGQUIT blocked before the signal
        fillRegisters();
        long pid = h.task().tgid();
        long sp = h.cpu.regs.rsp;
        // kill() returns 0 into the interrupted context: what sigreturn must bring back.
        PtRegs interrupted = h.cpu.regs.copy();
        interrupted.rdi = pid;
        interrupted.rsi = SIGUSR1;
        interrupted.rip += 2;
        interrupted.rax = 0;
        interrupted.rcx = interrupted.rip;
        interrupted.r11 = interrupted.eflags;
        FpuState fpuBefore = h.cpu.fpu.copy();

        assertEquals(0, h.syscall(Syscall.KILL, pid, SIGUSR1), h.failure());

        // The handler's entry: its arguments, a 16-byte aligned stack after the return address, the mask.
        PtRegs r = h.cpu.regs;
        assertEquals(HANDLER, r.rip, h.failure());
        assertEquals(SIGUSR1, r.rdi, h.failure());
        assertEquals(0, (r.rsp + 8) & 15, "rsp+8 must be 16-byte aligned at the handler" + h.failure());
        assertEquals(true, r.rsp < sp - 128, "the frame is below the red zone" + h.failure());
        assertEquals(RESTORER, h.readLong(r.rsp), "pretcode" + h.failure());
        assertEquals(SIGUSR1, (int) h.readLong(r.rsi), "siginfo.si_signo" + h.failure());
        assertEquals(Signo.sigmask(3) | Signo.sigmask(SIGUSR1) | Signo.sigmask(SIGUSR2), h.task().blocked, h.failure());
        long mcontext = r.rdx + Signals.UC_MCONTEXT;
        assertEquals(interrupted.r8, h.readLong(mcontext), "sigcontext.r8" + h.failure());
        assertEquals(interrupted.rip, h.readLong(mcontext + 128), "sigcontext.rip" + h.failure());
        assertEquals(Signo.sigmask(3), h.readLong(r.rdx + Signals.UC_SIGMASK), "uc_sigmask" + h.failure());

        // The handler clobbers everything, then returns to the restorer, which calls rt_sigreturn.
        long frameSp = r.rsp;
        long fs = r.fsBase, gs = r.gsBase;
        PtRegs junk = new PtRegs();
        junk.rbx = junk.rbp = junk.r12 = junk.r15 = junk.rdi = -1;
        junk.eflags = 0x202;
        junk.fsBase = fs;
        junk.gsBase = gs;
        junk.rsp = frameSp + 8; // ret popped pretcode
        junk.rip = RESTORER;
        h.cpu.regs.copyFrom(junk);
        h.cpu.fpu.mxcsr = 0x1f80;
        java.util.Arrays.fill(h.cpu.fpu.xmm, -1);
        h.syscall(Syscall.RT_SIGRETURN);

        assertEquals(interrupted.toString(), h.cpu.regs.toString(), "registers after rt_sigreturn" + h.failure());
        assertEquals(fpuBefore.toString(), h.cpu.fpu.toString(), "FPU state after rt_sigreturn" + h.failure());
        assertEquals(Signo.sigmask(3), h.task().blocked, "the mask after rt_sigreturn" + h.failure());
    }

    @Test
    void aSignalWithoutAHandlerKillsAtTheReturnToUserMode() {
        long pid = h.task().tgid();
        h.syscall(Syscall.KILL, pid, SIGUSR1);
        assertEquals(SIGUSR1, h.cpu.killedBy, "SIGUSR1's default action terminates" + h.failure());
    }

    @Test
    void anUnwritableStackMeansSigsegv() {
        sigaction(SIGUSR1, HANDLER, Signals.SA_SIGINFO | Signals.SA_RESTORER, 0);
        h.cpu.regs.rsp = 0x1000; // nothing mapped below
        h.syscall(Syscall.KILL, h.task().tgid(), SIGUSR1);
        assertEquals(Signo.SIGSEGV, h.cpu.killedBy, "force_sigsegv() when the frame cannot be written" + h.failure());
    }
}
