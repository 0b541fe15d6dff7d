package io.mmemu.testkit.properties;

import static io.mmemu.testkit.MmSandbox.PAGE_SIZE;
import static io.mmemu.testkit.MmSandbox.PROT_EXEC;
import static io.mmemu.testkit.MmSandbox.PROT_READ;
import static io.mmemu.testkit.MmSandbox.PROT_WRITE;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.huge.ThpPolicy;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import io.mmemu.testkit.Action;
import io.mmemu.testkit.Invariant;
import io.mmemu.testkit.MmAction;
import io.mmemu.testkit.MmActions;
import io.mmemu.testkit.MmSandbox;
import io.mmemu.testkit.Scripts;
import io.mmemu.testkit.StandardInvariants;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A page-granular reference model of Linux's semantics for the address spaces of an
 * {@link MmSandbox}: for each slot, which pages are mapped with which rights, the bytes user code
 * wrote and the break ({@link Space}). Each step of a script runs through {@link #checked}: the
 * model says what the call must return, the sandbox makes the call, the model checks the result
 * and updates itself. After every step, as an {@link Invariant}, it checks that the sandbox agrees
 * with it (VMAs, contents, break), next to the model's own invariants
 * ({@link StandardInvariants#addressSpace()}); at the end every process exits and nothing may leak.
 *
 * <p>Addresses fall in the sandbox's 4 MiB window that straddles the 512 GiB line, so that one
 * window crosses a PML4, a PDPT, a PD and a PT boundary, and mmap_base sits at its top so that
 * placed mappings, moved mappings and the heap compete for the same space. Only anonymous memory
 * is mapped, so that the free-page count accounts for every frame exactly.
 *
 * <p>Fork (dup_mmap) gives the child a copy of the parent's reference; from then on the two
 * diverge, so that a write one side makes and the other side sees is a broken copy-on-write.
 * User code writes only at {@link MmActions#TOUCH_OFFSETS} of a page, so checking those bytes of
 * every mapped page against the reference after each step checks whole contents.
 *
 * <p>What each step came to ("write COW copy after fork", "mremap move FIXED", ...) is kept as
 * outcomes, for the property's statistics and its coverage check.
 */
final class ReferenceModel implements Invariant<MmSandbox> {
    /**
     * A reference page's value: the PROT_* bits of its VMA, plus its fork advice (VM_DONTCOPY,
     * VM_WIPEONFORK); the advice stays with the page through mprotect, mremap and growth in place.
     */
    static final int PROT_MASK = PROT_READ | PROT_WRITE | PROT_EXEC, DONTCOPY = 8, WIPEONFORK = 16;

    /** A VMA's flags as a reference page's value. */
    static int pageBits(Vma v) {
        return (v.flags() & VmFlags.VM_ACCESS_FLAGS) | (v.has(VmFlags.VM_DONTCOPY) ? DONTCOPY : 0)
                | (v.has(VmFlags.VM_WIPEONFORK) ? WIPEONFORK : 0);
    }

    static String pageBitsString(int bits) {
        return MmAction.protString(bits) + ((bits & DONTCOPY) != 0 ? " DONTFORK" : "")
                + ((bits & WIPEONFORK) != 0 ? " WIPEONFORK" : "");
    }

    /** What Linux's semantics say one address space holds: mapped pages with their rights, bytes written, the break. */
    static final class Space {
        /** Page address → PROT_READ|PROT_WRITE|PROT_EXEC and DONTCOPY|WIPEONFORK of the VMA covering it. */
        final TreeMap<Long, Integer> pages = new TreeMap<>();
        /** Byte address → value user code wrote there; absent means zero. */
        final TreeMap<Long, Byte> bytes = new TreeMap<>();
        long brk = MmSandbox.START_BRK;

        boolean allFree(long start, long end) {
            return pages.subMap(start, end).isEmpty();
        }

        /** The rights every page of [start, end) shares, or null when a page is unmapped or rights differ. */
        Integer uniformProt(long start, long end) {
            Map<Long, Integer> sub = pages.subMap(start, end);
            if (sub.size() != (end - start) / PAGE_SIZE) return null;
            Integer prot = null;
            for (int p : sub.values()) {
                if (prot != null && prot != p) return null;
                prot = p;
            }
            return prot;
        }

        /** New anonymous memory: mapped, zero. */
        void map(long start, long end, int prot) {
            unmap(start, end);
            for (long p = start; p < end; p += PAGE_SIZE) pages.put(p, prot);
        }

        void unmap(long start, long end) {
            pages.subMap(start, end).clear();
            bytes.subMap(start, end).clear();
        }

        /**
         * What dup_mmap() gives the child: every page but the DONTCOPY ones, with the bytes written
         * but those of WIPEONFORK pages (mapped, reading zero), and the same break.
         */
        Space forkCopy() {
            Space child = new Space();
            for (Map.Entry<Long, Integer> e : pages.entrySet()) {
                if ((e.getValue() & DONTCOPY) == 0) child.pages.put(e.getKey(), e.getValue());
            }
            for (Map.Entry<Long, Byte> e : bytes.entrySet()) {
                Integer bits = pages.get(e.getKey() & -PAGE_SIZE);
                if (bits != null && (bits & (DONTCOPY | WIPEONFORK)) == 0) child.bytes.put(e.getKey(), e.getValue());
            }
            child.brk = brk;
            return child;
        }

        /** The highest address at which [a, a + len) is free and ends at or below {@code high}; -ENOMEM if none. */
        long highestFit(long len, long high) {
            long top = high;
            while (true) {
                Long below = pages.lowerKey(top);
                long low = below == null ? MmStruct.MMAP_MIN_ADDR : Math.max(below + PAGE_SIZE, MmStruct.MMAP_MIN_ADDR);
                if (top - low >= len) return top - len;
                if (below == null) return -Errno.ENOMEM;
                top = below;
            }
        }
    }

    private final MmSandbox s;
    private final Space[] spaces;
    /** Every step run, with the calls it made and their results: the trace of a failure at the end. */
    private final List<String> steps = new ArrayList<>();
    /** The calls the current step made, with their results, for its failure messages and its trace line. */
    private final List<String> calls = new ArrayList<>();
    /** What each step came to, in order, for the property's statistics and coverage. */
    private final List<String> outcomes = new ArrayList<>();
    /** Frames some fork shared between parent and child, while they stay allocated (for coverage). */
    private final Set<Long> forkShared = new HashSet<>();
    /** Those of {@link #forkShared} that an address space mapping them left by exiting. */
    private final Set<Long> leftByExit = new HashSet<>();

    ReferenceModel(MmSandbox sandbox) {
        s = sandbox;
        spaces = new Space[sandbox.slots()];
        for (int i = 0; i < spaces.length; i++) spaces[i] = new Space();
    }

    /**
     * Runs the script on a fresh {@link MmSandbox#boot()} against the reference, checking the
     * standard invariants and the reference after every step, then exits every address space and
     * checks that nothing leaked. Returns what each step came to.
     */
    static List<String> run(List<MmAction> script) {
        return run(script, ThpPolicy.MADVISE);
    }

    /**
     * {@link #run(List)} with another transparent-huge-page policy: under {@code always} every
     * fault in an aligned 2 MiB of the sandbox's window takes a huge page, so the steps split,
     * zap, fork and copy huge PMDs.
     */
    static List<String> run(List<MmAction> script, ThpPolicy thp) {
        try (MmSandbox s = MmSandbox.boot()) {
            s.env().thp().setEnabled(thp);
            ReferenceModel ref = new ReferenceModel(s);
            Scripts.run(s, ref.checked(script), StandardInvariants.addressSpace().and(ref));
            ref.exitAll();
            if (thp == ThpPolicy.MADVISE) return ref.outcomes;
            // What the huge-page paths came to over the whole script (they are no step's own outcome).
            List<String> outcomes = new ArrayList<>(ref.outcomes);
            for (VmEvent e : List.of(VmEvent.THP_FAULT_ALLOC, VmEvent.THP_ZERO_PAGE_ALLOC, VmEvent.THP_SPLIT_PMD,
                    VmEvent.THP_FAULT_FALLBACK)) {
                if (s.env().event(e) > 0) outcomes.add(e.procName);
            }
            return outcomes;
        }
    }

    /** The script's steps, each checked against this reference as it runs. */
    List<Action<MmSandbox>> checked(List<MmAction> script) {
        List<Action<MmSandbox>> checked = new ArrayList<>(script.size());
        for (MmAction a : script) checked.add(new Checked(a));
        return checked;
    }

    /** One step: reads as its action; returns the calls it made with their results, and what it came to. */
    private final class Checked implements Action<MmSandbox> {
        private final MmAction action;

        Checked(MmAction action) {
            this.action = action;
        }

        @Override
        public String applyTo(MmSandbox sandbox) {
            calls.clear();
            int from = outcomes.size();
            switch (action) {
                case MmAction.Mmap a -> mmap(a);
                case MmAction.Munmap a -> munmap(a);
                case MmAction.Mprotect a -> mprotect(a);
                case MmAction.Mremap a -> mremap(a);
                case MmAction.Brk a -> brk(a);
                case MmAction.Madvise a -> madvise(a);
                case MmAction.Touch a -> touch(a);
                case MmAction.Fork a -> fork(a);
                case MmAction.Exit a -> exit(a);
            }
            forkShared.removeIf(pfn -> s.env().frames().pageRefCount(pfn) == 0);
            leftByExit.removeIf(pfn -> !forkShared.contains(pfn));
            String line = String.join("; ", calls) + " -> " + String.join(", ", outcomes.subList(from, outcomes.size()));
            steps.add("#" + steps.size() + " " + action + "    " + line);
            return line;
        }

        @Override
        public String toString() {
            return action.toString();
        }
    }

    private Space space(int slot) {
        return spaces[Math.floorMod(slot, spaces.length)];
    }

    private void outcome(String what) {
        outcomes.add(what);
    }

    private void log(String call, long result) {
        calls.add(call + " = " + MmAction.result(result));
    }

    private void logNote(String note) {
        calls.add(note);
    }

    /** Fails the step with what went wrong and the calls it made (Scripts adds the steps before it and the state). */
    private void expect(boolean ok, String what) {
        if (!ok) throw new AssertionError(what + (calls.isEmpty() ? "" : "\n  calls: " + String.join("; ", calls)));
    }

    /** The sandbox's VMAs cover exactly each reference's pages with its rights; written bytes read back; brk agrees. */
    @Override
    public List<String> violations(MmSandbox sandbox) {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < spaces.length; i++) referenceErrors(i, errors);
        return errors;
    }

    private void referenceErrors(int i, List<String> errors) {
        MmStruct mm = s.mm(i);
        Space ref = spaces[i];
        String who = "mm#" + i + ": ";
        long covered = 0;
        int reported = 0;
        for (Vma v : mm.vmas()) {
            int bits = pageBits(v);
            for (long p = v.start(); p < v.end() && reported < 5; p += PAGE_SIZE) {
                covered++;
                Integer want = ref.pages.get(p);
                if (want == null) {
                    errors.add(who + String.format("page 0x%x is in VMA %s but should not be mapped", p, v));
                    reported++;
                } else if (want != bits) {
                    errors.add(who + String.format("page 0x%x is %s in VMA %s (expected: %s)", p,
                            pageBitsString(bits), v, pageBitsString(want)));
                    reported++;
                }
            }
        }
        if (reported == 0 && covered != ref.pages.size()) {
            for (long p : ref.pages.keySet()) {
                if (AddressSpaceInvariants.vmaAt(mm.vmas(), p) == null) {
                    errors.add(who + String.format("page 0x%x should be mapped %s but no VMA covers it", p,
                            pageBitsString(ref.pages.get(p))));
                    break;
                }
            }
        }
        PageTable pgd = mm.pgd();
        for (Map.Entry<Long, Byte> e : ref.bytes.entrySet()) {
            long va = e.getKey();
            long slot = pgd.leafSlot(va);
            long pte = slot == PageTable.NO_SLOT ? 0 : pgd.get(slot);
            if (!Pte.mapsPage(pte)) {
                errors.add(who + String.format("0x%x was written (%d) but its page is no longer mapped", va, e.getValue()));
                break;
            }
        }
        // Every mapped page holds what this address space wrote and nothing else (zero where it
        // wrote nothing): a write another address space made through a shared frame shows here.
        int[] wrong = {0};
        pgd.forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> {
            if (wrong[0] > 0) return;
            for (int off : MmActions.TOUCH_OFFSETS) {
                byte got = s.env().mem().getByte((Pte.pfn(pte) << 12) + off);
                byte want = ref.bytes.getOrDefault(va + off, (byte) 0);
                if (got != want) {
                    errors.add(who + String.format("0x%x holds %d (expected: %d, %s) in frame 0x%x", va + off, got, want,
                            ref.bytes.containsKey(va + off) ? "last written here" : "never written here", Pte.pfn(pte)));
                    wrong[0]++;
                    return;
                }
            }
        });
        if (mm.brk != ref.brk) errors.add(who + String.format("brk 0x%x (expected: 0x%x)", mm.brk, ref.brk));
    }


    // ------------------------------------------------------------------ actions

    private void mmap(MmAction.Mmap a) {
        MmStruct mm = s.mm(a.slot());
        Space ref = space(a.slot());
        long len = a.pages() * PAGE_SIZE;
        long addr = a.placement() == MmAction.Placement.ANYWHERE ? 0 : a.where().resolve(mm);
        long want;
        String why;
        switch (a.placement()) {
            case FIXED -> {
                want = addr > MmStruct.TASK_SIZE - len ? -Errno.ENOMEM : addr < MmStruct.MMAP_MIN_ADDR ? -Errno.EPERM : addr;
                why = want == addr ? "MAP_FIXED maps at the address given" : "out of range";
            }
            case HINT -> {
                boolean hintFree = addr >= MmStruct.MMAP_MIN_ADDR && addr <= MmStruct.TASK_SIZE - len
                        && ref.allFree(addr, addr + len);
                want = hintFree ? addr : ref.highestFit(len, mm.mmapBase);
                why = hintFree ? "the hint is free" : "the highest free range below mmap_base";
            }
            default -> {
                want = ref.highestFit(len, mm.mmapBase);
                why = "the highest free range below mmap_base";
            }
        }
        long r = s.mmap(a.slot(), addr, len, a.prot(), a.placement() == MmAction.Placement.FIXED);
        log(String.format("mmap(0x%x, 0x%x, %s%s)", addr, len, MmAction.protString(a.prot()),
                a.placement() == MmAction.Placement.FIXED ? ", MAP_FIXED" : ""), r);
        expect(r == want, String.format("mmap returned %s (expected: %s, %s)", MmAction.result(r), MmAction.result(want), why));
        if (r < 0) {
            outcome("mmap refused");
            return;
        }
        outcome(ref.allFree(r, r + len) ? "mmap" : "mmap over a mapping");
        ref.map(r, r + len, a.prot());
    }

    private void munmap(MmAction.Munmap a) {
        Space ref = space(a.slot());
        long addr = a.where().resolve(s.mm(a.slot()));
        long len = a.pages() * PAGE_SIZE;
        long r = s.munmap(a.slot(), addr, len);
        log(String.format("munmap(0x%x, 0x%x)", addr, len), r);
        expect(r == 0, "munmap of a page-aligned range must succeed");
        outcome(ref.allFree(addr, addr + len) ? "munmap of nothing" : "munmap");
        ref.unmap(addr, addr + len);
    }

    private void mprotect(MmAction.Mprotect a) {
        Space ref = space(a.slot());
        long addr = a.where().resolve(s.mm(a.slot()));
        long end = addr + a.pages() * PAGE_SIZE;
        long r = s.mprotect(a.slot(), addr, end - addr, a.prot());
        log(String.format("mprotect(0x%x, 0x%x, %s)", addr, end - addr, MmAction.protString(a.prot())), r);
        // Linux changes the VMAs up to the first hole, then fails with ENOMEM.
        long p = addr;
        while (p < end && ref.pages.containsKey(p)) {
            ref.pages.put(p, ref.pages.get(p) & ~PROT_MASK | a.prot());
            p += PAGE_SIZE;
        }
        long want = p == end ? 0 : -Errno.ENOMEM;
        outcome(want == 0 ? "mprotect" : "mprotect ENOMEM");
        expect(r == want, "mprotect returned " + r + " (expected: " + want + (p == end ? "" : ", a hole at 0x"
                + Long.toHexString(p)) + ")");
    }

    private void mremap(MmAction.Mremap a) {
        MmStruct mm = s.mm(a.slot());
        Space ref = space(a.slot());
        MmAction.RemapMode mode = a.mode();
        long old = a.where().resolve(mm);
        long oldLen = a.oldLength(mm, old);
        long newLen = a.newLength(oldLen);
        long newAddr = mode == MmAction.RemapMode.FIXED ? a.dest().resolve(mm) : 0;
        long keep = Math.min(oldLen, newLen);
        Integer prot = ref.uniformProt(old, old + keep);
        long fit = ref.highestFit(newLen, mm.mmapBase);
        long r = s.mremap(a.slot(), old, oldLen, newLen, a.flags(), newAddr);
        log(String.format("mremap(0x%x, 0x%x, 0x%x, %s, 0x%x)", old, oldLen, newLen, mode, newAddr), r);
        if (r < 0) {
            // The reference stays as it was; the check after the step verifies the model did too.
            expect(r == -Errno.EINVAL || r == -Errno.EFAULT || r == -Errno.ENOMEM, "unexpected mremap error");
            outcome("mremap error");
            return;
        }
        expect((r & (PAGE_SIZE - 1)) == 0, "mremap returned an unaligned address");
        if (mode == MmAction.RemapMode.FIXED && oldLen == newLen) {
            // remap_move() (6.17+): every mapping in the old range moves by the same distance, the
            // holes between them kept; the new range's pages across those holes stay as they were.
            expect(r == newAddr, "MREMAP_FIXED must move to the address given");
            expect(ref.pages.containsKey(old), "mremap moved a range that does not start in a mapping");
            outcome(prot != null ? "mremap move FIXED" : "mremap move FIXED, several VMAs");
            TreeMap<Long, Integer> movedPages = new TreeMap<>();
            for (Map.Entry<Long, Integer> e : ref.pages.subMap(old, old + oldLen).entrySet()) {
                movedPages.put(e.getKey() - old + r, e.getValue());
            }
            TreeMap<Long, Byte> movedBytes = new TreeMap<>();
            for (Map.Entry<Long, Byte> e : ref.bytes.subMap(old, old + oldLen).entrySet()) {
                movedBytes.put(e.getKey() - old + r, e.getValue());
            }
            for (long p : movedPages.keySet()) ref.unmap(p, p + PAGE_SIZE);
            ref.unmap(old, old + oldLen);
            ref.pages.putAll(movedPages);
            ref.bytes.putAll(movedBytes);
            return;
        }
        boolean mayOnlyShrink = mode == MmAction.RemapMode.IN_PLACE || mode == MmAction.RemapMode.MAYMOVE;
        if (mayOnlyShrink && newLen <= oldLen) {
            expect(r == old, "a shrinking mremap stays in place");
            outcome("mremap shrink");
            ref.unmap(old + newLen, old + oldLen);
            return;
        }
        expect(prot != null, "mremap succeeded on a range that is not one mapping with one set of rights");
        if (mayOnlyShrink && r == old) { // vma_expand()
            expect(ref.allFree(old + oldLen, old + newLen), "mremap grew in place over another mapping");
            outcome("mremap grow in place");
            ref.map(old + oldLen, old + newLen, prot);
            return;
        }
        expect(mode != MmAction.RemapMode.IN_PLACE, "mremap without MREMAP_MAYMOVE moved the mapping");
        if (mode == MmAction.RemapMode.FIXED) {
            expect(r == newAddr, "MREMAP_FIXED must move to the address given");
        } else {
            expect(r == fit, String.format("mremap moved to 0x%x (expected: 0x%x, the highest free range below mmap_base)",
                    r, fit));
        }
        outcome("mremap move " + mode);
        TreeMap<Long, Byte> moved = new TreeMap<>();
        for (Map.Entry<Long, Byte> e : ref.bytes.subMap(old, old + keep).entrySet()) {
            moved.put(e.getKey() - old + r, e.getValue());
        }
        if (mode == MmAction.RemapMode.FIXED) ref.unmap(r, r + newLen);
        ref.unmap(old + keep, old + oldLen);
        if (mode == MmAction.RemapMode.DONTUNMAP) {
            ref.bytes.subMap(old, old + keep).clear(); // the old range stays mapped, empty
        } else {
            ref.unmap(old, old + keep);
        }
        ref.map(r, r + newLen, prot);
        ref.bytes.putAll(moved);
    }

    private void brk(MmAction.Brk a) {
        MmStruct mm = s.mm(a.slot());
        Space ref = space(a.slot());
        long oldBrk = mm.brk;
        long newBrk = a.newBrk(mm);
        long r = s.brk(a.slot(), newBrk);
        log(String.format("brk(0x%x)", newBrk), r);
        long oldEnd = MmStruct.pageAlign(oldBrk), newEnd = MmStruct.pageAlign(newBrk);
        if (newBrk < mm.startBrk) {
            expect(r == oldBrk, "brk below start_brk must leave the break alone");
            outcome("brk below start");
            return;
        }
        // A growing break must not reach into a mapping, and keeps one free page above it.
        boolean collides = newEnd > oldEnd && !ref.allFree(oldEnd, newEnd + PAGE_SIZE);
        if (collides) {
            expect(r == oldBrk, "brk grew into (or right up to) a mapping");
            outcome("brk refused");
            return;
        }
        expect(r == newBrk, "brk refused a move with room for it");
        outcome(newEnd > oldEnd ? "brk grow" : newEnd < oldEnd ? "brk shrink" : "brk same page");
        if (newEnd > oldEnd) ref.map(oldEnd, newEnd, PROT_READ | PROT_WRITE);
        else ref.unmap(newEnd, oldEnd);
        ref.brk = newBrk;
    }

    private void madvise(MmAction.Madvise a) {
        Space ref = space(a.slot());
        long addr = a.where().resolve(s.mm(a.slot()));
        long end = addr + a.pages() * PAGE_SIZE;
        String name = MmAction.Madvise.adviceName(a.advice());
        long r = s.madvise(a.slot(), addr, end - addr, a.advice());
        log(String.format("madvise(0x%x, 0x%x, %s)", addr, end - addr, name), r);
        // Every page here is private anonymous memory, where MADV_WIPEONFORK is allowed; a hole
        // makes the call return ENOMEM after the advice applied to the VMAs in the range.
        long want = ref.pages.subMap(addr, end).size() == a.pages() ? 0 : -Errno.ENOMEM;
        expect(r == want, "madvise returned " + r + " (expected: " + want + ")");
        outcome(a.advice() == Madvise.MADV_DONTNEED ? (want == 0 ? "madvise" : "madvise ENOMEM") : "madvise " + name);
        switch (a.advice()) {
            case Madvise.MADV_DONTNEED -> ref.bytes.subMap(addr, end).clear(); // private anonymous memory reads as zero again
            case Madvise.MADV_DONTFORK -> ref.pages.subMap(addr, end).replaceAll((p, bits) -> bits | DONTCOPY);
            case Madvise.MADV_DOFORK -> ref.pages.subMap(addr, end).replaceAll((p, bits) -> bits & ~DONTCOPY);
            case Madvise.MADV_WIPEONFORK -> ref.pages.subMap(addr, end).replaceAll((p, bits) -> bits | WIPEONFORK);
            case Madvise.MADV_KEEPONFORK -> ref.pages.subMap(addr, end).replaceAll((p, bits) -> bits & ~WIPEONFORK);
            default -> throw new IllegalArgumentException("advice the reference does not model: " + name);
        }
    }

    private void touch(MmAction.Touch a) {
        MmStruct mm = s.mm(a.slot());
        Space ref = space(a.slot());
        long va = a.where().resolve(mm) + a.offset();
        int access = a.access();
        Integer prot = ref.pages.get(va & -PAGE_SIZE);
        boolean allowed = prot != null && switch (access) {
            case Access.WRITE -> (prot & PROT_WRITE) != 0;
            case Access.FETCH -> (prot & PROT_EXEC) != 0;
            default -> (prot & PROT_MASK) != 0; // x86: any present page is readable
        };
        // A write to a write-protected frame a fork shared: do_wp_page copies it while the other
        // side still maps it, and reuses it once this is the only mapping left.
        long slot = mm.pgd().leafSlot(va);
        long before = allowed && access == Access.WRITE && slot != PageTable.NO_SLOT ? mm.pgd().get(slot) : 0;
        // The frame of va itself: under a huge PMD (PS), the page of the 2 MiB folio va falls in.
        long beforePfn = Pte.pfn(before) + ((before & Pte.PS) != 0 ? (va & (PageTypes.PMD_SIZE - 1)) >>> 12 : 0);
        boolean cow = Pte.present(before) && (before & (Pte.RW | Pte.SPECIAL)) == 0 && forkShared.contains(beforePfn);
        boolean copies = cow && s.env().frames().pageRefCount(beforePfn) > 1;
        // A write stores its byte once the access went through, as the CPU's store does.
        FaultResult f = access == Access.WRITE ? s.store(a.slot(), va, (byte) a.value()) : s.touch(a.slot(), va, access);
        logNote(String.format("%s 0x%x: %s", Access.name(access), va, f));
        if (!allowed) {
            int code = prot == null ? SiCode.SEGV_MAPERR : SiCode.SEGV_ACCERR;
            expect(f instanceof FaultResult.Signal sig && sig.signo() == Signo.SIGSEGV && sig.code() == code
                    && sig.addr() == va, "expected SIGSEGV " + (prot == null ? "SEGV_MAPERR (no VMA)"
                    : "SEGV_ACCERR (the VMA is " + MmAction.protString(prot) + ")") + ", got " + f);
            outcome(Access.name(access) + (prot == null ? " SEGV_MAPERR" : " SEGV_ACCERR"));
            return;
        }
        expect(f == FaultResult.HANDLED, "the access is allowed (" + MmAction.protString(prot) + ") but got " + f);
        outcome(Access.name(access) + " ok");
        long walk = s.lastWalk();
        if (cow) {
            long pfn = WalkResult.pagePa(walk) >>> 12, old = beforePfn;
            expect(copies == (pfn != old), String.format("a write to frame 0x%x %s (expected: %s)", old,
                    pfn == old ? "wrote it in place" : "copied it to frame 0x" + Long.toHexString(pfn),
                    copies ? "a copy, the frame is shared" : "reuse, no one else maps the frame"));
            outcome(copies ? "write COW copy after fork" : leftByExit.contains(old)
                    ? "write COW reuse after the other side exited" : "write COW reuse after fork");
        }
        int granted = WalkResult.prot(walk);
        expect((granted & WalkResult.PROT_WRITE) == 0 || (prot & PROT_WRITE) != 0, "the translation grants write");
        expect((granted & WalkResult.PROT_EXEC) == 0 || (prot & PROT_EXEC) != 0, "the translation grants exec");
        if (access == Access.WRITE) {
            ref.bytes.put(va, (byte) a.value());
        } else {
            byte got = s.env().mem().getByte(WalkResult.pagePa(walk) + (va & (PAGE_SIZE - 1)));
            byte want = ref.bytes.getOrDefault(va, (byte) 0);
            expect(got == want, String.format("%s of 0x%x read %d (expected: %d)", Access.name(access), va, got, want));
        }
    }

    private void exit(MmAction.Exit a) {
        int i = Math.floorMod(a.slot(), spaces.length);
        MmStruct gone = s.mm(i);
        noteFramesLeft(gone);
        s.exit(i);
        expectTornDown(gone);
        outcome("exit");
        spaces[i] = new Space();
    }

    /** The frames a leaf entry maps: 512 for a huge PMD (PS), else one. */
    private static long framesOf(long pte) {
        return (pte & Pte.PS) != 0 ? PageTypes.PMD_SIZE / PAGE_SIZE : 1;
    }

    /** Before {@code mm} exits: the frames a fork shared that it leaves (for coverage). */
    private void noteFramesLeft(MmStruct mm) {
        if (forkShared.isEmpty()) return;
        mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> {
            for (long pfn = Pte.pfn(pte); pfn < Pte.pfn(pte) + framesOf(pte); pfn++) {
                if (forkShared.contains(pfn)) leftByExit.add(pfn);
            }
        });
    }

    /** After exit_mmap(): no page table, no RSS, no VMA left. */
    private void expectTornDown(MmStruct mm) {
        log("exit_mmap()", 0);
        expect(mm.pgd().nrTables() == 0, "exit_mmap left " + mm.pgd().nrTables() + " page tables");
        expect(mm.rss(RssStat.MM_ANONPAGES) == 0 && mm.rss(RssStat.MM_FILEPAGES) == 0, "exit_mmap left RSS counted");
        expect(mm.vmas().isEmpty(), "exit_mmap left VMAs");
    }

    /**
     * fork(): the process in the child's slot exits, then dup_mmap() of the parent takes the
     * slot, with a copy of the parent's reference (minus DONTFORK pages, WIPEONFORK pages zero).
     */
    private void fork(MmAction.Fork a) {
        int n = spaces.length, p = Math.floorMod(a.slot(), n), c = Math.floorMod(a.child(), n);
        if (c == p) c = (p + 1) % n; // as MmSandbox.fork()
        MmStruct gone = s.mm(c);
        noteFramesLeft(gone);
        Space ref = spaces[p];
        long r = s.fork(p, c);
        expectTornDown(gone);
        log("dup_mmap()", r);
        if (r < 0) { // ENOMEM: the parent is left as it was; the slot gets an empty mm
            expect(r == -Errno.ENOMEM, "fork failed with another error than ENOMEM");
            outcome("fork ENOMEM");
            spaces[c] = new Space();
            return;
        }
        MmStruct parent = s.mm(p), child = s.mm(c);
        spaces[c] = ref.forkCopy();
        outcome("fork");
        if (ref.pages.values().stream().anyMatch(bits -> (bits & DONTCOPY) != 0)) outcome("fork leaves out DONTFORK");
        boolean[] wiped = {false};
        parent.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> wiped[0] |=
                (ref.pages.get(va) & WIPEONFORK) != 0);
        if (wiped[0]) outcome("fork wipes WIPEONFORK"); // the parent maps pages there, the child must not
        int before = forkShared.size();
        child.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> {
            if ((pte & Pte.SPECIAL) != 0) return;
            for (long pfn = Pte.pfn(pte); pfn < Pte.pfn(pte) + framesOf(pte); pfn++) forkShared.add(pfn);
        });
        if (forkShared.size() > before) outcome("fork shares frames");
    }

    /**
     * After the script: exits every address space (exit_mmap(), no new one in its place), then
     * checks that every frame but the zero page is free again.
     */
    void exitAll() {
        calls.clear();
        for (int i = 0; i < spaces.length; i++) {
            MmStruct mm = s.mm(i);
            mm.exitMmap();
            expectTornDown(mm);
        }
        List<String> errors = new ArrayList<>(s.invariants().leaks());
        errors.addAll(s.invariants().violations(List.of()));
        if (errors.isEmpty()) return;
        throw new AssertionError("after every process exited:\n" + String.join("\n", errors) + "\n--- steps run ---\n"
                + String.join("\n", steps));
    }
}
