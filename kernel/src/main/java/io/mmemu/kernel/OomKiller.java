package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.SigInfo;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import java.io.PrintStream;

/**
 * The OOM killer, mm/oom_kill.c: when a fault finds no memory (pagefault_out_of_memory()), the
 * process with the highest badness gets SIGKILL and the kernel log says so in Linux's words. No
 * second victim is chosen while one is still dying: it runs, exits and frees its memory (what the
 * OOM reaper hastens), and the faulting instruction is retried. oom_score_adj is 0 for everyone,
 * and page counts are reported in kB (a page is 4 kB).
 */
final class OomKiller {
    /** DEFAULT_RATELIMIT_BURST: pagefault_out_of_memory()'s warning is printed this often (here: per run, not per 5 s). */
    static final int HUH_BURST = 10;

    private final Processes procs;
    private final PrintStream log;
    /** Tells an injected page-allocation failure from exhaustion (null: every failure is exhaustion). */
    private PageAllocator allocator;
    private int huhPrinted;

    OomKiller(Processes procs, PrintStream log) {
        this.procs = procs;
        this.log = log;
    }

    void setAllocator(PageAllocator allocator) {
        this.allocator = allocator;
    }

    /**
     * Models pagefault_out_of_memory(), mm/oom_kill.c: a user fault came back with VM_FAULT_OOM.
     * When memory really ran out, the model kills here what Linux's allocator would have killed on
     * the way (__alloc_pages_may_oom() → out_of_memory()). A failure that fail_page_alloc injected
     * never reached that slow path, so nobody was killed: Linux 5.16 and later then only warn
     * ("Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF", rate-limited) and return to
     * user mode, where the faulting instruction runs again. A fatal signal already pending keeps
     * it quiet.
     */
    void pagefaultOutOfMemory(ArchCpu cpu, Task task) {
        if (allocator == null || !allocator.lastFailureInjected()) {
            outOfMemory(cpu, task);
            return;
        }
        if ((task.pending & Signo.sigmask(Signo.SIGKILL)) != 0) return;
        if (huhPrinted < HUH_BURST) {
            huhPrinted++;
            log.println("mmemu: Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF");
        }
    }

    /** Models out_of_memory() with select_bad_process() and oom_kill_process(); {@code task} faulted on {@code cpu}. */
    void outOfMemory(ArchCpu cpu, Task task) {
        Processes.Proc victim = null;
        long worst = -1;
        for (Processes.Proc p : procs.alive()) {
            MmStruct m = p.task.mm();
            if (m == null) continue;
            if ((p.task.pending & Signo.sigmask(Signo.SIGKILL)) != 0) {
                // A victim is already dying: let it run and free its memory (the OOM reaper's job).
                cpu.requestReschedule();
                return;
            }
            long badness = oomBadness(m);
            if (badness > worst) {
                worst = badness;
                victim = p;
            }
        }
        if (victim == null) victim = procs.of(task);
        Task v = victim.task;
        MmStruct m = v.mm();
        log.printf("mmemu: Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, "
                        + "shmem-rss:%dkB, UID:0 pgtables:%dkB oom_score_adj:0%n", v.tgid(), v.comm(), kb(m.totalVm()),
                kb(m.rss(RssStat.MM_ANONPAGES)), kb(m.rss(RssStat.MM_FILEPAGES)), kb(m.rss(RssStat.MM_SHMEMPAGES)),
                kb(m.pgd().nrTables()));
        Signals.forceSigFault(v, SigInfo.user(Signo.SIGKILL, SiCode.SI_KERNEL, 0, 0));
        procs.wakeAll();
        if (v != task) cpu.requestReschedule();
    }

    /** Models oom_badness(): resident pages, swap entries and page-table pages (oom_score_adj 0). */
    static long oomBadness(MmStruct m) {
        return m.rss(RssStat.MM_ANONPAGES) + m.rss(RssStat.MM_FILEPAGES) + m.rss(RssStat.MM_SHMEMPAGES)
                + m.rss(RssStat.MM_SWAPENTS) + m.pgd().nrTables();
    }

    /** K(x), mm/oom_kill.c: pages in kB. */
    private static long kb(long pages) {
        return pages << (PageTypes.PAGE_SHIFT - 10);
    }
}
