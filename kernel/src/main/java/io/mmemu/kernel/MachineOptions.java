package io.mmemu.kernel;

import io.mmemu.mm.huge.ThpPolicy;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * How a machine is set up: its memory, ASLR and the run's seed, the guest's standard streams and
 * root, the CPUs and their time slice, the TLBs. The kernel reads most of it; {@code
 * countInstructions}, {@code exactTlb} and {@code tlb().precise()} are for the CPUs' front end.
 *
 * @param ramBytes          the machine's physical memory in bytes
 * @param aslr              whether the stack, mmap base, brk and a static PIE's base are randomised
 * @param seed              the seed of every random choice of the run (ASLR, AT_RANDOM)
 * @param countInstructions whether the CPUs count instructions from the start (for --stats)
 * @param verbose           whether unimplemented syscalls are reported (each number once) to {@code log}
 * @param stdout            where the guest's descriptor 1 writes
 * @param stderr            where the guest's descriptor 2 writes
 * @param log               where mmemu's own reports go (verbose output, stale TLB entries)
 * @param exactTlb          whether a CPU drops from its engine's TLB every entry the model TLB evicts, so that
 *                          every model TLB miss is seen
 * @param root              the directory the guest sees read-only as "/" (--root), or null for none
 * @param stdin             what the guest's descriptor 0 reads
 * @param cpus              the number of CPUs, 1 to {@link Kernel#MAX_CPUS}
 * @param quantum           the time slice in instructions once more than one task is runnable, positive
 * @param tlb               the CPUs' TLB hierarchy and Linux's TLB options
 * @param slubDebug         the kernel's slub_debug= option (Linux's syntax, e.g. {@code FZP} or
 *                          {@code F,vm_area_struct}), or null for none
 * @param thp               the transparent-huge-page policy at boot (/sys/kernel/mm/transparent_hugepage/enabled)
 * @param cpuModel          the CPUs' model: with PKU, Linux's protection keys are on
 */
