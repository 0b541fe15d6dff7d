package io.mmemu.emulator;

import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.unicorn.Unicorn;
import io.mmemu.tlb.linux.TlbFlushListener;
import io.mmemu.emulator.cpu.CrossModifyingCode;
import io.mmemu.emulator.cpu.WrittenFrames;
import io.mmemu.emulator.unicorn.DeterministicClock;
import io.mmemu.kernel.ExecFailure;
import io.mmemu.kernel.Kernel;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.StopCause;
import io.mmemu.kernel.arch.CpuFactory;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.kernel.arch.SyscallHandler;
import io.mmemu.kernel.elf.ElfFormatException;
import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.page.FrameWriteHook;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.linux.MmContexts;
import io.mmemu.tlb.linux.TlbManagement;
import java.nio.file.Path;
import java.util.List;

/**
 * One emulated machine: the {@link Kernel} (guest RAM, the memory model, the tasks and the
 * syscalls) on CPUs that are Unicorn engines. {@link #exec} loads a static program as the first
 * process and {@link #run} runs it to the end.
 *
 * <p>Why a facade over the kernel rather than the kernel itself: the kernel module knows CPUs only
 * as {@code ArchCpu}s (so it is tested without Unicorn), and what ties the engines to the model
 * belongs here, with the engines: each engine's own TLB must hold only what its model TLB holds
 * (the TLB management's listener empties it on every change), and translated code must stay
 * coherent across engines ({@link CrossModifyingCode}). Composition rather than a subclass, as
 * the kernel is final and its API is the kernel's; this class adds the engines' view ({@link
 * #cpu}, {@link #cpus} as {@link Cpu}s, with their statistics) and otherwise forwards.
 */
public final class Machine implements AutoCloseable {
    private final Kernel kernel;
    /** The engines, in id order: the same objects as the kernel's CPUs. */
    private final Cpu[] cpus;
    private final UnicornCpus factory;

    /**
     * Builds a machine: the kernel model and one Unicorn engine per CPU, ready to {@link #exec}.
     *
     * @param options the memory, CPUs, TLBs and the rest of the machine's setup
     */
    public Machine(MachineOptions options) {
        UnicornCpus factory = new UnicornCpus(options);
        this.kernel = new Kernel(options, factory);
        this.cpus = factory.cpus;
        this.factory = factory;
        // Whatever changes a CPU's model TLB (CR3 load, flush, shootdown) empties its Unicorn TLB.
        kernel.tlbManagement().setListener(new TlbFlushListener() {
            @Override
            public void tlbFlushed(int cpu) {
                cpus[cpu].flushUnicornTlb();
            }

            @Override
            public void tlbFlushedRange(int cpu, long start, long end) {
                cpus[cpu].flushUnicornTlbRange(start, end);
            }
        });
    }

    /** Makes the machine's CPUs: one Unicorn engine each, over the kernel's memory. */
    private static final class UnicornCpus implements CpuFactory {
        private final MachineOptions options;
        private final Cpu[] cpus;
        private CrossModifyingCode crossModifyingCode;
        /** Frames the memory model writes, marked while a recorder watches ({@link #trackWrittenFrames}); else null. */
        private WrittenFrames writtenFrames;

        UnicornCpus(MachineOptions options) {
            this.options = options;
            this.cpus = new Cpu[options.cpus()];
        }

        /** The engines' code coherence, built first: the memory model tells it of every frame about to change. */
        @Override
        public FrameWriteHook frameWriteHook(FrameTable frames) {
            crossModifyingCode = new CrossModifyingCode(frames, cpus);
            return pfn -> {
                crossModifyingCode.beforeFrameWrite(pfn);
                WrittenFrames w = writtenFrames;
                if (w != null) w.mark(pfn);
            };
        }

