package io.mmemu.slub;

import static io.mmemu.slub.SlabFlags.SLAB_HWCACHE_ALIGN;
import static io.mmemu.slub.SlabFlags.SLAB_POISON;
import static io.mmemu.slub.SlabFlags.SLAB_RED_ZONE;
import static io.mmemu.slub.SlabFlags.SLAB_TYPESAFE_BY_RCU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CacheLayoutTest {

    @ParameterizedTest(name = "{0} bytes flags={1} ctor={2}")
    @CsvSource({
            // size, debug letters / extra, ctor, align, size, inuse, offset, redLeftPad, order, objects, minPartial, cpuPartialSlabs
            "64,   '',    false,  8,   64,  64, 32, 0, 0,  64, 5,  4",
            "96,   '',    false,  8,   96,  96, 48, 0, 0,  42, 5,  6",
            "192,  '',    false,  8,  192, 192, 96, 0, 0,  21, 5, 12",
            "1024, '',    false,  8, 1024,1024,512, 0, 2,  16, 5,  3",
            "8192, '',    false,  8, 8192,8192,4096,0, 3,   4, 6,  3",
            "20,   '',    false,  8,   24,  24,  8, 0, 0, 170, 5,  2",
            "20,   '',    true,   8,   32,  24, 24, 0, 0, 128, 5,  2",
            "64,   P,     false,  8,   72,  64, 64, 0, 0,  56, 5,  0",
            "64,   Z,     false,  8,   88,  72, 32, 8, 0,  46, 5,  0",
            "64,   FZPU,  false,  8,  160,  72, 72, 8, 0,  25, 5,  0",
            "20,   HW,    false, 32,   32,  24,  8, 0, 0, 128, 5,  2",
            "100,  HW,    false, 64,  128, 104, 48, 0, 0,  32, 5,  8",
            "64,   RCU,   false,  8,   72,  64, 64, 0, 0,  56, 5,  5",
            "4,    Z,     false,  8,   32,   8,  8, 8, 0, 128, 5,  0",
    })
    void calculateSizesMatchesLinux(int objectSize, String mode, boolean ctor, int align, int size, int inuse,
                                    int offset, int redLeftPad, int order, int objects, int minPartial, int cpuPartialSlabs) {
        long flags = switch (mode) {
            case "HW" -> SLAB_HWCACHE_ALIGN;
            case "RCU" -> SLAB_TYPESAFE_BY_RCU;
            default -> SlabFlags.parseLetters(mode);
        };
        CacheLayout l = CacheLayout.calculateSizes(objectSize, 0, flags, ctor, CacheLayout.OrderTunables.defaults(4));
        String got = l.toString();
        assertEquals(align, l.align(), got);
        assertEquals(size, l.size(), got);
        assertEquals(inuse, l.inuse(), got);
        assertEquals(offset, l.offset(), got);
        assertEquals(redLeftPad, l.redLeftPad(), got);
        assertEquals(order, l.order(), got);
        assertEquals(objects, l.objects(), got);
        assertEquals(minPartial, l.minPartial(), got);
        assertEquals(cpuPartialSlabs, l.cpuPartialSlabs(), got);
    }

    @ParameterizedTest
    @CsvSource({"1,0", "8,0", "9,1", "16,1", "17,2", "64,3", "65,4", "96,4", "97,5", "128,5", "129,6", "192,6",
            "193,7", "256,7", "257,8", "1024,9", "2048,10", "4096,11", "4097,12", "8192,12"})
    void kmallocIndexPicksTheSmallestFittingClass(long size, int index) {
        assertEquals(index, Slub.kmallocIndex(size));
        assertEquals(true, Kmalloc.KMALLOC_SIZES[index] >= size);
    }

    @ParameterizedTest
    @CsvSource({"8,kmalloc-8", "96,kmalloc-96", "1024,kmalloc-1k", "8192,kmalloc-8k"})
    void kmallocNames(int size, String name) {
        assertEquals(name, Kmalloc.kmallocName(size));
    }

    @ParameterizedTest
    @CsvSource({"1,4", "2,4", "4,4", "8,4", "64,4", "1000,4"})
    void minObjectsGrowsWithCpuCount(int cpus, int ignored) {
        // slub_min_objects = 4 * (fls(nr_cpus) + 1): with 64-byte objects order 0 always suffices.
        CacheLayout l = CacheLayout.calculateSizes(64, 0, 0, false, CacheLayout.OrderTunables.defaults(cpus));
        assertEquals(0, l.order());
        CacheLayout big = CacheLayout.calculateSizes(2048, 0, 0, false, CacheLayout.OrderTunables.defaults(cpus));
        int minObjects = 4 * (CacheLayout.fls(cpus) + 1);
        assertEquals(true, big.objects() >= Math.min(minObjects, 16), big.toString());
    }

    @org.junit.jupiter.api.Test
    void rejectsBadArguments() {
        assertEquals("align must be a power of two (expected: 0 or 2^k, got 12)", assertThrows(IllegalArgumentException.class,
                () -> CacheLayout.calculateSizes(64, 12, 0, false, CacheLayout.OrderTunables.defaults(1))).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CacheLayout.calculateSizes(0, 0, SLAB_POISON | SLAB_RED_ZONE, false, CacheLayout.OrderTunables.defaults(1)));
    }
}
