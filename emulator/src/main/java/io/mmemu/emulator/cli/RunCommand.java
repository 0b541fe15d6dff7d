package io.mmemu.emulator.cli;

import static io.mmemu.emulator.cli.OptionSpecs.flag;
import static io.mmemu.emulator.cli.OptionSpecs.isSet;
import static io.mmemu.emulator.cli.OptionSpecs.list;
import static io.mmemu.emulator.cli.OptionSpecs.positional;
import static io.mmemu.emulator.cli.OptionSpecs.repeatable;
import static io.mmemu.emulator.cli.OptionSpecs.value;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.cpu.CpuStat;
import io.mmemu.emulator.debug.KmemS;
import io.mmemu.emulator.record.RecordedRun;
import io.mmemu.emulator.report.RunReport;
import io.mmemu.emulator.report.TimelineSink;
import io.mmemu.emulator.run.GuestIo;
import io.mmemu.emulator.run.GuestRun;
import io.mmemu.emulator.run.RunConfig;
import io.mmemu.emulator.run.RunResult;
import io.mmemu.emulator.trace.TraceSession;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.mm.proc.Pmap;
import io.mmemu.mm.proc.Vmstat;
import io.mmemu.mm.proc.Vtop;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.TlbStat;
import io.mmemu.tlb.linux.CpuTlbState;
import io.mmemu.tlb.linux.TlbEvent;
import io.mmemu.tlb.linux.TlbManagement;
import java.io.ByteArrayOutputStream;
import io.mmemu.trace.TraceFilter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code mmemu run [options] PROGRAM [ARGS...]}: runs a static x86-64 Linux program under the
 * emulator. The command every cold start of a guest goes through, so its options are built with
 * picocli's programmatic model ({@link OptionSpecs} says why); {@link #spec()} is the command.
 */
public final class RunCommand implements Callable<Integer> {
    /** This command for picocli: its user object is this, whose {@link #call} runs the program. */
    private final CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name("run");

    /** The options that shape the run, shared with debug and campaign. */
    final RunOptions run = new RunOptions();

    private final OptionSpec tlbDumpSpec = add(flag("--tlb-dump",
            "At exit, print each CPU's TLB contents (PCID, virtual page, frame, size, flags) and Linux's per-CPU TLB "
                    + "state (loaded mm, ASIDs, tlb_gen), as they were when the program's address space was about to "
                    + "be torn down."));

    private final OptionSpec pmapSpec = add(flag("--pmap",
            "At exit, print the address space as pmap -x does (with /proc/PID/status Rss lines)."));

    private final OptionSpec vtopSpec = add(repeatable("--vtop", "[PID:]ADDR",
            "At exit, translate ADDR (hex) as crash's vtop does: PML4 DIRECTORY, PAGE DIRECTORY, PUD, PMD and PTE "
                    + "entries, the page and its flags, the VMA, the page's struct-page line. With PID (crash's vtop "
                    + "-c PID), in that process's address space as it exits; without, the program's. Repeatable.")
            .auxiliaryTypes(VtopRequest.class).converters(new VtopRequest.Converter()));

    private final OptionSpec kmemSSpec = add(repeatable("--kmem-s", "CACHE",
            "At exit, print slab cache CACHE as crash's kmem -S does: its objects and slabs, then each CPU slab and "
                    + "partial list and each node list with every object, FREE or [ALLOCATED]. Repeatable."));

    private final OptionSpec vmstatSpec = add(flag("--vmstat",
            "At exit, print the model's /proc/vmstat counters (pgfault, cow_fault, ...)."));

    private final OptionSpec slabinfoSpec = add(flag("--slabinfo",
            "At exit, print the kernel model's /proc/slabinfo: its slab caches (vm_area_struct, mm_struct, "
                    + "task_struct, ... and kmalloc), CPU slabs flushed first so that the active counts are exact: "
                    + "what is still allocated."));

    private final OptionSpec reportSpec = add(value("--report", "FILE.html", Path.class, null,
            "Write FILE.html: one self-contained page (no network needed) with pictures of the run taken as the "
                    + "program's address space is torn down: its VMAs, its page-table tree, each CPU's TLB sets and "
                    + "ways, the slab caches' objects, a timeline of faults, flushes and shootdowns, and the text of "
                    + "--stats, --pmap, --vmstat and /proc/slabinfo (docs/report.md)."));

    private final OptionSpec timeoutSpec = add(value("--timeout", "SECONDS", double.class, 0.0,
            "Stop the run after SECONDS of wall time (fractions allowed); exit status 124. The cut comes between two "
                    + "time slices, so it never changes what the run did before it."));

