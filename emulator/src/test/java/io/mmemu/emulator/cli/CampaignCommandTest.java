package io.mmemu.emulator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.emulator.campaign.Campaign;
import io.mmemu.emulator.campaign.CampaignPlan;
import io.mmemu.emulator.campaign.Outcome;
import io.mmemu.emulator.campaign.SeedOutcome;
import io.mmemu.emulator.campaign.SeedRange;
import io.mmemu.emulator.campaign.Shard;
import io.mmemu.testprograms.GuestProgram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mmemu campaign}: shards run locally and merged, and the batch-system examples the docs ship. */
class CampaignCommandTest {
    static String bin(String name) {
        return GuestProgram.named(name).binary().toString();
    }

    @Test
    void twoShardsRunLocallyAndMergeIntoTheWholeCampaign(@TempDir Path tmp) throws IOException {
        String hello = bin("hello"); // exits 7: with --expect-status 7 every seed is OK
        Path a = tmp.resolve("shard-0");
        Path b = tmp.resolve("shard-1");
        assertEquals(0, Main.execute("campaign", "--seeds", "1..6", "--shard", "0/2", "--expect-status", "7",
                "--out", a.toString(), hello));
        assertEquals(0, Main.execute("campaign", "--seeds", "1..6", "--shard", "1/2", "--expect-status", "7",
                "--out", b.toString(), hello));
        assertEquals(List.of(1L, 3L, 5L), List.copyOf(Campaign.readResults(a).keySet()));
        assertEquals(List.of(2L, 4L, 6L), List.copyOf(Campaign.readResults(b).keySet()));
        for (SeedOutcome o : Campaign.readResults(b).values()) {
            assertEquals(Outcome.OK, o.outcome(), o.toJson());
            assertEquals(7, o.status());
        }

        Path all = tmp.resolve("all");
        assertEquals(0, Main.execute("campaign", "merge", "--out", all.toString(), a.toString(), b.toString()));
        Map<Long, SeedOutcome> merged = Campaign.readResults(all);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), List.copyOf(merged.keySet()));
        CampaignPlan plan = CampaignPlan.fromJson(Files.readString(all.resolve(Campaign.PLAN)));
        assertEquals(new SeedRange(1, 6), plan.seeds());
        assertEquals(Shard.ALL, plan.shard());
    }

    @Test
    void aSeedThatExitsOtherwiseThanExpectedFailsTheCampaign(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        assertEquals(CampaignCommand.EXIT_FAILING, Main.execute("campaign", "--seeds", "3", "--out", dir.toString(),
                bin("hello")));
        SeedOutcome o = Campaign.readResults(dir).get(3L);
        assertEquals(Outcome.EXIT, o.outcome());
        assertEquals("exit 7", o.signature());
    }

    /** A seed whose program would run for seconds (rlimit-cpu spins until RLIMIT_CPU kills it) is cut by --timeout. */
    @Test
    void aSeedThatRunsTooLongIsStoppedAndTheCampaignGoesOn(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        assertEquals(CampaignCommand.EXIT_FAILING, Main.execute("campaign", "--seeds", "1..2", "--timeout", "0.2",
                "--out", dir.toString(), bin("rlimit-cpu")));
        for (SeedOutcome o : Campaign.readResults(dir).values()) {
            assertEquals(Outcome.STOPPED, o.outcome(), o.toJson());
            assertEquals(124, o.status());
            assertEquals(null, o.signal(), "a stopped run has no fatal signal of its own");
            assertTrue(o.detail().contains("timed out after 0.2 s"), o.detail());
        }
    }

    @Test
    void badOptionsAreOneLineAndStatus2(@TempDir Path tmp) {
        assertEquals(2, Main.execute("campaign", "--seeds", "9..1", "--out", tmp.toString(), bin("hello")));
        assertEquals(2, Main.execute("campaign", "--seeds", "1..2", "--shard", "2/2", "--out", tmp.toString(), bin("hello")));
        assertEquals(2, Main.execute("campaign", "--seeds", "1..2", "--fail", "nosuchpoint", "--out", tmp.toString(),
                bin("hello")));
        assertEquals(2, Main.execute("campaign", "merge", tmp.resolve("none").toString()));
        assertEquals(2, Main.execute("campaign", "--seeds", "1", "--timeout", "-1", "--out", tmp.toString(), bin("hello")));
    }

    /** The command line of the docs' Slurm array script parses, and each array task gets its own slice. */
    @Test
    void theSlurmExampleGivesEachArrayTaskItsShard() throws IOException {
        List<String> argv = exampleCommand(Path.of("../docs/examples/campaign-slurm.sh"),
                Map.of("SLURM_ARRAY_TASK_ID", "5"));
        CampaignCommand c = parse(argv);
        Shard s = Shard.fromEnvironment(Map.of("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_MIN", "0",
                "SLURM_ARRAY_TASK_COUNT", "16"), c.shards);
        assertEquals(new Shard(5, 16), s);
        assertEquals(Path.of("runs/shard-5"), c.out);
        List<String> fail = c.run.config(Path.of("prog"), List.of()).fail();
        assertTrue(fail.contains("failslab:probability=5"), fail.toString());
        assertEquals(Path.of("test-programs/target/guest/planted-enomem"), c.program);
    }

    /** The same for the Kubernetes Indexed Job: the index from JOB_COMPLETION_INDEX, the count from --shards. */
    @Test
    void theKubernetesExampleGivesEachIndexItsShard() throws IOException {
        List<String> argv = exampleCommand(Path.of("../docs/examples/campaign-k8s.yaml"),
                Map.of("JOB_COMPLETION_INDEX", "11"));
        CampaignCommand c = parse(argv);
        assertEquals(new Shard(11, 16), Shard.fromEnvironment(Map.of("JOB_COMPLETION_INDEX", "11"), c.shards));
        assertEquals(Path.of("/results/shard-11"), c.out);
        String completions = Files.readString(Path.of("../docs/examples/campaign-k8s.yaml"), StandardCharsets.UTF_8);
        assertTrue(completions.contains("completions: 16") && completions.contains("completionMode: Indexed"),
                "the Job must have as many completions as --shards says");
    }

    private static CampaignCommand parse(List<String> argv) {
        assertEquals("campaign", argv.get(0));
        CampaignCommand c = new CampaignCommand();
        CommandLine cl = c.commandLine();
        cl.setStopAtPositional(true);
        cl.parseArgs(argv.subList(1, argv.size()).toArray(String[]::new));
        return c;
    }

    /** The arguments after "bin/mmemu" in an example file, continuation lines joined and $VARIABLES set. */
    private static List<String> exampleCommand(Path file, Map<String, String> env) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).replace("\\\n", " ");
        Matcher m = Pattern.compile("exec bin/mmemu (campaign[^\\n]*(?:\\n[ \\t]+--[^\\n]*|\\n[ \\t]+test-programs[^\\n]*)*)")
                .matcher(text);
        assertTrue(m.find(), "no 'exec bin/mmemu campaign' in " + file);
        String cmd = m.group(1);
        for (Map.Entry<String, String> e : env.entrySet()) {
            cmd = cmd.replace("${" + e.getKey() + "}", e.getValue()).replace("$" + e.getKey(), e.getValue());
        }
        List<String> argv = new ArrayList<>();
        for (String w : cmd.trim().split("\\s+")) argv.add(w.replace("\"", ""));
        return argv;
    }
}
