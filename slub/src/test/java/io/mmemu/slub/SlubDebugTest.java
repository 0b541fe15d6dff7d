package io.mmemu.slub;

import static io.mmemu.slub.SlubReport.ptr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.slub.SlubLog.Kind;
import io.mmemu.slub.SlubLog.SlabError;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every slub_debug detection triggered on purpose, with the report expected. The first
 * group mirrors lib/slub_kunit.c case by case, including its error counts (each BUG and
 * each FIX counts one).
 */
class SlubDebugTest {

    private static String show(Machine m) {
        return "\n--- log ---\n" + m.slub.log().text();
    }

    /**
     * Slub.validateCaches walks the page map once for every cache: it reports and counts what
     * validating each cache in turn does, on two machines brought to the same state with
     * corruptions in a partial slab, in a full slab no list holds, and in a freelist.
     */
    @Test
    void validatingEveryCacheAtOnceReportsWhatValidatingEachInTurnDoes() {
        try (Machine each = new Machine(1); Machine all = new Machine(1)) {
            int eachProblems = 0;
            for (KmemCache c : corruptedCaches(each)) eachProblems += c.validate();
            corruptedCaches(all);
            int allProblems = all.slub.validateCaches();
            for (String cache : List.of("validate_rz", "validate_poison", "validate_plain")) {
                assertTrue(each.slub.log().text().contains("BUG " + cache), cache + "'s corruption is found" + show(each));
            }
            assertEquals(eachProblems, allProblems);
            assertEquals(each.slub.log().text(), all.slub.log().text());
        }
    }

    /** Three caches with slabs partial, full and on a CPU, each corrupted; returns the live caches in Slub.caches() order. */
    private static List<KmemCache> corruptedCaches(Machine m) {
        CpuBinding b = m.slub.bind(0);
        KmemCache redZone = m.slub.kmemCacheCreate("validate_rz", 64, 0, SlabFlags.SLAB_RED_ZONE, null);
        KmemCache poison = m.slub.kmemCacheCreate("validate_poison", 128, 0, SlabFlags.SLAB_POISON, null);
        KmemCache plain = m.slub.kmemCacheCreate("validate_plain", 256, 0, SlabFlags.SLAB_RED_ZONE | SlabFlags.SLAB_POISON, null);
        java.util.ArrayList<Long> kept = new java.util.ArrayList<>();
        for (KmemCache c : List.of(redZone, poison, plain)) {
            int n = 3 * c.layout().objects() + 5; // full slabs, and a CPU slab
            for (int i = 0; i < n; i++) kept.add(c.alloc(b));
        }
        // a red zone in the first (full, unlisted) slab of redZone
        m.mem.writeByte(kept.getFirst() + 64, (byte) 0x12);
        // free every other object of poison's first slab (now partial), and clobber a freed one
        int firstPoison = redZone.layout().objects() * 3 + 5;
        for (int i = 0; i < poison.layout().objects(); i += 2) poison.free(kept.get(firstPoison + i), b);
        m.mem.writeByte(kept.get(firstPoison + 2) + 50, (byte) 0x9a);
        // a freelist pointer of plain's
        int firstPlain = firstPoison + poison.layout().objects() * 3 + 5;
        long freed = kept.get(firstPlain + 1);
        plain.free(freed, b);
        long ptrAddr = freed + plain.layout().offset();
        m.mem.writeByte(ptrAddr, (byte) ~m.mem.readByte(ptrAddr));
        return m.slub.caches();
    }

    // ------------------------------------------------------------ lib/slub_kunit.c

