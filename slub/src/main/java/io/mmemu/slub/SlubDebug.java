package io.mmemu.slub;

import static io.mmemu.slub.CacheLayout.TRACK_SIZE;
import static io.mmemu.slub.SlabFlags.OBJECT_POISON;
import static io.mmemu.slub.SlabFlags.POISON_END;
import static io.mmemu.slub.SlabFlags.POISON_FREE;
import static io.mmemu.slub.SlabFlags.POISON_INUSE;
import static io.mmemu.slub.SlabFlags.SLAB_CONSISTENCY_CHECKS;
import static io.mmemu.slub.SlabFlags.SLAB_POISON;
import static io.mmemu.slub.SlabFlags.SLAB_RED_ZONE;
import static io.mmemu.slub.SlabFlags.SLAB_STORE_USER;
import static io.mmemu.slub.SlabFlags.SLUB_RED_ACTIVE;
import static io.mmemu.slub.SlabFlags.SLUB_RED_INACTIVE;
import static io.mmemu.slub.SlubReport.listCount;
import static io.mmemu.slub.SlubReport.objectErr;
import static io.mmemu.slub.SlubReport.printSection;
import static io.mmemu.slub.SlubReport.printTrailer;
import static io.mmemu.slub.SlubReport.ptr;
import static io.mmemu.slub.SlubReport.slabBug;
import static io.mmemu.slub.SlubReport.slabErr;
import static io.mmemu.slub.SlubReport.slabFix;

import io.mmemu.slub.SlubLog.Kind;
import io.mmemu.slub.SlubLog.SlabError;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * slub_debug: consistency checks (F), red zones (Z), poisoning (P) and user tracking (U),
 * following the CONFIG_SLUB_DEBUG part of mm/slub.c; {@link SlubReport} prints what they find.
 *
 * <p>Every check compares bytes in emulated memory with the pattern they must hold, reports
 * the first difference with its address, offset in the slab, the wrong byte and the
 * expected one, then restores the pattern (a FIX line), so that one corruption is reported
 * once. Reports go to the cache's {@link SlubLog}; counts follow lib/slub_kunit.c, where
 * each BUG and each FIX is one error.
 *
 * <p>All functions run in slow paths, under the node's list_lock for debug caches.
 */
final class SlubDebug {
    private SlubDebug() {
    }

    // ---------------------------------------------------------------- object init and tracking

    /** Models init_object(), mm/slub.c. */
    static void initObject(KmemCache s, long p, byte val) {
        int poisonSize = s.objectSize;
        if ((s.flags & SLAB_RED_ZONE) != 0) {
            s.mem.fill(p - s.redLeftPad, s.redLeftPad, val);
            if (CacheLayout.debugOrigSize(s.flags) && val == SLUB_RED_ACTIVE) {
                // Red-zone what kmalloc gave beyond the request; poison only the request.
                poisonSize = getOrigSize(s, p);
            }
        }
        if ((s.flags & OBJECT_POISON) != 0) {
            s.mem.fill(p, poisonSize - 1, POISON_FREE);
            s.mem.writeByte(p + poisonSize - 1, POISON_END);
        }
        if ((s.flags & SLAB_RED_ZONE) != 0) {
            s.mem.fill(p + poisonSize, s.inuse - poisonSize, val);
        }
    }

    /** Models set_orig_size(), mm/slub.c. */
    static void setOrigSize(KmemCache s, long object, int origSize) {
        if (CacheLayout.debugOrigSize(s.flags)) {
            s.mem.writeInt(object + s.layout.origSizeOffset(), origSize);
        }
    }

    /** Models get_orig_size(), mm/slub.c. */
    static int getOrigSize(KmemCache s, long object) {
        if (!CacheLayout.debugOrigSize(s.flags)) {
            return s.objectSize;
        }
        int v = s.mem.readInt(object + s.layout.origSizeOffset());
        return v <= 0 || v > s.objectSize ? s.objectSize : v;
    }

    /** Where an object's alloc (or free) track lives (get_track()). */
    static long trackAddr(KmemCache s, long object, boolean free) {
        return object + s.layout.infoEnd() + (free ? TRACK_SIZE : 0);
    }

