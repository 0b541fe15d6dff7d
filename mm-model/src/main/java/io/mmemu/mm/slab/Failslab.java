package io.mmemu.mm.slab;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.mm.page.Gfp;
import io.mmemu.slub.KmemCache;
import java.util.Set;
import java.util.TreeSet;

/**
 * Models mm/failslab.c: whether a slab allocation of the kernel model fails on purpose.
 *
 * <p>should_failslab() filters before it asks should_fail_ex(): an allocation that may sleep
 * (__GFP_DIRECT_RECLAIM, which every allocation of the model is: GFP_KERNEL) is left alone while
 * {@code ignore-gfp-wait} is Y, and with {@code cache-filter} on only caches carrying
 * SLAB_FAILSLAB may fail. A filtered allocation never reaches should_fail_ex(), so it neither
 * counts down a task's fail-nth nor gets a call number.
 *
 * <p>How a cache gets SLAB_FAILSLAB here: Linux sets it with {@code slub_debug=A,cache} at boot or
 * by writing 1 to {@code /sys/kernel/slab/CACHE/failslab}; mmemu offers the sysfs file
 * ({@link #setMarked}) and, from the command line, {@code cache-filter=NAME+NAME}, which turns the
 * filter on and marks the caches named (the knob keeps the names; the debugfs file shows Y).
 */
public final class Failslab {
    private final FaultInjector faults;
    private final FaultAttr attr;
    /** Caches marked SLAB_FAILSLAB through sysfs, by name. */
    private final Set<String> marked = new TreeSet<>();

    Failslab(FaultInjector faults) {
        this.faults = faults;
        this.attr = faults.attr(FaultPoint.FAILSLAB);
    }

    /**
     * Models should_failslab(), mm/failslab.c: the allocation of an object of {@code s} with
     * {@code gfp} fails. The caller has checked {@link FaultInjector#armed} already.
     *
     * @param s   the cache allocated from
     * @param gfp the allocation's flags ({@link Gfp} bits)
     * @return true when the allocation is to fail (the caller returns NULL)
     */
    boolean shouldFailslab(KmemCache s, int gfp) {
        if (attr.flag("ignore-gfp-wait") && (gfp & Gfp.DIRECT_RECLAIM) != 0) return false;
        String filter = attr.text("cache-filter");
        if (!filter.equals("N") && !hasFailslabFlag(s.name(), filter)) return false;
        return faults.shouldFail(FaultPoint.FAILSLAB, s.layout().objectSize(), s.name());
    }

    /** s->flags &amp; SLAB_FAILSLAB: marked through sysfs, or named in a cache-filter list. */
    private boolean hasFailslabFlag(String cache, String filter) {
        return marked.contains(cache) || (!filter.equals("Y") && listed(filter, cache));
    }

    /** Whether {@code name} is one of the '+'-separated items of {@code list}, without allocating. */
    static boolean listed(String list, String name) {
        int n = name.length();
        for (int from = 0; from <= list.length() - n; ) {
            int at = list.indexOf(name, from);
            if (at < 0) return false;
            boolean startOk = at == 0 || list.charAt(at - 1) == '+';
            boolean endOk = at + n == list.length() || list.charAt(at + n) == '+';
            if (startOk && endOk) return true;
            from = at + 1;
        }
        return false;
    }

    /**
     * Reads /sys/kernel/slab/CACHE/failslab (failslab_show(), mm/slub.c).
     *
     * @param cache the cache's name
     * @return whether the cache carries SLAB_FAILSLAB
     */
    public boolean isMarked(String cache) {
        String filter = attr.text("cache-filter");
        return hasFailslabFlag(cache, filter.equals("N") ? "Y" : filter);
    }

    /**
     * Writes /sys/kernel/slab/CACHE/failslab (failslab_store(), mm/slub.c): sets or clears
     * SLAB_FAILSLAB on the cache.
     *
     * @param cache the cache's name
     * @param on    whether the cache may fail under cache-filter
     */
    public void setMarked(String cache, boolean on) {
        if (on) marked.add(cache);
        else marked.remove(cache);
    }
}
