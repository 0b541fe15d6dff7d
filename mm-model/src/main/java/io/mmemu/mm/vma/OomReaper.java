package io.mmemu.mm.vma;

import java.util.List;

/**
 * The OOM reaper's unmapping, mm/oom_kill.c: the memory of a dying process freed before the
 * process itself gets round to exit_mmap(), for the OOM killer and for process_mrelease(2).
 */
public final class OomReaper {
    private OomReaper() {}

    /**
     * Models __oom_reap_task_mm(): marks the mm MMF_UNSTABLE (a later fault there is SIGBUS, not
     * a fresh page), then unmaps the pages of every private or anonymous VMA (shared file and
     * shmem pages stay: "we do not even care about fs backed pages"), VM_PFNMAP ones aside; the
     * VMAs themselves stay until exit_mmap().
     *
     * @param mm the address space of a task that is exiting
     * @return true: every VMA was reaped (the model has no MMU notifier that could refuse)
     */
    public static boolean oomReapTaskMm(MmStruct mm) {
        mm.setMmfUnstable();
        for (Vma vma : List.copyOf(mm.vmas())) {
            if (vma.has(VmFlags.VM_PFNMAP)) continue; // and VM_HUGETLB, which the model has not
            if (vma.isAnonymous() || !vma.has(VmFlags.VM_SHARED)) {
                mm.zapPageRange(vma.start(), vma.end()); // unmap_page_range()
                mm.env().tlbFlush().flushTlbMmRange(mm, vma.start(), vma.end(), false); // tlb_finish_mmu()
            }
        }
        return true;
    }
}
