package io.mmemu.slub;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A copy of one cache's structure, as values: every CPU's slab, freelist, tid and partial
 * list, every node's lists and counters, and every slab with its counters, list flags and
 * freelist. Slabs are named by address. {@link io.mmemu.slub.check.SlubInvariants} judges it;
 * a lab can print it.
 *
 * <p>Freelists are copied as walked: decoded free pointers from the head, stopping at NULL
 * (not listed), after a pointer that is not the start of an object of the slab (listed, last),
 * or after objects + 1 entries (a cycle). A CPU freelist is walked within the CPU's slab; with
 * no CPU slab only its head is listed.
 *
 * <p>{@link #take} holds each CPU's local lock and each node's list_lock while copying that
 * CPU or node, never two at once, and reads slabs without locks: the copy is consistent only
 * while the cache is quiescent, as for validate(). It changes nothing (no flush, no repair).
 *
 * @param cache  the cache's name
 * @param layout its geometry (object {@code i} of a slab at address + red_left_pad + i × size)
 * @param cpus   per CPU, by CPU number
 * @param nodes  per node, by node id
 * @param slabs  every slab of the cache in address order, apart from slabs waiting for an RCU grace period
 */
public record CacheSnapshot(String cache, CacheLayout layout, List<Cpu> cpus, List<Node> nodes, List<SlabState> slabs) {

    /**
     * One CPU's part of the cache ({@code struct kmem_cache_cpu}).
     *
     * @param cpu          the CPU number
     * @param slab         c->slab's address, 0 if none
     * @param tid          c->tid
     * @param freelist     c->freelist, as walked
     * @param partial      c->partial, slab addresses in chain order
     * @param partialSlabs the head's slabs field: how many slabs the chain claims to hold (0 if empty)
     */
    public record Cpu(int cpu, long slab, long tid, List<Long> freelist, List<Long> partial, int partialSlabs) {
    }

    /**
     * One node's part of the cache ({@code struct kmem_cache_node}).
     *
     * @param nid          the node id
     * @param partial      n->partial, slab addresses in list order
     * @param nrPartial    n->nr_partial
     * @param full         n->full (debug caches), slab addresses in list order
     * @param nrFull       the full list's counter
     * @param nrSlabs      node_nr_slabs()
     * @param totalObjects node_nr_objs()
     */
    public record Node(int nid, List<Long> partial, int nrPartial, List<Long> full, int nrFull, long nrSlabs,
                       long totalObjects) {
    }

    /**
     * One slab ({@code struct slab}).
     *
     * @param address       its first byte
     * @param nid           its node
     * @param order         its page order
     * @param objects       slab->objects
     * @param inuse         slab->inuse
     * @param frozen        slab->frozen
     * @param onNodePartial the flag saying it is on a node partial list
     * @param onFull        the flag saying it is on a node full list
     * @param freelist      slab->freelist, as walked
     * @param damage        damaged red zones, poison and padding (caches with red zones or poisoning only)
     */
    public record SlabState(long address, int nid, int order, int objects, int inuse, boolean frozen,
                            boolean onNodePartial, boolean onFull, List<Long> freelist, List<Damage> damage) {
    }

    /**
     * A byte range that differs from the pattern slub_debug keeps there, found without
     * reporting or restoring it.
     *
     * @param slab     the slab's address
     * @param object   the object's address, 0 for the slab's leftover padding
     * @param what     which pattern ("Right Redzone", "Poison", "Padding" …), as the kernel names it
     * @param first    the first wrong byte
     * @param last     the last wrong byte
     * @param found    the first wrong byte's value
     * @param expected the pattern's value
     */
    public record Damage(long slab, long object, String what, long first, long last, int found, int expected) {
        /**
         * {@return the kernel's headline for it (check_bytes_and_report(), or slab_pad_check() for the leftover)}
         */
        public String message() {
            if (object == 0) {
                return SlubReport.paddingOverwritten(first, last, first - slab);
            }
            return SlubReport.overwritten(what, first, last, first - slab, found, expected);
        }
    }

    /** Copies {@code s} as the class comment describes. */
    static CacheSnapshot take(KmemCache s) {
        List<Cpu> cpus = new ArrayList<>();
        for (KmemCacheCpu c : s.cpuSlab) {
            c.lock.lock();                                  // the pair is not BUSY while we hold the lock
            try {
                long pair = (long) KmemCache.PAIR.getVolatile(s.pairs, c.cpu << SlubSwitches.PAIR_SHIFT);
                List<Long> partial = new ArrayList<>();
                for (Slab p = c.partial; p != null && partial.size() <= MAX_LIST; p = p.next) {
                    partial.add(p.address);
                }
                cpus.add(new Cpu(c.cpu, c.slab == null ? 0 : c.slab.address, KmemCache.tidOfPair(pair),
                        walk(s, c.slab, KmemCache.freelistOfPair(pair)), List.copyOf(partial),
                        c.partial == null ? 0 : c.partial.slabs));
            } finally {
                c.lock.unlock();
            }
        }
        List<Node> nodes = new ArrayList<>();
        for (KmemCacheNode n : s.node) {
            n.listLock.lock();
            try {
                nodes.add(new Node(n.nid, addresses(n.partialHead), n.nrPartial, addresses(n.fullHead), n.nrFull,
                        n.lvNrSlabs(), n.lvTotalObjects()));
            } finally {
                n.listLock.unlock();
            }
        }
        List<SlabState> slabs = new ArrayList<>();
        boolean patterns = (s.flags & (SlabFlags.SLAB_RED_ZONE | SlabFlags.SLAB_POISON)) != 0;
        s.slub.pageMap.forEachSlab(s, slab -> {
            if (s.slub.isRcuPending(slab)) {
                return;
            }
            long fc = slab.lvFc();
            List<Long> freelist = walk(s, slab, Slab.freelistOf(fc));
            List<Damage> damage = List.of();
            if (patterns) {
                BitSet free = new BitSet();
                for (long p : freelist) {
                    int i = s.layout.objectIndex(slab.address, Slab.objectsOf(fc), p);
                    if (i >= 0) {
                        free.set(i);
                    }
                }
                List<Damage> found = new ArrayList<>();
                SlubDebug.findDamage(s, slab, free, found);
                damage = List.copyOf(found);
            }
            slabs.add(new SlabState(slab.address, slab.nid, slab.order, Slab.objectsOf(fc), Slab.inuseOf(fc),
                    Slab.frozenOf(fc), slab.onNodePartial, slab.onFull, freelist, damage));
        });
        return new CacheSnapshot(s.name, s.layout, List.copyOf(cpus), List.copyOf(nodes), List.copyOf(slabs));
    }

    /** A freelist from {@code head} within {@code slab}, as walked (see the class comment). */
    private static List<Long> walk(KmemCache s, Slab slab, long head) {
        if (head == 0) {
            return List.of();
        }
        if (slab == null) {
            return List.of(head);
        }
        List<Long> out = new ArrayList<>();
        int objects = slab.objects();
        for (long p = head; p != 0 && out.size() <= objects; p = s.getFreepointer(p)) {
            out.add(p);
            if (!s.checkValidPointer(slab, p, objects)) {
                break;
            }
        }
        return List.copyOf(out);
    }

    /** Addresses of a node list (partial or full), chained through listNext, bounded against a cycle. */
    private static List<Long> addresses(Slab head) {
        List<Long> out = new ArrayList<>();
        for (Slab slab = head; slab != null && out.size() <= MAX_LIST; slab = slab.listNext) {
            out.add(slab.address);
        }
        return List.copyOf(out);
    }

    /** More slabs than a list can hold in any machine this model runs (2^35 bytes / 4 KiB): a longer walk is a cycle. */
    private static final int MAX_LIST = 1 << 23;
}
