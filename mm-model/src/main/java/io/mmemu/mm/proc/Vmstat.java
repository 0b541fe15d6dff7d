package io.mmemu.mm.proc;

import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;

/** /proc/vmstat lines ("name value") for the model's event counters, and /proc/PID/status's VmLck and Rss lines. */
public final class Vmstat {
    private Vmstat() {}

    /**
     * The /proc/vmstat text of the model's event counters.
     *
     * @param env the memory model
     * @return one "name value" line per {@link VmEvent}
     */
    public static String vmstat(MmEnv env) {
        StringBuilder sb = new StringBuilder();
        for (VmEvent e : VmEvent.values()) sb.append(e.procName).append(' ').append(env.event(e)).append('\n');
        return sb.toString();
    }

    /**
     * VmLck as /proc/PID/status prints it (task_mem(): mm->locked_vm in kB, 8 columns), before the Rss lines.
     *
     * @param mm the address space
     * @return the line
     */
    public static String vmLck(MmStruct mm) {
        return String.format("VmLck:\t%8d kB%n", mm.lockedVm * 4);
    }

    /**
     * /proc/meminfo's AnonHugePages line (meminfo_proc_show(): NR_ANON_THPS in kB, as show_val_kb() prints it):
     * the huge folios that a PMD maps.
     *
     * @param env the memory model
     * @return the line
     */
    public static String anonHugePages(MmEnv env) {
        return String.format("%-16s%8d kB%n", "AnonHugePages:", env.thp().nrAnonThps() * (PageTypes.PMD_SIZE >>> 10));
    }

    /**
     * RssAnon, RssFile, RssShmem as /proc/PID/status prints them (task_mem()).
     *
     * @param mm the address space
     * @return the three lines
     */
    public static String rss(MmStruct mm) {
        return String.format("RssAnon:\t%8d kB%nRssFile:\t%8d kB%nRssShmem:\t%8d kB%n",
                mm.rss(RssStat.MM_ANONPAGES) * 4, mm.rss(RssStat.MM_FILEPAGES) * 4, mm.rss(RssStat.MM_SHMEMPAGES) * 4);
    }
}
