package io.mmemu.emulator.campaign;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/**
 * What a campaign runs, as campaign.json keeps it in its directory: the program and its
 * arguments, the run options (fault specs included) every seed shares, the seeds and this
 * directory's shard. Shards of one campaign differ only in their shard; merge checks that.
 *
 * @param program the program's path as given
 * @param args    its arguments
 * @param options the run options every seed shares, as given on the command line
 * @param seeds   the campaign's whole seed range
 * @param shard   the slice this directory holds
 */
public record CampaignPlan(String program, List<String> args, List<String> options, SeedRange seeds, Shard shard) {
    /**
     * Copies the lists.
     *
     * @param program the program
     * @param args    its arguments
     * @param options the shared run options
     * @param seeds   the seed range
     * @param shard   this directory's slice
     */
    public CampaignPlan {
        args = List.copyOf(args);
        options = List.copyOf(options);
    }

    /**
     * Whether {@code other} is a slice of the same campaign.
     *
     * @param other another directory's plan
     * @return true when everything but the shard index agrees
     */
    public boolean sameCampaign(CampaignPlan other) {
        return program.equals(other.program) && args.equals(other.args) && options.equals(other.options)
                && seeds.equals(other.seeds) && shard.count() == other.shard.count();
    }

    /** {@return campaign.json's contents} */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", "mmemu-campaign/1");
        o.addProperty("program", program);
        o.add("args", array(args));
        o.add("options", array(options));
        o.addProperty("seeds", seeds.toString());
        o.addProperty("shard", shard.toString());
        return o + "\n";
    }

    /**
     * Reads campaign.json.
     *
     * @param json its contents
     * @return the plan
     * @throws IllegalArgumentException when it is not a campaign plan
     */
    public static CampaignPlan fromJson(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            if (!"mmemu-campaign/1".equals(o.get("format").getAsString())) {
                throw new IllegalArgumentException("campaign.json of an unknown format " + o.get("format"));
            }
            return new CampaignPlan(o.get("program").getAsString(), list(o.getAsJsonArray("args")),
                    list(o.getAsJsonArray("options")), SeedRange.parse(o.get("seeds").getAsString()),
                    Shard.parse(o.get("shard").getAsString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("not a campaign.json: " + e.getMessage());
        }
    }

    private static JsonArray array(List<String> items) {
        JsonArray a = new JsonArray();
        items.forEach(a::add);
        return a;
    }

    private static List<String> list(JsonArray a) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : a) out.add(e.getAsString());
        return out;
    }
}
