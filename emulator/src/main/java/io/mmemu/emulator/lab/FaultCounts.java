package io.mmemu.emulator.lab;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.emulator.trace.TraceSession;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.trace.FaultOutcome;
import io.mmemu.trace.TraceFilter;
import io.mmemu.trace.TraceSink;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The page faults of one run under mmemu, as lab 3 grades them: /proc/vmstat's pgfault,
 * zero_page_map, cow_fault (COW copies) and stack_expand ({@link VmEvent}), and the COW reuses,
 * which Linux counts nowhere: they are the faults that end in wp_page_reuse(), read from the
 * fault events of the run's trace ({@link FaultOutcome#COW_REUSE}).
 *
 * @param status        the program's exit status
 * @param pgfault       pgfault
 * @param zeroPageMap   zero_page_map
 * @param cowFault      cow_fault: writes that copied a page (wp_page_copy(), do_cow_fault())
 * @param cowReuse      writes to a write-protected anonymous page that kept it (wp_page_reuse())
 * @param stackExpand   stack_expand
 * @param output        what the program printed
 */
record FaultCounts(int status, long pgfault, long zeroPageMap, long cowFault, long cowReuse, long stackExpand, String output) {

    /** Runs {@code program} on mmemu's default machine and counts its faults. */
    static FaultCounts of(Path program, double timeoutSeconds) {
        return of(RunConfig.defaults(program, List.of()), timeoutSeconds);
    }

    /** Runs {@code config} and counts its faults. */
    static FaultCounts of(RunConfig config, double timeoutSeconds) {
        Path program = config.program();
        long[] reuse = new long[1];
        TraceSink sink = new TraceSink() {
            @Override
            public void fault(long ts, int cpu, long address, int errorCode, long vmaStart, FaultOutcome outcome,
                    boolean stackGrew) {
                if (outcome == FaultOutcome.COW_REUSE) reuse[0]++;
            }
        };
        TraceSession trace = TraceSession.of(TraceFilter.parse(List.of("events=fault")), false, null,
                program.getFileName().toString(), List.of(sink));
        long[] counts = new long[4];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
        GuestIo io = new GuestIo(InputStream.nullInputStream(), out, out, log);
        RunResult r = GuestRun.run(config, io, timeoutSeconds, new GuestRun.Observer() {
            @Override
            public void created(Machine machine) {
                trace.attach(machine);
            }

            @Override
            public void ended(Machine machine, RunResult result) {
                trace.finish(log);
                counts[0] = machine.env().event(VmEvent.PGFAULT);
                counts[1] = machine.env().event(VmEvent.ZERO_PAGE_MAP);
                counts[2] = machine.env().event(VmEvent.COW_FAULT);
                counts[3] = machine.env().event(VmEvent.STACK_EXPAND);
            }
        });
        return new FaultCounts(r.status(), counts[0], counts[1], counts[2], reuse[0], counts[3],
                out.toString(StandardCharsets.UTF_8));
    }

    /** These counts less {@code base}'s: what the program did beyond an empty program's start and exit. */
    FaultCounts minus(FaultCounts base) {
        return new FaultCounts(status, pgfault - base.pgfault, zeroPageMap - base.zeroPageMap, cowFault - base.cowFault,
                cowReuse - base.cowReuse, stackExpand - base.stackExpand, output);
    }

    @Override
    public String toString() {
        return String.format("pgfault %d, zero_page_map %d, cow_fault %d, COW reuse %d, stack_expand %d", pgfault,
                zeroPageMap, cowFault, cowReuse, stackExpand);
    }
}
