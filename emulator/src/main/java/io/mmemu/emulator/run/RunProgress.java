package io.mmemu.emulator.run;

import io.mmemu.emulator.Machine;
import io.mmemu.mm.vma.VmEvent;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line on stderr for a run that lasts more than a second, redrawn in place twice a
 * second: elapsed time, instructions per second (when the CPUs count them: --stats, tracing, a
 * budget), page faults per second and in all. Only when stderr is a terminal (the launcher says so
 * with {@code -Dmmemu.stderr.tty=true}); never in pipes, files or tests. It reads the machine's
 * counters from its own thread without stopping anything: the figures are a glance, and nothing
 * the run does depends on them or on the wall clock it reads.
 */
public final class RunProgress {
    /** How long a run goes before the line appears. */
    static final long DELAY_MILLIS = 1000;
    /** How often the line is redrawn. */
    static final long PERIOD_MILLIS = 500;

    private final PrintStream out;
    private final Thread thread;
    private volatile Machine machine;
    private volatile boolean done;
    /** Whether the line is on the screen now (guarded by {@code out}). */
    private boolean drawn;

    /**
     * A display on {@code out}, not started.
     *
     * @param out stderr
     */
    public RunProgress(PrintStream out) {
        this.out = out;
        this.thread = Thread.ofPlatform().daemon().name("mmemu-progress").unstarted(this::loop);
    }

    /** {@return whether stderr is a terminal, as the launcher found} */
    public static boolean stderrIsTerminal() {
        return Boolean.getBoolean("mmemu.stderr.tty");
    }

    /**
     * The guest's output stream {@code s}, which first wipes the progress line when it is shown, so
     * that what the guest writes starts at the beginning of a line.
     *
     * @param s the guest's stdout or stderr
     * @return the stream to give the guest instead
     */
    public OutputStream guard(OutputStream s) {
        return new FilterOutputStream(s) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (RunProgress.this.out) {
                    wipe();
                    out.write(b, off, len);
                }
            }

            @Override
            public void write(int b) throws IOException {
                synchronized (RunProgress.this.out) {
                    wipe();
                    out.write(b);
                }
            }
        };
    }

    /** Takes the line off the screen; the caller holds {@code out}'s lock. */
    private void wipe() {
        if (!drawn) return;
        out.print("\r\033[K");
        out.flush();
        drawn = false;
    }

    /**
     * Starts showing {@code machine}'s progress.
     *
     * @param machine the machine about to run
     */
    public void start(Machine machine) {
        this.machine = machine;
        thread.start();
    }

    /** Stops the display and clears its line. */
    public void stop() {
        done = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        long start = System.nanoTime();
        try {
            Thread.sleep(DELAY_MILLIS);
            while (!done) {
                draw(start);
                Thread.sleep(PERIOD_MILLIS);
            }
        } catch (InterruptedException e) {
            // stopped
        }
        synchronized (out) {
            wipe();
        }
    }

    private void draw(long start) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        long insns = machine.instructions();
        long faults = machine.env().event(VmEvent.PGFAULT);
        String line = String.format(Locale.ROOT, "\r\033[Kmmemu: %.1f s%s  %,d faults (%,.0f/s)", elapsed,
                insns < 0 ? "" : String.format(Locale.ROOT, "  %,d instructions (%s/s)", insns, rate(insns / elapsed)),
                faults, faults / elapsed);
        synchronized (out) {
            out.print(line);
            out.flush();
            drawn = true;
        }
    }

    /** A rate with an SI prefix: 12.3M. */
    static String rate(double perSecond) {
        if (perSecond >= 1e9) return String.format(Locale.ROOT, "%.1fG", perSecond / 1e9);
        if (perSecond >= 1e6) return String.format(Locale.ROOT, "%.1fM", perSecond / 1e6);
        if (perSecond >= 1e3) return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }
}
