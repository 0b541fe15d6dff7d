package io.mmemu.emulator.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignTest {
    /** Seeds divisible by 7 crash; every run writes a log. */
    static final SeedRunner FAKE = (seed, log) -> {
        try {
            Files.writeString(log, "log of " + seed);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return seed % 7 == 0
                ? new SeedOutcome(seed, Outcome.SIGNAL, 139, "SIGSEGV", 0, 0, 1, 1.0, "killed by SIGSEGV", null)
                : new SeedOutcome(seed, Outcome.OK, 0, null, 0, 0, 0, 1.0, "", null);
    };

    static final Campaign.Progress QUIET = new ProgressBar(new PrintStream(OutputStreamNull.INSTANCE), false);

    static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}
    }

    static CampaignPlan plan(Shard shard) {
        return new CampaignPlan("prog", List.of("a"), List.of("--fail", "failslab:probability=5"), SeedRange.parse("1..30"),
                shard);
    }

    @Test
    void seedsRangesAndShardsParse() {
        assertEquals(new SeedRange(1, 200), SeedRange.parse("1..200"));
        assertEquals(new SeedRange(5, 5), SeedRange.parse("5"));
        assertThrows(IllegalArgumentException.class, () -> SeedRange.parse("9..1"));
        assertThrows(IllegalArgumentException.class, () -> SeedRange.parse("a..b"));
        assertEquals(new Shard(1, 4), Shard.parse("1/4"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("4/4"));
        assertThrows(IllegalArgumentException.class, () -> Shard.parse("1-4"));
    }

    @Test
    void shardsCoverTheRangeDisjointly() {
        SeedRange r = SeedRange.parse("10..109");
        long total = 0;
        for (long s = r.first(); s <= r.last(); s++) {
            int owners = 0;
            for (int i = 0; i < 3; i++) if (new Shard(i, 3).owns(s, r)) owners++;
            assertEquals(1, owners, "seed " + s);
        }
        for (int i = 0; i < 3; i++) total += new Shard(i, 3).size(r);
        assertEquals(100, total);
    }

    @Test
    void theShardComesFromSlurmOrKubernetes() {
        assertEquals(new Shard(2, 8), Shard.fromEnvironment(
                Map.of("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "8"), 0));
        assertEquals(new Shard(5, 10), Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "5"), 10));
        assertThrows(IllegalArgumentException.class, () -> Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "5"), 0));
        assertEquals(Shard.ALL, Shard.fromEnvironment(Map.of("HOME", "/root"), 0));
    }

    @Test
    void aCampaignWritesOneLinePerSeedAndKeepsOnlyFailingLogs(@TempDir Path dir) throws IOException {
        List<SeedOutcome> results = Campaign.run(plan(Shard.ALL), FAKE, dir, QUIET);
        assertEquals(30, results.size());
        List<String> lines = Files.readAllLines(dir.resolve(Campaign.RESULTS));
        assertEquals(30, lines.size());
        SeedOutcome seven = SeedOutcome.fromJson(lines.get(6));
        assertEquals(7, seven.seed());
        assertEquals("logs/seed-7.mmlog", seven.log());
        assertEquals("log of 7", Files.readString(dir.resolve(seven.log())));
        assertNull(SeedOutcome.fromJson(lines.get(0)).log());
        assertFalse(Files.exists(dir.resolve("logs/seed-1.mmlog")));
        CampaignSummary summary = new CampaignSummary(results);
        assertEquals(List.of(7L, 14L, 21L, 28L), summary.failing().stream().map(SeedOutcome::seed).toList());
        assertTrue(summary.text(0).contains("signal SIGSEGV"), summary.text(0));
    }

    @Test
    void aKilledCampaignResumesWithoutRunningSeedsTwice(@TempDir Path dir) throws IOException {
        Campaign.run(plan(Shard.ALL), FAKE, dir, QUIET);
        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve(Campaign.RESULTS)));
        // Killed while writing seed 11's line: ten complete lines and half of one.
        String cut = lines.subList(0, 10).stream().map(l -> l + "\n").reduce("", String::concat)
                + lines.get(10).substring(0, 20);
        Files.writeString(dir.resolve(Campaign.RESULTS), cut);
        List<Long> ran = new ArrayList<>();
        SeedRunner counting = (seed, log) -> {
            ran.add(seed);
            return FAKE.run(seed, log);
        };
        assertEquals(30, Campaign.run(plan(Shard.ALL), counting, dir, QUIET).size());
        assertEquals(11L, ran.get(0));
        assertEquals(20, ran.size());
        assertEquals(30, Files.readAllLines(dir.resolve(Campaign.RESULTS)).size());
        assertThrows(IllegalArgumentException.class, () -> Campaign.run(
                new CampaignPlan("other", List.of(), List.of(), SeedRange.parse("1..30"), Shard.ALL), FAKE, dir, QUIET));
    }

    @Test
    void twoShardsRunLocallyMergeIntoTheWholeCampaign(@TempDir Path dir) throws IOException {
        Campaign.run(plan(new Shard(0, 2)), FAKE, dir.resolve("s0"), QUIET);
        CampaignMerge.Merged half = CampaignMerge.merge(List.of(dir.resolve("s0")), dir);
        assertEquals(15, half.missing());
        assertEquals(List.of(1), half.shardsMissing());
        Campaign.run(plan(new Shard(1, 2)), FAKE, dir.resolve("s1"), QUIET);
        CampaignMerge.Merged all = CampaignMerge.merge(List.of(dir.resolve("s0"), dir.resolve("s1")), dir);
        assertEquals(0, all.missing());
        assertEquals(30, all.results().size());
        assertEquals("s0/logs/seed-7.mmlog", all.results().get(7L).log());
        assertEquals("s1/logs/seed-14.mmlog", all.results().get(14L).log());
        CampaignMerge.write(all, dir.resolve("merged"));
        assertEquals(30, Campaign.readResults(dir.resolve("merged")).size());
        assertThrows(IllegalArgumentException.class,
                () -> CampaignMerge.merge(List.of(dir.resolve("s0"), dir.resolve("s0")), dir));
    }

    @Test
    void theProgressBarRedrawsOnATerminalAndListsFailingSeeds() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
        bar.started(2, 0);
        bar.finished(new SeedOutcome(1, Outcome.OK, 0, null, 0, 0, 0, 1, "", null));
        bar.finished(new SeedOutcome(2, Outcome.EXIT, 1, null, 0, 0, 1, 1, "", "logs/seed-2.mmlog"));
        bar.done();
        String s = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("\r\033[K[###############               ] 1/2 seeds"), s);
        assertTrue(s.contains("seed 2: exit 1  (logs/seed-2.mmlog)\n"), s);
        assertTrue(s.contains("2/2 seeds") && s.contains("failing 1"), s);
    }
}
