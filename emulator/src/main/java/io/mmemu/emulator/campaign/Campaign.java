package io.mmemu.emulator.campaign;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a campaign's seeds one after another into a directory: {@code campaign.json} (the plan),
 * {@code results.jsonl} (one line per seed, appended and flushed as each run ends) and
 * {@code logs/seed-N.mmlog} (the recorded log of every failing seed).
 *
 * <p>A directory that already holds results of the same plan is resumed: seeds with a complete
 * line are not run again (a batch system may kill and restart a task), a line cut short by the
 * kill is dropped.
 */
public final class Campaign {
    /** The plan's file in a campaign directory. */
    public static final String PLAN = "campaign.json";
    /** The results' file in a campaign directory. */
    public static final String RESULTS = "results.jsonl";

    /** Told as seeds finish (the progress bar). */
    public interface Progress {
        /**
         * The campaign starts.
         *
         * @param total seeds of this shard
         * @param done  of which already have results (a resumed campaign)
         */
        void started(long total, long done);

        /**
         * A seed's run ended.
         *
         * @param outcome how
         */
        void finished(SeedOutcome outcome);

        /** The last seed ended. */
        void done();
    }

    private Campaign() {}

    /**
     * Runs every seed of {@code plan}'s shard that {@code dir} has no result for.
     *
     * @param plan     what to run
     * @param runner   runs one seed on a fresh machine
     * @param dir      the campaign directory (created if missing)
     * @param progress told as seeds finish
     * @return the results of this shard, old and new, by seed
     * @throws IOException when the directory cannot be written
     * @throws IllegalArgumentException when {@code dir} holds another campaign's results
     */
    public static List<SeedOutcome> run(CampaignPlan plan, SeedRunner runner, Path dir, Progress progress)
            throws IOException {
        Files.createDirectories(dir.resolve("logs"));
        Path planFile = dir.resolve(PLAN);
        if (Files.exists(planFile)) {
            CampaignPlan old = CampaignPlan.fromJson(Files.readString(planFile));
            if (!old.equals(plan)) {
                throw new IllegalArgumentException(dir + " holds another campaign (" + planFile + "): use another --out");
            }
        } else {
            Files.writeString(planFile, plan.toJson());
        }
        Map<Long, SeedOutcome> results = readResults(dir);
        // Rewrite what was read: a line cut short by a kill goes, so that appending starts clean.
        Path resultsFile = dir.resolve(RESULTS);
        Path tmp = dir.resolve(RESULTS + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (SeedOutcome o : results.values()) w.write(o.toJson() + "\n");
        }
        Files.move(tmp, resultsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        SeedRange seeds = plan.seeds();
        Shard shard = plan.shard();
        progress.started(shard.size(seeds), results.size());
        try (BufferedWriter w = Files.newBufferedWriter(resultsFile, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (long seed = seeds.first(); seed <= seeds.last(); seed++) {
                if (!shard.owns(seed, seeds) || results.containsKey(seed)) continue;
                String logName = "logs/seed-" + seed + ".mmlog";
                Path log = dir.resolve(logName);
                SeedOutcome o = runner.run(seed, log);
                if (o.failing() && Files.exists(log)) {
                    o = o.withLog(logName);
                } else {
                    Files.deleteIfExists(log);
                }
                results.put(seed, o);
                w.write(o.toJson() + "\n");
                w.flush();
                progress.finished(o);
                if (seed == Long.MAX_VALUE) break;
            }
        }
        progress.done();
        return new ArrayList<>(results.values());
    }

    /**
     * The complete result lines of a campaign directory, by seed; a malformed line (the last,
     * cut short by a kill) is skipped.
     *
     * @param dir a campaign directory
     * @return the results, by seed
     * @throws IOException when results.jsonl cannot be read
     */
    public static Map<Long, SeedOutcome> readResults(Path dir) throws IOException {
        Map<Long, SeedOutcome> results = new TreeMap<>();
        Path file = dir.resolve(RESULTS);
        if (!Files.exists(file)) return results;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                SeedOutcome o = SeedOutcome.fromJson(line);
                results.put(o.seed(), o);
            } catch (IllegalArgumentException e) {
                // a line cut short: that seed runs again
            }
        }
        return results;
    }
}
