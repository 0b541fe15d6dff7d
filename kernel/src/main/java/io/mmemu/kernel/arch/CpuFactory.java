package io.mmemu.kernel.arch;

import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.tlb.linux.MmContexts;
import io.mmemu.tlb.linux.TlbManagement;

/**
 * Builds a machine's CPUs for the kernel, which owns everything else: the emulator gives one that
 * makes Unicorn engines, the kernel's tests one that makes CPUs holding their registers in memory.
 */
@FunctionalInterface
public interface CpuFactory {
    /**
     * CPU {@code id} over the machine's memory {@code env}, calling {@code kernel} for syscalls and
     * faults, its TLB managed by {@code tlbManagement} (whose {@code hardware(id)} is its TLB) with
     * the mms' PCIDs in {@code contexts}.
     *
     * @param id            the CPU's number, 0 to the machine's CPU count - 1
     * @param env           the machine's memory: physical memory, the page allocator, the page tables
     * @param kernel        the kernel the CPU calls at syscalls, faults and returns to user mode
     * @param tlbManagement Linux's TLB management for the machine; {@code hardware(id)} is this CPU's TLB
     * @param contexts      each mm's context (its PCIDs per CPU)
     * @return the new CPU, idle
     */
    ArchCpu create(int id, MmEnv env, SyscallHandler kernel, TlbManagement tlbManagement, MmContexts contexts);

    /**
     * What the CPUs must hear before the memory model changes a frame of {@code frames} from
     * outside their execution (CPUs that cache translated code drop it). Asked once, before the
     * memory model and the CPUs are built; CPUs that cache nothing keep the default.
     *
     * @param frames the machine's page frames
     * @return the hook the memory model calls; {@link FrameWriteHook#NONE} by default
     */
    default FrameWriteHook frameWriteHook(FrameTable frames) {
        return FrameWriteHook.NONE;
    }
}
