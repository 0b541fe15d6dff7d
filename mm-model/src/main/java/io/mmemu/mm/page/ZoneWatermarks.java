package io.mmemu.mm.page;

/**
 * The watermarks of the allocator's one zone: _watermark[WMARK_MIN..WMARK_HIGH] and the
 * vm.min_free_kbytes they derive from, after mm/page_alloc.c. {@link PageAllocator} checks an
 * allocation against them (__zone_watermark_ok()).
 *
 * <p>As init_per_zone_wmark_min() / calculate_min_free_kbytes() and __setup_per_zone_wmarks() do
 * for a single zone, with PAGE_SIZE 4 KiB:
 * <pre>
 *   min_free_kbytes = clamp(int_sqrt(managed_kbytes * 16), 128, 262144)
 *   WMARK_MIN  = min_free_kbytes / 4                     (pages)
 *   delta      = max(WMARK_MIN / 4, managed * watermark_scale_factor / 10000), factor 10
 *   WMARK_LOW  = WMARK_MIN + delta
 *   WMARK_HIGH = WMARK_MIN + 2 * delta
 * </pre>
 * (Linux takes managed_kbytes from nr_free_buffer_pages(), which at boot, before any watermark
 * exists, is the managed page count.) {@link PageAllocator#setMinFreeKbytes} is the vm.min_free_kbytes sysctl.
 * An allocation first tries with the low watermark; failing that (Linux: wake kswapd) it tries
 * with the min watermark reduced per __zone_watermark_ok(): {@link Gfp#HIGH} halves it, a
 * non-blocking caller (no {@link Gfp#DIRECT_RECLAIM}, e.g. {@link Gfp#ATOMIC}) with HIGH takes
 * another quarter off; {@link Gfp#MEMALLOC} ignores watermarks. The check passes if
 * {@code free - (2^order - 1) > mark} and, for order &gt; 0, some list of order &ge; the request
 * is non-empty.
 */
final class ZoneWatermarks {
    /** Watermark indices, enum zone_watermarks. */
    static final int WMARK_MIN = 0;
    static final int WMARK_LOW = 1;
    static final int WMARK_HIGH = 2;
    /** PAGE_SHIFT - 10: pages to kB. */
    static final int PAGE_TO_KB_SHIFT = 2;
    /** watermark_scale_factor default, in 1/10000 of managed pages. */
    static final int WATERMARK_SCALE_FACTOR = 10;

    /** zone_managed_pages() of the zone, fixed at boot. */
    private final long managed;
    /** _watermark[WMARK_MIN..WMARK_HIGH], in pages. */
    private final long[] watermark = new long[3];
    private int minFreeKbytes;

    /** Models init_per_zone_wmark_min(), mm/page_alloc.c: the boot-time reserve and watermarks. */
    ZoneWatermarks(long managed) {
        this.managed = managed;
        this.minFreeKbytes = calculateMinFreeKbytes(managed);
        setupPerZoneWmarks();
    }

    /** The watermark {@code which} (WMARK_MIN, WMARK_LOW or WMARK_HIGH), in pages. */
    long get(int which) {
        return watermark[which];
    }

    /**
     * Models calculate_min_free_kbytes(), mm/page_alloc.c: 4 * sqrt(managed kB), clamped to
     * 128..262144 kB.
     */
    static int calculateMinFreeKbytes(long managedPages) {
        long lowmemKbytes = managedPages << PAGE_TO_KB_SHIFT;
        long v = intSqrt(lowmemKbytes * 16);
        return (int) Math.clamp(v, 128, 262144);
    }

    /** Models int_sqrt(), lib/math/int_sqrt.c: floor of the square root. */
    static long intSqrt(long x) {
        long r = (long) Math.sqrt((double) x);
        while (r * r > x) {
            r--;
        }
        while ((r + 1) * (r + 1) <= x) {
            r++;
        }
        return r;
    }

    /** Models __setup_per_zone_wmarks(), mm/page_alloc.c, for the single zone. */
    private void setupPerZoneWmarks() {
        long pagesMin = managed == 0 ? 0 : (long) minFreeKbytes >> PAGE_TO_KB_SHIFT;
        long delta = Math.max(pagesMin >> 2, managed * WATERMARK_SCALE_FACTOR / 10000);
        watermark[WMARK_MIN] = pagesMin;
        watermark[WMARK_LOW] = pagesMin + delta;
        watermark[WMARK_HIGH] = pagesMin + 2 * delta;
    }

    /**
     * Models writing vm.min_free_kbytes (min_free_kbytes_sysctl_handler(), mm/page_alloc.c):
     * sets the reserve and recomputes the watermarks. 0 turns the reserve off.
     */
    void setMinFreeKbytes(int kbytes) {
        if (kbytes < 0) {
            throw new IllegalArgumentException("min_free_kbytes must be >= 0 (got " + kbytes + ")");
        }
        this.minFreeKbytes = kbytes;
        setupPerZoneWmarks();
    }

    /** vm.min_free_kbytes. */
    int minFreeKbytes() {
        return minFreeKbytes;
    }

    /** Models min_wmark_pages(), include/linux/mmzone.h. */
    long minWmarkPages() {
        return watermark[WMARK_MIN];
    }

    /** Models low_wmark_pages(), include/linux/mmzone.h. */
    long lowWmarkPages() {
        return watermark[WMARK_LOW];
    }

    /** Models high_wmark_pages(), include/linux/mmzone.h. */
    long highWmarkPages() {
        return watermark[WMARK_HIGH];
    }
}
