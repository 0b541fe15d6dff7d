package io.mmemu.emulator.kernel;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.cpu.RunOutcome;
import io.mmemu.emulator.elf.ElfFormatException;
import io.mmemu.emulator.elf.ElfImage;
import io.mmemu.emulator.unicorn.X86Reg;
import io.mmemu.mm.page.PageAllocator;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.MappedFile;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.TlbFlush;
import io.mmemu.tlb.TlbConfig;
import io.mmemu.emulator.kernel.fs.Vfs;
import io.mmemu.emulator.cpu.Cpu;
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
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin) {
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

    /** AT_HWCAP: the CPUID.1:EDX feature bits of the emulated CPU (fpu..sse2 of QEMU's qemu64 model). */
    static final long HWCAP = 0x0781_abfdL;

    static final int FIRST_PID = 2;

    private final Options options;
    private final MmEnv env;
    private final UserAccess uaccess;
    private final Cpu cpu;
    private final SplittableRandom random;
    private final Vfs vfs;
    private final Processes procs;
    private final LinuxSyscalls syscalls;
    /** The program execve() loaded, started at the next return to user mode. */
    private BinfmtElf.Loaded pendingStart;
    private Task task;

    public Machine(Options options) {
        this.options = options;
        this.env = MmEnv.boot(options.ramBytes());
        this.uaccess = new UserAccess(env);
        this.random = new SplittableRandom(options.seed());
        this.vfs = new Vfs(options.root(), procFiles(), env);
        this.procs = new Processes(uaccess, env.kernelSlab());
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
                        startThread(l.entry(), l.sp());
                    }
                });
        this.cpu = new Cpu(0, env, syscalls, options.countInstructions(), TlbConfig.TYPICAL, options.exactTlb());
        env.setTlbFlush(new TlbFlush() {
            @Override
            public void flushTlbMmRange(MmStruct mm, long start, long end, boolean freedTables) {
                if (cpu.loadedMm() == mm) cpu.flushTlbRange(start, end);
            }

            @Override
            public void flushTranslatedCode() {
                cpu.flushTranslatedCode();
            }
        });
    }

    public MmEnv env() {
        return env;
    }

    public Cpu cpu() {
        return cpu;
    }

    public Task task() {
        return task;
    }

    /**
     * Models do_execve() of the first process: parses {@code program}, builds its address space
     * and makes it current on the CPU with the registers start_thread() sets.
     */
    public void exec(Path program, List<String> argv, List<String> envp) throws ElfFormatException, ExecFailure {
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
        if (procs.add(task) == null) {
            loaded.mm().exitMmap();
            throw new ExecFailure(io.mmemu.mm.vma.Errno.ENOMEM, "no memory for the task's kernel objects (task_struct)");
        }
        cpu.switchTo(task);
        startThread(loaded.entry(), loaded.sp());
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
        io.mmemu.emulator.kernel.fs.OpenFile f = (io.mmemu.emulator.kernel.fs.OpenFile) o;
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
        MmStruct old = t.mm();
        t.setMm(loaded.mm());
        old.exitMmap();
        t.setExe(file);
        t.setComm(Path.of(path).getFileName() == null ? path : Path.of(path).getFileName().toString());
        for (int sig = 1; sig <= 64; sig++) {
            if (t.sigHandler[sig] != Signals.SIG_IGN) t.sigHandler[sig] = Signals.SIG_DFL;
            t.sigFlags[sig] = 0;
            t.sigMask[sig] = 0;
        }
        cpu.switchTo(t);
        pendingStart = loaded;
        return 0;
    }

    /** Models start_thread(): RIP at the entry, RSP at the stack, every other register zero, IF set. */
    private void startThread(long entry, long sp) {
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
        java.util.Map<String, java.util.function.Function<Task, byte[]>> files = new java.util.TreeMap<>();
        text.forEach((name, f) -> files.put(name, t -> f.apply(t).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return files;
    }

    /**
     * Runs the processes until none is left: the first program and whatever it forks, scheduled
     * as {@link Processes} describes. A process killed by a signal dies with it (do_exit). When
     * every live process sleeps and nothing can wake them, they are killed (the host would hang).
     * Returns how the first program ended.
     */
    public RunOutcome run() {
        Task main = task;
        RunOutcome mainOutcome = null;
        Processes.Proc p = procs.current();
        while (true) {
            RunOutcome o = cpu.run();
            Task t = p.task;
            if (!o.switched()) {
                if (o.killed()) t.killBySignal(o.signal());
                syscalls.exitProcess(t);
                procs.exitNotify(p);
                if (t == main) mainOutcome = o;
            }
            Processes.Proc next = procs.pickNext(p);
            if (next == null) {
                for (Processes.Proc stuck : procs.alive()) {
                    options.log().println("mmemu: pid " + stuck.task.tgid() + " (" + stuck.task.comm()
                            + ") sleeps forever with nothing left to wake it: killed");
                    stuck.task.killBySignal(9);
                    syscalls.exitProcess(stuck.task);
                    procs.exitNotify(stuck);
                    if (stuck.task == main) mainOutcome = RunOutcome.killed(9, 0, null);
                }
                break;
            }
            procs.switchTo(cpu, p, next);
            p = next;
        }
        procs.releaseAll();
        return mainOutcome != null ? mainOutcome : RunOutcome.exited(main.exitCode());
    }

    /** Frames in use that no process owns: page-cache pages of the program and the zero page excluded. */
    public long framesInUse() {
        PageAllocator a = env.allocator();
        return a.nrManagedPages() - a.nrFreePages();
    }

    /** The guest's file namespace (its tmpfs holds pages after a run). */
    public Vfs vfs() {
        return vfs;
    }

    @Override
    public void close() {
        vfs.tmpfs().kill(); // unmount: files still linked free their pages (while the CPU can still drop their code)
        cpu.close();
        env.mem().close();
    }
}
