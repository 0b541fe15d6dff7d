package io.mmemu.emulator.campaign;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Merges the directories of a campaign's shards into one result: checks that they are slices of
 * the same campaign and disjoint, and says which seeds (and which shards) have no result yet.
 */
public final class CampaignMerge {
    /**
     * The merged results.
     *
     * @param plan    the campaign (the first directory's plan)
     * @param results every seed's result, by seed, each log path made relative to the merge's output
     * @param missing seeds with no result
     * @param shardsMissing shard indexes no directory held
     */
    public record Merged(CampaignPlan plan, Map<Long, SeedOutcome> results, long missing, List<Integer> shardsMissing) {}

    private CampaignMerge() {}

    /**
     * Merges {@code dirs}.
     *
     * @param dirs  the shards' campaign directories
     * @param base  the directory log paths are made relative to (where the merged results go, or the working directory)
     * @return the merged results
     * @throws IOException when a directory cannot be read
     * @throws IllegalArgumentException when the directories are not disjoint slices of one campaign
     */
    public static Merged merge(List<Path> dirs, Path base) throws IOException {
        CampaignPlan first = null;
        Map<Long, SeedOutcome> results = new TreeMap<>();
        TreeSet<Integer> shards = new TreeSet<>();
        for (Path dir : dirs) {
            Path planFile = dir.resolve(Campaign.PLAN);
            if (!Files.exists(planFile)) throw new IllegalArgumentException(dir + " is not a campaign directory (no " + Campaign.PLAN + ")");
            CampaignPlan plan = CampaignPlan.fromJson(Files.readString(planFile));
            if (first == null) first = plan;
            else if (!first.sameCampaign(plan)) {
                throw new IllegalArgumentException(dir + " holds another campaign than " + dirs.get(0)
                        + " (program, arguments, options, seeds or shard count differ)");
            }
            if (!shards.add(plan.shard().index())) {
                throw new IllegalArgumentException("shard " + plan.shard() + " appears twice (" + dir + ")");
            }
            for (SeedOutcome o : Campaign.readResults(dir).values()) {
                if (!plan.shard().owns(o.seed(), plan.seeds())) {
                    throw new IllegalArgumentException(dir + " has seed " + o.seed() + ", which is not shard " + plan.shard() + "'s");
                }
                String log = o.log() == null ? null
                        : base.toAbsolutePath().normalize().relativize(dir.resolve(o.log()).toAbsolutePath().normalize()).toString();
                results.put(o.seed(), o.withLog(log));
            }
        }
        if (first == null) throw new IllegalArgumentException("no campaign directory given");
        List<Integer> shardsMissing = new ArrayList<>();
        for (int i = 0; i < first.shard().count(); i++) if (!shards.contains(i)) shardsMissing.add(i);
        return new Merged(first, results, first.seeds().size() - results.size(), shardsMissing);
    }

    /**
     * Writes merged results as one campaign directory: its plan (shard 0/1) and results.jsonl.
     *
     * @param merged the merge
     * @param out    the directory
     * @throws IOException when it cannot be written
     */
    public static void write(Merged merged, Path out) throws IOException {
        Files.createDirectories(out);
        CampaignPlan p = merged.plan();
        Files.writeString(out.resolve(Campaign.PLAN),
                new CampaignPlan(p.program(), p.args(), p.options(), p.seeds(), Shard.ALL).toJson());
        try (BufferedWriter w = Files.newBufferedWriter(out.resolve(Campaign.RESULTS), StandardCharsets.UTF_8)) {
            for (SeedOutcome o : merged.results().values()) w.write(o.toJson() + "\n");
        }
    }
}
