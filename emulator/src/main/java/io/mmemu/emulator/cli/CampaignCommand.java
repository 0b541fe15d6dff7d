package io.mmemu.emulator.cli;

import io.mmemu.emulator.campaign.Campaign;
import io.mmemu.emulator.campaign.CampaignMerge;
import io.mmemu.emulator.campaign.CampaignPlan;
import io.mmemu.emulator.campaign.CampaignSummary;
import io.mmemu.emulator.campaign.Outcome;
import io.mmemu.emulator.campaign.ProgressBar;
import io.mmemu.emulator.campaign.SeedOutcome;
import io.mmemu.emulator.campaign.SeedRange;
import io.mmemu.emulator.campaign.SeedRunner;
import io.mmemu.emulator.campaign.Shard;
import io.mmemu.emulator.record.RecordedRun;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.emulator.run.SignalNames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mmemu campaign [RUN OPTIONS] --seeds A..B --out DIR PROGRAM [ARGS...]}: runs a program
 * with each seed of a range on a fresh machine, records every run and keeps the logs of those
 * that fail; {@code mmemu campaign merge DIR...} merges shards. docs/campaigns.md is the manual.
 */
@Command(addMethodSubcommands = false, name = "campaign", mixinStandardHelpOptions = true, subcommands = CampaignCommand.Merge.class,
        description = "Runs PROGRAM once per seed of --seeds, each on a fresh machine with the same run options "
                + "(--fail ... above all), writes one JSON line per seed to DIR/results.jsonl and keeps the recorded "
                + "log of every failing seed in DIR/logs/. Run again, it resumes. Exit status 0 when no seed failed, "
                + "1 when some did, 2 for bad options.")
public final class CampaignCommand implements Callable<Integer> {
    /** Exit status of a campaign in which some seed failed. */
    static final int EXIT_FAILING = 1;

    /** The options that shape the run, added to this command's by {@link #commandLine()}. */
    final RunOptions run = new RunOptions();

    /** {@return this command's command line: its annotated options with the run options added} */
    CommandLine commandLine() {
        return run.addTo(this);
    }

    @Option(names = "--seeds", paramLabel = "A..B",
            description = "The seeds to run, inclusive (a single N runs one).")
    String seeds;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The campaign directory: campaign.json, results.jsonl, logs/.")
    Path out;

    @Option(names = "--shard", paramLabel = "I/N", description = "Run only the I-th (from 0) of N disjoint slices "
            + "of the seeds. Default: from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX, else all.")
    String shard;

    @Option(names = "--shards", paramLabel = "N", defaultValue = "0", description = "The number of slices when the "
            + "index comes from Kubernetes' JOB_COMPLETION_INDEX (which does not say how many there are).")
    int shards;

