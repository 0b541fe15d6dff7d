package io.mmemu.slub.check;

import io.mmemu.slub.CacheLayout;
import io.mmemu.slub.CacheSnapshot;
import io.mmemu.slub.CacheSnapshot.Cpu;
import io.mmemu.slub.CacheSnapshot.Damage;
import io.mmemu.slub.CacheSnapshot.Node;
import io.mmemu.slub.CacheSnapshot.SlabState;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.Slub;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * The invariants of the SLUB model, checked over a {@link CacheSnapshot} of a quiescent cache
 * (or of every cache of a {@link Slub}), returned as a {@link Report} of {@link Violation}s.
 *
 * <p>Where {@link KmemCache#validate()} is the kernel's validate_slab_cache(), which flushes
 * the CPU slabs, reports into the kernel log and repairs what it finds, this checker changes
 * nothing and sees what validation cannot: the per-CPU freelists and partial lists as they
 * are, the list flags, and (given the set of objects the caller holds) objects handed out
 * twice or lost. It is meant for property tests, after every step of a random sequence.
 *
 * <h2>The rules</h2>
 * <ol>
 *   <li>{@link Rule#FREE_POINTER}: every free pointer on a freelist (a CPU's or a slab's) is
 *       the start of an object of that slab, and no freelist meets an object twice (a cycle).</li>
 *   <li>{@link Rule#INUSE}: a slab's inuse is its objects minus the length of its own freelist
 *       (objects on a CPU freelist count as in use, as in the kernel).</li>
 *   <li>{@link Rule#TWO_FREELISTS}: no object is on two freelists.</li>
 *   <li>{@link Rule#LISTS}: every slab is in at most one place (a CPU slab, a per-CPU partial
 *       list, a node partial list, a node full list); CPU slabs and only they are frozen; the
 *       onNodePartial/onFull flags say where the slab is; a node lists only its own slabs, and
 *       node partial slabs have free objects; an unfrozen slab with free objects is on a list;
 *       a CPU freelist has a CPU slab.</li>
 *   <li>{@link Rule#COUNTERS}: nr_slabs and total_objects match the slabs of each node,
 *       nr_partial and the full count match their lists, a per-CPU partial chain's head counts
 *       the chain.</li>
 *   <li>{@link Rule#PATTERN}: with red zones or poisoning on, every object's red zones, poison
 *       and padding hold their pattern (free or allocated, as its place on a freelist says),
 *       and so does the slab's leftover.</li>
 *   <li>{@link Rule#ALLOCATED_FREE} and {@link Rule#LOST}, only when the caller says which
 *       objects are allocated: an allocated object is on no freelist, and every other object
 *       is on one.</li>
 * </ol>
 * Violations come in a fixed order (CPUs, then nodes, then slabs by address and objects by
 * index), so a report is the same text every run.
 */
public final class SlubInvariants {
    private SlubInvariants() {
    }

    /** The invariant a {@link Violation} breaks; see the class comment. */
    public enum Rule {
        /** A free pointer outside its slab's objects, or a freelist cycle. */
        FREE_POINTER,
        /** A slab's inuse disagrees with its freelist. */
        INUSE,
        /** An object on two freelists. */
        TWO_FREELISTS,
        /** A slab in two places, or frozen, flagged or listed where it is not. */
        LISTS,
        /** A node's or a per-CPU partial chain's counts disagree with its slabs. */
        COUNTERS,
        /** A red zone, poison or padding byte that lost its pattern. */
        PATTERN,
        /** An object the caller holds is on a freelist. */
        ALLOCATED_FREE,
        /** An object neither held by the caller nor on a freelist. */
        LOST
    }

    /**
     * One broken invariant.
     *
     * @param rule    which invariant
     * @param cache   the cache's name
     * @param slab    the slab's address, 0 if the violation is about no one slab
     * @param object  the object's address, 0 if about no one object
     * @param message what is wrong, with the values that show it
     */
    public record Violation(Rule rule, String cache, long slab, long object, String message) {
        @Override
        public String toString() {
            return cache + ": [" + rule + "] " + message;
        }
    }

    /**
     * What a check found.
     *
     * @param violations every violation, in the order of the class comment
     * @param state      the slabs the violations name and the CPU and node lists, as text, or "" if none
     */
    public record Report(List<Violation> violations, String state) {
        /** {@return whether no invariant is broken} */
        public boolean ok() {
            return violations.isEmpty();
        }

        /** {@return one line per violation} */
        public String text() {
            StringBuilder sb = new StringBuilder();
            for (Violation v : violations) {
                sb.append(v).append('\n');
            }
            return sb.toString();
        }

        /**
         * Throws an AssertionError with every violation and the state behind them, unless {@link #ok()}.
         *
         * @param when what the caller was doing, for the message
         */
        public void requireOk(String when) {
            if (!ok()) {
                throw new AssertionError(violations.size() + " SLUB invariant violation(s) " + when + ":\n" + text() + state);
            }
        }

        @Override
        public String toString() {
            return ok() ? "no SLUB invariant violation" : text();
        }
    }

    /**
     * Checks one cache's structure.
     *
     * @param cache the cache, quiescent
     * @return the violations found
     */
    public static Report check(KmemCache cache) {
        return check(cache.snapshot(), null);
    }

    /**
     * Checks one cache; {@code allocated} says which object addresses the caller holds.
     *
     * @param cache     the cache, quiescent
     * @param allocated true for each object address the caller holds
     * @return the violations found
     */
    public static Report check(KmemCache cache, LongPredicate allocated) {
        return check(cache.snapshot(), allocated);
    }

    /**
     * Checks every live cache of {@code slub}, newest first.
     *
     * @param slub the allocator, quiescent
     * @return the violations found
     */
    public static Report check(Slub slub) {
        return check(slub, null);
    }

    /**
     * Checks every live cache of {@code slub}; {@code allocated} says which object addresses the caller holds.
     *
     * @param slub      the allocator, quiescent
     * @param allocated true for each object address the caller holds
     * @return the violations found
     */
    public static Report check(Slub slub, LongPredicate allocated) {
        List<Violation> all = new ArrayList<>();
        StringBuilder state = new StringBuilder();
        for (KmemCache c : slub.caches()) {
            Report r = check(c.snapshot(), allocated);
            all.addAll(r.violations());
            state.append(r.state());
        }
        return new Report(List.copyOf(all), state.toString());
    }

    /**
     * Checks a snapshot; {@code allocated} (or null) says which object addresses the caller holds.
     *
     * @param snap      a cache's snapshot
     * @param allocated true for each object address the caller holds, or null if unknown
     * @return the violations found
     */
    public static Report check(CacheSnapshot snap, LongPredicate allocated) {
        Checker c = new Checker(snap, allocated);
        c.run();
        return new Report(List.copyOf(c.out), c.out.isEmpty() ? "" : c.state());
    }

    /** One check of one snapshot. */
    private static final class Checker {
        final CacheSnapshot snap;
        final LongPredicate allocated;
        final CacheLayout l;
        final List<Violation> out = new ArrayList<>();
        /** Where each free object was met: "cpuN" or "slab". */
        final Map<Long, String> freeOn = new HashMap<>();
        /** Where each slab was met: "cpuN slab", "cpuN partial", "node N partial", "node N full". */
        final Map<Long, List<String>> places = new TreeMap<>();
        final Map<Long, SlabState> byAddress = new HashMap<>();
        final Set<Long> named = new LinkedHashSet<>();

        Checker(CacheSnapshot snap, LongPredicate allocated) {
            this.snap = snap;
            this.allocated = allocated;
            this.l = snap.layout();
            for (SlabState s : snap.slabs()) {
                byAddress.put(s.address(), s);
            }
        }

        void add(Rule rule, long slab, long object, String msg) {
            out.add(new Violation(rule, snap.cache(), slab, object, msg));
            if (slab != 0) {
                named.add(slab);
            }
        }

        void run() {
            for (Cpu c : snap.cpus()) {
                checkCpu(c);
            }
            for (Node n : snap.nodes()) {
                checkNode(n);
            }
            for (Map.Entry<Long, List<String>> e : places.entrySet()) {
                if (!byAddress.containsKey(e.getKey())) {
                    add(Rule.LISTS, 0, 0, String.format("%s holds 0x%x, which is not a slab of the cache",
                            String.join(", ", e.getValue()), e.getKey()));
                }
            }
            for (SlabState s : snap.slabs()) {
                checkSlab(s);
            }
            for (SlabState s : snap.slabs()) {
                checkObjects(s);
            }
        }

        void place(long slab, String where) {
            places.computeIfAbsent(slab, k -> new ArrayList<>()).add(where);
        }

        void checkCpu(Cpu c) {
            String who = "cpu" + c.cpu();
            if (c.slab() != 0) {
                place(c.slab(), who + " slab");
            }
            SlabState cs = byAddress.get(c.slab());
            if (c.slab() == 0 && !c.freelist().isEmpty()) {
                add(Rule.LISTS, 0, c.freelist().getFirst(), String.format("%s: freelist 0x%x without a CPU slab", who, c.freelist().getFirst()));
            } else if (cs != null) {
                walk(cs, c.freelist(), who);
            }
            for (long p : c.partial()) {
                place(p, who + " partial");
            }
            if (c.partialSlabs() != c.partial().size()) {
                add(Rule.COUNTERS, 0, 0, String.format("%s: partial list head counts %d slabs but the chain holds %d",
                        who, c.partialSlabs(), c.partial().size()));
            }
        }

        void checkNode(Node n) {
            String who = "node " + n.nid();
            long slabs = 0;
            long objects = 0;
            for (SlabState s : snap.slabs()) {
                if (s.nid() == n.nid()) {
                    slabs++;
                    objects += s.objects();
                }
            }
            if (n.nrSlabs() != slabs) {
                add(Rule.COUNTERS, 0, 0, String.format("%s: nr_slabs %d but %d slabs found", who, n.nrSlabs(), slabs));
            }
            if (n.totalObjects() != objects) {
                add(Rule.COUNTERS, 0, 0, String.format("%s: total_objects %d but %d objects in its slabs", who, n.totalObjects(), objects));
            }
            if (n.nrPartial() != n.partial().size()) {
                add(Rule.COUNTERS, 0, 0, String.format("%s: nr_partial %d but %d slabs on the partial list", who, n.nrPartial(), n.partial().size()));
            }
            if (n.nrFull() != n.full().size()) {
                add(Rule.COUNTERS, 0, 0, String.format("%s: full count %d but %d slabs on the full list", who, n.nrFull(), n.full().size()));
            }
            for (long p : n.partial()) {
                place(p, who + " partial");
                SlabState s = byAddress.get(p);
                if (s != null && s.nid() != n.nid()) {
                    add(Rule.LISTS, p, 0, String.format("slab 0x%x of node %d is on %s's partial list", p, s.nid(), who));
                }
                if (s != null && s.freelist().isEmpty()) {
                    add(Rule.LISTS, p, 0, String.format("slab 0x%x is on %s's partial list with no free object", p, who));
                }
            }
            for (long p : n.full()) {
                place(p, who + " full");
            }
        }

        void checkSlab(SlabState s) {
            long a = s.address();
            int onList = walk(s, s.freelist(), "slab");
            if (s.inuse() != s.objects() - onList) {
                add(Rule.INUSE, a, 0, String.format("slab 0x%x: inuse %d but %d objects - %d on its freelist = %d",
                        a, s.inuse(), s.objects(), onList, s.objects() - onList));
            }
            List<String> where = places.getOrDefault(a, List.of());
            if (where.size() > 1) {
                add(Rule.LISTS, a, 0, String.format("slab 0x%x is in %d places: %s", a, where.size(), String.join(", ", where)));
            }
            boolean cpuSlab = where.stream().anyMatch(w -> w.endsWith(" slab"));
            if (s.frozen() != cpuSlab) {
                add(Rule.LISTS, a, 0, cpuSlab ? String.format("slab 0x%x is a CPU slab but not frozen", a)
                        : String.format("slab 0x%x is frozen but no CPU's slab", a));
            }
            boolean onPartial = where.stream().anyMatch(w -> w.startsWith("node ") && w.endsWith(" partial"));
            boolean onFull = where.stream().anyMatch(w -> w.endsWith(" full"));
            if (s.onNodePartial() != onPartial) {
                add(Rule.LISTS, a, 0, String.format("slab 0x%x: onNodePartial is %b but it is %son a node partial list",
                        a, s.onNodePartial(), onPartial ? "" : "not "));
            }
            if (s.onFull() != onFull) {
                add(Rule.LISTS, a, 0, String.format("slab 0x%x: onFull is %b but it is %son a node full list",
                        a, s.onFull(), onFull ? "" : "not "));
            }
            if (where.isEmpty() && !s.frozen() && s.inuse() < s.objects()) {
                add(Rule.LISTS, a, 0, String.format("slab 0x%x has %d free objects but is on no list",
                        a, s.objects() - s.inuse()));
            }
            for (Damage d : s.damage()) {
                add(Rule.PATTERN, a, d.object(), String.format("slab 0x%x: %s", a, d.message()));
            }
        }

        /** Checks a freelist within {@code slab}, records where its objects are, and returns how many objects it holds up to the first bad pointer. */
        int walk(SlabState slab, List<Long> freelist, String where) {
            int n = 0;
            long prev = 0;
            for (long p : freelist) {
                if (l.objectIndex(slab.address(), slab.objects(), p) < 0) {
                    add(Rule.FREE_POINTER, slab.address(), prev, prev == 0
                            ? String.format("%s freelist of slab 0x%x: head 0x%x is not an object of the slab", where, slab.address(), p)
                            : String.format("%s freelist of slab 0x%x: free pointer 0x%x in object 0x%x is not an object of the slab",
                                    where, slab.address(), p, prev));
                    return n;
                }
                String before = freeOn.put(p, where);
                if (where.equals(before)) {
                    add(Rule.FREE_POINTER, slab.address(), p, String.format("%s freelist of slab 0x%x meets object 0x%x twice (a cycle)",
                            where, slab.address(), p));
                    return n;
                }
                if (before != null) {
                    add(Rule.TWO_FREELISTS, slab.address(), p, String.format("object 0x%x is on two freelists: %s and %s", p, before, where));
                }
                prev = p;
                n++;
            }
            return n;
        }

        void checkObjects(SlabState s) {
            if (allocated == null) {
                return;
            }
            for (int i = 0; i < s.objects(); i++) {
                long p = l.objectAddress(s.address(), i);
                String where = freeOn.get(p);
                boolean held = allocated.test(p);
                if (held && where != null) {
                    add(Rule.ALLOCATED_FREE, s.address(), p, String.format("object 0x%x is allocated but on the %s freelist", p, where));
                } else if (!held && where == null) {
                    add(Rule.LOST, s.address(), p, String.format("object 0x%x is neither allocated nor on a freelist", p));
                }
            }
        }

        /** The CPUs, the node lists and the slabs the violations name. */
        String state() {
            StringBuilder sb = new StringBuilder("--- " + snap.cache() + " ---\n");
            for (Cpu c : snap.cpus()) {
                sb.append(String.format("cpu%d: slab 0x%x tid 0x%x freelist %s partial %s (head counts %d)%n", c.cpu(), c.slab(),
                        c.tid(), hex(c.freelist()), hex(c.partial()), c.partialSlabs()));
            }
            for (Node n : snap.nodes()) {
                sb.append(String.format("node %d: nr_slabs %d total_objects %d partial %s (nr_partial %d) full %s (count %d)%n",
                        n.nid(), n.nrSlabs(), n.totalObjects(), hex(n.partial()), n.nrPartial(), hex(n.full()), n.nrFull()));
            }
            for (long a : named) {
                SlabState s = byAddress.get(a);
                if (s != null) {
                    sb.append(String.format("slab 0x%x node %d order %d objects %d inuse %d frozen %b onNodePartial %b onFull %b freelist %s%n",
                            a, s.nid(), s.order(), s.objects(), s.inuse(), s.frozen(), s.onNodePartial(), s.onFull(), hex(s.freelist())));
                }
            }
            return sb.toString();
        }

        static String hex(List<Long> list) {
            StringBuilder sb = new StringBuilder("[");
            for (long v : list) {
                sb.append(sb.length() > 1 ? " " : "").append(String.format("0x%x", v));
            }
            return sb.append(']').toString();
        }
    }
}
