package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmStruct;

/**
 * Models arch/x86/entry/vsyscall/vsyscall_64.c with vsyscall=xonly, the default of Linux since
 * 5.18 and the host's: the page at {@value #VSYSCALL_ADDR} is not mapped, so a call into it takes
 * an instruction-fetch fault, which emulate_vsyscall() turns into the legacy call (gettimeofday at
 * +0, time at +0x400, getcpu at +0x800) and a {@code ret}; reading the page is an ordinary
 * SIGSEGV. /proc/PID/maps shows the page as {@code --xp [vsyscall]} ({@link MmStruct#maps}).
 */
final class Vsyscall {
    /** VSYSCALL_ADDR: the fixed address of the legacy page. */
    static final long VSYSCALL_ADDR = 0xffff_ffff_ff60_0000L;

    private final UserAccess uaccess;
    private final TimeSyscalls time;
    private final SysSyscalls sys;
    private final PtRegs regs = new PtRegs();

    Vsyscall(UserAccess uaccess, TimeSyscalls time, SysSyscalls sys) {
        this.uaccess = uaccess;
        this.time = time;
        this.sys = sys;
    }

    /** Models is_vsyscall_vaddr(): the address lies in the vsyscall page. */
    static boolean isVsyscallVaddr(long address) {
        return (address & -4096L) == VSYSCALL_ADDR;
    }

    /** Models addr_to_vsyscall_nr(): 0, 1 or 2 for the three entry points, -1 for any other address of the page. */
    static int addrToVsyscallNr(long address) {
        if ((address & ~0xC00L) != VSYSCALL_ADDR) return -1;
        return (int) ((address & 0xC00) >> 10);
    }

    /**
     * Models emulate_vsyscall(), called by do_user_addr_fault() for a fault in the vsyscall page:
     * a user-mode instruction fetch at one of the entry points runs the call on the task's
     * registers and returns to the caller, as {@code ret} would; a fetch elsewhere in the page, a
     * caller's address that cannot be read, or a bad pointer argument gets SIGSEGV. A read or a
     * write is not emulated (false: the fault goes on to its SIGSEGV).
     *
     * @param cpu       the CPU, its registers at the faulting fetch
     * @param task      the task
     * @param address   the faulting address (RIP)
     * @param errorCode the #PF error code
     * @return whether the fault was handled here (emulated, or its signal sent)
     */
    boolean emulateVsyscall(ArchCpu cpu, Task task, long address, int errorCode) {
        if (!isVsyscallVaddr(address)) return false;
        // Write faults or kernel-privilege faults never get fixed up; nor does a read (xonly).
        if ((errorCode & (PfErr.WRITE | PfErr.USER)) != PfErr.USER || (errorCode & PfErr.INSTR) == 0) return false;
        int nr = addrToVsyscallNr(address);
        if (nr < 0) return sigsegv(task); // "misaligned vsyscall (exploit attempt or buggy program)"
        cpu.regs().get(regs);
        MmStruct mm = task.mm();
        long caller = uaccess.getUserLong(mm, regs.rsp, -1);
        if (caller == -1 && uaccess.copyFromUser(mm, new byte[8], 0, regs.rsp, 8) < 0) return sigsegv(task);
        long ret;
        switch (nr) {
            case 0 -> { // gettimeofday(struct __kernel_old_timeval *, struct timezone *)
                if (!writeOkOrSegv(task, regs.rdi, 16) || !writeOkOrSegv(task, regs.rsi, 8)) return true;
                ret = time.gettimeofday(mm, regs.rdi, regs.rsi);
            }
            case 1 -> { // time(__kernel_old_time_t *)
                if (!writeOkOrSegv(task, regs.rdi, 8)) return true;
                ret = time.time(mm, regs.rdi);
            }
            default -> { // getcpu(unsigned *, unsigned *, struct getcpu_cache *): the cache is ignored
                if (!writeOkOrSegv(task, regs.rdi, 4) || !writeOkOrSegv(task, regs.rsi, 4)) return true;
                ret = sys.getcpu(cpu, task, regs.rdi, regs.rsi);
            }
        }
        if (ret == -Errno.EFAULT) return sigsegv(task); // "vsyscall fault (exploit attempt?)": no ret emulated
        regs.rax = ret;
        regs.rip = caller; // emulate a ret instruction
        regs.rsp += 8;
        cpu.regs().set(regs);
        return true;
    }

    /** Models write_ok_or_segv(): a pointer outside user space (access_ok()) raises SIGSEGV at it. */
    private boolean writeOkOrSegv(Task task, long ptr, int size) {
        if (Long.compareUnsigned(ptr, MmStruct.TASK_SIZE - size) <= 0) return true;
        Signals.forceSigFault(task, SigInfo.fault(Signo.SIGSEGV, SiCode.SEGV_MAPERR, ptr, PfErr.USER | PfErr.WRITE, 14));
        return false;
    }

    /** force_sig(SIGSEGV): si_code SI_KERNEL. */
    private static boolean sigsegv(Task task) {
        Signals.forceSigFault(task, SigInfo.fault(Signo.SIGSEGV, SiCode.SI_KERNEL, 0, 0, 0));
        return true;
    }
}
