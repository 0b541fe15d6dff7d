package io.mmemu.kernel;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.cpu.CrossModifyingCode;
import io.mmemu.kernel.RunOutcome;
import io.mmemu.kernel.elf.ElfFormatException;
import io.mmemu.kernel.elf.ElfImage;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.check.StaleTranslationChecker;
import io.mmemu.tlb.linux.LinuxTlbFlush;
import io.mmemu.tlb.linux.MmContexts;
import io.mmemu.tlb.linux.TlbManagement;
import io.mmemu.kernel.fs.Vfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One emulated machine: guest RAM, the memory model over it, one CPU, and the kernel's syscalls;
 * {@link #exec} loads a static program as the first process and {@link #run} runs it to the end.
 *
 * <p>Determinism: every random choice (ASLR, AT_RANDOM) comes from one generator seeded with the
 * run's seed; nothing reads the clock except the wall-time statistic, which never affects a run.
 */
public final class Machine implements AutoCloseable {
    /** How a machine is set up. */
    public record Options(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin,
            int cpus, long quantum, TlbOptions tlb) {
        public Options {
            if (cpus < 1 || cpus > MAX_CPUS) {
                throw new IllegalArgumentException("cpus must be 1.." + MAX_CPUS + " (got " + cpus + ")");
            }
            if (quantum < 1) throw new IllegalArgumentException("quantum must be positive (got " + quantum + ")");
        }

        public Options(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
                OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin) {
            this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root, stdin, 1,
                    Scheduler.DEFAULT_QUANTUM, TlbOptions.DEFAULT);
        }

        /** The same options on {@code n} CPUs. */
        public Options withCpus(int n) {
            return new Options(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                    stdin, n, quantum, tlb);
        }

        /** The same options with {@code t} for the TLBs. */
        public Options withTlb(TlbOptions t) {
            return new Options(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                    stdin, cpus, quantum, t);
        }

        public Options(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
                OutputStream stdout, OutputStream stderr, PrintStream log) {
            this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, false);
        }

        public Options(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
                OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb) {
            this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, null,
                    InputStream.nullInputStream());
        }
    }

    /**
     * The TLBs: the hardware preset of every CPU ({@link TlbPreset#byName}), whether Linux uses
     * PCIDs, whether the stale-translation checker runs after every TLB-changing syscall, the
     * fault injection that drops every shootdown IPI, and precise mode (every instruction and
     * its data accesses looked up in the model TLB; see Cpu).
     */
    public record TlbOptions(String preset, boolean pcid, boolean checkTlb, boolean dropShootdowns, boolean precise) {
        public static final TlbOptions DEFAULT = new TlbOptions("typical", true, false, false, false);

        public TlbOptions {
            TlbPreset.byName(preset); // an unknown name fails here, listing the known ones
        }

        public TlbOptions withCheckTlb(boolean on) {
            return new TlbOptions(preset, pcid, on, dropShootdowns, precise);
        }

        public TlbOptions withDropShootdowns(boolean on) {
            return new TlbOptions(preset, pcid, checkTlb, on, precise);
        }

        public TlbOptions withPrecise(boolean on) {
            return new TlbOptions(preset, pcid, checkTlb, dropShootdowns, on);
        }
    }

    /** Why a run ended before its tasks did ({@link #stopCause}). */
    public enum StopCause {
        /** The instruction budget ({@link #setMaxInstructions}) ran out. */
        INSTRUCTION_LIMIT,
        /** {@link #requestStop} was called (by --timeout's watchdog). */
        REQUEST
    }

    /** AT_HWCAP: the CPUID.1:EDX feature bits of the emulated CPU (fpu..sse2 of QEMU's qemu64 model). */
    static final long HWCAP = 0x0781_abfdL;

    static final int FIRST_PID = 2;

    /** The most CPUs a machine may have (one Unicorn engine each). */
    public static final int MAX_CPUS = 64;

    private final Options options;
    private final MmEnv env;
    private final UserAccess uaccess;
    private final Cpu[] cpus;
    private final Scheduler scheduler;
    private final TlbManagement tlbManagement;
    private final MmContexts contexts;
    private final StaleTranslationChecker checker;
    /** Stale translations the checker found in this run. */
    private final List<StaleTranslation> staleTranslations = new java.util.ArrayList<>();
    private final SplittableRandom random;
    private final Vfs vfs;
    private final Processes procs;
    private final LinuxSyscalls syscalls;
    private final RunLimits runLimits;
    /** The program execve() loaded, started at the next return to user mode. */
    private BinfmtElf.Loaded pendingStart;
    private Task task;

    public Machine(Options options) {
        this.options = options;
        this.env = MmEnv.boot(options.ramBytes());
        this.uaccess = new UserAccess(env);
        this.random = new SplittableRandom(options.seed());
        this.vfs = new Vfs(options.root(), procFiles(), env);
        this.procs = new Processes(uaccess, env.kernelSlab(), Processes.defaultPidMax(options.cpus()),
                Processes.defaultMaxThreads(env.allocator().nrManagedPages()));
        this.syscalls = new LinuxSyscalls(uaccess, vfs, options.stdin(), options.stdout(), options.stderr(),
                options.log(), options.verbose(), procs, new LinuxSyscalls.Exec() {
                    @Override
                    public long execve(Task t, String path, List<String> argv, List<String> envp) {
                        return execveInPlace(t, path, argv, envp);
                    }

                    @Override
                    public void start(Cpu c, Task t) {
                        BinfmtElf.Loaded l = pendingStart;
                        pendingStart = null;
                        startThread(c, l.entry(), l.sp());
                    }
                });
        this.cpus = new Cpu[options.cpus()];
        TlbPreset preset = TlbPreset.byName(options.tlb().preset());
        List<CpuTlb> hardware = new java.util.ArrayList<>();
        for (int i = 0; i < cpus.length; i++) hardware.add(new CpuTlb(preset, env.mem()));
        this.tlbManagement = new TlbManagement(hardware, options.tlb().pcid(), env.zeroPfn() << 12);
        tlbManagement.setDropShootdowns(options.tlb().dropShootdowns());
        this.contexts = new MmContexts(tlbManagement);
        this.checker = options.tlb().checkTlb() ? new StaleTranslationChecker(tlbManagement, env.mem()) : null;
        CrossModifyingCode crossModifyingCode = new CrossModifyingCode(env.frames(), cpus.length);
        try {
            for (int i = 0; i < cpus.length; i++) {
                cpus[i] = new Cpu(i, env, syscalls, options.countInstructions(), tlbManagement, contexts, crossModifyingCode,
                        options.exactTlb(), options.tlb().precise());
            }
        } catch (RuntimeException e) {
            for (Cpu c : cpus) if (c != null) c.close();
            env.mem().close();
            throw e;
        }
        crossModifyingCode.setCpus(cpus);
        // Whatever changes a CPU's model TLB (CR3 load, flush, shootdown) empties its Unicorn TLB.
        tlbManagement.setListener(cpu -> cpus[cpu].flushUnicornTlb());
        this.runLimits = new RunLimits(List.of(cpus));
        syscalls.setRunLimits(runLimits);
        this.scheduler = new Scheduler(cpus, procs, syscalls, options.log(), options.quantum(), runLimits);
        syscalls.setScheduler(scheduler);
        if (checker != null) syscalls.setTlbChecker(this::checkTlb);
        env.setTlbFlush(new LinuxTlbFlush(tlbManagement, contexts, scheduler::currentCpu,
                () -> { for (Cpu c : cpus) c.flushTranslatedCode(); }));
    }

    /** The stale-translation checker's pass after {@code operation}: findings go to the log and {@link #staleTranslations}. */
    private void checkTlb(String operation) {
        List<StaleTranslation> found = checker.check(operation);
        if (found.isEmpty()) return;
        staleTranslations.addAll(found);
        options.log().print("mmemu: stale TLB entries " + StaleTranslationChecker.describe(found));
    }

    /** What the stale-translation checker found (with TlbOptions.checkTlb). */
    public List<StaleTranslation> staleTranslations() {
        return staleTranslations;
    }

    /** Linux's TLB management of this machine's CPUs. */
    public TlbManagement tlbManagement() {
        return tlbManagement;
    }

    public MmEnv env() {
        return env;
    }

    /** CPU 0. */
    public Cpu cpu() {
        return cpus[0];
    }

    /** Every CPU, in id order. */
    public List<Cpu> cpus() {
        return List.of(cpus);
    }

    public Task task() {
        return task;
    }

    /**
     * Models do_execve() of the first process: parses {@code program}, builds its address space
     * and makes it current on the CPU with the registers start_thread() sets.
     */
    public void exec(Path program, List<String> argv, List<String> envp) throws ElfFormatException, ExecFailure {
        // do_open_execat(): the checks come before any read (reading a FIFO would block for ever).
        String denied = io.mmemu.kernel.fs.MayExec.denied(program);
        if (denied != null) throw new ExecFailure(io.mmemu.mm.vma.Errno.EACCES, denied);
        byte[] contents;
        try {
            contents = Files.readAllBytes(program);
        } catch (IOException e) {
            throw new ExecFailure(io.mmemu.mm.vma.Errno.ENOENT, "cannot read: " + e.getMessage());
        }
        ElfImage image = ElfImage.parse(contents);
        Path abs = program.toAbsolutePath().normalize();
        MappedFile file = new MappedFile(abs, abs.toString(), contents, Vfs.attr(abs, "unix:dev"), Vfs.attr(abs, "unix:ino"));
        vfs.register(file);
        byte[] random16 = new byte[16];
        random.nextBytes(random16);
        AddressLayout layout = new AddressLayout(options.aslr(), random);
        BinfmtElf.Loaded loaded = BinfmtElf.load(env, uaccess, image, file, argv, envp, argv.isEmpty() ? program.toString()
                : argv.get(0), layout, random16, HWCAP, 0x2);
        // The first program is not init: it runs as pid 2 under a notional init (pid 1), as a
        // program started from a shell has a parent, so getppid() is positive as on the host.
        task = new Task(FIRST_PID, FIRST_PID, 1, abs.getFileName().toString());
        task.setMm(loaded.mm());
        task.setExe(file);
        Processes.Proc p = procs.add(task);
        if (p == null) {
            loaded.mm().exitMmap();
            throw new ExecFailure(io.mmemu.mm.vma.Errno.ENOMEM, "no memory for the task's kernel objects (task_struct)");
        }
        scheduler.startFirst(p);
        cpus[0].switchTo(task);
        startThread(cpus[0], loaded.entry(), loaded.sp());
    }

    /**
     * execve() of a running process (the rest of do_execveat_common()): the program comes from
     * the guest's namespace; on success the old address space is gone (exec_mmap), handled
     * signals are reset to their default (flush_signal_handlers) and the registers are set at the
     * next return to user mode. Returns 0 or a negative errno; on failure nothing changed.
     */
    private long execveInPlace(Task t, String path, List<String> argv, List<String> envp) {
        Object o = vfs.openExec(path, t);
        if (o instanceof Integer e) return e;
        io.mmemu.kernel.fs.OpenFile f = (io.mmemu.kernel.fs.OpenFile) o;
        MappedFile file = f.mappable();
        byte[] contents = Vfs.execImage(f);
        if (contents == null) return -io.mmemu.mm.vma.Errno.ENOEXEC;
        ElfImage image;
        try {
            image = ElfImage.parse(contents);
        } catch (ElfFormatException e) {
            return -io.mmemu.mm.vma.Errno.ENOEXEC;
        }
        byte[] random16 = new byte[16];
        random.nextBytes(random16);
        BinfmtElf.Loaded loaded;
        try {
            loaded = BinfmtElf.load(env, uaccess, image, file, argv, envp, path, new AddressLayout(options.aslr(), random),
                    random16, HWCAP, 0x2);
        } catch (ExecFailure e) {
            return -e.errno();
        }
        // de_thread(): the other threads of the group die first (their mm references go).
        procs.zapOtherThreadsForExec(t);
        MmStruct old = t.mm();
        t.setMm(loaded.mm());
        if (old.mmput()) old.exitMmap();
        t.setExe(file);
        t.setComm(Path.of(path).getFileName() == null ? path : Path.of(path).getFileName().toString());
        for (int sig = 1; sig <= 64; sig++) {
            if (t.sigHandler[sig] != Signals.SIG_IGN) t.sigHandler[sig] = Signals.SIG_DFL;
            t.sigFlags[sig] = 0;
            t.sigMask[sig] = 0;
        }
        scheduler.cpuOf(procs.of(t)).switchTo(t);
        pendingStart = loaded;
        return 0;
    }

    /** Models start_thread(): RIP at the entry, RSP at the stack, every other register zero, IF set. */
    private static void startThread(Cpu cpu, long entry, long sp) {
        int[] regs = {X86Reg.RAX, X86Reg.RBX, X86Reg.RCX, X86Reg.RDX, X86Reg.RSI, X86Reg.RDI, X86Reg.RBP, X86Reg.R8,
                X86Reg.R9, X86Reg.R10, X86Reg.R11, X86Reg.R12, X86Reg.R13, X86Reg.R14, X86Reg.R15, X86Reg.FS_BASE,
                X86Reg.GS_BASE, X86Reg.RSP, X86Reg.RIP, X86Reg.EFLAGS};
        long[] vals = new long[regs.length];
        vals[regs.length - 3] = sp;
        vals[regs.length - 2] = entry;
        vals[regs.length - 1] = 0x202;
        cpu.engine().regWriteBatch(regs, vals);
        // fpstate_init(): the x87 control word of FNINIT (round to nearest, 64-bit precision,
        // exceptions masked) and MXCSR's default; musl's printf formats through long double.
        cpu.engine().regWrite(X86Reg.FPCW, 0x37f);
        cpu.engine().regWrite(X86Reg.MXCSR, 0x1f80);
    }


    /** procfs: the files the model can generate, by name, each from the reading task's state at its first read. */
    private java.util.Map<String, java.util.function.Function<Task, byte[]>> procFiles() {
        java.util.Map<String, java.util.function.Function<Task, String>> text = new java.util.TreeMap<>();
        text.put("self/maps", t -> t.mm() == null ? "" : t.mm().maps());
        text.put("self/status", t -> "Name:\t" + t.comm() + "\nPid:\t" + t.tgid() + "\nPPid:\t" + t.ppid() + "\n"
                + (t.mm() == null ? "" : io.mmemu.mm.proc.Vmstat.rss(t.mm())));
        text.put("meminfo", t -> env.allocator().meminfo());
        text.put("buddyinfo", t -> env.allocator().buddyinfo());
        text.put("vmstat", t -> io.mmemu.mm.proc.Vmstat.vmstat(env));
        text.put("slabinfo", t -> env.kernelSlab().slabinfo());
        // loadavg_proc_show(): no load averages here; running/total tasks and the last pid.
        text.put("loadavg", t -> "0.00 0.00 0.00 " + procs.nrRunning() + "/" + procs.nrThreads() + " " + procs.lastPid()
                + "\n");
        text.put("sys/kernel/threads-max", t -> procs.maxThreads() + "\n");
        text.put("sys/kernel/pid_max", t -> procs.pidMax() + "\n");
        java.util.Map<String, java.util.function.Function<Task, byte[]>> files = new java.util.TreeMap<>();
        text.forEach((name, f) -> files.put(name, t -> f.apply(t).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return files;
    }

    /**
     * Runs the tasks until none is left: the first program and whatever it forks or clones,
     * scheduled as {@link Scheduler} describes. Returns how the first program ended.
     */
    public RunOutcome run() {
        return scheduler.run(task);
    }

    /**
     * Stops the run once {@code n} instructions (over all CPUs, counted exactly, so the same run
     * stops at the same point every time) have executed; {@link #run} then returns with every
     * task killed and {@link #stopCause} INSTRUCTION_LIMIT. Turns instruction counting on.
     */
    public void setMaxInstructions(long n) {
        runLimits.setMaxInstructions(n);
    }

    /** Lets {@link #requestStop} act even on a task that never enters the kernel (it runs in time slices). */
    public void allowStopRequests() {
        runLimits.allowStopRequests();
    }

    /**
     * Thread-safe: the run stops at its next return to user mode or time slice, as for the
     * instruction limit, with {@link #stopCause} REQUEST. Needs {@link #allowStopRequests} first.
     */
    public void requestStop() {
        runLimits.requestStop();
    }

    /** Why the run was cut short, or null when its tasks ended by themselves. */
    public StopCause stopCause() {
        return runLimits.cause();
    }

    /** Instructions executed on all CPUs so far, or -1 when they are not counted. */
    public long instructions() {
        return runLimits.instructions();
    }

    /** kernel.threads-max: the most tasks this machine holds at once. */
    public int maxThreads() {
        return procs.maxThreads();
    }

    /** Frames in use that no process owns: page-cache pages of the program and the zero page excluded. */
    public long framesInUse() {
        PageAllocator a = env.allocator();
        return a.nrManagedPages() - a.nrFreePages();
    }

    /** Tasks the machine keeps an entry for: live ones, zombies, and those gone since the scheduler last looked. */
    int tasksKept() {
        return procs.all().size();
    }

    /** The guest's file namespace (its tmpfs holds pages after a run). */
    public Vfs vfs() {
        return vfs;
    }

    @Override
    public void close() {
        vfs.tmpfs().kill(); // unmount: files still linked free their pages (while the CPUs can still drop their code)
        for (Cpu c : cpus) c.close();
        env.mem().close();
    }
}
