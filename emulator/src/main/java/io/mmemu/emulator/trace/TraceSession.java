package io.mmemu.emulator.trace;

import io.mmemu.emulator.Machine;
import io.mmemu.trace.TraceFilter;
import io.mmemu.trace.TraceSink;
import io.mmemu.trace.TraceSinks;
import io.mmemu.trace.TraceSummary;
import io.mmemu.trace.Tracer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The tracing of one run, as the command line asks for it: the filter, the sinks ({@code
 * --trace-summary}'s counts, {@code --trace}'s Perfetto file, the report's timeline) and the tracer
 * the machine gets before its program loads.
 */
public final class TraceSession {
    private final Tracer tracer;
    private final TraceSummary summary;
    private final PerfettoSink perfetto;

    private TraceSession(Tracer tracer, TraceSummary summary, PerfettoSink perfetto) {
        this.tracer = tracer;
        this.summary = summary;
        this.perfetto = perfetto;
    }

    /**
     * A session sending what {@code filter} keeps to a Perfetto trace, a summary and other sinks.
     *
     * @param filter      what to keep
     * @param withSummary whether to count events for {@code --trace-summary}
     * @param perfettoOut where {@code --trace} writes (closed at {@link #finish}), or null
     * @param name        the trace's title (the program)
     * @param sinks       other sinks (the report's timeline)
     * @return the session, or null when nothing is traced
     */
    public static TraceSession of(TraceFilter filter, boolean withSummary, OutputStream perfettoOut, String name,
            List<TraceSink> sinks) {
        List<TraceSink> all = new ArrayList<>(sinks);
        TraceSummary summary = withSummary ? new TraceSummary() : null;
        if (summary != null) all.add(summary);
        PerfettoSink perfetto = perfettoOut == null ? null : new PerfettoSink(perfettoOut, name);
        if (perfetto != null) all.add(perfetto);
        if (all.isEmpty()) return null;
        return new TraceSession(new Tracer(filter, TraceSinks.tee(all)), summary, perfetto);
    }

    /** {@return the tracer} */
    public Tracer tracer() {
        return tracer;
    }

    /** {@return the summary's counts, or null without --trace-summary} */
    public TraceSummary summary() {
        return summary;
    }

    /**
     * Starts tracing {@code machine}: its CPUs count instructions (the trace's clock) and every
     * model reports to the tracer. Call before the program loads.
     *
     * @param machine the machine
     */
    public void attach(Machine machine) {
        if (perfetto != null) perfetto.bind(machine);
        machine.kernel().setTracer(tracer);
    }

    /**
     * Ends the trace: the sinks write out what they hold, files are closed, and the summary is
     * printed on {@code log} when asked for.
     *
     * @param log where mmemu's own output goes
     */
    public void finish(PrintStream log) {
        try {
            tracer.finish();
        } catch (UncheckedIOException e) {
            log.println("mmemu: --trace: cannot write: " + e.getCause().getMessage());
        }
        if (summary != null) log.print(summary.format());
    }
}
