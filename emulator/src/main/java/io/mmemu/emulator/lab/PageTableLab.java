package io.mmemu.emulator.lab;

import io.mmemu.emulator.lab.pgtable.AccessType;
import io.mmemu.emulator.lab.pgtable.PageWalk;
import io.mmemu.emulator.lab.pgtable.PhysRead;
import io.mmemu.emulator.lab.pgtable.Translation;
import io.mmemu.mm.pgtable.Access;
import io.mmemu.mm.pgtable.Level;
import io.mmemu.mm.pgtable.PageWalker;
import io.mmemu.mm.pgtable.PagingControl;
import io.mmemu.mm.pgtable.PfErr;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.pgtable.WalkResult;
import io.mmemu.mm.phys.PhysicalMemory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Lab 1, page tables: the student's {@link PageWalk} must agree with mmemu's {@link PageWalker}
 * on random paging structures ({@link PageTableCase}), translations and #PF error codes alike.
 * Each kind of outcome is one graded check; a failed check shows its first wrong case with the
 * entries on the walk, what the hardware does, and what the student's walker read or answered.
 */
final class PageTableLab implements Lab {
    /** The hand-in's file in the lab directory. */
    static final String HAND_IN = "MyPageWalk.java";
    /** Cases per grading: enough for every check to see dozens. */
    static final int CASES = 3000;
    /** The seed of the grader's cases: the same cases every time. */
    static final long SEED = 0x1AB_0001L;

    /** The checks with their points, in the order they are printed. */
    static final Map<String, Integer> CHECKS = checks();

    static final String PAGE_4K = "4 KiB pages";
    static final String PAGE_2M = "2 MiB pages (PS in a PD entry)";
    static final String PAGE_1G = "1 GiB pages (PS in a PDPT entry)";
    static final String NOT_PRESENT = "not-present entries";
    static final String READ_ONLY = "read-only pages (R/W)";
    static final String SUPERVISOR = "supervisor pages (U/S)";
    static final String NO_EXEC = "no-execute pages (NX)";
    static final String RESERVED = "reserved bits (RSVD)";