    @Test
    void testClobberZone() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("TestSlub_RZ_alloc", 64, 0, SlabFlags.SLAB_RED_ZONE, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            long slab = m.slub.virtToSlab(p).address();
            m.mem.writeByte(p + 64, (byte) 0x12);
            assertEquals(2, s.validate(), show(m));
            List<String> lines = m.slub.log().lines();
            assertEquals(String.format("[Right Redzone overwritten] %s-%s @offset=%d. First byte 0x12 instead of 0xcc",
                    ptr(p + 64), ptr(p + 64), p + 64 - slab), lines.get(0), show(m));
            assertEquals("BUG TestSlub_RZ_alloc (Not tainted): Object corrupt", lines.get(2));
            assertEquals(String.format("FIX TestSlub_RZ_alloc: Restoring Right Redzone %s-%s=0xcc", ptr(p + 64), ptr(p + 64)),
                    lines.getLast());
            SlabError e = m.slub.log().errors().getFirst();
            assertEquals(new SlabError(Kind.OVERWRITTEN, "TestSlub_RZ_alloc", slab, p, 0x12, lines.get(0)), e);
            assertEquals((byte) 0xcc, m.mem.readByte(p + 64), "the red zone is restored");
            m.slub.log().clear();
            assertEquals(0, s.validate(), "one corruption is reported once" + show(m));
            s.free(p, b);
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void testNextPointer() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("TestSlub_next_ptr_free", 64, 0, SlabFlags.SLAB_POISON, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p, b);
            long ptrAddr = p + s.layout().offset();
            long tmp = m.mem.readLong(ptrAddr);
            m.mem.writeByte(ptrAddr, (byte) ~m.mem.readByte(ptrAddr));
            // One for the corrupted freechain, one for the wrong count of objects in use, one for the fix.
            assertEquals(3, s.validate(), show(m));
            List<SlabError> errors = m.slub.log().errors();
            assertEquals(Kind.FREEPOINTER_CORRUPT, errors.get(0).kind());
            assertEquals("Freechain corrupt", errors.get(0).message());
            assertEquals(p, errors.get(0).object());
            assertEquals(tmp ^ 0xff, errors.get(0).badValue(), "the report carries the bad pointer");
            int objects = s.layout().objects();
            assertEquals(String.format("Wrong object count. Counter is 0 but counted were %d", objects - 1), errors.get(1).message());
            assertEquals("Object count adjusted", errors.get(2).message());

            // Repair the pointer: the count is now wrong the other way.
            m.mem.writeLong(ptrAddr, tmp);
            m.slub.log().clear();
            assertEquals(2, s.validate(), show(m));
            assertEquals(String.format("Wrong object count. Counter is %d but counted were 0", objects - 1),
                    m.slub.log().errors().get(0).message());
            m.slub.log().clear();
            assertEquals(0, s.validate(), show(m));
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void testFirstWord() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("TestSlub_1th_word_free", 64, 0, SlabFlags.SLAB_POISON, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p, b);
            m.mem.writeByte(p, (byte) 0x78);
            assertEquals(2, s.validate(), show(m));
            assertEquals(String.format("[Poison overwritten] %s-%s @offset=%d. First byte 0x78 instead of 0x6b",
                    ptr(p), ptr(p), p - m.slub.virtToSlab(p).address()), m.slub.log().lines().get(0));
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void testClobber50thByte() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("TestSlub_50th_word_free", 64, 0, SlabFlags.SLAB_POISON, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p, b);
            m.mem.writeByte(p + 50, (byte) 0x9a);
            assertEquals(2, s.validate(), show(m));
            assertEquals(String.format("FIX TestSlub_50th_word_free: Restoring Poison %s-%s=0x6b", ptr(p + 50), ptr(p + 50)),
                    m.slub.log().lines().getLast());
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void testClobberRedzoneFree() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("TestSlub_RZ_free", 64, 0, SlabFlags.SLAB_RED_ZONE, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p, b);
            m.mem.writeByte(p + 64, (byte) 0xab);
            assertEquals(2, s.validate(), show(m));
            assertTrue(m.slub.log().lines().get(0).endsWith("First byte 0xab instead of 0xbb"), show(m));
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void testKmallocRedzoneAccess() {
        try (Machine m = new Machine(1)) {
            KmemCache s = m.slub.kmemCacheCreate("TestSlub_RZ_kmalloc", 32, 0,
                    SlabFlags.SLAB_KMALLOC | SlabFlags.SLAB_STORE_USER | SlabFlags.SLAB_RED_ZONE, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.kmallocTrace(b, 18, 0xffffffff81000018L);
            m.mem.writeByte(p + 18, (byte) 0xab);
            m.mem.writeByte(p + 19, (byte) 0xab);
            assertEquals(2, s.validate(), show(m));
            assertEquals(String.format("[kmalloc Redzone overwritten] %s-%s @offset=%d. First byte 0xab instead of 0xcc",
                    ptr(p + 18), ptr(p + 19), p + 18 - m.slub.virtToSlab(p).address()), m.slub.log().lines().get(0));
            s.free(p, b);
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
        }
    }

    @Test
    void kmallocRedzoneFollowsKrealloc() {
        try (Machine m = Machine.withDebug(1, "ZU,kmalloc-32")) {
            CpuBinding b = m.slub.bind(0);
            long p = m.slub.kmalloc(18, b);
            assertEquals((byte) 0xcc, m.mem.readByte(p + 18), "bytes beyond the request are red zone");
            assertEquals(p, m.slub.krealloc(p, 30, b));
            m.mem.fill(p, 30, (byte) 1);                   // legal now
            assertEquals(0, m.slub.kmallocSlab(32).validate(), show(m));
            m.mem.writeByte(p + 30, (byte) 1);             // one past the new size
            assertEquals(2, m.slub.kmallocSlab(32).validate(), show(m));
            m.slub.kfree(p, b);
        }
    }

    // ------------------------------------------------------------ detections on alloc and free

    @Test
    void doubleFreeIsCaughtAndNotPerformed() {
        try (Machine m = Machine.withDebug(1, "F")) {
            KmemCache s = m.slub.kmemCacheCreate("df", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            long q = s.alloc(b);
            s.free(p, b);
            s.free(p, b);
            List<SlabError> errors = m.slub.log().errors();
            assertEquals(2, errors.size(), show(m));
            Slab slab = m.slub.virtToSlab(p);
            assertEquals(new SlabError(Kind.DOUBLE_FREE, "df", slab.address(), p, p, "Object already free"), errors.get(0));
            assertEquals("FIX df: Object at " + ptr(p) + " not freed", m.slub.log().lines().getLast());
            assertEquals(1, slab.inuse(), "the second free changed nothing");
            assertEquals(p, s.alloc(b));
            assertNotEquals(p, s.alloc(b), "p is handed out once");
            s.free(q, b);
        }
    }

    @Test
    void useAfterFreeWriteIsCaughtWhenTheObjectIsAllocatedAgain() {
        try (Machine m = Machine.withDebug(1, "FPU")) {
            KmemCache s = m.slub.kmemCacheCreate("uaf", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0, 77);
            long p = s.alloc(b, 0xffffffff81234567L);
            s.free(p, b, 0xffffffff81234999L);
            m.mem.writeLong(p + 8, 0x4141414141414141L);      // write after free
            long q = s.alloc(b, 0xffffffff81234567L);
            assertNotEquals(p, q, "the corrupted slab is taken out of service");
            List<SlabError> errors = m.slub.log().errors();
            assertEquals(Kind.OVERWRITTEN, errors.get(0).kind(), show(m));
            assertEquals(p, errors.get(0).object());
            assertEquals(0x41, errors.get(0).badValue());
            String text = m.slub.log().text();
            assertTrue(text.contains(String.format("[Poison overwritten] %s-%s", ptr(p + 8), ptr(p + 15))), show(m));
            assertTrue(text.contains("Allocated in 0xffffffff81234567 age="), show(m));
            assertTrue(text.contains(" cpu=0 pid=77"), show(m));
            assertTrue(text.contains("Freed in 0xffffffff81234999 age="), show(m));
            assertEquals("Marking all objects used", errors.getLast().message());
            assertEquals(Kind.FIX, errors.getLast().kind());
        }
    }

    @Test
    void redZoneOverrunIsCaughtAtFree() {
        try (Machine m = Machine.withDebug(1, "FZ")) {
            KmemCache s = m.slub.kmemCacheCreate("rz", 24, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            m.mem.writeByte(p - 1, (byte) 0x00);                // underrun into the left red zone
            s.free(p, b);
            List<SlabError> errors = m.slub.log().errors();
            assertTrue(errors.get(0).message().startsWith("[Left Redzone overwritten] " + ptr(p - 1)), show(m));
            assertEquals("Restoring Left Redzone " + ptr(p - 1) + "-" + ptr(p - 1) + "=0xcc", errors.get(1).message());
            assertEquals("FIX rz: Object at " + ptr(p) + " not freed", m.slub.log().lines().getLast());
        }
    }

    @Test
    void invalidPointerFreeIsRejected() {
        try (Machine m = Machine.withDebug(1, "F")) {
            KmemCache s = m.slub.kmemCacheCreate("inval", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p + 8, b);
            SlabError e = m.slub.log().errors().getFirst();
            assertEquals(Kind.INVALID_POINTER, e.kind());
            assertEquals("Invalid object pointer " + ptr(p + 8), e.message());
        }
    }

    @Test
    void freeToTheWrongCacheIsReported() {
        try (Machine m = new Machine(1)) {
            KmemCache a = m.slub.kmemCacheCreate("cache-a", 64, 0, 0, null);
            KmemCache other = m.slub.kmemCacheCreate("cache-b", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = a.alloc(b);
            other.free(p, b);
            assertEquals("cache_from_obj: Wrong slab cache. cache-b but object is from cache-a",
                    m.slub.log().errors().getFirst().message());
            assertEquals(p, a.alloc(b), "the object went back to its real cache");
        }
    }

    @Test
    void hardenedNaiveDoubleFreeDetection() {
        try (Machine m = new Machine(1, 1, 16L << 20, Slub.Config.defaults(1).withHardened(true))) {
            KmemCache s = m.slub.kmemCacheCreate("naive", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            s.free(p, b);
            s.free(p, b);
            assertEquals(Kind.DOUBLE_FREE, m.slub.log().errors().getFirst().kind());
            assertEquals(p, s.alloc(b));
            assertNotEquals(p, s.alloc(b));
        }
    }

    @Test
    void corruptedFreePointerIsReportedLikeCrashKmemS() {
        try (Machine m = new Machine(1, 1, 16L << 20, Slub.Config.defaults(1).withHardened(true))) {
            KmemCache s = m.slub.kmemCacheCreate("kmalloc-test", 64, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            long keep = s.alloc(b);
            s.free(p, b);
            Slab slab = m.slub.virtToSlab(p);
            long ptrAddr = p + s.layout().offset();
            m.mem.writeLong(ptrAddr, 0xa6086ac099f0c5a4L);      // garbage over the encoded pointer
            long decoded = 0xa6086ac099f0c5a4L ^ s.random ^ Long.reverseBytes(ptrAddr);
            String expected = String.format("kmem: kmalloc-test: slab: %016x invalid freepointer: %016x", slab.address(), decoded);
            String report = SlabInfo.kmemS(s);
            assertTrue(report.contains(expected), report);
            // Deactivation isolates the broken chain instead of following it.
            s.validate();
            assertTrue(m.slub.log().text().contains(String.format("kmem: kmalloc-test: slab: %s invalid freepointer: %s",
                    ptr(slab.address()), ptr(decoded))), show(m));
            assertEquals(Kind.FREEPOINTER_CORRUPT, m.slub.log().errors().getFirst().kind());
            assertEquals(decoded, m.slub.log().errors().getFirst().badValue());
            s.free(keep, b);
        }
    }

    @Test
    void slabPaddingOverwriteIsFound() {
        try (Machine m = Machine.withDebug(1, "FP")) {
            KmemCache s = m.slub.kmemCacheCreate("pad", 200, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            Slab slab = m.slub.virtToSlab(p);
            int leftover = slab.slabSize() % s.layout().size();
            assertTrue(leftover > 0, s.layout().toString());
            long pad = slab.address() + slab.slabSize() - leftover;
            m.mem.writeByte(pad + 3, (byte) 0x00);
            s.validate();
            SlabError e = m.slub.log().errors().getFirst();
            assertEquals(String.format("Padding overwritten. %s-%s @offset=%d", ptr(pad + 3), ptr(pad + 3),
                    slab.slabSize() - leftover + 3), e.message(), show(m));
            s.free(p, b);
        }
    }

    @Test
    void destroyWithLeaksNamesEveryLeakedObject() {
        try (Machine m = Machine.withDebug(1, "U")) {
            KmemCache s = m.slub.kmemCacheCreate("leaky", 128, 0, 0, null);
            CpuBinding b = m.slub.bind(0, 5);
            long a = s.alloc(b, 0xffffffff8100aaaaL);
            long c = s.alloc(b, 0xffffffff8100cccaL);
            long d = s.alloc(b, 0xffffffff8100dddaL);
            s.free(c, b);
            Slub.LeakReport r = m.slub.kmemCacheDestroy(s, 0xffffffff81999999L);
            assertFalse(r.destroyed());
            assertEquals(List.of(a, d), r.leaked());
            String text = m.slub.log().text();
            long slab = m.slub.virtToSlab(a).address();
            assertTrue(text.contains("BUG leaky (Not tainted): Objects remaining on __kmem_cache_shutdown()"), show(m));
            assertTrue(text.contains(String.format("Object %s @offset=%d", ptr(a), a - slab)), show(m));
            assertTrue(text.contains("Allocated in 0xffffffff8100dddaL".replace("L", "")), show(m));
            assertTrue(text.contains("kmem_cache_destroy leaky: Slab cache still has objects when called from 0xffffffff81999999"), show(m));
            assertEquals(s, m.slub.findCache("leaky"), "a failed destroy keeps the cache");
            s.free(a, b);
            s.free(d, b);
            assertTrue(m.slub.kmemCacheDestroy(s, 0).destroyed());
            assertEquals(0, m.mem.pagesInUse());
        }
    }

    @Test
    void slubDebugOptionSelectsCaches() {
        try (Machine m = Machine.withDebug(1, "FZ,dentry,kmalloc-6*;P")) {
            assertEquals(SlabFlags.SLAB_CONSISTENCY_CHECKS | SlabFlags.SLAB_RED_ZONE,
                    m.slub.kmemCacheCreate("dentry", 192, 0, 0, null).flags() & SlabFlags.SLAB_DEBUG_FLAGS);
            assertEquals(SlabFlags.SLAB_CONSISTENCY_CHECKS | SlabFlags.SLAB_RED_ZONE,
                    m.slub.kmallocSlab(64).flags() & SlabFlags.SLAB_DEBUG_FLAGS);
            assertEquals(SlabFlags.SLAB_POISON, m.slub.kmallocSlab(8).flags() & SlabFlags.SLAB_DEBUG_FLAGS);
            assertTrue(m.slub.kmallocSlab(8).isDebug());
        }
    }

    @Test
    void poisonValuesAreLinuxs() {
        try (Machine m = Machine.withDebug(1, "PZ")) {
            KmemCache s = m.slub.kmemCacheCreate("poison", 16, 0, 0, null);
            CpuBinding b = m.slub.bind(0);
            long p = s.alloc(b);
            long q = s.alloc(b);
            s.free(q, b);
            assertEquals((byte) 0x6b, m.mem.readByte(q));
            assertEquals((byte) 0xa5, m.mem.readByte(q + 15));
            assertEquals((byte) 0xbb, m.mem.readByte(q + 16), "inactive red zone");
            assertEquals((byte) 0xcc, m.mem.readByte(p + 16), "active red zone");
            Slab slab = m.slub.virtToSlab(p);
            long end = slab.address() + slab.slabSize() - 1;
            assertEquals((byte) 0x5a, m.mem.readByte(end), "slab leftover keeps POISON_INUSE");
            s.free(p, b);
        }
    }
}
