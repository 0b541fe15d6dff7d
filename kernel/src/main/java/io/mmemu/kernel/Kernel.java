package io.mmemu.kernel;

import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultSpec;
import io.mmemu.kernel.arch.ArchCpu;
import io.mmemu.kernel.arch.CpuFactory;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.kernel.elf.ElfFormatException;
import io.mmemu.kernel.elf.ElfImage;
import io.mmemu.kernel.fs.MayExec;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.fault.Signo;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.proc.Pagemap;
import io.mmemu.mm.proc.Smaps;
import io.mmemu.mm.proc.Vmstat;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.Mdwe;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Pkeys;
import io.mmemu.slub.KmemCache;
import io.mmemu.tlb.CpuTlb;
import io.mmemu.tlb.TlbPreset;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.check.StaleTranslationChecker;
import io.mmemu.tlb.linux.LinuxTlbFlush;
import io.mmemu.tlb.linux.MmContexts;
import io.mmemu.tlb.linux.TlbManagement;
import io.mmemu.trace.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The kernel of one machine: guest RAM and the memory model over it, Linux's TLB management of
 * the CPUs, the tasks and their scheduler, the file namespace and the syscalls. {@link #exec}
 * loads a static program as the first process and {@link #run} runs it and whatever it starts to
 * the end.
 *
 * <p>The kernel owns everything but how instructions execute: the CPUs come from a
 * {@link CpuFactory} and are seen only as {@link ArchCpu}s, so the kernel runs the same over the
 * emulator's Unicorn engines and over the in-memory CPUs of its own tests. The emulator's
 * {@code Machine} is this kernel built with Unicorn CPUs; it adds what concerns the engines only
 * (keeping their TLBs and translated code coherent with the model).
 *
 * <p>Determinism: every random choice (ASLR, AT_RANDOM) comes from one generator seeded with the
 * run's seed; nothing reads the clock.
 */
public final class Kernel implements AutoCloseable {
    /** AT_HWCAP: the CPUID.1:EDX feature bits of the emulated CPU (fpu..sse2 of QEMU's qemu64 model). */
    static final long HWCAP = 0x0781_abfdL;
    /** AT_HWCAP2: HWCAP2_FSGSBASE (bit 1), the FS/GS base instructions user mode may use. */
    static final long HWCAP2 = 0x2;

    static final int FIRST_PID = 2;

    /** The most CPUs a machine may have (the emulator runs one Unicorn engine for each). */
    public static final int MAX_CPUS = 64;

    private final MachineOptions options;
    private final MmEnv env;
    private final UserAccess uaccess;
    private final ArchCpu[] cpus;
    private final Scheduler scheduler;
    private final TlbManagement tlbManagement;
    private final MmContexts contexts;
    private final StaleTranslationChecker checker;
    /** Stale translations the checker found in this run. */
    private final List<StaleTranslation> staleTranslations = new ArrayList<>();
    private final SplittableRandom random;
    /** ASLR's draws from {@link #random}, each told to {@link #events} (RandomGenerator's one abstract method). */
    private final RandomGenerator aslrDraws;
    /** The run's recorder or replayer, or null. */
    private RunEvents events;
    private final Vfs vfs;
    private final Processes procs;
    private final LinuxSyscalls syscalls;
    private final RunLimits runLimits;
    /** The program execve() loaded, started at the next return to user mode. */
    private BinfmtElf.Loaded pendingStart;
    private Task task;

    /**
     * The kernel of a machine set up as {@code options} says, on CPUs that {@code cpuFactory} makes:
     * reserves the RAM and boots the memory model, the TLB management and the CPUs, all idle.
     *
     * @param options    the machine's memory, seed, streams, CPUs and TLBs
     * @param cpuFactory makes each CPU (Unicorn engines in the emulator, in-memory CPUs in tests)
     */
    public Kernel(MachineOptions options, CpuFactory cpuFactory) {
        this.options = options;
        // Boot order: RAM and the zero page, then the TLB management (init_mm's PGD is the zero
        // page) and the CPUs' code-coherence hook, then the memory model with both as its hooks.
        MmEnv.Ram ram = MmEnv.Ram.reserve(options.ramBytes());
        TlbPreset preset = TlbPreset.byName(options.tlb().preset());
        List<CpuTlb> hardware = new ArrayList<>();
        for (int i = 0; i < options.cpus(); i++) hardware.add(new CpuTlb(preset, ram.mem()));
        this.tlbManagement = new TlbManagement(hardware, options.tlb().pcid(), ram.zeroPfn() << PageTypes.PAGE_SHIFT);
        this.contexts = new MmContexts(tlbManagement);
        FaultInjector faults = new FaultInjector(options.seed());
        faults.setLog(options.log());
        tlbManagement.setFaultInjector(faults);
        // --drop-shootdowns is fail_ipi dropping every flush IPI, silently as it always did.
        if (options.tlb().dropShootdowns()) FaultSpec.parse("fail_ipi:action=drop,verbose=0").applyTo(faults);
        this.env = new MmEnv(ram, new LinuxTlbFlush(tlbManagement, contexts, this::currentCpu),
                cpuFactory.frameWriteHook(ram.allocator().frames()), faults, options.slubDebug());
        env.thp().setEnabled(options.thp());
        env.setOsPke(options.cpuModel().pku()); // Linux sets CR4.PKE when CPUID has PKU
        // SLUB's reports (slub_debug, a corrupted freelist) reach the machine's log as printk reaches the console.
        env.kernelSlab().slub().log().setEcho(options.log()::println);
        this.uaccess = new UserAccess(env);
        this.random = new SplittableRandom(options.seed());
        this.aslrDraws = () -> {
            long v = random.nextLong();
            if (events != null) events.aslr(v);
            return v;
        };
        this.vfs = new Vfs(options.root(), procFiles(), env);
        vfs.setPositionalProcFiles(Map.of("self/pagemap", this::pagemapReader));
        this.procs = new Processes(uaccess, env.kernelSlab(), Processes.defaultPidMax(options.cpus()),
                Processes.defaultMaxThreads(env.allocator().nrManagedPages()));
        this.syscalls = new LinuxSyscalls(uaccess, vfs, options.stdin(), options.stdout(), options.stderr(),
                options.log(), options.verbose(), procs, new LinuxSyscalls.Exec() {
                    @Override
                    public long execve(Task t, String path, List<String> argv, List<String> envp) {
                        return execveInPlace(t, path, argv, envp);
                    }

                    @Override
                    public void start(ArchCpu c, Task t) {
                        BinfmtElf.Loaded l = pendingStart;
                        pendingStart = null;
                        startThread(c, l.entry(), l.sp(), Pkeys.pkruGetInitValue(env));
                    }
                }, options.seed());
        this.cpus = new ArchCpu[options.cpus()];
        this.checker = options.tlb().checkTlb() ? new StaleTranslationChecker(tlbManagement, env.mem()) : null;
        try {
            for (int i = 0; i < cpus.length; i++) cpus[i] = cpuFactory.create(i, env, syscalls, tlbManagement, contexts);
        } catch (RuntimeException e) {
            for (ArchCpu c : cpus) if (c != null) c.close();
            env.mem().close();
            throw e;
        }
        this.runLimits = new RunLimits(List.of(cpus));
        syscalls.setRunLimits(runLimits);
        this.scheduler = new Scheduler(cpus, procs, syscalls, options.log(), options.quantum(), runLimits);
        syscalls.setScheduler(scheduler);
        faults.setContext(new KernelFaultContext(scheduler, runLimits, syscalls));
        syscalls.setFaults(faults, env.allocator());
        Set<String> caches = new TreeSet<>();
        for (KmemCache c : env.kernelSlab().slub().caches()) caches.add(c.name());
        SpecialFiles faultFiles = new FaultInjectionFiles(faults, procs, env.kernelSlab().failslab(), caches);
        SpecialFiles thpFiles = new ThpSysfsFiles(env.thp());
        SpecialFiles procPidFiles = new ProcPidFiles(procs);
        SpecialFiles sysctlFiles = new ProcSysVmFiles(env.vmSysctl(), t -> procs.of(t).cred);
        List<SpecialFiles> special = List.of(faultFiles, procPidFiles, thpFiles, new HugetlbSysfsFiles(), sysctlFiles);
        vfs.setSpecialFiles(new SpecialFiles() {
            @Override
            public Object open(String path, int flags, boolean trailingSlash, Task t) {
                for (SpecialFiles s : special) {
                    Object f = s.open(path, flags, trailingSlash, t);
                    if (f != null) return f;
                }
                return null;
            }

            @Override
            public List<String> children(String dir, Task t) {
                List<String> names = new java.util.ArrayList<>();
                for (SpecialFiles s : special) names.addAll(s.children(dir, t));
                return names;
            }
        });
        scheduler.setInstructionFaults(new InstructionFaults(faults, cpus, runLimits, env, uaccess, options.log(), scheduler));
        if (checker != null) syscalls.setTlbChecker(this::checkTlb);
        syscalls.setKernelEntryHook(tlbManagement::enterKernel);
    }

    /**
     * The CPU running kernel code (or that ran last): for the TLB flushes mm-model asks for (the
     * scheduler comes after the memory model) and for the position of recorded events.
     *
     * @return its id
     */
    public int currentCpu() {
        return scheduler.currentCpu();
    }

    /** The stale-translation checker's pass after {@code operation}: findings go to the log and {@link #staleTranslations}. */
    private void checkTlb(String operation) {
        List<StaleTranslation> found = checker.check(operation);
        if (found.isEmpty()) return;
        staleTranslations.addAll(found);
        options.log().print("mmemu: stale TLB entries " + StaleTranslationChecker.describe(found));
    }

    /**
     * What the stale-translation checker found (with TlbOptions.checkTlb).
     *
     * @return the stale translations found so far in this run, in the order found; empty without the checker
     */
    public List<StaleTranslation> staleTranslations() {
        return staleTranslations;
    }

    /**
     * The machine's fault injection: every point's attributes (set them before {@link #run}, as
     * {@code --fail} does), the injections so far, and the replay of a schedule.
     *
     * @return the injector, the same for the machine's life
     */
    public FaultInjector faults() {
        return env.faults();
    }

    /**
     * The number of the syscall Linux's x86-64 table names {@code name} (arch/x86/entry/syscalls/syscall_64.tbl).
     *
     * @param name the syscall's name, e.g. {@code munmap}
     * @return its number, or -1 for a name the table does not have
     */
    public static int syscallNumber(String name) {
        for (Syscall s : Syscall.values()) {
            if (s.linuxName.equals(name)) return s.nr;
        }
        return -1;
    }

    /**
     * Sends the machine's events to {@code tracer} from now on (faults, TLB, shootdowns, syscalls,
     * slab and page allocations, scheduling, signals), timed by {@link #instructions}: the CPUs
     * must count instructions. Set it before {@link #exec} to see the program load.
     *
     * @param tracer the tracer
     */
    public void setTracer(Tracer tracer) {
        for (ArchCpu c : cpus) c.countInstructions();
        tracer.start(this::instructions);
        env.setTracer(tracer);
        tlbManagement.setTracer(tracer);
        syscalls.setTracer(tracer);
        scheduler.tracer = tracer;
    }

    /**
     * Lets a debugger take the machine between any two runs of a CPU (see {@link DebugHook}).
     *
     * @param hook the debugger, or null for none
     */
    public void setDebugHook(DebugHook hook) {
        scheduler.debugHook = hook;
    }

    /**
     * Tells {@code events} of every source of non-determinism the run draws on (ASLR and AT_RANDOM
     * at exec, getrandom(), clock readings, scheduling decisions, wake-ups) and of every kernel
     * entry, from now on. Set it before {@link #exec} to see the first program's draws.
     *
     * @param events the recorder or replayer, or null for none
     */
    public void setRunEvents(RunEvents events) {
        this.events = events;
        syscalls.setRunEvents(events);
        scheduler.events = events;
    }

    /**
     * Kernel entries so far: syscalls and returns to user mode. A position in the run that costs
     * nothing to keep and is the same in every run of the same configuration.
     *
     * @return the count
     */
    public long kernelEntries() {
        return syscalls.kernelEntries();
    }

    /**
     * The tasks alive now, in pid order (for checkpoints of their address spaces).
     *
     * @return the live tasks
     */
    public List<Task> liveTasks() {
        List<Task> out = new ArrayList<>();
        for (Processes.Proc p : procs.all()) if (p.alive()) out.add(p.task);
        out.sort(Comparator.comparingInt(Task::pid));
        return out;
    }

    /**
     * Linux's TLB management of this machine's CPUs.
     *
     * @return the machine's TLB management, which holds each CPU's TLB model
     */
    public TlbManagement tlbManagement() {
        return tlbManagement;
    }

    /**
     * The machine's memory: physical memory, the page allocator, the SLUB caches and page tables.
     *
     * @return the memory model this kernel runs on
     */
    public MmEnv env() {
        return env;
    }

    /**
     * Every CPU, in id order.
     *
     * @return the CPUs, unmodifiable
     */
    public List<ArchCpu> cpus() {
        return List.of(cpus);
    }

    /**
     * The first program's task, as {@link #exec} made it.
     *
     * @return the task, or null before {@link #exec}
     */
    public Task task() {
        return task;
    }

    /**
     * Models do_execve() of the first process: parses {@code program}, builds its address space
     * and makes it current on the CPU with the registers start_thread() sets.
     *
     * @param program the executable on the host
     * @param argv    the arguments, argv[0] first (empty: argv[0] and AT_EXECFN become the program's path)
     * @param envp    the environment, "NAME=value" strings
     * @throws ElfFormatException when the file is not a static x86-64 executable mmemu can load
     * @throws ExecFailure when execve() would fail: EACCES, ENOENT, ENOMEM, E2BIG, EFAULT
     */
    public void exec(Path program, List<String> argv, List<String> envp) throws ElfFormatException, ExecFailure {
        // do_open_execat(): the checks come before any read (reading a FIFO would block for ever).
        String denied = MayExec.denied(program);
        if (denied != null) throw new ExecFailure(Errno.EACCES, denied);
        byte[] contents;
        try {
            contents = Files.readAllBytes(program);
        } catch (IOException e) {
            throw new ExecFailure(Errno.ENOENT, "cannot read: " + e.getMessage());
        }
        ElfImage image = ElfImage.parse(contents);
        Path abs = program.toAbsolutePath().normalize();
        MappedFile file = new MappedFile(abs, abs.toString(), contents, Vfs.attr(abs, "unix:dev"), Vfs.attr(abs, "unix:ino"));
        vfs.register(file);
        BinfmtElf.Loaded loaded = loadBinary(image, file, argv, envp, argv.isEmpty() ? program.toString() : argv.get(0));
        // The first program is not init: it runs as pid 2 under a notional init (pid 1), as a
        // program started from a shell has a parent, so getppid() is positive as on the host.
        task = new Task(FIRST_PID, FIRST_PID, 1, abs.getFileName().toString());
        task.setMm(loaded.mm());
        task.setExe(file);
        Processes.Proc p = procs.add(task);
        if (p == null) {
            loaded.mm().exitMmap();
            throw new ExecFailure(Errno.ENOMEM, "no memory for the task's kernel objects (task_struct)");
        }
        scheduler.startFirst(p);
        cpus[0].switchTo(task);
        startThread(cpus[0], loaded.entry(), loaded.sp(), Pkeys.pkruGetInitValue(env));
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
        OpenFile f = (OpenFile) o;
        MappedFile file = f.mappable();
        byte[] contents = Vfs.execImage(f);
        if (contents == null) return -Errno.ENOEXEC;
        ElfImage image;
        try {
            image = ElfImage.parse(contents);
        } catch (ElfFormatException e) {
            return -Errno.ENOEXEC;
        }
        BinfmtElf.Loaded loaded;
        try {
            loaded = loadBinary(image, file, argv, envp, path);
        } catch (ExecFailure e) {
            return -e.errno();
        }
        // de_thread(): the other threads of the group die first (their mm references go).
        procs.zapOtherThreadsForExec(t);
        // exec_mmap(): exec_mm_release() on the old mm (a CLONE_CHILD_CLEARTID word, a vfork parent) before it goes.
        syscalls.proc.mmRelease(t);
        MmStruct old = t.mm();
        // mm_alloc() → mm_init(): the new program's mm keeps current->mm's MDWE unless NO_INHERIT.
        loaded.mm().mdwe = Mdwe.mmfInitFlags(old.mdwe);
        t.setMm(loaded.mm());
        if (old.mmput()) old.exitMmap();
        t.setExe(file);
        procs.leaderOf(t).execed = true; // begin_new_exec() clears PF_FORKNOEXEC
        Rseq.execve(t);
        t.setComm(Path.of(path).getFileName() == null ? path : Path.of(path).getFileName().toString());
        env.tracer().setComm(t.tgid(), t.comm());
        env.tracer().setTask(procs.of(t).cpu, t.tgid(), t.pid()); // the first program: before the scheduler runs it
        for (int sig = 1; sig <= Signo._NSIG; sig++) {
            if (t.sigHandler[sig] != Signals.SIG_IGN) t.sigHandler[sig] = Signals.SIG_DFL;
            t.sigFlags[sig] = 0;
            t.sigMask[sig] = 0;
        }
        scheduler.cpuOf(procs.of(t)).switchTo(t);
        pendingStart = loaded;
        return 0;
    }

    /**
     * load_elf_binary() for both execs: AT_RANDOM's 16 bytes, then the layout's ASLR draws, from
     * the run's generator in that order.
     */
    private BinfmtElf.Loaded loadBinary(ElfImage image, MappedFile file, List<String> argv, List<String> envp,
            String execfn) throws ExecFailure {
        byte[] random16 = new byte[16];
        random.nextBytes(random16);
        if (events != null) events.random(RunEvents.RANDOM_AT_RANDOM, random16, random16.length);
        return BinfmtElf.load(env, uaccess, image, file, argv, envp, execfn, new AddressLayout(options.aslr(), aslrDraws),
                random16, HWCAP, HWCAP2);
    }

    /**
     * Models start_thread(), arch/x86/kernel/process_64.c: RIP at the entry, RSP at the stack,
     * every other register and the FS and GS bases zero, IF set (with EFLAGS' always-one bit 1);
     * fpu_flush_thread() gives the task the initial FPU state ({@link FpuState#init}).
     */
    private static void startThread(ArchCpu cpu, long entry, long sp, int initPkru) {
        PtRegs regs = new PtRegs();
        regs.rip = entry;
        regs.rsp = sp;
        regs.eflags = 0x202;
        cpu.regs().set(regs);
        FpuState fpu = new FpuState();
        fpu.init(initPkru);
        cpu.regs().setFpu(fpu);
    }


    /**
     * Models pagemap_read(): entries of the opening task's address space at the position read, which
     * must be a multiple of the entry size, as must the count (EINVAL); PFNs only for a reader with
     * CAP_SYS_ADMIN at open (pm.show_pfn). The file ends at TASK_SIZE.
     */
    private OpenFile.Positional.Reader pagemapReader(Task task) {
        boolean showPfn = procs.of(task).cred.capable(Cred.CAP_SYS_ADMIN);
        return new OpenFile.Positional.Reader() {
            @Override
            public int read(long pos, byte[] dst, int off, int len) {
                if (pos % Pagemap.ENTRY_BYTES != 0 || len % Pagemap.ENTRY_BYTES != 0) return -Errno.EINVAL;
                MmStruct mm = task.mm();
                int n = (int) Math.min(len, Math.max(0, end() - pos));
                for (int i = 0; i < n; i += Pagemap.ENTRY_BYTES) {
                    long e = mm == null ? 0 : Pagemap.entry(mm, (pos + i) / Pagemap.ENTRY_BYTES * 4096, showPfn);
                    for (int b = 0; b < 8; b++) dst[off + i + b] = (byte) (e >>> (8 * b));
                }
                return n;
            }

            @Override
            public long end() {
                return MmStruct.TASK_SIZE / 4096 * Pagemap.ENTRY_BYTES;
            }
        };
    }

    /** procfs: the files the model can generate, by name, each from the reading task's state at its first read. */
    private Map<String, Function<Task, byte[]>> procFiles() {
        Map<String, Function<Task, String>> text = new TreeMap<>();
        text.put("self/maps", t -> t.mm() == null ? "" : t.mm().maps());
        text.put("self/smaps", t -> t.mm() == null ? "" : Smaps.smaps(t.mm()));
        text.put("self/smaps_rollup", t -> t.mm() == null ? "" : Smaps.smapsRollup(t.mm()));
        text.put("self/status", t -> "Name:\t" + Prctl.escapedComm(t.comm()) + "\nPid:\t" + t.tgid() + "\nPPid:\t" + t.ppid() + "\n"
                + (t.mm() == null ? "" : Vmstat.vmLck(t.mm()) + Vmstat.rss(t.mm())));
        text.put("meminfo", t -> env.allocator().meminfo() + Vmstat.anonHugePages(env));
        text.put("buddyinfo", t -> env.allocator().buddyinfo());
        text.put("vmstat", t -> Vmstat.vmstat(env));
        text.put("slabinfo", t -> env.kernelSlab().slabinfo());
        // loadavg_proc_show(): no load averages here; running/total tasks and the last pid.
        text.put("loadavg", t -> "0.00 0.00 0.00 " + procs.nrRunning() + "/" + procs.nrThreads() + " " + procs.lastPid()
                + "\n");
        text.put("sys/kernel/threads-max", t -> procs.maxThreads() + "\n");
        text.put("sys/kernel/pid_max", t -> procs.pidMax() + "\n");
        // The vm sysctls (/proc/sys/vm) are ProcSysVmFiles', writable.
        Map<String, Function<Task, byte[]>> files = new TreeMap<>();
        text.forEach((name, f) -> files.put(name, t -> f.apply(t).getBytes(StandardCharsets.UTF_8)));
        // comm_show(): the name's bytes as PR_SET_NAME gave them.
        files.put("self/comm", t -> (t.comm() + "\n").getBytes(StandardCharsets.ISO_8859_1));
        return files;
    }

    /**
     * Runs the tasks until none is left: the first program and whatever it forks or clones,
     * scheduled as the scheduler's design essay describes.
     *
     * @return how the first program ended
     */
    public RunOutcome run() {
        return scheduler.run(task);
    }

    /**
     * Stops the run once {@code n} instructions (over all CPUs, counted exactly, so the same run
     * stops at the same point every time) have executed; {@link #run} then returns with every
     * task killed and {@link #stopCause} INSTRUCTION_LIMIT. Turns instruction counting on.
     *
     * @param n the instruction budget of the whole run
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

    /**
     * Why the run was cut short.
     *
     * @return the cause, or null when its tasks ended by themselves
     */
    public StopCause stopCause() {
        return runLimits.cause();
    }

    /**
     * Instructions executed on all CPUs so far.
     *
     * @return the count, or -1 when they are not counted
     */
    public long instructions() {
        return runLimits.instructions();
    }

    /**
     * kernel.threads-max: the most tasks this machine holds at once.
     *
     * @return the limit, derived from the machine's RAM as set_max_threads() does
     */
    public int maxThreads() {
        return procs.maxThreads();
    }

    /**
     * Frames in use that no process owns: page-cache pages of the program and the zero page excluded.
     *
     * @return the page allocator's managed pages minus its free pages, in 4 KiB frames
     */
    public long framesInUse() {
        PageAllocator a = env.allocator();
        return a.nrManagedPages() - a.nrFreePages();
    }

    /**
     * Tasks the machine keeps an entry for: live ones, zombies, and those gone since the scheduler last looked.
     *
     * @return the number of entries
     */
    public int tasksKept() {
        return procs.all().size();
    }

    /**
     * The guest's file namespace (its tmpfs holds pages after a run).
     *
     * @return the namespace, the same for the machine's whole life
     */
    public Vfs vfs() {
        return vfs;
    }

    @Override
    public void close() {
        vfs.overlay().kill();
        vfs.tmpfs().kill(); // unmount: files still linked free their pages (while the CPUs can still drop their code)
        for (ArchCpu c : cpus) c.close();
        env.mem().close();
    }
}
