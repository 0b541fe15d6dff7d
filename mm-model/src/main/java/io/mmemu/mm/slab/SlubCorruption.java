package io.mmemu.mm.slab;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.slub.KmemCache;

/**
 * The slub_corrupt fault point: a bit flipped in a slab object's metadata, as a stray write or a
 * bad DIMM would. Every free of an object of the chosen cache is an opportunity for
 * {@code target=freeptr} (the free pointer just written into the object), every allocation one for
 * {@code target=redzone} (the first byte after the object: the right red zone with slub_debug Z,
 * whatever follows the object without it). slub_debug F then reports it where Linux does: a
 * corrupt free pointer when the object is next allocated ("Freepointer corrupt"), an overwritten
 * red zone when the object is freed ("Right Redzone overwritten"). Without debugging the free
 * pointer is followed: the object it names is checked as it is handed out
 * ({@link KernelOops#wildObject}).
 */
final class SlubCorruption {
    private final FaultInjector faults;
    private final PhysicalMemory mem;

    SlubCorruption(FaultInjector faults, PhysicalMemory mem) {
        this.faults = faults;
        this.mem = mem;
    }

    boolean armed() {
        return faults.armed(FaultPoint.SLUB_CORRUPT);
    }

    void afterAlloc(KmemCache s, long object) {
        opportunity(s, object, false);
    }

    void afterFree(KmemCache s, long object) {
        opportunity(s, object, true);
    }

    private void opportunity(KmemCache s, long object, boolean freed) {
        FaultAttr a = faults.attr(FaultPoint.SLUB_CORRUPT);
        String cache = a.text("cache");
        if (!cache.isEmpty() && !cache.equals(s.name())) return;
        boolean freeptr = a.text("target").equals("freeptr");
        if (freeptr != freed) return;
        long bit = Math.max(0, a.number("bit"));
        long pa = freeptr ? object + s.layout().offset() + ((bit >>> 3) & 7) : object + s.layout().objectSize() + (bit >>> 3);
        String site = (freeptr ? "free pointer" : "red zone") + " of " + s.name() + " object 0x" + Long.toHexString(object)
                + ", bit " + bit;
        if (!faults.shouldFail(FaultPoint.SLUB_CORRUPT, s.layout().objectSize(), site)) return;
        mem.putByte(pa, (byte) (mem.getByte(pa) ^ (1 << (bit & 7))));
    }
}
