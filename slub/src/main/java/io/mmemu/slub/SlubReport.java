package io.mmemu.slub;

import static io.mmemu.slub.CacheLayout.TRACK_SIZE;
import static io.mmemu.slub.SlabFlags.SLAB_RED_ZONE;
import static io.mmemu.slub.SlabFlags.SLAB_STORE_USER;

import io.mmemu.slub.SlubLog.Kind;
import io.mmemu.slub.SlubLog.SlabError;

/**
 * How the allocator reports what it detects: the kernel-log text of mm/slub.c's slab_bug(),
 * slab_err(), object_err(), print_trailer() and friends, and the structured
 * {@link SlabError} that goes with each report.
 *
 * <p>{@link SlubDebug} decides what is wrong; this class only prints. The second group are
 * reports that need no slub_debug: a naive double free under CONFIG_SLAB_FREELIST_HARDENED,
 * a wild pointer on a CPU freelist, a free to the wrong cache or of a non-slab pointer, and
 * slab_out_of_memory(). Counting follows lib/slub_kunit.c: every {@link SlabError} is one.
 */
final class SlubReport {
    private SlubReport() {
    }

    private static final String RULE = "=============================================================================";
    private static final String DASH = "-----------------------------------------------------------------------------";

    static String ptr(long p) {
        return String.format("0x%016x", p);
    }

    /** The headline of check_bytes_and_report(), mm/slub.c. */
    static String overwritten(String what, long first, long last, long offset, int found, int expected) {
        return String.format("[%s overwritten] %s-%s @offset=%d. First byte 0x%x instead of 0x%x",
                what, ptr(first), ptr(last), offset, found, expected);
    }

    /** The headline of slab_pad_check(), mm/slub.c. */
    static String paddingOverwritten(long first, long last, long offset) {
        return String.format("Padding overwritten. %s-%s @offset=%d", ptr(first), ptr(last), offset);
    }

    /** Models slab_bug(), mm/slub.c. */
    static void slabBug(KmemCache s, String msg) {
        SlubLog log = s.slub.log;
        log.line(RULE);
        log.line("BUG " + s.name + " (" + log.taint() + "): " + msg);
        log.line(DASH);
        log.line("");
    }

    /** Models slab_fix(), mm/slub.c. */
    static void slabFix(KmemCache s, Slab slab, long object, String msg) {
        s.slub.log.line("FIX " + s.name + ": " + msg);
        s.slub.log.error(new SlabError(Kind.FIX, s.name, slab == null ? 0 : slab.address, object, 0, msg));
    }

    /** Models print_slab_info(), mm/slub.c. */
    static void printSlabInfo(KmemCache s, Slab slab) {
        long fc = slab.lvFc();
        s.slub.log.line(String.format("Slab %s objects=%d used=%d fp=%s flags=%s", ptr(slab.address),
                Slab.objectsOf(fc), Slab.inuseOf(fc), ptr(Slab.freelistOf(fc)),
                slab.order > 0 ? "slab|head" : "slab"));
    }

    /** Models slab_err(), mm/slub.c: a BUG about a slab. */
    static void slabErr(KmemCache s, Slab slab, Kind kind, long object, long bad, String msg) {
        s.slub.log.error(new SlabError(kind, s.name, slab.address, object, bad, msg));
        slabBug(s, msg);
        printSlabInfo(s, slab);
    }

    /** Models object_err(), mm/slub.c: a BUG about an object, with its trailer. */
    static void objectErr(KmemCache s, Slab slab, long object, Kind kind, long bad, String reason) {
        s.slub.log.error(new SlabError(kind, s.name, slab.address, object, bad, reason));
        slabBug(s, reason);
        printTrailer(s, slab, object);
    }

    /** Models print_section() (print_hex_dump() with DUMP_PREFIX_ADDRESS, 16 bytes a row). */
    static void printSection(KmemCache s, String text, long addr, int length) {
        for (int row = 0; row < length; row += 16) {
            StringBuilder hex = new StringBuilder();
            StringBuilder ascii = new StringBuilder();
            for (int i = row; i < Math.min(length, row + 16); i++) {
                int v = s.mem.readByte(addr + i) & 0xff;
                if (hex.length() > 0) {
                    hex.append(' ');
                }
                hex.append(String.format("%02x", v));
                ascii.append(v >= 0x20 && v < 0x7f ? (char) v : '.');
            }
            s.slub.log.line(String.format("%s%016x: %-47s  %s", text, addr + row, hex, ascii));
        }
    }

    /** Models print_tracking() and print_track(), mm/slub.c. */
    static void printTracking(KmemCache s, long object) {
        if ((s.flags & SLAB_STORE_USER) == 0) {
            return;
        }
        long now = s.slub.jiffies();
        printTrack(s, "Allocated", SlubDebug.trackAddr(s, object, false), now);
        printTrack(s, "Freed", SlubDebug.trackAddr(s, object, true), now);
    }

