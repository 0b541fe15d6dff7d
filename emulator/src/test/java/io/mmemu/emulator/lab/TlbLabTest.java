package io.mmemu.emulator.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import com.google.gson.JsonObject;
import io.mmemu.emulator.run.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lab 2's grader. The answers are cross-checked against a textbook simulator written from the
 * lab's README (two inclusive levels, set index = virtual page number mod sets, LRU), and the
 * same simulator with a typical mistake each (FIFO, no second level, a wrong set index) makes the
 * wrong hand-ins.
 */
class TlbLabTest {
    private final TlbLab lab = new TlbLab();

    /** The README's TLB: an L1 dTLB of 4 sets × 2 ways and an STLB of 8 × 2, filled on every walk. */
    static final class TextbookTlb {
        final boolean lru;
        final int stlbSets;
        final LongUnaryOperator l1Set;
        final List<List<Long>> l1 = new ArrayList<>(), stlb = new ArrayList<>();

        TextbookTlb(boolean lru, int stlbSets, LongUnaryOperator l1Set) {
            this.lru = lru;
            this.stlbSets = stlbSets;
            this.l1Set = l1Set;
            for (int i = 0; i < 4; i++) l1.add(new ArrayList<>());
            for (int i = 0; i < Math.max(stlbSets, 1); i++) stlb.add(new ArrayList<>());
        }

        /** Touches {@code page} in {@code set} (most recently used last); returns the evicted page or -1. */
        private long insert(List<Long> set, long page) {
            set.add(page);
            return set.size() > 2 ? set.removeFirst() : -1;
        }

        private boolean hit(List<Long> set, long page) {
            if (!set.contains(page)) return false;
            if (lru) {
                set.remove(page);
                set.add(page);
            }
            return true;
        }

        String access(String traceLine) {
            long page = Long.decode(traceLine.split(" ")[1]) & ~0xFFFL;
            long vpn = page >>> 12;
            List<Long> s1 = l1.get((int) l1Set.applyAsLong(vpn));
            if (hit(s1, page)) return traceLine + " L1";
            List<String> ev = new ArrayList<>();
            String outcome;
            if (stlbSets > 0 && hit(stlb.get((int) (vpn % stlbSets)), page)) {
                outcome = "STLB";
                long e = insert(s1, page);
                if (e >= 0) ev.add("L1:" + TlbReplay.hex(e));
            } else {
                outcome = "MISS";
                long e = insert(s1, page);
                if (e >= 0) ev.add("L1:" + TlbReplay.hex(e));
                if (stlbSets > 0) {
                    e = insert(stlb.get((int) (vpn % stlbSets)), page);
                    if (e >= 0) ev.add("STLB:" + TlbReplay.hex(e));
                }
            }
            return traceLine + " " + outcome + (ev.isEmpty() ? "" : " evict " + String.join(" ", ev));
        }

        List<String> run() {
            List<String> out = new ArrayList<>();
            for (String t : TlbLab.TRACE) out.add(access(TlbLab.normalise(t)));
            return out;
        }
    }

    private static Path handIn(Path dir, List<String> lines) throws IOException {
        Files.write(dir.resolve(TlbLab.HAND_IN), lines);
        return dir;
    }

    @Test
    void theModelBehavesAsTheReadmeSays() {
        assertEquals(new TextbookTlb(true, 8, vpn -> vpn % 4).run(), TlbLab.modelAnswers());
    }

    @Test
    void theTraceFileIsTheGradersTrace() throws IOException {
        Path trace = LabFiles.labs().resolve(lab.directory()).resolve("trace.txt");
        assertEquals(TlbReplay.parseTrace(TlbLab.TRACE), TlbReplay.parseTrace(Files.readAllLines(trace)));
    }

    @Test
    void referenceSolutionGetsFullMarks() throws IOException {
        List<String> reference = Files.readAllLines(LabFiles.solution(lab).resolve(TlbLab.HAND_IN)).stream()
                .map(TlbReplay::stripComment).filter(l -> !l.isEmpty()).toList();
        assertEquals(TlbLab.modelAnswers(), reference, String.join("\n", TlbLab.modelAnswers()));
        LabFiles.assertFullMarks(lab, TlbLab.TRACE.size());
    }

    @Test
    void spacingAndCaseDoNotCost(@TempDir Path dir) throws IOException {
        List<String> sloppy = TlbLab.modelAnswers().stream().map(l -> "  " + l.toLowerCase().replace(" ", "\t") + "  # mine").toList();
        LabReport r = lab.check(handIn(dir, sloppy));
        assertEquals(r.max(), r.score(), r.failures());
    }

    @Test
    void fifoInsteadOfLruIsNamed(@TempDir Path dir) throws IOException {
        LabReport r = lab.check(handIn(dir, new TextbookTlb(false, 8, vpn -> vpn % 4).run()));
        assertTrue(r.score() < r.max());
        assertTrue(r.failures().contains("(LRU, not FIFO)"), r.failures());
    }

    @Test
    void forgettingTheStlbIsNamed(@TempDir Path dir) throws IOException {
        LabReport r = lab.check(handIn(dir, new TextbookTlb(true, 0, vpn -> vpn % 4).run()));
        assertTrue(r.score() < r.max());
        assertTrue(r.failures().contains("the STLB (8 sets × 2 ways, filled on every walk) still held the page"), r.failures());
    }

    @Test
    void aWrongSetIndexIsNamed(@TempDir Path dir) throws IOException {
        LabReport r = lab.check(handIn(dir, new TextbookTlb(true, 8, vpn -> (vpn >>> 1) % 4).run()));
        assertTrue(r.score() < r.max());
        assertTrue(r.failures().contains("(virtual page number mod 4)"), r.failures());
    }

    /** Part b's program builds and runs on two CPUs with the teaching TLB, as its README says to run it. */
    @Test
    void thePartBProgramRuns(@TempDir Path dir) throws IOException {
        Path bin = dir.resolve("lazy-munmap");
        assertEquals(null, PageFaultLab.build(LabFiles.labs().resolve(lab.directory()).resolve("lazy-munmap.c"), bin));
        JsonObject twoCpus = RunConfig.defaults(bin, List.of()).toJson();
        twoCpus.addProperty("cpus", 2);
        twoCpus.addProperty("tlbPreset", "teaching");
        FaultCounts run = FaultCounts.of(RunConfig.fromJson(twoCpus), 60);
        assertEquals(0, run.status(), run.output());
        assertEquals("done\n", run.output());
    }

    @Test
    void aMissingFileScoresZero(@TempDir Path dir) {
        LabReport r = lab.check(dir);
        assertEquals(0, r.score());
        assertTrue(r.firstFailure().startsWith("cannot read"), r.firstFailure());
    }
}
