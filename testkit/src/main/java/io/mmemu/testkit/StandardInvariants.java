package io.mmemu.testkit;

import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SlubLog;
import java.util.ArrayList;
import java.util.List;

/**
 * The invariants every script should keep, whatever property a test adds: the one call a
 * property makes to check the model as a whole ({@code Scripts.run(s, script,
 * StandardInvariants.addressSpace().and(mine))}).
 */
public final class StandardInvariants {
    private StandardInvariants() {}

    /**
     * The address-space invariants: in every live address space, VMAs are sorted, disjoint,
     * page aligned, non-empty and inside [mmap_min_addr, TASK_SIZE).
     *
     * @return the invariant
     */
    public static Invariant<MmSandbox> addressSpace() {
        return s -> {
            List<String> errors = new ArrayList<>();
            List<MmStruct> live = s.live();
            for (int i = 0; i < live.size(); i++) {
                long prevEnd = MmStruct.MMAP_MIN_ADDR;
                for (Vma v : live.get(i).vmas()) {
                    if (((v.start() | v.end()) & (MmStruct.PAGE_SIZE - 1)) != 0) errors.add("mm" + i + ": VMA not page aligned: " + v);
                    if (v.end() <= v.start()) errors.add("mm" + i + ": empty VMA: " + v);
                    if (v.start() < prevEnd) errors.add(String.format("mm%d: VMA overlaps or precedes the one before it"
                            + " (which ends at 0x%x): %s", i, prevEnd, v));
                    if (v.end() > MmStruct.TASK_SIZE) errors.add("mm" + i + ": VMA beyond TASK_SIZE: " + v);
                    prevEnd = Math.max(prevEnd, v.end());
                }
            }
            return errors;
        };
    }

    /**
     * The allocator's invariants: SLUB reported no error (its debug checks, when slub_debug
     * enables them, found nothing), and validate_slab_cache() finds nothing wrong in the
     * sandbox's caches.
     *
     * @return the invariant
     */
    public static Invariant<SlubSandbox> slub() {
        return s -> {
            List<String> errors = new ArrayList<>();
            for (SlubLog.SlabError e : s.slub().log().errors()) errors.add("SLUB reported: " + e.message());
            for (KmemCache c : s.caches()) {
                int bad = c.validate();
                if (bad != 0) errors.add("validate(" + c.name() + ") found " + bad + " errors");
            }
            return errors;
        };
    }
}
