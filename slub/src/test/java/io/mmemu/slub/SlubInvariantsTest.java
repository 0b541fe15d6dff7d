package io.mmemu.slub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.slub.check.SlubInvariants;
import io.mmemu.slub.check.SlubInvariants.Report;
import io.mmemu.slub.check.SlubInvariants.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each invariant of {@link SlubInvariants} broken on purpose, with the exact report expected,
 * in the manner of lib/slub_kunit.c: the corruption made is the only thing reported.
 */
class SlubInvariantsTest {

    /** A two-CPU machine with one 64-byte cache "inv"; objects {@code p} and {@code q} allocated on CPU 0. */
    private static final class Setup implements AutoCloseable {
        final Machine m = new Machine(2);
        final KmemCache s = m.slub.kmemCacheCreate("inv", 64, 0, 0, null);
        final CpuBinding cpu0 = m.slub.bind(0);
        final CpuBinding cpu1 = m.slub.bind(1);
        final long p = s.alloc(cpu0);
        final long q = s.alloc(cpu0);
        final Slab slab = m.slub.virtToSlab(p);
        final int objects = s.layout().objects();

        /** Flushes CPU 0: the slab (p and q allocated) goes unfrozen to node 0's partial list. */
        Setup flushed() {
            s.flushAll();
            return this;
        }

        String report() {
            Report r = SlubInvariants.check(s);
            return r.text();
        }

        @Override
        public void close() {
            m.close();
        }
    }

    private static String line(Rule rule, String fmt, Object... args) {
        return "inv: [" + rule + "] " + String.format(fmt, args) + "\n";
    }

    @Test
    void aCacheInUseBreaksNoInvariant() {
        try (Setup t = new Setup()) {
            long r = t.s.alloc(t.cpu1);
            t.s.free(t.p, t.cpu1);                       // remote free into cpu0's frozen slab
            Report report = SlubInvariants.check(t.s, Set.of(t.q, r)::contains);
            assertTrue(report.ok(), report.text() + report.state());
            assertEquals("no SLUB invariant violation", report.toString());
            t.s.flushAll();
            assertTrue(SlubInvariants.check(t.m.slub, Set.of(t.q, r)::contains).ok());
        }
    }

    @Test
    void inuseThatDisagreesWithTheFreelist() {
        try (Setup t = new Setup().flushed()) {
            t.slab.soFc(Slab.withInuse(t.slab.lvFc(), 3));
            assertEquals(line(Rule.INUSE, "slab 0x%x: inuse 3 but %d objects - %d on its freelist = 2",
                    t.slab.address(), t.objects, t.objects - 2), t.report());
        }
    }

    @Test
    void objectOnACpuFreelistAndItsSlabsFreelist() {
        try (Setup t = new Setup()) {
            List<Long> cpuFree = t.s.snapshot().cpus().get(0).freelist();
            long last = cpuFree.getLast();
            // The frozen slab's own freelist now also starts at the CPU freelist's last object.
            t.slab.soFc(Slab.pack(last, t.objects - 1, t.objects, true));
            assertEquals(line(Rule.TWO_FREELISTS, "object 0x%x is on two freelists: cpu0 and slab", last), t.report());
        }
    }

    @Test
    void freePointerIntoTheMiddleOfAnObject() {
        try (Setup t = new Setup().flushed()) {
            long head = t.slab.freelist();
            t.s.setFreepointer(head, head + 8);
            assertEquals(line(Rule.FREE_POINTER, "slab freelist of slab 0x%x: free pointer 0x%x in object 0x%x is not an object of the slab",
                            t.slab.address(), head + 8, head)
                    + line(Rule.INUSE, "slab 0x%x: inuse 2 but %d objects - 1 on its freelist = %d",
                            t.slab.address(), t.objects, t.objects - 1), t.report());
        }
    }

