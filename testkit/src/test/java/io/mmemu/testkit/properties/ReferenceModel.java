package io.mmemu.mm.properties;

import static io.mmemu.mm.phys.PageTypes.PAGE_SIZE;

import io.mmemu.mm.check.AddressSpaceInvariants;
import io.mmemu.mm.fault.CpuAccess;
import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.SiCode;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.PageTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.Madvise;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Mprotect;
import io.mmemu.mm.vma.Mremap;
import io.mmemu.mm.vma.RssStat;
import io.mmemu.mm.vma.VmFlags;
import io.mmemu.mm.vma.Vma;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The system the address-space property drives: one {@link MmEnv} with {@link #NR_MM} address
 * spaces, each paired with a reference model ({@link Reference}: which pages are mapped with
 * which rights, and the bytes user code wrote). Every step runs one {@link MmAction} against the
 * model, checks its result against what Linux would return, updates the reference, then checks
 * every invariant ({@link AddressSpaceInvariants}) and that the model agrees with the reference.
 *
 * <p>All addresses fall in a 4 MiB window that straddles the 512 GiB line, so that one window
 * crosses a PML4, a PDPT, a PD and a PT boundary, and mmap_base sits at its top so that placed
 * mappings, moved mappings and the heap compete for the same space. Only anonymous memory is
 * mapped, so that the free-page count accounts for every frame exactly.
 *
 * <p>Fork (dup_mmap) puts a child in another slot with a copy of the parent's reference; from then
 * on the two references diverge, so that a write one side makes and the other side sees is a
 * broken copy-on-write. User code writes only at {@link #TOUCH_OFFSETS} of a page, so checking
 * those bytes of every mapped page against the reference after each step checks whole contents.
 */
final class AddressSpaces implements AutoCloseable {
    static final long WINDOW_BASE = 0x7F_FFE0_0000L;
    static final int WINDOW_PAGES = 1024;
    static final long WINDOW_END = WINDOW_BASE + WINDOW_PAGES * PAGE_SIZE;
    static final long START_BRK = WINDOW_BASE + 64 * PAGE_SIZE;
    static final long RAM = 64L << 20;
    static final int NR_MM = 3;

    private static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    /** The page offsets user writes go to: the first, a middle and the last byte. */
    static final List<Integer> TOUCH_OFFSETS = List.of(0, 0x7f8, 0xfff);

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
    static final class Reference {
        /** Page address → PROT_READ|PROT_WRITE|PROT_EXEC and DONTCOPY|WIPEONFORK of the VMA covering it. */
        final TreeMap<Long, Integer> pages = new TreeMap<>();
        /** Byte address → value user code wrote there; absent means zero. */
        final TreeMap<Long, Byte> bytes = new TreeMap<>();
        long brk = START_BRK;

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

        /** The page with the highest address at which [a, a + len) is free and ends at or below {@code high}. */
        /**
         * What dup_mmap() gives the child: every page but the DONTCOPY ones, with the bytes written
         * but those of WIPEONFORK pages (mapped, reading zero), and the same break.
         */
        Reference forkCopy() {
            Reference child = new Reference();
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

    final MmEnv env;
    final AddressSpaceInvariants checker;
    private final CpuAccess cpu;
    private final MmStruct[] mms;
    private final Reference[] refs;
    private final List<String> trace = new ArrayList<>();
    /** What each step came to ("write handled", "mremap move", ...), for the property's statistics and coverage. */
    private final List<String> outcomes = new ArrayList<>();
    /** Frames some fork shared between parent and child, while they stay allocated (for coverage). */
    private final Set<Long> forkShared = new HashSet<>();
    /** Those of {@link #forkShared} that an address space mapping them left by exiting. */
    private final Set<Long> leftByExit = new HashSet<>();

    AddressSpaces(int nrMm) {
        env = MmEnv.boot(RAM);
        cpu = new CpuAccess(env);
        checker = new AddressSpaceInvariants(env);
        mms = new MmStruct[nrMm];
        refs = new Reference[nrMm];
        for (int i = 0; i < nrMm; i++) {
            mms[i] = newMm();
            refs[i] = new Reference();
        }
    }

    /**
     * Runs the actions, checking after each, then exits every address space and checks that
     * nothing leaked. Returns what each step came to.
     */
    static List<String> run(List<MmAction> actions) {
        try (AddressSpaces s = new AddressSpaces(NR_MM)) {
            s.check("initial state");
            for (MmAction a : actions) s.step(a);
            s.exitAll();
            return s.outcomes;
        }
    }

    private void outcome(String what) {
        outcomes.add(what);
    }

    private MmStruct newMm() {
        MmStruct mm = MmStruct.mmAlloc(env);
        if (mm == null) throw new IllegalStateException("no memory for a PML4");
        mm.mmapBase = WINDOW_END;
        mm.startBrk = START_BRK;
        mm.brk = START_BRK;
        return mm;
    }

    List<MmStruct> live() {
        return Arrays.asList(mms);
    }

    MmStruct mm(int i) {
        return mms[i % mms.length];
    }

    private Reference ref(int i) {
        return refs[i % refs.length];
    }

    void step(MmAction a) {
        trace.add("#" + trace.size() + " " + a);
        try {
            a.run(this);
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure("the model threw " + e, e);
        }
        check("after " + a);
        forkShared.removeIf(pfn -> env.frames().pageRefCount(pfn) == 0);
        leftByExit.removeIf(pfn -> !forkShared.contains(pfn));
    }

    private void log(String call, long result) {
        int last = trace.size() - 1;
        trace.set(last, trace.get(last) + "    " + call + " = " + (result < 0 && result > -4096 ? errnoName(-result)
                : "0x" + Long.toHexString(result)));
    }

    private static String errnoName(long errno) {
        return errno == Errno.EINVAL ? "-EINVAL" : errno == Errno.ENOMEM ? "-ENOMEM" : errno == Errno.EFAULT ? "-EFAULT"
                : errno == Errno.EACCES ? "-EACCES" : "-" + errno;
    }

    private void logNote(String note) {
        int last = trace.size() - 1;
        trace.set(last, trace.get(last) + "    " + note);
    }

    AssertionError failure(String what, Throwable cause) {
        StringBuilder sb = new StringBuilder(what).append("\n--- steps run ---\n");
        for (String t : trace) sb.append(t).append('\n');
        sb.append("--- state ---\n");
        try {
            sb.append(checker.describe(live()));
        } catch (RuntimeException e) {
            sb.append("(cannot describe: ").append(e).append(")\n");
        }
        AssertionError e = new AssertionError(sb.toString());
        if (cause != null) e.initCause(cause);
        return e;
    }

    private void expect(boolean ok, String what) {
        if (!ok) throw failure(what, null);
    }

    void check(String when) {
        List<String> errors = new ArrayList<>(checker.violations(live()));
        for (int i = 0; i < mms.length; i++) referenceErrors(i, errors);
        if (errors.isEmpty()) return;
        StringBuilder sb = new StringBuilder(errors.size() + " invariant violation(s) " + when + ":\n");
        for (String e : errors.subList(0, Math.min(errors.size(), 25))) sb.append("  - ").append(e).append('\n');
        throw failure(sb.toString(), null);
    }

    /** The model's VMAs cover exactly the reference's pages with its rights; written bytes read back; brk agrees. */
    private void referenceErrors(int i, List<String> errors) {
        MmStruct mm = mms[i];
        Reference ref = refs[i];
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
            for (int off : TOUCH_OFFSETS) {
                byte got = env.mem().getByte((Pte.pfn(pte) << 12) + off);
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

    void mmap(MmAction.Mmap a) {
        MmStruct mm = mm(a.mm());
        Reference ref = ref(a.mm());
        long len = a.pages() * PAGE_SIZE;
        // As sys_mmap for MAP_PRIVATE | MAP_ANONYMOUS: the VM_MAY* bits, VM_ACCOUNT for writable private memory.
        int vmFlags = VmFlags.calcVmProtBits(a.prot()) | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC
                | ((a.prot() & PROT_WRITE) != 0 ? VmFlags.VM_ACCOUNT : 0);
        long addr;
        switch (a.placement()) {
            case FIXED -> {
                addr = a.where().resolve(mm);
                if (addr < MmStruct.MMAP_MIN_ADDR || addr > MmStruct.TASK_SIZE - len) {
                    logNote("(address out of range, not called)");
                    return;
                }
            }
            case HINT -> {
                long hint = a.where().resolve(mm);
                addr = mm.getUnmappedArea(hint, len);
                log(String.format("get_unmapped_area(0x%x, 0x%x)", hint, len), addr);
                boolean hintFree = hint >= MmStruct.MMAP_MIN_ADDR && hint <= MmStruct.TASK_SIZE - len
                        && ref.allFree(hint, hint + len);
                long want = hintFree ? hint : ref.highestFit(len, mm.mmapBase);
                expect(addr == want, String.format("get_unmapped_area(0x%x, 0x%x) = 0x%x (expected: 0x%x, %s)", hint,
                        len, addr, want, hintFree ? "the hint is free" : "the highest free range below mmap_base"));
            }
            default -> {
                addr = mm.getUnmappedArea(0, len);
                log(String.format("get_unmapped_area(0, 0x%x)", len), addr);
                long want = ref.highestFit(len, mm.mmapBase);
                expect(addr == want, String.format("get_unmapped_area(0, 0x%x) = 0x%x (expected: 0x%x, the highest"
                        + " free range below mmap_base)", len, addr, want));
            }
        }
        long r = mm.mmapRegion(addr, len, vmFlags, null, 0, null);
        log(String.format("mmap_region(0x%x, 0x%x, %s)", addr, len, MmAction.protString(a.prot())), r);
        expect(r == addr, "mmap_region must map at the address it was given");
        outcome(ref.allFree(addr, addr + len) ? "mmap" : "mmap over a mapping");
        ref.map(addr, addr + len, a.prot());
    }

    void munmap(MmAction.Munmap a) {
        MmStruct mm = mm(a.mm());
        long addr = a.where().resolve(mm);
        long len = a.pages() * PAGE_SIZE;
        long r = mm.doMunmap(addr, len);
        log(String.format("munmap(0x%x, 0x%x)", addr, len), r);
        expect(r == 0, "munmap of a page-aligned range must succeed");
        outcome(ref(a.mm()).allFree(addr, addr + len) ? "munmap of nothing" : "munmap");
        ref(a.mm()).unmap(addr, addr + len);
    }

    void mprotect(MmAction.Mprotect a) {
        MmStruct mm = mm(a.mm());
        Reference ref = ref(a.mm());
        long addr = a.where().resolve(mm);
        long end = addr + a.pages() * PAGE_SIZE;
        long r = Mprotect.doMprotect(mm, addr, end - addr, a.prot());
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

    void mremap(MmAction.Mremap a) {
        MmStruct mm = mm(a.mm());
        Reference ref = ref(a.mm());
        MmAction.RemapMode mode = a.mode();
        long old = a.where().resolve(mm);
        long oldLen = a.oldPages() * PAGE_SIZE;
        if (a.oldPages() == 0) {
            Vma at = AddressSpaceInvariants.vmaAt(mm.vmas(), old);
            oldLen = at == null ? PAGE_SIZE : at.end() - old;
        }
        long newLen = mode == MmAction.RemapMode.DONTUNMAP ? oldLen : a.newPages() * PAGE_SIZE;
        long newAddr = mode == MmAction.RemapMode.FIXED ? a.dest().resolve(mm) : 0;
        int flags = switch (mode) {
            case IN_PLACE -> 0;
            case MAYMOVE -> Mremap.MREMAP_MAYMOVE;
            case FIXED -> Mremap.MREMAP_MAYMOVE | Mremap.MREMAP_FIXED;
            case DONTUNMAP -> Mremap.MREMAP_MAYMOVE | Mremap.MREMAP_DONTUNMAP;
        };
        long keep = Math.min(oldLen, newLen);
        Integer prot = ref.uniformProt(old, old + keep);
        long fit = ref.highestFit(newLen, mm.mmapBase);
        long r = Mremap.doMremap(mm, old, oldLen, newLen, flags, newAddr);
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

    void brk(MmAction.Brk a) {
        MmStruct mm = mm(a.mm());
        Reference ref = ref(a.mm());
        long oldBrk = mm.brk;
        long newBrk = oldBrk + a.deltaPages() * PAGE_SIZE + a.slack();
        long r = mm.sysBrk(newBrk);
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

    void madvise(MmAction.Madvise a) {
        MmStruct mm = mm(a.mm());
        Reference ref = ref(a.mm());
        long addr = a.where().resolve(mm);
        long end = addr + a.pages() * PAGE_SIZE;
        String name = MmAction.Madvise.adviceName(a.advice());
        long r = Madvise.doMadvise(mm, addr, end - addr, a.advice(), new io.mmemu.mm.uaccess.UserAccess(mm.env())::faultIn);
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

    void touch(MmAction.Touch a) {
        MmStruct mm = mm(a.mm());
        Reference ref = ref(a.mm());
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
        boolean cow = Pte.present(before) && (before & (Pte.RW | Pte.SPECIAL)) == 0 && forkShared.contains(Pte.pfn(before));
        boolean copies = cow && env.frames().pageRefCount(Pte.pfn(before)) > 1;
        FaultResult f = cpu.access(mm, va, access, stuck -> failure(stuck, null));
        logNote(String.format("%s 0x%x: %s", Access.name(access), va, f));
        if (!allowed) {
            int code = prot == null ? SiCode.SEGV_MAPERR : SiCode.SEGV_ACCERR;
            expect(f instanceof FaultResult.Signal s && s.signo() == Signo.SIGSEGV && s.code() == code
                    && s.addr() == va, "expected SIGSEGV " + (prot == null ? "SEGV_MAPERR (no VMA)"
                    : "SEGV_ACCERR (the VMA is " + MmAction.protString(prot) + ")") + ", got " + f);
            outcome(Access.name(access) + (prot == null ? " SEGV_MAPERR" : " SEGV_ACCERR"));
            return;
        }
        expect(f == FaultResult.HANDLED, "the access is allowed (" + MmAction.protString(prot) + ") but got " + f);
        outcome(Access.name(access) + " ok");
        if (cow) {
            long pfn = WalkResult.pagePa(cpu.lastWalk()) >>> 12, old = Pte.pfn(before);
            expect(copies == (pfn != old), String.format("a write to frame 0x%x %s (expected: %s)", old,
                    pfn == old ? "wrote it in place" : "copied it to frame 0x" + Long.toHexString(pfn),
                    copies ? "a copy, the frame is shared" : "reuse, no one else maps the frame"));
            outcome(copies ? "write COW copy after fork" : leftByExit.contains(old)
                    ? "write COW reuse after the other side exited" : "write COW reuse after fork");
        }
        int granted = WalkResult.prot(cpu.lastWalk());
        expect((granted & WalkResult.PROT_WRITE) == 0 || (prot & PROT_WRITE) != 0, "the translation grants write");
        expect((granted & WalkResult.PROT_EXEC) == 0 || (prot & PROT_EXEC) != 0, "the translation grants exec");
        long pa = WalkResult.pagePa(cpu.lastWalk()) + (va & (PAGE_SIZE - 1));
        if (access == Access.WRITE) {
            env.mem().putByte(pa, (byte) a.value()); // what the CPU's store does
            ref.bytes.put(va, (byte) a.value());
        } else {
            byte got = env.mem().getByte(pa);
            byte want = ref.bytes.getOrDefault(va, (byte) 0);
            expect(got == want, String.format("%s of 0x%x read %d (expected: %d)", Access.name(access), va, got, want));
        }
    }

    void exit(MmAction.Exit a) {
        int i = a.mm() % mms.length;
        exitMm(i);
        outcome("exit");
        mms[i] = newMm();
        refs[i] = new Reference();
    }

    private void exitMm(int i) {
        MmStruct mm = mms[i];
        if (!forkShared.isEmpty()) {
            mm.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> {
                if (forkShared.contains(Pte.pfn(pte))) leftByExit.add(Pte.pfn(pte));
            });
        }
        mm.exitMmap();
        log("exit_mmap()", 0);
        expect(mm.pgd().nrTables() == 0, "exit_mmap left " + mm.pgd().nrTables() + " page tables");
        expect(mm.rss(RssStat.MM_ANONPAGES) == 0 && mm.rss(RssStat.MM_FILEPAGES) == 0, "exit_mmap left RSS counted");
        expect(mm.vmas().isEmpty(), "exit_mmap left VMAs");
    }

    /**
     * fork(): the process in the child's slot exits, then dup_mmap() of the parent takes the
     * slot, with a copy of the parent's reference (minus DONTFORK pages, WIPEONFORK pages zero).
     */
    void fork(MmAction.Fork a) {
        int p = a.parentSlot(), c = a.childSlot();
        exitMm(c);
        MmStruct parent = mms[p];
        Reference ref = refs[p];
        MmStruct child = parent.dupMmap();
        log("dup_mmap()", child == null ? -Errno.ENOMEM : 0);
        if (child == null) { // ENOMEM: the parent is left as it was; the slot gets an empty mm
            outcome("fork ENOMEM");
            mms[c] = newMm();
            refs[c] = new Reference();
            return;
        }
        mms[c] = child;
        refs[c] = ref.forkCopy();
        outcome("fork");
        if (ref.pages.values().stream().anyMatch(bits -> (bits & DONTCOPY) != 0)) outcome("fork leaves out DONTFORK");
        boolean[] wiped = {false};
        parent.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> wiped[0] |=
                (ref.pages.get(va) & WIPEONFORK) != 0);
        if (wiped[0]) outcome("fork wipes WIPEONFORK"); // the parent maps pages there, the child must not
        int before = forkShared.size();
        child.pgd().forEachPresentPte(0, MmStruct.TASK_SIZE + PAGE_SIZE, (va, slot, pte) -> {
            if ((pte & Pte.SPECIAL) == 0) forkShared.add(Pte.pfn(pte));
        });
        if (forkShared.size() > before) outcome("fork shares frames");
    }

    /** Exits every address space, then checks that every frame but the zero page is free again. */
    void exitAll() {
        trace.add("#" + trace.size() + " exit all");
        for (int i = 0; i < mms.length; i++) exitMm(i);
        List<String> leaks = checker.leaks();
        if (!leaks.isEmpty()) throw failure(String.join("\n", leaks), null);
        List<String> errors = checker.violations(List.of());
        expect(errors.isEmpty(), "after the last exit: " + errors);
    }

    @Override
    public void close() {
        env.mem().close();
    }
}
