package io.mmemu.emulator.campaign;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A campaign's progress on stderr. On a terminal: one line redrawn in place, with the seeds done,
 * the rate, the time left and the failing count, and a line above it for each failing seed.
 * Elsewhere (a batch job's log): only the failing seeds and a last count line. Wall time is read
 * here for the rate and ETA only; it steers nothing.
 */
public final class ProgressBar implements Campaign.Progress {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private long total;
    private long done;
    private long failing;
    private long ranHere;
    private long startNanos;

    /**
     * A progress display.
     *
     * @param out      where it prints (stderr)
     * @param terminal whether that is a terminal (redraw in place)
     */
    public ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void started(long total, long done) {
        this.total = total;
        this.done = done;
        this.startNanos = System.nanoTime();
        if (done > 0) out.println("mmemu campaign: resuming, " + done + " of " + total + " seeds already done");
        draw();
    }

    @Override
    public void finished(SeedOutcome o) {
        done++;
        ranHere++;
        if (o.failing()) {
            failing++;
            if (terminal) out.print("\r\033[K");
            out.println("seed " + o.seed() + ": " + o.signature() + (o.log() == null ? "" : "  (" + o.log() + ")"));
        }
        draw();
    }

    @Override
    public void done() {
        if (terminal) out.println();
        out.flush();
    }

    private void draw() {
        if (!terminal) return;
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        double rate = elapsed > 0 ? ranHere / elapsed : 0;
        String eta = rate > 0 ? seconds((total - done) / rate) : "?";
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        out.print(String.format(Locale.ROOT, "\r\033[K[%s%s] %d/%d seeds  %.1f/s  ETA %s  failing %d",
                "#".repeat(filled), " ".repeat(WIDTH - filled), done, total, rate, eta, failing));
        out.flush();
    }

    private static String seconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, t / 60 % 60)
                : t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }
}