    private static Map<String, Integer> checks() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(PAGE_4K, 2);
        m.put(PAGE_2M, 1);
        m.put(PAGE_1G, 1);
        m.put(NOT_PRESENT, 2);
        m.put(READ_ONLY, 1);
        m.put(SUPERVISOR, 1);
        m.put(NO_EXEC, 1);
        m.put(RESERVED, 1);
        return m;
    }

    @Override
    public int number() {
        return 1;
    }

    @Override
    public String directory() {
        return "1-page-tables";
    }

    @Override
    public String title() {
        return "Page tables: a 4-level x86-64 page walk with huge pages, NX, U/S and #PF error codes";
    }

    @Override
    public LabReport check(Path dir) {
        LabReport report = new LabReport("Lab 1: " + title());
        StudentCode.Loaded<PageWalk> walk;
        try {
            walk = StudentCode.load(dir.resolve(HAND_IN), PageWalk.class);
        } catch (StudentCode.Unusable e) {
            unusable(report, e.getMessage());
            return report;
        }
        try (walk) {
            grade(walk.value(), report);
        }
        return report;
    }

    /** Runs the cases on a thread of their own, so that a walker that never returns cannot hang the grader. */
    private static void grade(PageWalk walk, LabReport report) {
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lab-1-student-walker");
            t.setDaemon(true);
            return t;
        });
        try (PhysicalMemory mem = PhysicalMemory.reserve(2L << 20)) {
            Future<Map<String, Tally>> f = runner.submit(() -> grade(walk, mem));
            Map<String, Tally> tallies = f.get(60, TimeUnit.SECONDS);
            for (var e : CHECKS.entrySet()) {
                Tally t = tallies.get(e.getKey());
                report.check(e.getKey(), e.getValue(), t.wrong == 0 ? null
                        : t.wrong + " of " + t.cases + " cases wrong; the first:\n" + t.first);
            }
        } catch (TimeoutException e) {
            unusable(report, "your walker did not finish " + CASES + " walks in 60 s (an endless loop?)");
        } catch (ExecutionException e) {
            unusable(report, "grading failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unusable(report, "interrupted");
        } finally {
            runner.shutdownNow();
        }
    }

    private static void unusable(LabReport report, String why) {
        report.unusable(why, CHECKS);
    }

    /** Cases and wrong answers of one check, with the first wrong one explained. */
    static final class Tally {
        int cases;
        int wrong;
        String first = "";
    }

    static Map<String, Tally> grade(PageWalk walk, PhysicalMemory mem) {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        for (String c : CHECKS.keySet()) tallies.put(c, new Tally());
        PageWalker walker = new PageWalker(mem);
        PagingControl ctl = new PagingControl();
        long[] reads = new long[16];
        int[] nReads = new int[1];
        PhysRead view = pa -> {
            if (nReads[0] < reads.length) reads[nReads[0]] = pa;
            nReads[0]++;
            return pa >= 0 && pa + 8 <= mem.size() ? mem.getLong(pa) : -1L;
        };
        for (PageTableCase c : PageTableCase.draw(SEED, CASES)) {
            layOut(c, mem);
            long cr3 = (long) c.tables().get(0) << 12;
            nReads[0] = 0;
            Translation got;
            try {
                got = walk.translate(view, cr3, c.vaddr(), c.access(), c.user());
            } catch (RuntimeException | StackOverflowError e) {
                got = null;
            }
            long r = walker.walk(cr3, c.vaddr(), access(c.access()), c.user(), ctl);
            Translation want = WalkResult.isFault(r) ? Translation.pageFault(WalkResult.errorCode(r))
                    : Translation.ok(WalkResult.pagePa(r) | (c.vaddr() & 0xFFF));
            String check = classify(c, r);
            Tally t = tallies.get(check);
            t.cases++;
            if (want.equals(got)) continue;
            t.wrong++;
            if (t.wrong == 1) t.first = explain(c, cr3, mem, want, got, reads, nReads[0]);
        }
        return tallies;
    }

    private static int access(AccessType t) {
        return switch (t) {
            case READ -> Access.READ;
            case WRITE -> Access.WRITE;
            case FETCH -> Access.FETCH;
        };
    }

    /** Writes the case's four tables: unrelated entries everywhere, the case's entries on its path. */
    static void layOut(PageTableCase c, PhysicalMemory mem) {
        SplittableRandom noise = new SplittableRandom(c.noise());
        for (int i = 0; i < 4; i++) {
            long table = (long) c.tables().get(i) << 12;
            for (int k = 0; k < 512; k++) {
                // An unrelated entry: present or not, pointing anywhere below MAXPHYADDR.
                long e = noise.nextLong() & (Pte.ADDR_MASK & ((1L << PageTableCase.MAX_PHYS_ADDR_BITS) - 1) | 0x7L);
                mem.putLong(table + 8L * k, e);
            }
        }
        for (int i = 0; i < c.pathLength(); i++) {
            Level level = Level.values()[i];
            mem.putLong(((long) c.tables().get(i) << 12) + 8L * level.index(c.vaddr()), c.entry(i));
        }
    }

    /** Which check a case belongs to, by what the hardware does with it. */
    static String classify(PageTableCase c, long r) {
        if (!WalkResult.isFault(r)) {
            return switch (WalkResult.sizeCode(r)) {
                case 0 -> PAGE_4K;
                case 1 -> PAGE_2M;
                default -> PAGE_1G;
            };
        }
        int code = WalkResult.errorCode(r);
        if ((code & PfErr.PROT) == 0) return NOT_PRESENT;
        if ((code & PfErr.RSVD) != 0) return RESERVED;
        boolean us = true;
        for (int i = 0; i < c.pathLength(); i++) us &= (c.entry(i) & Pte.US) != 0;
        if (c.user() && !us) return SUPERVISOR;
        return c.access() == AccessType.WRITE ? READ_ONLY : NO_EXEC;
    }

    private static final String[] ENTRY = {"PML4E", "PDPTE", "PDE", "PTE"};
    private static final String[] INDEX_BITS = {"47:39", "38:30", "29:21", "20:12"};

    /** The first wrong case, for the student: the access, the entries on the walk, expected and got, and why. */
    private static String explain(PageTableCase c, long cr3, PhysicalMemory mem, Translation want, Translation got,
            long[] reads, int nReads) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s %s at 0x%x, CR3 0x%x%n", c.user() ? "user" : "supervisor",
                c.access().name().toLowerCase(java.util.Locale.ROOT), c.vaddr(), cr3));
        List<Long> path = new ArrayList<>();
        for (int i = 0; i < c.pathLength(); i++) {
            long at = ((long) c.tables().get(i) << 12) + 8L * Level.values()[i].index(c.vaddr());
            long e = mem.getLong(at);
            path.add(at);
            sb.append(String.format("  %-5s at 0x%x (index %3d = bits %s): 0x%016x %s%n", ENTRY[i], at,
                    Level.values()[i].index(c.vaddr()), INDEX_BITS[i], e, flags(e)));
            if ((e & Pte.P) == 0) break;
        }
        sb.append("  expected: ").append(want).append('\n');
        sb.append("  got:      ").append(got == null ? "an exception" : got);
        String hint = hint(c, want, got, path, reads, nReads);
        if (!hint.isEmpty()) sb.append('\n').append("  ").append(hint);
        return sb.toString();
    }

    private static String flags(long e) {
        StringBuilder sb = new StringBuilder();
        sb.append((e & Pte.P) != 0 ? "P" : "not-present");
        if ((e & Pte.RW) != 0) sb.append(" RW");
        if ((e & Pte.US) != 0) sb.append(" US");
        if ((e & Pte.PS) != 0) sb.append(" PS");
        if ((e & Pte.NX) != 0) sb.append(" NX");
        long high = e & 0x000F_C000_0000_0000L;
        if (high != 0) sb.append(String.format(" address-bits-above-MAXPHYADDR(0x%x)", high));
        return sb.toString();
    }

    /** Names the mistake where it can be told: a wrong entry address, a walk past a huge page, error-code bits. */
    static String hint(PageTableCase c, Translation want, Translation got, List<Long> path, long[] reads, int nReads) {
        for (int i = 0; i < Math.min(nReads, Math.min(path.size(), reads.length)); i++) {
            if (reads[i] != path.get(i)) {
                return String.format("wrong index: your walker read 0x%x for the %s, but the %s is at 0x%x "
                        + "(the table's address + 8 × the index, bits %s of the virtual address)",
                        reads[i], ENTRY[i], ENTRY[i], path.get(i), INDEX_BITS[i]);
            }
        }
        if (c.leaf() != Level.PT && c.reserved() == PageTableCase.Reserved.NONE && path.size() == c.pathLength()
                && nReads > path.size()) {
            return String.format("the walk ends at the %s: its PS bit (7) set means it maps a %s page, "
                    + "but your walker read on past it", ENTRY[c.leaf().ordinal()], c.leaf() == Level.PD ? "2 MiB" : "1 GiB");
        }
        if (got != null && want.fault() && got.fault()) {
            int missing = want.errorCode() & ~got.errorCode(), extra = got.errorCode() & ~want.errorCode();
            List<String> why = new ArrayList<>();
            String[] names = {"P (bit 0: 1 for a protection violation, 0 for a not-present entry)",
                    "W/R (bit 1: the access was a write)", "U/S (bit 2: the access came from user mode)",
                    "RSVD (bit 3: a reserved bit was set in an entry)",
                    "I/D (bit 4: the access was an instruction fetch, reported since EFER.NXE is set)"};
            for (int b = 0; b < names.length; b++) {
                if ((missing & 1 << b) != 0) why.add("the error code lacks " + names[b]);
                if ((extra & 1 << b) != 0) why.add("the error code must not have " + names[b]);
            }
            return String.join("; ", why);
        }
        if (got != null && want.fault() != got.fault()) {
            return want.fault() ? "the CPU faults here: check P, R/W, U/S, NX and the reserved bits at every level"
                    : "the CPU translates this address: rights accumulate over the levels, and supervisor accesses "
                    + "to user pages are allowed (no SMAP/SMEP here)";
        }
        return "";
    }
}
