package io.mmemu.mm.vma;

import static io.mmemu.mm.phys.PageTypes.PAGE_SHIFT;

import io.mmemu.mm.huge.HugeMemory;

/**
 * VMA merging and splitting, mm/vma.c: the steps that change how an {@link MmStruct}'s ranges
 * are cut into VMAs without changing what is mapped. A new range joins a compatible neighbour
 * (vma_merge_new_range()) before it costs a vm_area_struct of its own; a VMA whose flags changed
 * joins its neighbours again (vma_modify()'s merge); a VMA is cut at an address
 * (__split_vma()), the upper part taking a new vm_area_struct, and a split past
 * max_map_count is refused.
 *
 * <p>Every step either completes or, when the slab allocator has no vm_area_struct to give,
 * changes nothing and reports false, so that callers fail with ENOMEM as Linux does. The state
 * (the tree, the lookup cache, the vm_area_struct objects) stays {@link MmStruct}'s; these
 * functions reach it through its package-private primitives.
 */
final class VmaMerge {
    private VmaMerge() {
    }

    /**
     * Inserts the range of {@code vma} (a candidate without a vm_area_struct, or one that has its
     * own) over a free range as vma_merge_new_range() and then vm_area_alloc() do: expanding the
     * previous VMA, the next one (its start moves down), or both, joining them; only when neither
     * is compatible does the candidate become a VMA of its own, with a new vm_area_struct.
     * Returns false (nothing changed) when that allocation fails.
     */
    static boolean insertMerged(MmStruct mm, Vma vma) {
        VmaTree vmas = mm.tree();
        Vma prev = mm.prevOf(vma.start + 1);
        if (prev == vma) prev = null;
        Vma next = vmas.higher(vma.start);
        boolean mergePrev = prev != null && prev.end == vma.start && canMerge(prev, vma);
        boolean mergeNext = next != null && next.start == vma.end && canMerge(vma, next);
        if (mergePrev) {
            if (mergeNext) {
                vmas.remove(next.start);
                mm.vmacacheInvalidate(next);
                prev.end = next.end;
                mm.vmAreaFree(next);
            } else {
                prev.end = vma.end;
            }
            vmas.refresh(prev.start);
        } else if (mergeNext) {
            vmas.remove(next.start);
            next.start = vma.start;
            next.pgoff = vma.pgoff;
            vmas.put(next);
        } else {
            if (vma.object == 0 && !mm.vmAreaAlloc(vma)) return false;
            vmas.put(vma);
        }
        if (vma.object != 0 && (mergePrev || mergeNext)) mm.vmAreaFree(vma); // a VMA of its own that merged away
        return true;
    }

    /** is_mergeable_vma() + can_vma_merge_after(): same flags, same file (or none), same userfaultfd, contiguous pgoff, same name. */
    static boolean canMerge(Vma a, Vma b) {
        if (a.flags != b.flags || a.sealed != b.sealed || a.droppable != b.droppable || a.pkey != b.pkey
                || a.file != b.file) return false;
        if (!java.util.Objects.equals(a.policy, b.policy)) return false; // mpol_equal()
        if (!java.util.Objects.equals(a.anonName, b.anonName)) return false; // anon_vma_name_eq()
        if (a.userfaultfdCtx != b.userfaultfdCtx) return false; // is_mergeable_vm_userfaultfd_ctx()
        if (a.name == null ? b.name != null : !a.name.equals(b.name)) return false;
        // Anonymous VMAs too: their pgoff is the page index the anon pages were created at, so a
        // VMA moved by mremap (which keeps its pgoff) does not merge with a fresh neighbour.
        return a.pgoff + ((a.end - a.start) >>> PAGE_SHIFT) == b.pgoff;
    }

    /**
     * Models the merge step of vma_modify()/vma_merge() after a VMA's flags changed: joins it with
     * its neighbours where they are compatible. Returns the VMA that now covers it.
     */
    static Vma mergeAround(MmStruct mm, Vma vma) {
        VmaTree vmas = mm.tree();
        vmas.refresh(vma.start); // the caller may have moved its end (vma_expand) or changed its flags
        Vma prev = mm.prevOf(vma.start);
        if (prev != null && prev.end == vma.start && canMerge(prev, vma)) {
            mm.removeVma(vma);
            prev.end = vma.end;
            vma = prev;
            vmas.refresh(prev.start);
        }
        Vma next = vmas.higher(vma.start);
        if (next != null && next.start == vma.end && canMerge(vma, next)) {
            mm.removeVma(next);
            vma.end = next.end;
            vmas.refresh(vma.start);
        }
        return vma;
    }

    /** Splits so that a VMA boundary falls at {@code addr} (if a VMA straddles it); refuses past max_map_count. */
    static boolean splitAt(MmStruct mm, long addr) {
        Vma v = mm.vmaLookup(addr);
        if (v == null || v.start == addr) return true;
        if (mm.mapCount() >= mm.maxMapCount()) return false;
        return splitVma(mm, v, addr);
    }

    /**
     * Models __split_vma(): cuts {@code vma} at {@code addr}; the upper part becomes a new VMA
     * with its own vm_area_struct (vm_area_dup()). Returns false, changing nothing, when that
     * allocation fails.
     */
    static boolean splitVma(MmStruct mm, Vma vma, long addr) {
        Vma upper = new Vma(addr, vma.end, vma.flags, vma.pgoff + ((addr - vma.start) >>> PAGE_SHIFT), vma.file, vma.name);
        upper.copyAttributes(vma);
        if (!mm.vmAreaAlloc(upper)) return false;
        vma.end = addr;
        mm.tree().put(upper);
        HugeMemory.splitHugePmdAddress(mm, addr); // vma_adjust_trans_huge()
        return true;
    }
}
