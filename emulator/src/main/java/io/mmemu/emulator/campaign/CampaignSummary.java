package io.mmemu.emulator.campaign;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a campaign found: how many seeds ran and failed, and the failing seeds grouped by
 * {@link SeedOutcome#signature} (most seeds first), each group with its seeds and the first log.
 */
public final class CampaignSummary {
    private final List<SeedOutcome> results;

    /**
     * The summary of {@code results}.
     *
     * @param results one result per seed, in any order
     */
    public CampaignSummary(Collection<SeedOutcome> results) {
        this.results = new ArrayList<>(results);
        this.results.sort((a, b) -> Long.compare(a.seed(), b.seed()));
    }

    /** {@return the failing results, by seed} */
    public List<SeedOutcome> failing() {
        return results.stream().filter(SeedOutcome::failing).toList();
    }

    /** {@return the failing seeds by signature, the signatures in order of first appearance by seed} */
    public Map<String, List<SeedOutcome>> groups() {
        Map<String, List<SeedOutcome>> groups = new TreeMap<>();
        for (SeedOutcome o : failing()) groups.computeIfAbsent(o.signature(), k -> new ArrayList<>()).add(o);
        return groups;
    }

    /**
     * The summary as text: a count line, then a line per group.
     *
     * @param missing seeds of the campaign with no result (0 for a complete one)
     * @return the text, each line ending in a newline
     */
    public String text(long missing) {
        StringBuilder b = new StringBuilder();
        List<SeedOutcome> failing = failing();
        b.append(String.format(Locale.ROOT, "campaign: %d seeds run, %d ok, %d failing%s%n", results.size(),
                results.size() - failing.size(), failing.size(), missing > 0 ? ", " + missing + " not run" : ""));
        List<Map.Entry<String, List<SeedOutcome>>> groups = new ArrayList<>(groups().entrySet());
        groups.sort((x, y) -> Integer.compare(y.getValue().size(), x.getValue().size()));
        for (Map.Entry<String, List<SeedOutcome>> g : groups) {
            List<SeedOutcome> seeds = g.getValue();
            StringBuilder list = new StringBuilder();
            for (int i = 0; i < seeds.size() && i < 12; i++) list.append(i == 0 ? "" : " ").append(seeds.get(i).seed());
            if (seeds.size() > 12) list.append(" ...");
            String log = seeds.stream().map(SeedOutcome::log).filter(l -> l != null).findFirst().orElse("-");
            b.append(String.format(Locale.ROOT, "  %-24s %5d seed%s: %s   (log %s)%n", g.getKey(), seeds.size(),
                    seeds.size() == 1 ? " " : "s", list, log));
        }
        return b.toString();
    }
}
