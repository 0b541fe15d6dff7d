package io.mmemu.mm.fault;

import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Pkeys;
import io.mmemu.mm.vma.Vma;
import io.mmemu.trace.FaultOutcome;
import io.mmemu.trace.Tracer;

/**
 * Models do_user_addr_fault(), arch/x86/mm/fault.c: the entry point for a page fault taken in
 * user mode (or by the kernel touching user memory on its behalf, copy_from_user/copy_to_user).
 *
 * <ol>
 *   <li>A reserved-bit fault means corrupted page tables: pgtable_bad() kills the task.</li>
 *   <li>find_vma(); none, or below a VMA that does not grow down → SIGSEGV/SEGV_MAPERR.</li>
 *   <li>Below a VM_GROWSDOWN VMA: expand_stack() within RLIMIT_STACK and stack_guard_gap, or
 *       SEGV_MAPERR.</li>
 *   <li>access_error(): a protection-key fault → SEGV_PKUERR; a write to a VMA without
 *       VM_WRITE, a fetch from one without VM_EXEC, a read or fetch of a present page, or an
 *       access to a VMA allowing nothing → SEGV_ACCERR.</li>
 *   <li>handle_mm_fault(); VM_FAULT_OOM → the OOM path, VM_FAULT_SIGBUS → SIGBUS/BUS_ADRERR.</li>
 * </ol>
 */
public final class UserFault {
    private UserFault() {}

    /**
     * Handles a fault at {@code address} with x86 {@code errorCode} in {@code mm}.
     *
     * @param mm        the faulting task's address space
     * @param address   the faulting address (CR2)
     * @param errorCode the x86 #PF error code ({@link io.mmemu.mm.pgtable.PfErr})
     * @return the outcome: handled, a signal, or out of memory
     */
    public static FaultResult doUserAddrFault(MmStruct mm, long address, int errorCode) {
        Tracer tracer = mm.env().tracer();
        if (!tracer.enabled()) return handleUserFault(mm, address, errorCode);
        return tracedUserFault(mm, address, errorCode, tracer);
    }

    /** {@link #doUserAddrFault} when tracing: the fault's outcome goes to the trace; flushes inside are COW's. */
    private static FaultResult tracedUserFault(MmStruct mm, long address, int errorCode, Tracer tracer) {
        MmEnv env = mm.env();
        int cpu = tracer.cpu();
        long stackExpands = env.event(VmEvent.STACK_EXPAND);
        long pgfaults = env.event(VmEvent.PGFAULT);
        tracer.setInFault(cpu, true);
        FaultResult r = handleUserFault(mm, address, errorCode);
        tracer.setInFault(cpu, false);
        if (!tracer.on(Tracer.FAULT)) return r;
        FaultOutcome outcome;
        if (env.event(VmEvent.PGFAULT) == pgfaults) outcome = FaultOutcome.SIGNAL;
        else if (r instanceof FaultResult.OutOfMemory) outcome = FaultOutcome.OOM;
        else if (r instanceof FaultResult.Signal) outcome = FaultOutcome.SIGBUS;
        else if (r instanceof FaultResult.Userfault) outcome = FaultOutcome.USERFAULT;
        else outcome = env.faultOutcome();
        Vma vma = mm.findVma(address);
        long vmaStart = vma != null && vma.start() <= address ? vma.start() : -1;
        tracer.fault(address, errorCode, vmaStart, outcome, env.event(VmEvent.STACK_EXPAND) != stackExpands);
        return r;
    }