    private final OptionSpec recordSpec = add(value("--record", "FILE", Path.class, null,
            "Record the run to FILE (docs/record-format.md): its configuration, every source of non-determinism "
                    + "(ASLR and AT_RANDOM draws, getrandom bytes, clock readings, scheduling decisions, injected "
                    + "faults), its output, and state hashes at checkpoints; mmemu replay FILE re-runs it and checks "
                    + "it, mmemu shrink FILE minimises its faults."));

    private final OptionSpec checkpointEverySpec = add(value("--checkpoint-every", "N", long.class, 1000L,
            "With --record: a state checkpoint every N kernel entries (syscalls and returns to user mode; default: "
                    + "${DEFAULT-VALUE}), and one at the end."));

    private final OptionSpec traceSpec = add(value("--trace", "FILE", Path.class, null,
            "Write the run's events to FILE as a Perfetto trace (open it at ui.perfetto.dev: it runs in the browser, "
                    + "the file is not uploaded): a track per CPU (TLB misses and fills, flushes, switch_mm, "
                    + "shootdowns with flow arrows to each IPI's receiver), per process and thread (syscalls, "
                    + "faults, signals), counters (RSS, free pages, slab objects, TLB entries). Time is "
                    + "instructions: 1 ns in the UI is one instruction. --trace-filter selects events; "
                    + "docs/tracing.md."));

    private final OptionSpec traceSummarySpec = add(flag("--trace-summary",
            "At exit, print how many events of each kind (faults, TLB misses and fills, flushes, shootdowns, IPIs, "
                    + "switches, syscalls, slab and page allocations, context switches, signals) happened in each "
                    + "address space (CR3 page-table base and PCID, with the pid and program), as --trace-filter "
                    + "selects them; unfiltered, each column's total equals --stats' count."));

    private final OptionSpec traceFilterSpec = add(repeatable("--trace-filter", "KEY=VALUE",
            "Keep only some events in --trace and --trace-summary, repeatable (all must hold): cr3=0x... (the CPU "
                    + "runs that page-table base), pcid=N, pid=N, cpu=N, "
                    + "events=fault,tlb,ipi,syscall,slab,page,sched,signal, addr=LO-HI (events about user addresses "
                    + "touching it), insns=FROM-TO (an instruction-count window). docs/tracing.md."));

    private final PositionalParamSpec programSpec = positional("0", "PROGRAM", Path.class, "A static x86-64 ELF executable.");

    private final PositionalParamSpec argsSpec = positional("1..*", "ARGS", List.class, "Arguments for the program.");

    /** The command with every option at its default; picocli sets the options given. */
    public RunCommand() {
        spec.usageMessage().description("Runs a static x86-64 ELF program. Its stdout and stderr pass through "
                + "unchanged; everything mmemu prints goes to stderr. The exit status is the program's, or 128+N when "
                + "signal N killed it; 126 when the file cannot be executed (not a regular file, no execute permission, "
                + "not a static x86-64 ELF), 127 when it does not exist, 124 when --max-instructions or --timeout "
                + "stopped the run.");
        spec.addMixin("run", run.mixin());
        OptionSpecs.addStandardHelpOptions(spec);
        spec.addPositional(programSpec);
        spec.addPositional(argsSpec);
    }

    /** {@return this command's model, to add to the command line or to parse with} */
    public CommandSpec spec() {
        return spec;
    }

    /**
     * {@return a run command with {@code args} parsed, as {@code mmemu run ARGS} would: everything
     * after PROGRAM is the program's}
     *
     * @param args the arguments after "run"
     * @throws picocli.CommandLine.ParameterException when they do not parse
     */
    static RunCommand parse(List<String> args) {
        RunCommand c = new RunCommand();
        new CommandLine(c.spec).setStopAtPositional(true).parseArgs(args.toArray(String[]::new));
        return c;
    }

    /** {@return the run the parsed options and PROGRAM ARGS describe} */
    RunConfig config() {
        return run.config(programSpec.getValue(), list(argsSpec));
    }

    /** Runs the program; returns its exit status as a shell reports it. */
    @Override
    public Integer call() {
        return runProgram(config(), this, System.err);
    }

    private OptionSpec add(OptionSpec.Builder option) {
        return OptionSpecs.add(spec, option);
    }

    // The views' values, which picocli keeps in the specs.

    private boolean tlbDump() {
        return isSet(tlbDumpSpec);
    }

    private boolean pmap() {
        return isSet(pmapSpec);
    }

    private List<VtopRequest> vtop() {
        return list(vtopSpec);
    }

    private List<String> kmemS() {
        return list(kmemSSpec);
    }

