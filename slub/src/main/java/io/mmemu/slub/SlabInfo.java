package io.mmemu.slub;

import java.util.BitSet;
import java.util.List;

/**
 * Read-only views of the allocator: /proc/slabinfo, the SLUB_STATS files, a crash-style
 * {@code kmem -S} walk, and a per-slab layout dump for teaching.
 */
public final class SlabInfo {
    private SlabInfo() {
    }

    /**
     * Models slabinfo_show() and cache_show(), mm/slab_common.c, with get_slabinfo(), mm/slub.c.
     *
     * @param slub the allocator
     * @return the /proc/slabinfo text, one line per live cache
     */
    public static String slabinfo(Slub slub) {
        StringBuilder sb = new StringBuilder();
        sb.append("slabinfo - version: 2.1\n");
        sb.append("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>");
        sb.append(" : tunables <limit> <batchcount> <sharedfactor>");
        sb.append(" : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
        for (KmemCache s : slub.caches()) {
            long nrSlabs = 0;
            long nrObjs = 0;
            long nrFree = 0;
            for (KmemCacheNode n : s.node) {
                nrSlabs += n.lvNrSlabs();
                nrObjs += n.lvTotalObjects();
                nrFree += SlubReport.countPartialFree(n);
            }
            sb.append(String.format("%-17s %6d %6d %6d %4d %4d", s.name, nrObjs - nrFree, nrObjs, s.size,
                    s.layout.objects(), 1 << s.layout.order()));
            sb.append(String.format(" : tunables %4d %4d %4d", 0, 0, 0));
            sb.append(String.format(" : slabdata %6d %6d %6d", nrSlabs, nrSlabs, 0));
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * The SLUB_STATS files of one cache, as /sys/kernel/slab/&lt;cache&gt;/&lt;stat&gt; shows them: total, then " C&lt;cpu&gt;=&lt;n&gt;" for nonzero CPUs.
     *
     * @param s the cache
     * @return one line per counter, in {@link SlubStat} order
     */
    public static String stats(KmemCache s) {
        StringBuilder sb = new StringBuilder();
        for (SlubStat item : SlubStat.values()) {
            sb.append(item.sysfsName()).append(": ").append(s.stat(item));
            for (int cpu = 0; cpu < s.cpuSlab.length; cpu++) {
                long v = s.stat(item, cpu);
                if (v != 0) {
                    sb.append(" C").append(cpu).append('=').append(v);
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * A walk over every slab of a cache in the style of crash's {@code kmem -S}: cache line,
     * then per CPU the CPU slab and its freelist, then every slab with its counts. A free
     * pointer that does not point into its slab is reported as crash reports it:
     * {@code kmem: <cache>: slab: <slab> invalid freepointer: <value>}.
     * Call it while the cache is quiescent.
     *
     * @param s the cache
     * @return the walk as text, one line per slab and object list
     */
    public static String kmemS(KmemCache s) {
        StringBuilder sb = new StringBuilder();
        long slabs = 0;
        long total = 0;
        long free = 0;
        List<Slab> all = new java.util.ArrayList<>();
        s.slub.pageMap.forEachSlab(s, all::add);
        StringBuilder body = new StringBuilder();
        for (int cpu = 0; cpu < s.cpuSlab.length; cpu++) {
            KmemCacheCpu c = s.cpuSlab[cpu];
            long pair = (long) KmemCache.PAIR.getVolatile(s.pairs, cpu << SlubSwitches.PAIR_SHIFT);
            body.append(String.format("  CPU %d KMEM_CACHE_CPU: tid=0x%x freelist=0x%x%n", cpu,
                    KmemCache.tidOfPair(pair), KmemCache.freelistOfPair(pair)));
            if (c.slab != null) {
                body.append(String.format("  CPU %d SLAB: 0x%x%n", cpu, c.slab.address));
                walkFreelist(s, c.slab, KmemCache.freelistOfPair(pair), body, "(cpu " + cpu + " cache)");
            }
        }
        body.append("  SLAB              MEMORY            NODE  TOTAL  ALLOCATED  FREE\n");
        for (Slab slab : all) {
            int objects = slab.objects();
            int inuse = slab.inuse();
            slabs++;
            total += objects;
            free += objects - inuse;
            body.append(String.format("  %016x  %016x  %4d  %5d  %9d  %4d%n", slab.address, slab.address, slab.nid,
                    objects, inuse, objects - inuse));
            walkFreelist(s, slab, slab.freelist(), body, "");
        }
        sb.append("NAME              OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE\n");
        sb.append(String.format("%-17s %7d  %9d  %8d  %5d  %4dk%n", s.name, s.objectSize,
                total - free, total, slabs, (PageSource.PAGE_SIZE << s.layout.order()) / 1024));
        sb.append(body);
        return sb.toString();
    }

    private static void walkFreelist(KmemCache s, Slab slab, long head, StringBuilder out, String tag) {
        int objects = slab.objects();
        long p = head;
        for (int n = 0; p != 0 && n <= objects; n++) {
            if (!s.checkValidPointer(slab, p, objects)) {
                out.append(String.format("kmem: %s: slab: %016x invalid freepointer: %016x%n", s.name, slab.address, p));
                return;
            }
            if (!tag.isEmpty()) {
                out.append(String.format("   %016x  %s%n", p, tag));
            }
            p = s.getFreepointer(p);
        }
    }

    /**
     * The geometry of a cache: where each part of an object slot lies.
     *
     * @param s the cache
     * @return the layout as text
     */
    public static String cacheLayout(KmemCache s) {
        CacheLayout l = s.layout;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("cache %s: object_size=%d size=%d align=%d inuse=%d offset=%d red_left_pad=%d flags=%s%n",
                s.name, l.objectSize(), l.size(), l.align(), l.inuse(), l.offset(), l.redLeftPad(), SlabFlags.letters(l.flags())));
        sb.append(String.format("  slab: order=%d objects=%d (min: order=%d objects=%d) leftover=%d min_partial=%d cpu_partial_slabs=%d%n",
                l.order(), l.objects(), l.minOrder(), l.minObjects(), l.slabSize() - l.objects() * l.size(), l.minPartial(), l.cpuPartialSlabs()));
        int at = 0;
        if (l.redLeftPad() > 0) {
            sb.append(String.format("  [%4d..%4d) left red zone%n", at, at + l.redLeftPad()));
            at += l.redLeftPad();
        }
        int obj = at;
        sb.append(String.format("  [%4d..%4d) object%s%n", at, at + l.objectSize(),
                l.freeptrOutsideObject() ? "" : String.format(" (free pointer at +%d while free)", l.offset())));
        at += l.objectSize();
        if (l.inuse() > l.objectSize()) {
            sb.append(String.format("  [%4d..%4d) %s%n", at, obj + l.inuse(),
                    (l.flags() & SlabFlags.SLAB_RED_ZONE) != 0 ? "right red zone" : "alignment"));
            at = obj + l.inuse();
        }
        if (l.freeptrOutsideObject()) {
            sb.append(String.format("  [%4d..%4d) free pointer%n", at, at + CacheLayout.WORD));
            at += CacheLayout.WORD;
        }
        if ((l.flags() & SlabFlags.SLAB_STORE_USER) != 0) {
            sb.append(String.format("  [%4d..%4d) alloc track%n", at, at + CacheLayout.TRACK_SIZE));
            at += CacheLayout.TRACK_SIZE;
            sb.append(String.format("  [%4d..%4d) free track%n", at, at + CacheLayout.TRACK_SIZE));
            at += CacheLayout.TRACK_SIZE;
        }
        if (at < l.size()) {
            sb.append(String.format("  [%4d..%4d) %s%n", at, l.size(), "padding"));
        }
        return sb.toString();
    }

    /**
     * Every object of one slab with its state: "cpu-free" (on its CPU's freelist), "free"
     * (on the slab's freelist) or "allocated", its address and the decoded free pointer.
     *
     * @param s    the cache
     * @param slab one of its slabs
     * @return the dump as text, one line per object
     */
    public static String slabLayout(KmemCache s, Slab slab) {
        StringBuilder sb = new StringBuilder();
        long fc = slab.lvFc();
        sb.append(String.format("slab 0x%x cache=%s order=%d node=%d objects=%d inuse=%d frozen=%b freelist=0x%x%n",
                slab.address, s.name, slab.order, slab.nid, Slab.objectsOf(fc), Slab.inuseOf(fc), Slab.frozenOf(fc), Slab.freelistOf(fc)));
        BitSet slabFree = SlubDebug.freeMap(s, slab);
        BitSet cpuFree = new BitSet();
        for (int cpu = 0; cpu < s.cpuSlab.length; cpu++) {
            if (s.cpuSlab[cpu].slab == slab) {
                long p = KmemCache.freelistOfPair((long) KmemCache.PAIR.getVolatile(s.pairs, cpu << SlubSwitches.PAIR_SHIFT));
                for (int n = 0, i; p != 0 && n <= slab.objects() && (i = s.layout.objectIndex(slab.address, slab.objects(), p)) >= 0; n++) {
                    cpuFree.set(i);
                    p = s.getFreepointer(p);
                }
            }
        }
        int objects = Slab.objectsOf(fc);
        for (int i = 0; i < objects; i++) {
            long p = s.layout.objectAddress(slab.address, i);
            String state = cpuFree.get(i) ? "cpu-free" : slabFree.get(i) ? "free" : "allocated";
            sb.append(String.format("  [%3d] 0x%x %-9s", i, p, state));
            if (!state.equals("allocated")) {
                sb.append(String.format(" next=0x%x", s.getFreepointer(p)));
                if (s.hardened) {
                    sb.append(String.format(" (stored 0x%016x)", s.rawFreepointer(p)));
                }
            }
            sb.append('\n');
        }
        int leftover = slab.slabSize() - objects * s.size;
        if (leftover > 0) {
            sb.append(String.format("  leftover %d bytes at 0x%x%n", leftover, slab.address + (long) objects * s.size));
        }
        return sb.toString();
    }

    /**
     * Layout dumps of every slab of the cache, in address order.
     *
     * @param s the cache
     * @return the dumps as text
     */
    public static String slabsLayout(KmemCache s) {
        StringBuilder sb = new StringBuilder(cacheLayout(s));
        s.slub.pageMap.forEachSlab(s, slab -> sb.append(slabLayout(s, slab)));
        return sb.toString();
    }
}