    @Option(names = "--expect-status", paramLabel = "N", defaultValue = "0",
            description = "The exit status of a run that did not fail (default: ${DEFAULT-VALUE}).")
    int expectStatus;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "Stop each seed's run "
            + "after SECONDS of wall time (outcome stopped, status 124), so that a seed whose program never ends "
            + "does not stop the campaign; 0 (the default) for no limit. Also --max-instructions N, which stops at the "
            + "same instruction every time.")
    double timeout;

    @Parameters(index = "0", paramLabel = "PROGRAM", arity = "0..1", description = "A static x86-64 ELF executable.")
    Path program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
    List<String> args = new ArrayList<>();

    /** The command with every option at its default; picocli sets the options given. */
    public CampaignCommand() {}

    @Override
    public Integer call() {
        PrintStream err = System.err;
        // Not picocli's required=: a parent's required options would be asked of "campaign merge" too.
        if (seeds == null || out == null || program == null) {
            err.println("mmemu campaign: --seeds A..B, --out DIR and PROGRAM are required (mmemu campaign --help)");
            return 2;
        }
        if (!(timeout >= 0) || Double.isInfinite(timeout)) {
            err.println("mmemu campaign: --timeout " + timeout + ": expected a positive number of seconds");
            return 2;
        }
        if (RunCommand.libraryMissing(err)) return 1;
        CampaignPlan plan;
        RunConfig base;
        try {
            base = run.config(program, args);
            base.validate();
            SeedRange range = SeedRange.parse(seeds);
            Shard s = shard != null ? Shard.parse(shard) : Shard.fromEnvironment(System.getenv(), shards);
            plan = new CampaignPlan(program.toString(), args, planOptions(base, expectStatus, timeout), range, s);
        } catch (IllegalArgumentException e) {
            err.println("mmemu campaign: " + e.getMessage());
            return 2;
        }
        try {
            List<SeedOutcome> results = Campaign.run(plan, runner(base, expectStatus, timeout), out,
                    new ProgressBar(err, System.console() != null));
            CampaignSummary summary = new CampaignSummary(results);
            err.print(summary.text(plan.shard().size(plan.seeds()) - results.size()));
            return summary.failing().isEmpty() ? 0 : EXIT_FAILING;
        } catch (IllegalArgumentException e) {
            err.println("mmemu campaign: " + e.getMessage());
            return 2;
        } catch (IOException | UncheckedIOException e) {
            err.println("mmemu campaign: " + out + ": " + e.getMessage());
            return 74; // EX_IOERR
        }
    }

    /** The options of the plan: the configuration's without the seed (which each run sets), what counts as OK, the timeout. */
    private static List<String> planOptions(RunConfig c, int expectStatus, double timeout) {
        List<String> a = new ArrayList<>(c.toArguments());
        int i = a.indexOf("--seed");
        a.remove(i + 1);
        a.remove(i);
        if (expectStatus != 0) a.addAll(List.of("--expect-status", Integer.toString(expectStatus)));
        if (timeout != 0) a.addAll(List.of("--timeout", Double.toString(timeout)));
        return a;
    }

    /**
     * Runs one seed of {@code base} on a fresh machine, recorded to the path the campaign gives (it
     * keeps the log of a failing run), its output discarded and mmemu's own lines kept for the
     * result's detail; a run is OK when it exits with {@code expectStatus} and no
     * checker found anything.
     *
     * @param base         the campaign's run
     * @param expectStatus the exit status of a run that did not fail
     * @param timeout      each run's wall-time limit in seconds, 0 for none
     * @return the runner
     */
    static SeedRunner runner(RunConfig base, int expectStatus, double timeout) {
        return (seed, recordTo) -> {
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            GuestIo io = new GuestIo(new ByteArrayInputStream(new byte[0]), OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream(), new PrintStream(log, true, StandardCharsets.UTF_8));
            RunResult r;
            try {
                r = RecordedRun.run(base.withSeed(seed), io, recordTo, timeout);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return outcome(seed, r, expectStatus, lastLine(log.toString(StandardCharsets.UTF_8)));
        };
    }

    /** How a run sorts in a campaign. */
    static SeedOutcome outcome(long seed, RunResult r, int expectStatus, String detail) {
        Outcome o;
        if (r.execFailed()) o = Outcome.EXEC_FAILED;
        else if (r.stopCause() != null) o = Outcome.STOPPED;
        else if (r.killed()) o = Outcome.SIGNAL;
        else if (r.status() != expectStatus) o = Outcome.EXIT;
        else o = Outcome.OK;
        return new SeedOutcome(seed, o, r.status(), o == Outcome.SIGNAL ? SignalNames.name(r.signal()) : null,
                r.staleTranslations(), r.slubProblems(), r.injections().size(), r.wallNanos() / 1e6, detail, null);
    }

    private static String lastLine(String text) {
        String t = text.strip();
        int nl = t.lastIndexOf('\n');
        return nl < 0 ? t : t.substring(nl + 1);
    }

    /** {@code mmemu campaign merge [--out DIR] DIR...}: the summary of shard directories, and one directory of them all. */
    @Command(addMethodSubcommands = false, name = "merge", mixinStandardHelpOptions = true,
            description = "Merges the directories of a campaign's shards: checks they are disjoint slices of one "
                    + "campaign, prints the summary and which seeds have no result yet; with --out, writes one "
                    + "campaign directory holding every result.")
    static final class Merge implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", description = "Write the merged campaign directory here.")
        Path out;

        @Parameters(paramLabel = "DIR", arity = "1..*", description = "Shard directories (campaign --out of each).")
        List<Path> dirs = new ArrayList<>();

        @Override
        public Integer call() {
            PrintStream err = System.err;
            try {
                CampaignMerge.Merged m = CampaignMerge.merge(dirs, out != null ? out : Path.of(""));
                if (out != null) CampaignMerge.write(m, out);
                CampaignSummary summary = new CampaignSummary(m.results().values());
                err.print(summary.text(m.missing()));
                if (!m.shardsMissing().isEmpty()) {
                    err.println("campaign: no directory for shard(s) " + m.shardsMissing() + " of " + m.plan().shard().count());
                }
                return summary.failing().isEmpty() ? 0 : EXIT_FAILING;
            } catch (IllegalArgumentException e) {
                err.println("mmemu campaign merge: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("mmemu campaign merge: " + e.getMessage());
                return 74;
            }
        }
    }
}
