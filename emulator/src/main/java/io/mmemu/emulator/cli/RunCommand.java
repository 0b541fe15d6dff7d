package io.mmemu.emulator.cli;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.cpu.CpuStat;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.fault.FaultSpec;
import io.mmemu.kernel.ExecFailure;
import io.mmemu.kernel.Kernel;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.TlbOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.kernel.elf.ElfFormatException;
import io.mmemu.mm.proc.Pmap;
import io.mmemu.mm.proc.Vmstat;
import io.mmemu.mm.proc.Vtop;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.TlbStat;
import io.mmemu.tlb.linux.CpuTlbState;
import io.mmemu.tlb.linux.TlbEvent;
import io.mmemu.tlb.linux.TlbManagement;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmemu run [options] PROGRAM [ARGS...]}: runs a static x86-64 Linux program under the emulator. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a static x86-64 ELF program. Its stdout and stderr pass through unchanged; everything mmemu "
                + "prints goes to stderr. The exit status is the program's, or 128+N when signal N killed it; 126 "
                + "when the file cannot be executed (not a regular file, no execute permission, not a static x86-64 "
                + "ELF), 127 when it does not exist, 124 when --max-instructions or --timeout stopped the run.")
public final class RunCommand implements Callable<Integer> {
    /** Exit status for a file that is not an executable this emulator runs (as a shell reports ENOEXEC). */
    static final int EXIT_NOT_EXECUTABLE = 126;
    static final int EXIT_NOT_FOUND = 127;
    /** Exit status of a run that --max-instructions or --timeout cut short (coreutils timeout's). */
    static final int EXIT_STOPPED = 124;
    /** How long a run may ignore a --timeout stop (a guest blocked in a host read) before mmemu exits anyway. */
    static final long STOP_GRACE_MILLIS = 2000;

    @Option(names = "--ram", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "256M",
            description = "Guest RAM, reserved lazily from the host (default: ${DEFAULT-VALUE}); e.g. 16G.")
    long ram;

    @Option(names = "--no-aslr", description = "Linux's layout without address-space randomisation (as setarch -R).")
    boolean noAslr;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the run's random choices: ASLR, AT_RANDOM (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stats", description = "At exit, print instructions, page faults, TLB fills and wall time.")
    boolean stats;

