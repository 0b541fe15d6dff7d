package io.mmemu.kernel;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * How a machine is set up: its memory, ASLR and the run's seed, the guest's standard streams and
 * root, the CPUs and their time slice, the TLBs. The kernel reads most of it; {@code
 * countInstructions}, {@code exactTlb} and {@code tlb().precise()} are for the CPUs' front end.
 */
public record MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
        OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin,
        int cpus, long quantum, TlbOptions tlb) {
    public MachineOptions {
        if (cpus < 1 || cpus > Kernel.MAX_CPUS) {
            throw new IllegalArgumentException("cpus must be 1.." + Kernel.MAX_CPUS + " (got " + cpus + ")");
        }
        if (quantum < 1) throw new IllegalArgumentException("quantum must be positive (got " + quantum + ")");
    }

    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb, Path root, InputStream stdin) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root, stdin, 1,
                Scheduler.DEFAULT_QUANTUM, TlbOptions.DEFAULT);
    }

    /** The same options on {@code n} CPUs. */
    public MachineOptions withCpus(int n) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, n, quantum, tlb);
    }

    /** The same options with {@code t} for the TLBs. */
    public MachineOptions withTlb(TlbOptions t) {
        return new MachineOptions(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, root,
                stdin, cpus, quantum, t);
    }

    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, false);
    }

    public MachineOptions(long ramBytes, boolean aslr, long seed, boolean countInstructions, boolean verbose,
            OutputStream stdout, OutputStream stderr, PrintStream log, boolean exactTlb) {
        this(ramBytes, aslr, seed, countInstructions, verbose, stdout, stderr, log, exactTlb, null,
                InputStream.nullInputStream());
    }
}