public record MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
        OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin,
        int cpus, long quantum, TlbOptions tlb, String slubDebug, ThpPolicy thp, CpuModel cpuModel) {
    /**
     * Checks the CPU count and the quantum.
     *
     * @throws IllegalArgumentException when {@code cpus} is outside 1..{@link Kernel#MAX_CPUS} or {@code quantum} is
     *                                  not positive
     */
    public MachineOptions {
        if (cpus < 1 || cpus > Kernel.MAX_CPUS) {
            throw new IllegalArgumentException("cpus must be 1.." + Kernel.MAX_CPUS + " (got " + cpus + ")");
        }
        if (quantum < 1) throw new IllegalArgumentException("quantum must be positive (got " + quantum + ")");
        if (thp == null) throw new IllegalArgumentException("thp must be always, madvise or never (got null)");
        if (cpuModel == null) throw new IllegalArgumentException("cpuModel must be qemu64 or skylake-server (got null)");
    }

    /**
     * Options with the default THP policy, madvise.
     *
     * @param ramBytes          the machine's physical memory in bytes
     * @param aslr              whether addresses are randomised
     * @param seed              the seed of every random choice of the run
     * @param countInstructions whether the CPUs count instructions from the start
     * @param verbose           whether unimplemented syscalls are reported to {@code log}
     * @param stdout            where the guest's descriptor 1 writes
     * @param stderr            where the guest's descriptor 2 writes
     * @param log               where mmemu's own reports go
     * @param exactTlb          whether every model TLB eviction also drops the engine's entry
     * @param root              the directory the guest sees read-only as "/", or null for none
     * @param stdin             what the guest's descriptor 0 reads
     * @param cpus              the number of CPUs
     * @param quantum           the time slice in instructions
     * @param tlb               the CPUs' TLB hierarchy and Linux's TLB options
     * @param slubDebug         the kernel's slub_debug= option, or null for none
     */
    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin,
            int cpus, long quantum, TlbOptions tlb, String slubDebug) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root, stdin, cpus, quantum,
                tlb, slubDebug, ThpPolicy.MADVISE, CpuModel.QEMU64);
    }

    /**
     * Options without slub_debug.
     *
     * @param ramBytes          the machine's physical memory in bytes
     * @param aslr              whether addresses are randomised
     * @param seed              the seed of every random choice of the run
     * @param countInstructions whether the CPUs count instructions from the start
     * @param verbose           whether unimplemented syscalls are reported to {@code log}
     * @param stdout            where the guest's descriptor 1 writes
     * @param stderr            where the guest's descriptor 2 writes
     * @param log               where mmemu's own reports go
     * @param exactTlb          whether every model TLB eviction also drops the engine's entry
     * @param root              the directory the guest sees read-only as "/", or null for none
     * @param stdin             what the guest's descriptor 0 reads
     * @param cpus              the number of CPUs
     * @param quantum           the time slice in instructions
     * @param tlb               the CPUs' TLB hierarchy and Linux's TLB options
     */
    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin,
            int cpus, long quantum, TlbOptions tlb) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root, stdin, cpus, quantum,
                tlb, null);
    }

    /**
     * The same options with the kernel's slub_debug= option.
     *
     * @param option Linux's slub_debug= syntax, or null for none
     * @return the new options
     */
    public MachineOptions withSlubDebug(String option) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, cpus, quantum, tlb, option, thp, cpuModel);
    }

    /**
     * Options for one CPU with the default time slice and TLBs ({@link TlbOptions#DEFAULT}).
     *
     * @param ramBytes          the machine's physical memory in bytes
     * @param aslr              whether addresses are randomised
     * @param seed              the seed of every random choice of the run
     * @param countInstructions whether the CPU counts instructions from the start
     * @param verbose           whether unimplemented syscalls are reported to {@code log}
     * @param stdout            where the guest's descriptor 1 writes
     * @param stderr            where the guest's descriptor 2 writes
     * @param log               where mmemu's own reports go
     * @param exactTlb          whether every model TLB eviction also drops the engine's entry
     * @param root              the directory the guest sees read-only as "/", or null for none
     * @param stdin             what the guest's descriptor 0 reads
     */
    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root, stdin, 1,
                Scheduler.DEFAULT_QUANTUM, TlbOptions.DEFAULT);
    }

    /**
     * The same options on {@code n} CPUs.
     *
     * @param n the number of CPUs, 1 to {@link Kernel#MAX_CPUS}
     * @return the new options
     */
    public MachineOptions withCpus(int n) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, n, quantum, tlb, slubDebug, thp, cpuModel);
    }

    /**
     * The same options with another transparent-huge-page policy.
     *
     * @param policy the policy at boot
     * @return the new options
     */
    public MachineOptions withThp(ThpPolicy policy) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, cpus, quantum, tlb, slubDebug, policy, cpuModel);
    }

    /**
     * The same options with another CPU model.
     *
     * @param model the CPUs' model
     * @return the new options
     */
    public MachineOptions withCpuModel(CpuModel model) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, cpus, quantum, tlb, slubDebug, thp, model);
    }

    /**
     * The same options with {@code t} for the TLBs.
     *
     * @param t the CPUs' TLB hierarchy and Linux's TLB options
     * @return the new options
     */
    public MachineOptions withTlb(TlbOptions t) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, cpus, quantum, t, slubDebug, thp, cpuModel);
    }

    /**
     * Options for one CPU without --exact-tlb, --root or input (stdin reads EOF).
     *
     * @param ramBytes          the machine's physical memory in bytes
     * @param aslr              whether addresses are randomised
     * @param seed              the seed of every random choice of the run
     * @param countInstructions whether the CPU counts instructions from the start
     * @param verbose           whether unimplemented syscalls are reported to {@code log}
     * @param stdout            where the guest's descriptor 1 writes
     * @param stderr            where the guest's descriptor 2 writes
     * @param log               where mmemu's own reports go
     */
    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, false);
    }

    /**
     * Options for one CPU without --root or input (stdin reads EOF).
     *
     * @param ramBytes          the machine's physical memory in bytes
     * @param aslr              whether addresses are randomised
     * @param seed              the seed of every random choice of the run
     * @param countInstructions whether the CPU counts instructions from the start
     * @param verbose           whether unimplemented syscalls are reported to {@code log}
     * @param stdout            where the guest's descriptor 1 writes
     * @param stderr            where the guest's descriptor 2 writes
     * @param log               where mmemu's own reports go
     * @param exactTlb          whether every model TLB eviction also drops the engine's entry
     */
    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, null,
                InputStream.nullInputStream());
    }
}