    /** Models init_tracking(), mm/slub.c. */
    static void initTracking(KmemCache s, long object) {
        if ((s.flags & SLAB_STORE_USER) != 0) {
            s.mem.fill(trackAddr(s, object, false), 2L * TRACK_SIZE, (byte) 0);
        }
    }

    /**
     * Models set_track(), mm/slub.c. Track layout (struct track, 32 bytes): addr @0,
     * stack depot handle @8 (always 0: no stack traces), cpu @12, pid @16, when (jiffies) @24.
     */
    static void setTrack(KmemCache s, long object, boolean free, long caller, CpuBinding b) {
        long t = trackAddr(s, object, free);
        s.mem.writeLong(t, caller);
        s.mem.writeInt(t + 8, 0);
        s.mem.writeInt(t + 12, b.cpu());
        s.mem.writeInt(t + 16, b.pid());
        s.mem.writeInt(t + 20, 0);
        s.mem.writeLong(t + 24, s.slub.jiffies());
    }

    // ---------------------------------------------------------------- byte checks

    /** Models memchr_inv(): the first byte of the range not equal to {@code value}, or -1. */
    private static long memchrInv(PhysMemory mem, long start, int bytes, byte value) {
        for (int i = 0; i < bytes; i++) {
            if (mem.readByte(start + i) != value) {
                return start + i;
            }
        }
        return -1;
    }

    /** The end of the damaged range that starts at {@code fault}: trailing bytes that hold {@code value} again are not part of it. */
    private static long damageEnd(PhysMemory mem, long fault, long end, byte value) {
        while (end > fault && mem.readByte(end - 1) == value) {
            end--;
        }
        return end;
    }

    /** Models check_bytes_and_report(), mm/slub.c. {@code printObject}: print the object (first failure only). */
    static boolean checkBytesAndReport(KmemCache s, Slab slab, long object, String what, long start,
                                       byte value, int bytes, boolean printObject) {
        long fault = memchrInv(s.mem, start, bytes, value);
        if (fault < 0) {
            return true;
        }
        long end = damageEnd(s.mem, fault, start + bytes, value);
        int faultByte = s.mem.readByte(fault) & 0xff;
        String msg = SlubReport.overwritten(what, fault, end - 1, fault - slab.address, faultByte, value & 0xff);
        s.slub.log.error(new SlabError(Kind.OVERWRITTEN, s.name, slab.address, object, faultByte, msg));
        s.slub.log.line(msg);
        if (printObject) {
            slabBug(s, "Object corrupt");
            printTrailer(s, slab, object);
        }
        restoreBytes(s, slab, object, what, value, fault, end);
        return false;
    }

    /** Models restore_bytes(), mm/slub.c. */
    private static void restoreBytes(KmemCache s, Slab slab, long object, String what, byte value, long from, long to) {
        slabFix(s, slab, object, String.format("Restoring %s %s-%s=0x%x", what, ptr(from), ptr(to - 1), value & 0xff));
        s.mem.fill(from, to - from, value);
    }

    /** Where check_pad_bytes(), mm/slub.c, starts: after the metadata behind the object. */
    private static int padBytesOffset(KmemCache s) {
        int off = s.layout.infoEnd();
        if ((s.flags & SLAB_STORE_USER) != 0) {
            off += 2 * TRACK_SIZE;
            if ((s.flags & SlabFlags.SLAB_KMALLOC) != 0) {
                off += 4;
            }
        }
        return off;
    }

    /** The leftover after the last object that slab_pad_check() watches (slab_size % size), or 0 without poisoning. */
    private static int slabPadRemainder(KmemCache s, Slab slab) {
        return (s.flags & SLAB_POISON) == 0 ? 0 : slab.slabSize() % s.size;
    }