    private static FaultResult handleUserFault(MmStruct mm, long address, int errorCode) {
        if ((errorCode & PfErr.RSVD) != 0) {
            return new FaultResult.Signal(Signo.SIGKILL, 0, address, errorCode, 0, "corrupted page table (RSVD)");
        }
        Vma vma = mm.findVma(address);
        if (vma == null) return segv(SiCode.SEGV_MAPERR, address, errorCode, "no VMA");
        if (vma.start() > address) {
            if (!vma.has(VmFlags.VM_GROWSDOWN)) return segv(SiCode.SEGV_MAPERR, address, errorCode, "no VMA");
            if (!expandStack(mm, vma, address)) {
                return segv(SiCode.SEGV_MAPERR, address, errorCode, "stack cannot grow there");
            }
        }
        // access_error()'s first two checks, then bad_area_access_error(): a key violation, or an
        // access PKRU would refuse once the page is there (no fault-in just to fault again), is
        // SEGV_PKUERR with the VMA's key in si_pkey.
        if ((errorCode & PfErr.PK) != 0 || !Pkeys.archVmaAccessPermitted(mm, vma, (errorCode & PfErr.WRITE) != 0,
                (errorCode & PfErr.INSTR) != 0, false)) {
            return new FaultResult.Signal(Signo.SIGSEGV, SiCode.SEGV_PKUERR, address, errorCode, vma.pkey(),
                    "protection key");
        }
        if (accessError(errorCode, vma)) return segv(SiCode.SEGV_ACCERR, address, errorCode, "access error");
        int flags = ((errorCode & PfErr.USER) != 0 ? FaultFlags.FAULT_FLAG_USER : 0)
                | ((errorCode & PfErr.WRITE) != 0 ? FaultFlags.FAULT_FLAG_WRITE : 0)
                | ((errorCode & PfErr.INSTR) != 0 ? FaultFlags.FAULT_FLAG_INSTRUCTION : 0);
        int r = HandleMmFault.handleMmFault(mm, vma, address, flags);
        if (r == FaultFlags.VM_FAULT_OK) return FaultResult.HANDLED;
        if ((r & FaultFlags.VM_FAULT_OOM) != 0) return new FaultResult.OutOfMemory(address);
        if ((r & FaultFlags.VM_FAULT_RETRY) != 0) {
            // VM_UFFD_WP when an entry is there (do_wp_page()), VM_UFFD_MISSING when none is.
            long slot = mm.pgd().leafSlot(address);
            boolean wp = slot != io.mmemu.mm.pgtable.PageTable.NO_SLOT && io.mmemu.mm.pgtable.Pte.mapsPage(mm.pgd().get(slot));
            return new FaultResult.Userfault(vma.userfaultfdCtx(), address, errorCode, wp);
        }
        return new FaultResult.Signal(Signo.SIGBUS, SiCode.BUS_ADRERR, address, errorCode, 0,
                "access beyond the end of the mapped file");
    }

    private static FaultResult.Signal segv(int code, long address, int errorCode, String why) {
        return new FaultResult.Signal(Signo.SIGSEGV, code, address, errorCode, 0, why);
    }

    /** Models access_error(), arch/x86/mm/fault.c. */
    static boolean accessError(int errorCode, Vma vma) {
        if ((errorCode & PfErr.WRITE) != 0) return !vma.has(VmFlags.VM_WRITE);
        // Read or fetch of a present page: nothing handle_mm_fault could fix. There is no VM_EXEC
        // check for a not-present fetch, as in Linux: the page is mapped (NX when the VMA is not
        // executable) and the retried fetch faults again with PROT|INSTR, which lands here.
        if ((errorCode & PfErr.PROT) != 0) return true;
        return (vma.flags() & VmFlags.VM_ACCESS_FLAGS) == 0;
    }

    /**
     * Models expand_downwards(), mm/mmap.c: grows a VM_GROWSDOWN VMA down to the page holding
     * {@code address}, refusing beyond RLIMIT_STACK or within stack_guard_gap of the VMA below.
     */
    static boolean expandStack(MmStruct mm, Vma vma, long address) {
        long newStart = address & -PageTypes.PAGE_SIZE;
        if (Long.compareUnsigned(newStart, mm.mmapMinAddr()) < 0) return false;
        if (vma.end() - newStart > mm.rlimitStack) return false;
        Vma prev = mm.vmaPrev(vma.start());
        if (prev != null && !prev.has(VmFlags.VM_GROWSDOWN) && (prev.flags() & VmFlags.VM_ACCESS_FLAGS) != 0
                && newStart - prev.end() < MmStruct.STACK_GUARD_GAP) {
            return false;
        }
        if (prev != null && prev.end() > newStart) return false;
        // acct_stack_growth(): a locked stack grows only within the memory-lock limit, and counts.
        long grow = vma.start() - newStart;
        if (!mm.mlockFutureOk(vma.flags(), grow)) return false;
        if (vma.has(VmFlags.VM_LOCKED)) mm.lockedVm += grow >>> PageTypes.PAGE_SHIFT;
        mm.moveVmaStart(vma, newStart);
        mm.env().count(VmEvent.STACK_EXPAND);
        return true;
    }
}