    private static void printTrack(KmemCache s, String what, long t, long now) {
        long addr = s.mem.readLong(t);
        if (addr == 0) {
            return;
        }
        int cpu = s.mem.readInt(t + 12);
        int pid = s.mem.readInt(t + 16);
        long when = s.mem.readLong(t + 24);
        s.slub.log.line(String.format("%s in %s age=%d cpu=%d pid=%d", what, s.slub.symbolize(addr), now - when, cpu, pid));
    }

    /** Models print_trailer(), mm/slub.c. */
    static void printTrailer(KmemCache s, Slab slab, long p) {
        CacheLayout l = s.layout;
        printTracking(s, p);
        printSlabInfo(s, slab);
        s.slub.log.line(String.format("Object %s @offset=%d fp=%s", ptr(p), p - slab.address, ptr(s.getFreepointer(p))));
        s.slub.log.line("");
        if ((s.flags & SLAB_RED_ZONE) != 0) {
            printSection(s, "Redzone  ", p - s.redLeftPad, s.redLeftPad);
        } else if (p > slab.address + 16) {
            printSection(s, "Bytes b4 ", p - 16, 16);
        }
        printSection(s, "Object   ", p, Math.min(s.objectSize, PageSource.PAGE_SIZE));
        if ((s.flags & SLAB_RED_ZONE) != 0) {
            printSection(s, "Redzone  ", p + s.objectSize, s.inuse - s.objectSize);
        }
        int off = l.infoEnd();
        if ((s.flags & SLAB_STORE_USER) != 0) {
            off += 2 * TRACK_SIZE;
        }
        if (CacheLayout.debugOrigSize(s.flags)) {
            off += 4;
        }
        if (off != l.sizeFromObject()) {
            printSection(s, "Padding  ", p + off, l.sizeFromObject() - off);
        }
    }

    // ---------------------------------------------------------------- reports outside debug caches

    /** The kernel's BUG_ON(object == fp) in set_freepointer() (CONFIG_SLAB_FREELIST_HARDENED), or an inuse underflow. */
    static void naiveDoubleFree(KmemCache s, Slab slab, long object) {
        String msg = "kernel BUG at mm/slub.c: set_freepointer(): double free or corruption of " + ptr(object);
        s.slub.log.error(new SlabError(Kind.DOUBLE_FREE, s.name, slab.address, object, object, msg));
        s.slub.log.line(msg + " in " + s.name);
    }

    /** A wild pointer met on a CPU freelist while deactivating (freelist_corrupted()). */
    static void freechainCorrupt(KmemCache s, Slab slab, long object, long nextfree) {
        s.slub.log.error(new SlabError(Kind.FREEPOINTER_CORRUPT, s.name, slab.address, object, nextfree, "Freechain corrupt"));
        s.slub.log.line(String.format("kmem: %s: slab: %s invalid freepointer: %s", s.name, ptr(slab.address), ptr(nextfree)));
        slabFix(s, slab, object, "Isolate corrupted freechain");
    }

    /** Models the WARN of cache_from_obj(), mm/slub.c. */
    static void wrongCache(KmemCache s, Slab slab, long object) {
        String msg = String.format("%s: Wrong slab cache. %s but object is from %s", "cache_from_obj", s.name, slab.slabCache.name);
        s.slub.log.error(new SlabError(Kind.WRONG_CACHE, s.name, slab.address, object, 0, msg));
        s.slub.log.line(msg);
    }

    /** A free of an address that is neither a slab object nor a large kmalloc. */
    static void freeNonSlab(Slub slub, String fn, long object) {
        String msg = String.format("%s: object pointer %s is not in a slab or a large kmalloc", fn, ptr(object));
        slub.log.error(new SlabError(Kind.INVALID_POINTER, "", 0, object, object, msg));
        slub.log.line(msg);
    }

    /** Models slab_out_of_memory(), mm/slub.c. */
    static void slabOutOfMemory(KmemCache s, int nid) {
        SlubLog log = s.slub.log;
        log.error(new SlabError(Kind.OOM, s.name, 0, 0, nid, "Unable to allocate memory on node " + nid));
        log.line(String.format("SLUB: Unable to allocate memory on node %d, gfp=0x%x(GFP_KERNEL)", nid, 0xcc0));
        log.line(String.format("  cache: %s, object size: %d, buffer size: %d, default order: %d, min order: %d",
                s.name, s.objectSize, s.size, s.layout.order(), s.layout.minOrder()));
        for (KmemCacheNode n : s.node) {
            long slabs = n.lvNrSlabs();
            long objs = n.lvTotalObjects();
            log.line(String.format("  node %d: slabs: %d, objs: %d, free: %d", n.nid, slabs, objs, countPartialFree(n)));
        }
    }

    static long countPartialFree(KmemCacheNode n) {
        n.listLock.lock();
        try {
            long free = 0;
            for (Slab slab = n.partialHead; slab != null; slab = slab.listNext) {
                free += slab.objects() - slab.inuse();
            }
            return free;
        } finally {
            n.listLock.unlock();
        }
    }

    static void listCount(KmemCache s, String msg) {
        s.slub.log.error(new SlabError(Kind.LIST_COUNT, s.name, 0, 0, 0, msg));
        s.slub.log.line(msg);
    }
}