    /** Models slab_pad_check(), mm/slub.c: the bytes after the last object must stay 0x5a. */
    static void slabPadCheck(KmemCache s, Slab slab) {
        int remainder = slabPadRemainder(s, slab);
        if (remainder == 0) {
            return;
        }
        long start = slab.address;
        long end = start + slab.slabSize();
        long pad = end - remainder;
        long fault = memchrInv(s.mem, pad, remainder, POISON_INUSE);
        if (fault < 0) {
            return;
        }
        end = damageEnd(s.mem, fault, end, POISON_INUSE);
        slabErr(s, slab, Kind.OVERWRITTEN, 0, s.mem.readByte(fault) & 0xff,
                SlubReport.paddingOverwritten(fault, end - 1, fault - start));
        printSection(s, "Padding ", pad, remainder);
        restoreBytes(s, slab, 0, "slab padding", POISON_INUSE, fault, end);
    }

    /** One byte range of an object that check_object() expects to hold a single value. */
    @FunctionalInterface
    interface PatternCheck {
        /** @param first whether no earlier range of the object failed (check_object() prints the object only then) */
        boolean check(String what, long start, byte value, int bytes, boolean first);
    }

    /**
     * The byte ranges check_object(), mm/slub.c, checks (red zones, kmalloc red zone, alignment
     * padding, poison, padding), in its order, each handed to {@code c}; false if any failed.
     * The one place that says which bytes of an object hold which pattern.
     */
    static boolean checkObjectPatterns(KmemCache s, long p, byte val, PatternCheck c) {
        long endobject = p + s.objectSize;
        boolean ret = true;
        if ((s.flags & SLAB_RED_ZONE) != 0) {
            if (!c.check("Left Redzone", p - s.redLeftPad, val, s.redLeftPad, ret)) {
                ret = false;
            }
            if (!c.check("Right Redzone", endobject, val, s.inuse - s.objectSize, ret)) {
                ret = false;
            }
            if (CacheLayout.debugOrigSize(s.flags) && val == SLUB_RED_ACTIVE) {
                int origSize = getOrigSize(s, p);
                if (s.objectSize > origSize && !c.check("kmalloc Redzone", p + origSize, val, s.objectSize - origSize, ret)) {
                    ret = false;
                }
            }
        } else if ((s.flags & SLAB_POISON) != 0 && s.objectSize < s.inuse) {
            if (!c.check("Alignment padding", endobject, POISON_INUSE, s.inuse - s.objectSize, ret)) {
                ret = false;
            }
        }
        if ((s.flags & SLAB_POISON) != 0) {
            if (val != SLUB_RED_ACTIVE && (s.flags & OBJECT_POISON) != 0) {
                if (!c.check("Poison", p, POISON_FREE, s.objectSize - 1, ret)) {
                    ret = false;
                }
                if (!c.check("End Poison", p + s.objectSize - 1, POISON_END, 1, ret)) {
                    ret = false;
                }
            }
            int off = padBytesOffset(s);                       // check_pad_bytes()
            int sizeFromObject = s.layout.sizeFromObject();
            if (sizeFromObject != off && !c.check("Object padding", p + off, POISON_INUSE, sizeFromObject - off, ret)) {
                ret = false;
            }
        }
        return ret;
    }

    /** Models check_object(), mm/slub.c. {@code val} is SLUB_RED_ACTIVE for an allocated object, SLUB_RED_INACTIVE for a free one. */
    static boolean checkObject(KmemCache s, Slab slab, long p, byte val) {
        boolean ret = checkObjectPatterns(s, p, val,
                (what, start, value, bytes, first) -> checkBytesAndReport(s, slab, p, what, start, value, bytes, first));
        // The free pointer cannot be checked while the object is allocated if they overlap.
        if (s.layout.freeptrOutsideObject() || val != SLUB_RED_ACTIVE) {
            long fp = s.getFreepointer(p);
            if (!s.checkValidPointer(slab, fp, slab.objects())) {
                objectErr(s, slab, p, Kind.FREEPOINTER_CORRUPT, fp, "Freepointer corrupt");
                s.setFreepointer(p, 0);
                ret = false;
            }
        }
        return ret;
    }