    @Option(names = "--verbose", description = "Report each unimplemented syscall once, and how the program ended.")
    boolean verbose;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1",
            description = "Emulated CPUs sharing the memory, one Unicorn engine each (default: ${DEFAULT-VALUE}, at most 64).")
    int cpus = 1;

    @Option(names = "--quantum", paramLabel = "N", defaultValue = "200000",
            description = "The time slice in instructions once more than one task is runnable (default: ${DEFAULT-VALUE}).")
    long quantum = 200_000;

    @Option(names = "--tlb", paramLabel = "PRESET", defaultValue = "typical",
            description = "Each CPU's TLB hierarchy: teaching (tiny, misses easy to see), typical, intel-golden-cove, "
                    + "amd-zen4 (default: ${DEFAULT-VALUE}).")
    String tlbPreset = "typical";

    @Option(names = "--no-pcid", description = "Linux without PCIDs: every switch to another mm flushes the TLB.")
    boolean noPcid;

    @Option(names = "--check-tlb", description = "After every TLB-changing syscall, report any CPU whose TLB still "
            + "holds a translation the page tables no longer allow (the stale-translation checker).")
    boolean checkTlb;

    @Option(names = "--drop-shootdowns", description = "Fault injection: drop every TLB shootdown IPI (other CPUs keep "
            + "stale translations; combine with --check-tlb to see them).")
    boolean dropShootdowns;

    @Option(names = "--precise", description = "Look every instruction and each page its data accesses touch up in "
            + "the model TLB, so TLB hits, misses and LRU order are exact per access (default: only Unicorn's own TLB "
            + "misses reach the model, so misses are exact and hits undercounted). Costs a Java call and a TLB flush per "
            + "instruction: about 100x slower.")
    boolean precise;

    @Option(names = "--tlb-dump", description = "At exit, print each CPU's TLB contents (PCID, virtual page, frame, "
            + "size, flags) and Linux's per-CPU TLB state (loaded mm, ASIDs, tlb_gen).")
    boolean tlbDump;

    @Option(names = "--exact-tlb", description = "Drop from Unicorn's TLB every entry the model TLB evicts, so every "
            + "model TLB miss is seen and counted (about 3x slower on streaming access).")
    boolean exactTlb;

    @Option(names = "--root", paramLabel = "DIR", description = "Files the program may open read-only, as if DIR were "
            + "/ (default: none; the program's own file and /proc are always there).")
    Path root;

    @Option(names = "--pmap", description = "At exit, print the address space as pmap -x does (with /proc/PID/status Rss lines).")
    boolean pmap;

    @Option(names = "--vtop", paramLabel = "ADDR", converter = HexConverter.class,
            description = "At exit, translate ADDR (hex) as crash's vtop does: each level's entry, the page, the flags. Repeatable.")
    List<Long> vtop = new ArrayList<>();

    @Option(names = "--vmstat", description = "At exit, print the model's /proc/vmstat counters (pgfault, cow_fault, ...).")
    boolean vmstat;

    @Option(names = "--slabinfo", description = "At exit, print the kernel model's /proc/slabinfo: its slab caches "
            + "(vm_area_struct, mm_struct, task_struct, ... and kmalloc), CPU slabs flushed first so that the active "
            + "counts are exact: what is still allocated.")
    boolean slabinfo;

    @Option(names = "--max-instructions", paramLabel = "N", description = "Stop the run after N instructions over all "
            + "CPUs, counted exactly, so the same run stops at the same point every time; exit status 124 (counting "
            + "makes a run several times slower).")
    long maxInstructions;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Stop the run after SECONDS of wall time "
            + "(fractions allowed); exit status 124. The cut comes between two time slices, so it never changes what "
            + "the run did before it.")
    double timeout;

    @Option(names = "--fail", paramLabel = "POINT[:NAME=VALUE,...]", description = "Fault injection, repeatable: arm "
            + "POINT (failslab, fail_page_alloc, fail_futex, fail_ipi, preempt, slub_corrupt, bitflip) with Linux's "
            + "fault_attr attributes (probability, interval, times, space, verbose, task-filter) and the point's own "
            + "(e.g. cache-filter=vm_area_struct, min-order=0). From the command line a point fails without limit "
            + "(times=-1), reports each injection (verbose=1) and fails allocations that may sleep "
            + "(ignore-gfp-wait=N); the guest sees and changes the same attributes in /sys/kernel/debug/POINT/.")
    List<String> fail = new ArrayList<>();

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Adds a variable to the program's environment "
            + "(which is otherwise empty, so runs do not depend on the host's).")
    List<String> env = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "PROGRAM", description = "A static x86-64 ELF executable.")
    Path program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
    List<String> args = new ArrayList<>();

    /** The command with every option at its default; picocli sets the options given. */
    public RunCommand() {}

    /** Runs the program; returns its exit status as a shell reports it. */
    @Override
    public Integer call() {
        return runProgram(program, args, this, System.err);
    }

    /** Runs {@code program} with the options of {@code opts}; prints mmemu's own messages on {@code log}. */
    static int runProgram(Path program, List<String> args, RunCommand opts, PrintStream log) {
        String name = program.toString();
        if (!Files.exists(program)) {
            log.println("mmemu: " + name + ": No such file or directory");
            return EXIT_NOT_FOUND;
        }
        if (opts.root != null && !Files.isDirectory(opts.root)) {
            log.println("mmemu: --root " + opts.root + ": not a directory");
            return 2;
        }
        if (opts.cpus < 1 || opts.cpus > Kernel.MAX_CPUS) {
            log.println("mmemu: --cpus " + opts.cpus + ": expected 1 to " + Kernel.MAX_CPUS);
            return 2;
        }
        if (opts.quantum < 1) {
            log.println("mmemu: --quantum " + opts.quantum + ": expected a positive instruction count");
            return 2;
        }
        if (opts.maxInstructions < 0) {
            log.println("mmemu: --max-instructions " + opts.maxInstructions + ": expected a positive instruction count");
            return 2;
        }
        if (!(opts.timeout >= 0) || Double.isInfinite(opts.timeout)) {
            log.println("mmemu: --timeout " + opts.timeout + ": expected a positive number of seconds");
            return 2;
        }
        List<FaultSpec> faultSpecs = new ArrayList<>();
        try {
            for (String f : opts.fail) faultSpecs.add(FaultSpec.parse(f));
        } catch (IllegalArgumentException e) {
            log.println("mmemu: --fail: " + e.getMessage());
            return 2;
        }
        TlbOptions tlbOptions;
        try {
            tlbOptions = new TlbOptions(opts.tlbPreset, !opts.noPcid, opts.checkTlb, opts.dropShootdowns,
                    opts.precise);
        } catch (IllegalArgumentException e) {
            log.println("mmemu: --tlb: " + e.getMessage());
            return 2;
        }
        var libraryProblem = Unicorn.libraryProblem();
        if (libraryProblem.isPresent()) {
            log.println("mmemu: " + libraryProblem.get());
            return 1;
        }
        long ramBytes = (opts.ram + (2L << 20) - 1) & -(2L << 20);
        List<String> argv = new ArrayList<>();
        argv.add(name);
        argv.addAll(args);
        MachineOptions options = new MachineOptions(ramBytes, !opts.noAslr, opts.seed, opts.stats, opts.verbose,
                new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err), log, opts.exactTlb,
                opts.root, new FileInputStream(FileDescriptor.in), opts.cpus, opts.quantum, tlbOptions);
        long t0 = System.nanoTime();
        try (Machine machine = new Machine(options)) {
            for (FaultSpec f : faultSpecs) f.applyTo(machine.kernel().faults());
            try {
                machine.exec(program, argv, opts.env);
            } catch (ElfFormatException e) {
                log.println("mmemu: " + name + ": " + e.getMessage());
                return EXIT_NOT_EXECUTABLE;
            } catch (ExecFailure e) {
                log.println("mmemu: " + name + ": cannot execute: " + e.getMessage());
                return EXIT_NOT_EXECUTABLE;
            }
            installExitViews(machine, argv, opts, log);
            if (opts.maxInstructions > 0) machine.setMaxInstructions(opts.maxInstructions);
            AtomicBoolean ended = new AtomicBoolean();
            Thread watchdog = opts.timeout > 0 ? startWatchdog(machine, name, opts.timeout, ended, log) : null;
            RunOutcome outcome = machine.run();
            if (!ended.compareAndSet(false, true)) {
                while (true) Thread.onSpinWait(); // the watchdog gave up on the run and is ending the process
            }
            if (watchdog != null) watchdog.interrupt();
            long wallNanos = System.nanoTime() - t0;
            int status = outcome.killed() ? 128 + outcome.signal() : outcome.exitCode();
            if (machine.stopCause() != null) {
                status = EXIT_STOPPED;
                log.println("mmemu: " + name + ": " + describeStop(machine, opts));
            } else if (outcome.killed()) {
                log.println("mmemu: " + name + ": killed by " + SignalNames.describe(outcome));
            } else if (opts.verbose) {
                log.println("mmemu: " + name + ": exited with status " + outcome.exitCode());
            }
            if (opts.stats) printStats(machine, wallNanos, log);
            if (opts.tlbDump) printTlbDump(machine, log);
            if (opts.checkTlb) {
                log.println("mmemu: stale-translation checker: " + machine.staleTranslations().size() + " finding(s)");
            }
            if (opts.vmstat) log.print(Vmstat.vmstat(machine.env()));
            if (opts.slabinfo) {
                machine.env().kernelSlab().flushAll();
                log.print(machine.env().kernelSlab().slabinfo());
            }
            return status;
        }
    }

    /** The one line a stopped run ends with. */
    static String describeStop(Machine machine, RunCommand opts) {
        return switch (machine.stopCause()) {
            case INSTRUCTION_LIMIT -> String.format(Locale.ROOT, "stopped after %,d instructions (--max-instructions %d)",
                    machine.instructions(), opts.maxInstructions);
            case REQUEST -> "timed out after " + seconds(opts.timeout) + " s (--timeout " + seconds(opts.timeout) + ")";
        };
    }

    private static String seconds(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    /**
     * --timeout: a daemon thread that asks the machine to stop after {@code seconds} of wall time
     * (the only use of wall time, which cuts a run but never steers it). A run that does not come
     * back within {@link #STOP_GRACE_MILLIS} (a guest blocked in a read of the host's terminal)
     * is ended there with the same line and status.
     */
    private static Thread startWatchdog(Machine machine, String name, double seconds,
            AtomicBoolean ended, PrintStream log) {
        machine.allowStopRequests();
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        return Thread.ofPlatform().daemon().name("mmemu-timeout").start(() -> {
            try {
                long left;
                while ((left = deadline - System.nanoTime()) > 0) TimeUnit.NANOSECONDS.sleep(left);
                machine.requestStop();
                Thread.sleep(STOP_GRACE_MILLIS);
            } catch (InterruptedException e) {
                return; // the run ended first
            }
            if (!ended.compareAndSet(false, true)) return;
            log.println("mmemu: " + name + ": timed out after " + seconds(seconds) + " s (--timeout " + seconds(seconds)
                    + ")");
            log.flush();
            Runtime.getRuntime().halt(EXIT_STOPPED);
        });
    }

    /** --pmap and --vtop look at the address space at exit, before exit_mmap tears it down. */
    private static void installExitViews(Machine machine, List<String> argv, RunCommand opts, PrintStream log) {
        if (!opts.pmap && opts.vtop.isEmpty()) return;
        int pid = machine.task().tgid();
        machine.task().setBeforeExitMm(mm -> {
            if (opts.pmap) {
                log.print(Pmap.pmapX(mm, pid, String.join(" ", argv)));
                log.print(Vmstat.rss(mm));
            }
            for (long addr : opts.vtop) log.print(Vtop.vtop(mm, addr));
        });
    }

    static void printStats(Machine machine, long wallNanos, PrintStream log) {
        log.println("mmemu: statistics");
        long insns = 0;
        long syscalls = 0;
        long flushes = 0;
        for (Cpu c : machine.cpus()) {
            insns += Math.max(0, c.instructions());
            syscalls += c.stats().get(CpuStat.SYSCALLS);
            flushes += c.stats().get(CpuStat.TLB_FLUSHES);
        }
        log.printf(Locale.ROOT, "  instructions      %,15d%n", insns);
        log.printf(Locale.ROOT, "  page faults       %,15d   (minor %,d, major %,d, COW %,d, zero-page maps %,d)%n",
                machine.env().event(VmEvent.PGFAULT), machine.env().event(VmEvent.PGFAULT)
                        - machine.env().event(VmEvent.PGMAJFAULT), machine.env().event(VmEvent.PGMAJFAULT),
                machine.env().event(VmEvent.COW_FAULT), machine.env().event(VmEvent.ZERO_PAGE_MAP));
        TlbManagement m = machine.tlbManagement();
        log.printf(Locale.ROOT, "  TLB preset        %15s   (PCID %s)%n", machine.cpu().tlb().preset().name(),
                m.pcid() ? "on" : "off");
        log.printf(Locale.ROOT, "  %-4s %12s %12s %12s %12s %10s %10s %10s %10s %10s%n", "cpu", "instructions",
                "fills", "hits", "misses", "flush-one", "flush-all", "shootdown", "received", "switches");
        for (Cpu c : machine.cpus()) {
            CpuTlb t = c.tlb();
            CpuTlbState st = m.cpu(c.id());
            log.printf(Locale.ROOT, "  %-4d %,12d %,12d %,12d %,12d %,10d %,10d %,10d %,10d %,10d%n", c.id(),
                    Math.max(0, c.instructions()), c.stats().get(CpuStat.TLB_FILLS), t.stat(TlbStat.HIT), t.stat(TlbStat.MISS),
                    st.event(TlbEvent.NR_TLB_LOCAL_FLUSH_ONE), st.event(TlbEvent.NR_TLB_LOCAL_FLUSH_ALL),
                    st.event(TlbEvent.NR_TLB_REMOTE_FLUSH), st.event(TlbEvent.NR_TLB_REMOTE_FLUSH_RECEIVED),
                    st.event(TlbEvent.TLB_FLUSH_ON_TASK_SWITCH) + st.event(TlbEvent.TLB_SWITCH_NOFLUSH));
        }
        log.printf(Locale.ROOT, "  Unicorn flushes   %,15d%n", flushes);
        log.printf(Locale.ROOT, "  syscalls          %,15d%n", syscalls);
        log.printf(Locale.ROOT, "  wall time         %15.3f s%n", wallNanos / 1e9);
    }

    /** --tlb-dump: every CPU's TLB hierarchy and Linux's per-CPU TLB state. */
    static void printTlbDump(Machine machine, PrintStream log) {
        for (Cpu c : machine.cpus()) {
            log.println("mmemu: cpu " + c.id() + " TLB");
            log.print(c.tlb().dump());
        }
        log.print(machine.tlbManagement().dump());
    }
}