        @Override
        public Cpu create(int id, MmEnv env, SyscallHandler kernel, TlbManagement tlbManagement, MmContexts contexts) {
            if (id == 0) {
                // The kernel's model, built by now, needs no library; the engines do. Waiting for the
                // library check here rather than before the machine lets a command build the model
                // while the check ends on its thread. Nothing before this point may touch a class of
                // io.mmemu.emulator.unicorn: the check thread initializes them, and two threads that
                // initialize classes in opposite orders deadlock (DeterministicClock did).
                Unicorn.requireLibrary();
                // libunicorn's clock, which sizes each engine's TLB, starts afresh for every machine.
                DeterministicClock.reset();
            }
            cpus[id] = new Cpu(id, env, kernel, options.countInstructions(), tlbManagement, contexts, crossModifyingCode,
                    options.exactTlb(), options.tlb().precise(), options.cpuModel().pku());
            return cpus[id];
        }
    }

    /**
     * Marks in {@code frames} every frame whose contents may change from now on: each frame a TLB
     * fill lets an engine write, and each frame the memory model writes. Empties every engine's
     * TLB, so that stores through translations filled before are seen too; call it again (with
     * the same set, cleared) to start a new interval.
     *
     * @param frames the set to mark, or null to stop tracking
     */
    public void trackWrittenFrames(WrittenFrames frames) {
        factory.writtenFrames = frames;
        for (Cpu c : cpus) {
            c.trackWrittenFrames(frames);
            c.flushUnicornTlb();
        }
    }

    /** {@return the kernel this machine runs} */
    public Kernel kernel() {
        return kernel;
    }

    /** {@return what the stale-translation checker found (with TlbOptions.checkTlb)} */
    public List<StaleTranslation> staleTranslations() {
        return kernel.staleTranslations();
    }

    /** {@return Linux's TLB management of this machine's CPUs} */
    public TlbManagement tlbManagement() {
        return kernel.tlbManagement();
    }

    /** {@return the memory model: physical memory, the page allocator and the hooks the CPUs installed} */
    public MmEnv env() {
        return kernel.env();
    }

    /** {@return CPU 0} */
    public Cpu cpu() {
        return cpus[0];
    }

    /** {@return every CPU, in id order} */
    public List<Cpu> cpus() {
        return List.of(cpus);
    }

    /** {@return the first task: the one {@link #exec} loads the program into} */
    public Task task() {
        return kernel.task();
    }

    /**
     * See {@link Kernel#exec}.
     *
     * @param program the static x86-64 ELF binary
     * @param argv    its argument vector, argv[0] included
     * @param envp    its environment, {@code NAME=value} strings
     * @throws ElfFormatException when the file is not a loadable x86-64 ELF
     * @throws ExecFailure        when loading fails as execve() would (an errno)
     */
    public void exec(Path program, List<String> argv, List<String> envp) throws ElfFormatException, ExecFailure {
        kernel.exec(program, argv, envp);
    }

    /**
     * See {@link Kernel#run}.
     *
     * @return how the run ended
     */
    public RunOutcome run() {
        // Again here: the thread that runs the machine need not be the one that built it.
        DeterministicClock.reset();
        return kernel.run();
    }

    /**
     * See {@link Kernel#setMaxInstructions}.
     *
     * @param n the budget of instructions over all CPUs
     */
    public void setMaxInstructions(long n) {
        kernel.setMaxInstructions(n);
    }

    /** See {@link Kernel#allowStopRequests}. */
    public void allowStopRequests() {
        kernel.allowStopRequests();
    }

    /** Thread-safe; see {@link Kernel#requestStop}. */
    public void requestStop() {
        kernel.requestStop();
    }

    /** {@return why the run was cut short, or null when its tasks ended by themselves} */
    public StopCause stopCause() {
        return kernel.stopCause();
    }

    /** {@return the instructions executed on all CPUs so far, or -1 when they are not counted} */
    public long instructions() {
        return kernel.instructions();
    }

    /** {@return kernel.threads-max: the most tasks this machine holds at once} */
    public int maxThreads() {
        return kernel.maxThreads();
    }

    /**
     * {@return the frames in use that no process owns: page-cache pages of the program and the zero page excluded}
     */
    public long framesInUse() {
        return kernel.framesInUse();
    }

    /** Tasks the machine keeps an entry for: live ones, zombies, and those gone since the scheduler last looked. */
    int tasksKept() {
        return kernel.tasksKept();
    }

    /** {@return the guest's file namespace (its tmpfs holds pages after a run)} */
    public Vfs vfs() {
        return kernel.vfs();
    }

    @Override
    public void close() {
        kernel.close();
    }
}