    /**
     * Read-only check_object() and slab_pad_check() for a checker: adds one {@link CacheSnapshot.Damage}
     * per damaged range of the slab's padding and of each object, nothing reported or repaired.
     * {@code free} holds the indices of the objects on a freelist (checked as free), the others as allocated.
     */
    static void findDamage(KmemCache s, Slab slab, BitSet free, List<CacheSnapshot.Damage> out) {
        int remainder = slabPadRemainder(s, slab);
        if (remainder > 0) {
            long end = slab.address + slab.slabSize();
            findDamage(s, slab, 0, "Padding", end - remainder, POISON_INUSE, remainder, out);
        }
        int objects = slab.objects();
        for (int i = 0; i < objects; i++) {
            long p = s.layout.objectAddress(slab.address, i);
            checkObjectPatterns(s, p, free.get(i) ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE,
                    (what, start, value, bytes, first) -> findDamage(s, slab, p, what, start, value, bytes, out));
        }
    }

    private static boolean findDamage(KmemCache s, Slab slab, long object, String what, long start, byte value, int bytes,
                                      List<CacheSnapshot.Damage> out) {
        long fault = memchrInv(s.mem, start, bytes, value);
        if (fault < 0) {
            return true;
        }
        long end = damageEnd(s.mem, fault, start + bytes, value);
        out.add(new CacheSnapshot.Damage(slab.address, object, what, fault, end - 1, s.mem.readByte(fault) & 0xff, value & 0xff));
        return false;
    }

    // ---------------------------------------------------------------- slab checks

    /** Models check_slab(), mm/slub.c. */
    static boolean checkSlab(KmemCache s, Slab slab) {
        long fc = slab.lvFc();
        int maxobj = CacheLayout.orderObjects(slab.order, s.size);
        if (Slab.objectsOf(fc) > maxobj) {
            slabErr(s, slab, Kind.WRONG_COUNT, 0, Slab.objectsOf(fc),
                    String.format("objects %d > max %d", Slab.objectsOf(fc), maxobj));
            return false;
        }
        if (Slab.inuseOf(fc) > Slab.objectsOf(fc)) {
            slabErr(s, slab, Kind.WRONG_COUNT, 0, Slab.inuseOf(fc),
                    String.format("inuse %d > max %d", Slab.inuseOf(fc), Slab.objectsOf(fc)));
            return false;
        }
        if (s.debug && Slab.frozenOf(fc)) {
            slabErr(s, slab, Kind.WRONG_COUNT, 0, 0, "Slab disabled since SLUB metadata consistency check failed");
            return false;
        }
        slabPadCheck(s, slab);
        return true;
    }

    /**
     * Models on_freelist(), mm/slub.c: walks the slab's freelist looking for {@code search}
     * (0: just check the chain), repairing a corrupt chain and wrong counters as it goes.
     */
    static boolean onFreelist(KmemCache s, Slab slab, long search) {
        int nr = 0;
        long fc = slab.lvFc();
        long fp = Slab.freelistOf(fc);
        long object = 0;
        int objects = Slab.objectsOf(fc);
        while (fp != 0 && nr <= objects) {
            if (fp == search) {
                return true;
            }
            if (!s.checkValidPointer(slab, fp, objects)) {
                if (object != 0) {
                    objectErr(s, slab, object, Kind.FREEPOINTER_CORRUPT, fp, "Freechain corrupt");
                    s.setFreepointer(object, 0);
                } else {
                    slabErr(s, slab, Kind.FREEPOINTER_CORRUPT, 0, fp, "Freepointer corrupt");
                    slab.soFc(Slab.withInuse(Slab.withFreelist(slab.lvFc(), 0), objects));
                    slabFix(s, slab, 0, "Freelist cleared");
                    return false;
                }
                break;
            }
            object = fp;
            fp = s.getFreepointer(object);
            nr++;
        }
        int maxObjects = Math.min(CacheLayout.orderObjects(slab.order, s.size), CacheLayout.MAX_OBJS_PER_PAGE);
        if (objects != maxObjects) {
            slabErr(s, slab, Kind.WRONG_COUNT, 0, objects,
                    String.format("Wrong number of objects. Found %d but should be %d", objects, maxObjects));
            slab.soFc(Slab.pack(Slab.freelistOf(slab.lvFc()), Slab.inuseOf(slab.lvFc()), maxObjects, Slab.frozenOf(slab.lvFc())));
            objects = maxObjects;
            slabFix(s, slab, 0, "Number of objects adjusted");
        }
        int inuse = Slab.inuseOf(slab.lvFc());
        if (inuse != objects - nr) {
            slabErr(s, slab, Kind.WRONG_COUNT, 0, inuse,
                    String.format("Wrong object count. Counter is %d but counted were %d", inuse, objects - nr));
            slab.soFc(Slab.withInuse(slab.lvFc(), objects - nr));
            slabFix(s, slab, 0, "Object count adjusted");
        }
        return search == 0;
    }