    @Test
    void freelistCycle() {
        try (Setup t = new Setup().flushed()) {
            long head = t.slab.freelist();
            long second = t.s.getFreepointer(head);
            t.s.setFreepointer(second, head);
            assertEquals(line(Rule.FREE_POINTER, "slab freelist of slab 0x%x meets object 0x%x twice (a cycle)", t.slab.address(), head)
                    + line(Rule.INUSE, "slab 0x%x: inuse 2 but %d objects - 2 on its freelist = %d",
                            t.slab.address(), t.objects, t.objects - 2), t.report());
        }
    }

    @Test
    void slabOnAPerCpuAndANodePartialList() {
        try (Setup t = new Setup().flushed()) {
            t.slab.slabs = 1;
            t.s.cpuSlab[1].partial = t.slab;
            assertEquals(line(Rule.LISTS, "slab 0x%x is in 2 places: cpu1 partial, node 0 partial", t.slab.address()), t.report());
        }
    }

    @Test
    void listFlagThatDisagreesWithTheList() {
        try (Setup t = new Setup().flushed()) {
            t.slab.onNodePartial = false;
            assertEquals(line(Rule.LISTS, "slab 0x%x: onNodePartial is false but it is on a node partial list", t.slab.address()),
                    t.report());
        }
    }

    @Test
    void frozenSlabThatIsNoCpusSlab() {
        try (Setup t = new Setup().flushed()) {
            t.slab.soFc(Slab.withFrozen(t.slab.lvFc(), true));
            assertEquals(line(Rule.LISTS, "slab 0x%x is frozen but no CPU's slab", t.slab.address()), t.report());
        }
    }

    @Test
    void slabWithFreeObjectsOnNoList() {
        try (Setup t = new Setup().flushed()) {
            KmemCacheNode n = t.s.node[0];
            n.removePartial(t.slab);
            assertEquals(line(Rule.LISTS, "slab 0x%x has %d free objects but is on no list", t.slab.address(), t.objects - 2),
                    t.report());
        }
    }

    @Test
    void nodeCountersThatDisagreeWithTheSlabs() {
        try (Setup t = new Setup().flushed()) {
            t.s.node[0].faaSlabs(1, 0);
            t.s.node[0].nrPartial++;
            assertEquals(line(Rule.COUNTERS, "node 0: nr_slabs 2 but 1 slabs found")
                    + line(Rule.COUNTERS, "node 0: nr_partial 2 but 1 slabs on the partial list"), t.report());
        }
    }

    @Test
    void perCpuPartialCountThatDisagreesWithTheChain() {
        try (Setup t = new Setup().flushed()) {
            KmemCacheNode n = t.s.node[0];
            n.removePartial(t.slab);
            t.slab.slabs = 2;
            t.s.cpuSlab[1].partial = t.slab;
            assertEquals(line(Rule.COUNTERS, "cpu1: partial list head counts 2 slabs but the chain holds 1"), t.report());
        }
    }

    @Test
    void allocatedObjectOnAFreelistAndAnObjectLost() {
        try (Setup t = new Setup()) {
            long next = t.s.snapshot().cpus().get(0).freelist().getFirst();
            // The caller claims to hold `next` (still on cpu0's freelist) and forgot q.
            Report r = SlubInvariants.check(t.s, Set.of(t.p, next)::contains);
            assertEquals(line(Rule.LOST, "object 0x%x is neither allocated nor on a freelist", t.q)
                    + line(Rule.ALLOCATED_FREE, "object 0x%x is allocated but on the cpu0 freelist", next), r.text());
            assertEquals(t.q, r.violations().getFirst().object());
            assertEquals(t.slab.address(), r.violations().getFirst().slab());
        }
    }