    private boolean vmstat() {
        return isSet(vmstatSpec);
    }

    private boolean slabinfo() {
        return isSet(slabinfoSpec);
    }

    private Path report() {
        return reportSpec.getValue();
    }

    private double timeout() {
        return timeoutSpec.getValue();
    }

    private Path record() {
        return recordSpec.getValue();
    }

    private long checkpointEvery() {
        return checkpointEverySpec.getValue();
    }

    private Path trace() {
        return traceSpec.getValue();
    }

    private boolean traceSummary() {
        return isSet(traceSummarySpec);
    }

    private List<String> traceFilter() {
        return list(traceFilterSpec);
    }

    /**
     * After "No such file or directory" for a bare name that is one of mmemu's own guest programs
     * (the demo's hello, say), where to find it: run takes a path, as a shell does.
     */
    private static void hintGuestProgram(Path program, PrintStream log) {
        if (program.getNameCount() != 1 || program.isAbsolute()) return;
        String name = program.toString();
        if (DemoPrograms.isGuestProgram(name)) {
            log.println("mmemu: " + name + " is one of mmemu's test programs: bin/mmemu run test-programs/target/guest/"
                    + name + " runs it (from the checkout)");
        }
    }

    /** Runs {@code config} with the views of {@code opts}; prints mmemu's own messages on {@code log}. */
    static int runProgram(RunConfig config, RunCommand opts, PrintStream log) {
        if (!(opts.timeout() >= 0) || Double.isInfinite(opts.timeout())) {
            log.println("mmemu: --timeout " + opts.timeout() + ": expected a positive number of seconds");
            return 2;
        }
        // A run that writes files waits for the library check here, so that a missing library
        // leaves none. Any other builds its kernel's model while the check ends on its thread (about
        // 10 ms of a cold start): the machine waits for it before its first engine (LibraryProblem).
        if (opts.writesFiles() && libraryMissing(log)) return 1;
        try {
            RunReport runReport = opts.report() == null ? null : new RunReport(opts.report(), String.join(" ", config.argv()));
            TraceSession trace = opts.traceSession(runReport, config.program());
            GuestRun.Observer views = opts.views(config, trace, runReport, log);
            if (opts.record() != null) {
                return RecordedRun.run(config, GuestIo.standard(log), opts.record(), opts.timeout(), views,
                        opts.checkpointEvery()).status();
            }
            RunResult result = GuestRun.run(config, GuestIo.standard(log), opts.timeout(), views);
            // execFailed: 127 is also a guest's own status (a shell's "not found").
            if (result.execFailed() && result.status() == RunResult.EXIT_NOT_FOUND) hintGuestProgram(config.program(), log);
            return result.status();
        } catch (Unicorn.LibraryProblem e) {
            log.println("mmemu: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            log.println("mmemu: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            log.println("mmemu: --record " + opts.record() + ": cannot write: " + whyCannotWrite(e));
            return 2;
        } catch (UncheckedIOException e) {
            log.println("mmemu: --record " + opts.record() + ": " + e.getMessage());
            return 2;
        }
    }

    /**
     * Whether Unicorn or mmemu's native library is missing or outdated, said in one line with the
     * fix (bin/setup), for every command that runs guests.
     */
    static boolean libraryMissing(PrintStream log) {
        var problem = Unicorn.libraryProblem();
        problem.ifPresent(p -> log.println("mmemu: " + p));
        return problem.isPresent();
    }

    /**
     * The tracing the options ask for, or null for none. The report's timeline alone needs only
     * faults, flushes and shootdowns, so nothing else is traced for it.
     */
    private TraceSession traceSession(RunReport runReport, Path programPath) {
        List<String> specs = new ArrayList<>(traceFilter());
        if (trace() == null && !traceSummary() && specs.stream().noneMatch(f -> f.startsWith("events="))) {
            specs.add("events=fault,tlb,ipi");
        }
        TraceFilter filter = TraceFilter.parse(specs);
        if (!traceFilter().isEmpty() && !traceSummary() && trace() == null && runReport == null) {
            throw new IllegalArgumentException("--trace-filter: nothing to filter (add --trace FILE, --trace-summary or --report FILE)");
        }
        OutputStream out = null;
        if (trace() != null) {
            try {
                out = Files.newOutputStream(trace());
            } catch (IOException e) {
                throw new IllegalArgumentException("--trace " + trace() + ": cannot write: " + whyCannotWrite(e));
            }
        }
        return TraceSession.of(filter, traceSummary(), out, String.valueOf(programPath.getFileName()),
                runReport == null ? List.of() : List.of(new TimelineSink(runReport.timeline())));
    }

    /**
     * What this command shows of a run: --pmap, --vtop and the report's pictures before exit_mmap,
     * the rest at the end.
     */
    private GuestRun.Observer views(RunConfig config, TraceSession trace, RunReport runReport, PrintStream log) {
        return new GuestRun.Observer() {
            @Override
            public void created(Machine machine) {
                if (trace != null) trace.attach(machine);
            }

            @Override
            public void started(Machine machine) {
                installExitViews(machine, config.argv(), runReport, log);
            }

            @Override
            public void ended(Machine machine, RunResult result) {
                if (config.countInstructions()) printStats(machine, result.wallNanos(), log);
                if (trace != null) trace.finish(log);
                if (runReport != null) writeReport(runReport, machine, result, config.countInstructions(), log);
                if (tlbDump()) log.print(tlbDumpAtExit != null ? tlbDumpAtExit : tlbDump(machine));
                if (config.checkTlb()) {
                    log.println("mmemu: stale-translation checker: " + result.staleTranslations() + " finding(s)");
                }
                if (vmstat()) log.print(Vmstat.vmstat(machine.env()));
                for (String cache : kmemS()) {
                    log.print(KmemS.kmemS(machine.env().kernelSlab().slub(), cache).orElse("mmemu: --kmem-s " + cache
                            + ": no such cache (--slabinfo lists them)\n"));
                }
                if (slabinfo()) {
                    machine.env().kernelSlab().flushAll();
                    log.print(machine.env().kernelSlab().slabinfo());
                }
            }
        };
    }

    /** --tlb-dump's text, taken as the program's address space was about to go (null before). */
    private String tlbDumpAtExit;

    /**
     * --pmap, --vtop, --tlb-dump and --report look at the address space at exit, before exit_mmap
     * tears it down (and with it the TLB entries of its PCID).
     */
    private void installExitViews(Machine machine, List<String> argv, RunReport runReport, PrintStream log) {
        if (!pmap() && vtop().isEmpty() && runReport == null && !tlbDump()) return;
        int pid = machine.task().tgid();
        if (vtop().stream().anyMatch(v -> v.pid() != 0)) {
            // Other processes: as each address space goes (its process's last thread exits).
            machine.env().setBeforeExitMmap((tgid, mm) -> {
                for (VtopRequest v : vtop()) {
                    if (v.pid() == tgid && tgid != pid) log.print("PID " + tgid + ":\n" + Vtop.vtop(mm, v.addr()));
                }
            });
        }
        machine.task().setBeforeExitMm(mm -> {
            if (tlbDump()) tlbDumpAtExit = tlbDump(machine);
            if (runReport != null) runReport.captureAddressSpace(machine, mm, pid);
            if (pmap()) {
                log.print(Pmap.pmapX(mm, pid, String.join(" ", argv)));
                log.print(Vmstat.rss(mm));
            }
            for (VtopRequest v : vtop()) {
                if (v.pid() == 0 || v.pid() == pid) log.print(Vtop.vtop(mm, v.addr()));
            }
        });
    }

    /** --report: the pictures taken at exit, with the text of --stats as it would print now. */
    private void writeReport(RunReport runReport, Machine machine, RunResult result, boolean counted, PrintStream log) {
        ByteArrayOutputStream stats = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(stats, true, StandardCharsets.UTF_8)) {
            printStats(machine, result.wallNanos(), ps);
            if (!counted) ps.println("  (instructions are counted with --stats or --max-instructions only)");
        }
        try {
            runReport.write(machine, stats.toString(StandardCharsets.UTF_8),
                    result.stopCause() != null ? result.detail() : "");
        } catch (IOException e) {
            log.println("mmemu: --report " + report() + ": cannot write: " + whyCannotWrite(e));
        } catch (RuntimeException e) {
            log.println("mmemu: --report " + report() + ": " + e + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
        }
    }

    static void printStats(Machine machine, long wallNanos, PrintStream log) {
        log.println("mmemu: statistics");
        long insns = 0;
        long syscalls = 0;
        long flushes = 0;
        long codeFlushes = 0;
        long pageFlushes = 0;
        long translated = 0;
        for (Cpu c : machine.cpus()) {
            translated += Math.max(0, c.translatedBlocks());
            codeFlushes += c.stats().get(CpuStat.TB_FLUSHES);
            pageFlushes += c.stats().get(CpuStat.TLB_PAGE_FLUSHES);
            insns += Math.max(0, c.instructions());
            syscalls += c.stats().get(CpuStat.SYSCALLS);
            flushes += c.stats().get(CpuStat.TLB_FLUSHES);
        }
        // StatsColumns, not printf: java.util.Formatter's first number costs a cold JVM 15-20 ms.
        StatsColumns c = new StatsColumns();
        var env = machine.env();
        log.print(c.text("  instructions      ").number(insns, 15).endLine());
        log.print(c.text("  page faults       ").number(env.event(VmEvent.PGFAULT), 15)
                .text("   (minor ").text(StatsColumns.grouped(env.event(VmEvent.PGFAULT) - env.event(VmEvent.PGMAJFAULT)))
                .text(", major ").text(StatsColumns.grouped(env.event(VmEvent.PGMAJFAULT)))
                .text(", COW ").text(StatsColumns.grouped(env.event(VmEvent.COW_FAULT)))
                .text(", zero-page maps ").text(StatsColumns.grouped(env.event(VmEvent.ZERO_PAGE_MAP))).text(")").endLine());
        log.print(c.text("  huge pages        ").number(env.event(VmEvent.THP_FAULT_ALLOC), 15)
                .text("   (THP faults; fallbacks ").text(StatsColumns.grouped(env.event(VmEvent.THP_FAULT_FALLBACK)))
                .text(", PMD splits ").text(StatsColumns.grouped(env.event(VmEvent.THP_SPLIT_PMD)))
                .text("; THP ").text(env.thp().enabled().sysfsName()).text(")").endLine());
        TlbManagement m = machine.tlbManagement();
        long fills2m = 0;
        for (Cpu cpu : machine.cpus()) fills2m += cpu.tlb().stat(TlbStat.FILL_2M);
        log.print(c.text("  TLB preset        ").right(machine.cpu().tlb().preset().name(), 15)
                .text("   (PCID ").text(m.pcid() ? "on" : "off").text("; model TLB entries of 2 MiB pages filled: ")
                .text(StatsColumns.grouped(fills2m)).text(")").endLine());
        c.text("  ").left("cpu", 4);
        for (String h : new String[] {"instructions", "fills", "hits", "misses"}) c.text(" ").right(h, 12);
        for (String h : new String[] {"flush-one", "flush-all", "shootdown", "received", "switches"}) c.text(" ").right(h, 10);
        log.print(c.endLine());
        for (Cpu cpu : machine.cpus()) {
            CpuTlb t = cpu.tlb();
            CpuTlbState st = m.cpu(cpu.id());
            c.text("  ").left(Integer.toString(cpu.id()), 4);
            for (long v : new long[] {Math.max(0, cpu.instructions()), cpu.stats().get(CpuStat.TLB_FILLS), t.stat(TlbStat.HIT),
                    t.stat(TlbStat.MISS)}) {
                c.text(" ").number(v, 12);
            }
            for (long v : new long[] {st.event(TlbEvent.NR_TLB_LOCAL_FLUSH_ONE), st.event(TlbEvent.NR_TLB_LOCAL_FLUSH_ALL),
                    st.event(TlbEvent.NR_TLB_REMOTE_FLUSH), st.event(TlbEvent.NR_TLB_REMOTE_FLUSH_RECEIVED),
                    st.event(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH) + st.event(TlbEvent.TLB_SWITCH_NOFLUSH)}) {
                c.text(" ").number(v, 10);
            }
            log.print(c.endLine());
        }
        log.print(c.text("  Unicorn flushes   ").number(flushes, 15).text("   (whole TLB; page ranges: ")
                .text(StatsColumns.grouped(pageFlushes)).text("; translated code: ").text(StatsColumns.grouped(codeFlushes))
                .text(")").endLine());
        log.print(c.text("  blocks translated ").number(translated, 15).text("   (by Unicorn, retranslations included)").endLine());
        log.print(c.text("  syscalls          ").number(syscalls, 15).endLine());
        log.print(c.text("  wall time         ").right(StatsColumns.seconds(wallNanos), 15).text(" s").endLine());
    }

    /** {@return whether the run writes files of its own: --report, --trace or --record} */
    private boolean writesFiles() {
        return report() != null || trace() != null || record() != null;
    }

    /** Why a file could not be written, in a few words for a one-line message. */
    private static String whyCannotWrite(IOException e) {
        return e instanceof NoSuchFileException ? "no such directory"
                : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
    }

    /** --tlb-dump: every CPU's TLB hierarchy and Linux's per-CPU TLB state. */
    static String tlbDump(Machine machine) {
        StringBuilder b = new StringBuilder();
        for (Cpu c : machine.cpus()) {
            b.append("mmemu: cpu ").append(c.id()).append(" TLB\n");
            b.append(c.tlb().dump());
        }
        return b.append(machine.tlbManagement().dump()).toString();
    }
}