    // ---------------------------------------------------------------- alloc and free processing

    /** Models alloc_debug_processing() with alloc_consistency_checks(), mm/slub.c. */
    static boolean allocDebugProcessing(KmemCache s, Slab slab, long object, int origSize) {
        if ((s.flags & SLAB_CONSISTENCY_CHECKS) != 0) {
            boolean ok = checkSlab(s, slab);
            if (ok && !s.checkValidPointer(slab, object, slab.objects())) {
                objectErr(s, slab, object, Kind.FREEPOINTER_CORRUPT, object, "Freelist Pointer check fails");
                ok = false;
            }
            if (ok && !checkObject(s, slab, object, SLUB_RED_INACTIVE)) {
                ok = false;
            }
            if (!ok) {
                // Mark the slab full so that it is never used again (leak it).
                slabFix(s, slab, object, "Marking all objects used");
                long fc = slab.lvFc();
                slab.soFc(Slab.pack(0, Slab.objectsOf(fc), Slab.objectsOf(fc), true));
                return false;
            }
        }
        setOrigSize(s, object, origSize);
        initObject(s, object, SLUB_RED_ACTIVE);
        return true;
    }

    /** Models free_debug_processing() with free_consistency_checks(), mm/slub.c. */
    static boolean freeDebugProcessing(KmemCache s, Slab slab, long head, long tail, int cnt, long caller, CpuBinding b) {
        long object = head;
        boolean ok = true;
        if ((s.flags & SLAB_CONSISTENCY_CHECKS) != 0 && !checkSlab(s, slab)) {
            ok = false;
        }
        if (ok && slab.inuse() < cnt) {
            slabErr(s, slab, Kind.DOUBLE_FREE, head, slab.inuse(), String.format(
                    "Slab has %d allocated objects but %d are to be freed", slab.inuse(), cnt));
            ok = false;
        }
        if (ok && (s.flags & SLAB_CONSISTENCY_CHECKS) != 0) {
            if (!s.checkValidPointer(slab, object, slab.objects())) {
                slabErr(s, slab, Kind.INVALID_POINTER, object, object, "Invalid object pointer " + ptr(object));
                ok = false;
            } else if (onFreelist(s, slab, object)) {
                objectErr(s, slab, object, Kind.DOUBLE_FREE, object, "Object already free");
                ok = false;
            } else if (!checkObject(s, slab, object, SLUB_RED_ACTIVE)) {
                ok = false;
            }
        }
        if (!ok) {
            slabFix(s, slab, object, "Object at " + ptr(object) + " not freed");
            return false;
        }
        if ((s.flags & SLAB_STORE_USER) != 0) {
            setTrack(s, object, true, caller, b);
        }
        initObject(s, object, SLUB_RED_INACTIVE);
        return true;
    }

    // ---------------------------------------------------------------- validation

    /** Models validate_slab(), mm/slub.c. */
    static void validateSlab(KmemCache s, Slab slab) {
        if (!checkSlab(s, slab) || !onFreelist(s, slab, 0)) {
            return;
        }
        BitSet free = freeMap(s, slab);
        int objects = slab.objects();
        for (int i = 0; i < objects; i++) {
            long p = s.layout.objectAddress(slab.address, i);
            byte val = free.get(i) ? SLUB_RED_INACTIVE : SLUB_RED_ACTIVE;
            if (!checkObject(s, slab, p, val)) {
                break;
            }
        }
    }

