package io.mmemu.emulator.campaign;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * One line of results.jsonl: how one seed's run ended, what the checkers found, and where its
 * recorded log is when it failed.
 *
 * @param seed              the run's seed
 * @param outcome           how it ended
 * @param status            its exit status as a shell reports it (128+N for signal N)
 * @param signal            the fatal signal's name (SIGSEGV), or null
 * @param staleTranslations stale TLB entries the checker found (with --check-tlb)
 * @param slubProblems      problems the slab caches' validation found after the run
 * @param injections        faults injected
 * @param wallMillis        wall time of the run (reported only: nothing in a run depends on it)
 * @param detail            mmemu's last message about the run (how it ended), or ""
 * @param log               the recorded log of a failing run, relative to the campaign directory, or null
 */
public record SeedOutcome(long seed, Outcome outcome, int status, String signal, int staleTranslations,
        int slubProblems, int injections, double wallMillis, String detail, String log) {
    /** {@return whether the run failed: it did not exit 0, or a checker found something} */
    public boolean failing() {
        return outcome != Outcome.OK || staleTranslations > 0 || slubProblems > 0;
    }

    /**
     * What failing runs of the same kind share, to group them: the outcome with its status or
     * signal, and the kinds of findings.
     *
     * @return e.g. "signal SIGSEGV", "exit 1", "ok + stale-tlb"
     */
    public String signature() {
        String s = switch (outcome) {
            case SIGNAL -> "signal " + signal;
            case EXIT, EXEC_FAILED -> outcome.jsonName() + " " + status;
            default -> outcome.jsonName();
        };
        if (staleTranslations > 0) s += " + stale-tlb";
        if (slubProblems > 0) s += " + slub";
        return s;
    }

    /** {@return the same outcome with its log at {@code path}} */
    SeedOutcome withLog(String path) {
        return new SeedOutcome(seed, outcome, status, signal, staleTranslations, slubProblems, injections, wallMillis,
                detail, path);
    }

    /** {@return the JSON line, without the newline} */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("seed", seed);
        o.addProperty("outcome", outcome.jsonName());
        o.addProperty("status", status);
        if (signal != null) o.addProperty("signal", signal);
        JsonObject f = new JsonObject();
        f.addProperty("stale_translations", staleTranslations);
        f.addProperty("slub_problems", slubProblems);
        o.add("findings", f);
        o.addProperty("injections", injections);
        o.addProperty("wall_ms", Math.round(wallMillis * 10) / 10.0);
        o.addProperty("detail", detail);
        if (log != null) o.addProperty("log", log);
        return o.toString();
    }

    /**
     * Reads a line {@link #toJson} wrote.
     *
     * @param line the JSON object
     * @return the outcome
     * @throws IllegalArgumentException when the line is not such an object
     */
    public static SeedOutcome fromJson(String line) {
        try {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            JsonObject f = o.getAsJsonObject("findings");
            return new SeedOutcome(o.get("seed").getAsLong(), Outcome.byJsonName(o.get("outcome").getAsString()),
                    o.get("status").getAsInt(), text(o, "signal"), f.get("stale_translations").getAsInt(),
                    f.get("slub_problems").getAsInt(), o.get("injections").getAsInt(), o.get("wall_ms").getAsDouble(),
                    o.has("detail") ? o.get("detail").getAsString() : "", text(o, "log"));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("not a campaign result line: " + line);
        }
    }

    private static String text(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }
}
