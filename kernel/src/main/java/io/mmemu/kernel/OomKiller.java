package io.mmemu.kernel;

import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
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
    private final Processes procs;
    private final PrintStream log;

    OomKiller(Processes procs, PrintStream log) {
        this.procs = procs;
        this.log = log;
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