    /** Models __fill_map(), mm/slub.c: the indices of objects on the slab's freelist. */
    static BitSet freeMap(KmemCache s, Slab slab) {
        BitSet map = new BitSet();
        int objects = slab.objects();
        long p = slab.freelist();
        for (int n = 0, i; p != 0 && n <= objects && (i = s.layout.objectIndex(slab.address, objects, p)) >= 0; n++) {
            map.set(i);
            p = s.getFreepointer(p);
        }
        return map;
    }

    /**
     * Models validate_slab_cache() and validate_slab_node(), mm/slub.c: flushes the CPU slabs,
     * then checks every slab on the node lists and the list counters. Unlike the kernel, it
     * also checks full slabs of caches that keep no full list (they are found through the
     * page map). Call it while the cache is quiescent. Returns the errors reported, those of
     * the flush included.
     */
    static int validateSlabCache(KmemCache s) {
        List<Slab> slabs = new ArrayList<>();
        s.slub.pageMap.forEachSlab(s, slabs::add);
        return validateSlabCache(s, slabs);
    }

    /**
     * {@link #validateSlabCache(KmemCache)} for each of {@code caches} in turn, with one walk of
     * the page map for them all instead of one each: a walk reads every page's entry, and with
     * the kernel's few dozen caches the walks were most of the check at the end of every run
     * (8-10 ms of a cold {@code bin/mmemu run hello}, in the interpreter; more with more RAM).
     * Reports and returns the same as validating the caches one after another.
     */
    static int validateSlabCaches(Slub slub, List<KmemCache> caches) {
        Map<KmemCache, List<Slab>> slabsOf = new IdentityHashMap<>(); // looked up, never iterated
        slub.pageMap.forEachSlab(null, slab -> slabsOf.computeIfAbsent(slab.slabCache, c -> new ArrayList<>()).add(slab));
        int problems = 0;
        for (KmemCache c : caches) problems += validateSlabCache(c, slabsOf.getOrDefault(c, List.of()));
        return problems;
    }

    /**
     * validateSlabCache over {@code slabs}, the cache's slabs in page order as the page map held
     * them before anything was flushed. Flushing only deactivates or frees slabs, so the slabs
     * the page map still holds when their turn comes are those a walk then would find.
     */
    private static int validateSlabCache(KmemCache s, List<Slab> slabs) {
        int before = s.slub.log.kunitErrors();          // counts what the flush reports too (a corrupt CPU freelist)
        s.flushAll();
        for (KmemCacheNode n : s.node) {
            n.listLock.lock();
            try {
                long count = 0;
                for (Slab slab = n.partialHead; slab != null; slab = slab.listNext) {
                    validateSlab(s, slab);
                    count++;
                }
                if (count != n.nrPartial) {
                    listCount(s, String.format("SLUB %s: %d partial slabs counted but counter=%d", s.name, count, n.nrPartial));
                }
                if ((s.flags & SLAB_STORE_USER) != 0) {
                    for (Slab slab = n.fullHead; slab != null; slab = slab.listNext) {
                        validateSlab(s, slab);
                        count++;
                    }
                    if (count != n.lvNrSlabs()) {
                        listCount(s, String.format("SLUB: %s %d slabs counted but counter=%d", s.name, count, n.lvNrSlabs()));
                    }
                }
            } finally {
                n.listLock.unlock();
            }
        }
        for (Slab slab : slabs) {
            if (s.slub.virtToSlab(slab.address) != slab) continue; // freed by a flush since
            boolean listed = slab.onNodePartial || (slab.onFull && (s.flags & SLAB_STORE_USER) != 0);
            if (!listed && !Slab.frozenOf(slab.lvFc()) && !s.slub.isRcuPending(slab)) {
                KmemCacheNode n = s.node[slab.nid];
                n.listLock.lock();
                try {
                    validateSlab(s, slab);
                } finally {
                    n.listLock.unlock();
                }
            }
        }
        return s.slub.log.kunitErrors() - before;
    }
}