    @Test
    void damagedRedZoneIsReportedAsValidateWouldAndLeftAlone() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("inv", 64, 0, SlabFlags.SLAB_RED_ZONE, null);
            long p = s.alloc(m.slub.bind(0));
            long slab = m.slub.virtToSlab(p).address();
            m.mem.writeByte(p + 64, (byte) 0x12);
            String headline = String.format("[Right Redzone overwritten] 0x%016x-0x%016x @offset=%d. First byte 0x12 instead of 0xcc",
                    p + 64, p + 64, p + 64 - slab);
            assertEquals(line(Rule.PATTERN, "slab 0x%x: %s", slab, headline), SlubInvariants.check(s).text());
            assertEquals(List.of(), m.slub.log().lines(), "the checker reports nothing to the kernel log");
            assertEquals((byte) 0x12, m.mem.readByte(p + 64), "and repairs nothing");
            assertEquals(2, s.validate());
            assertEquals(headline, m.slub.log().lines().getFirst(), "validate() reports the same headline");
            assertTrue(SlubInvariants.check(s).ok(), "validate() restored the red zone");
        }
    }

    @Test
    void damagedPoisonOfAFreeObject() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("inv", 64, 0, SlabFlags.SLAB_POISON, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p, b);
            m.mem.writeByte(p + 50, (byte) 0x9a);
            long slab = m.slub.virtToSlab(p).address();
            assertEquals(line(Rule.PATTERN, "slab 0x%x: [Poison overwritten] 0x%016x-0x%016x @offset=%d. First byte 0x9a instead of 0x6b",
                    slab, p + 50, p + 50, p + 50 - slab), SlubInvariants.check(s).text());
        }
    }

    @Test
    void damagedSlabPadding() {
        try (Machine m = Machine.withDebug(1, "FP")) {
            KmemCache s = m.slub.kmemCacheCreate("inv", 200, 0, 0, null);
            long p = s.alloc(m.slub.bind(0));
            Slab slab = m.slub.virtToSlab(p);
            long pad = slab.address() + slab.slabSize() - slab.slabSize() % s.layout().size();
            m.mem.writeByte(pad + 3, (byte) 0);
            assertEquals(line(Rule.PATTERN, "slab 0x%x: Padding overwritten. 0x%016x-0x%016x @offset=%d",
                    slab.address(), pad + 3, pad + 3, pad + 3 - slab.address()), SlubInvariants.check(s).text());
        }
    }

    @Test
    void aReportCarriesTheStateThatExplainsIt() {
        try (Setup t = new Setup().flushed()) {
            t.slab.soFc(Slab.withInuse(t.slab.lvFc(), 3));
            Report r = SlubInvariants.check(t.m.slub);
            assertEquals(1, r.violations().size(), r.text());
            assertTrue(r.state().contains(String.format("slab 0x%x node 0 order 0 objects %d inuse 3 frozen false onNodePartial true",
                    t.slab.address(), t.objects)), r.state());
            AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> r.requireOk("after the test"));
            assertTrue(e.getMessage().startsWith("1 SLUB invariant violation(s) after the test:\ninv: [INUSE]"), e.getMessage());
        }
    }

    @Test
    void checkingChangesNothing() {
        try (Setup t = new Setup()) {
            t.s.free(t.p, t.cpu1);
            CacheSnapshot before = t.s.snapshot();
            SlubInvariants.check(t.m.slub);
            assertEquals(before, t.s.snapshot(), "no flush, no repair");
            assertEquals(0, t.m.slub.log().kunitErrors());
        }
    }

    @Test
    void validateCountsWhatItsFlushReports() {
        try (Machine m = new Machine(1, 1, 16L << 20, Slub.Config.defaults(1).withHardened(true))) {
            KmemCache s = m.slub.kmemCacheCreate("inv", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            long keep = s.alloc(b);
            s.free(p, b);                                 // p heads cpu0's freelist
            m.mem.writeLong(p + s.layout().offset(), 0xa6086ac099f0c5a4L);
            List<Long> held = new ArrayList<>(List.of(keep));
            assertEquals(Rule.FREE_POINTER, SlubInvariants.check(s, held::contains).violations().getFirst().rule());
            // The flush isolates the chain after p: "Freechain corrupt" and its FIX.
            assertEquals(2, s.validate(), m.slub.log().text());
            // The objects behind the cut are lost for good; the checker names each of them.
            Report r = SlubInvariants.check(s, held::contains);
            assertEquals(s.layout().objects() - 2, r.violations().size(), r.text());
            assertTrue(r.violations().stream().allMatch(v -> v.rule() == Rule.LOST), r.text());
        }
    }
}
