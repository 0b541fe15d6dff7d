/**
 * The Linux kernel model: tasks and the scheduler, signals, syscalls, futexes, files (a VFS with
 * tmpfs and procfs), ELF loading and resource limits ({@code io.mmemu.kernel}, {@code .fs},
 * {@code .elf}), over the memory model and Linux's TLB management.
 *
 * <p>It sees CPUs only through {@code io.mmemu.kernel.arch} (registers as {@code PtRegs} and
 * {@code FpuState} values, a CPU as an {@code ArchCpu}), which a CPU front end implements: the
 * emulator with Unicorn engines, the kernel's own tests with CPUs that hold registers in memory.
 */
module io.mmemu.kernel {
    requires transitive io.mmemu.tlb;

    exports io.mmemu.kernel;
    exports io.mmemu.kernel.arch;
    exports io.mmemu.kernel.elf;
    exports io.mmemu.kernel.fs;
}
