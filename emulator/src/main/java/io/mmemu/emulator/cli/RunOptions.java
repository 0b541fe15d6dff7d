package io.mmemu.emulator.cli;

import io.mmemu.emulator.run.RunConfig;
import io.mmemu.kernel.CpuModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that shape a guest run ({@link RunConfig}), shared by the commands that run guests:
 * run, campaign. Options that only show a run (--pmap, --tlb-dump, ...) belong to each command.
 */
public final class RunOptions {
    @Option(names = "--ram", paramLabel = "SIZE", converter = SizeConverter.class, defaultValue = "256M",
            description = "Guest RAM, reserved lazily from the host (default: ${DEFAULT-VALUE}); e.g. 16G.")
    long ram;

    @Option(names = "--no-aslr", description = "Linux's layout without address-space randomisation (as setarch -R).")
    boolean noAslr;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the run's random choices: ASLR, AT_RANDOM, getrandom, faults (default: ${DEFAULT-VALUE}).")
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
            + "stale translations; combine with --check-tlb to see them). The same as --fail fail_ipi:action=drop,verbose=0.")
    boolean dropShootdowns;

    @Option(names = "--slub-debug", paramLabel = "FLAGS", description = "The kernel's slub_debug= option, in Linux's "
            + "syntax: F (consistency checks), Z (red zones), P (poisoning), U (user tracking), optionally for some "
            + "caches only (e.g. FZP, or F,vm_area_struct;Z,mm_struct). Reports go to stderr as Linux's SLUB BUG reports.")
    String slubDebug;

    @Option(names = "--precise", description = "Look every instruction and each page its data accesses touch up in "
            + "the model TLB, so TLB hits, misses and LRU order are exact per access (default: only Unicorn's own TLB "
            + "misses reach the model, so misses are exact and hits undercounted). Costs a native call per instruction, a "
            + "Java call when its page's lookup is not a plain repeat, and a page flush after each data page filled: "
            + "3-8x the default mode on bin/bench workloads.")
    boolean precise;

    @Option(names = "--exact-tlb", description = "Drop from Unicorn's TLB every entry the model TLB evicts, so every "
            + "model TLB miss is seen and counted (about 3x slower on streaming access).")
    boolean exactTlb;

    @Option(names = "--root", paramLabel = "DIR", description = "Files the program may open read-only, as if DIR were "
            + "/ (default: none; the program's own file and /proc are always there).")
    Path root;

    @Option(names = "--max-instructions", paramLabel = "N", description = "Stop the run after N instructions over all "
            + "CPUs, counted exactly, so the same run stops at the same point every time; exit status 124 (counting "
            + "makes a run several times slower).")
    long maxInstructions;

    @Option(names = "--fail", paramLabel = "POINT[:NAME=VALUE,...]", description = "Fault injection, repeatable: arm "
            + "POINT (failslab, fail_page_alloc, fail_futex, fail_ipi, preempt, slub_corrupt, bitflip) with Linux's "
            + "fault_attr attributes (probability, interval, times, space, verbose, task-filter) and the point's own "
            + "(e.g. cache-filter=vm_area_struct, min-order=0). From the command line a point fails without limit "
            + "(times=-1), reports each injection (verbose=1) and fails allocations that may sleep "
            + "(ignore-gfp-wait=N); the guest sees and changes the same attributes in /sys/kernel/debug/POINT/. Faults are "
            + "armed once the program is loaded (docs/fault-injection.md).")
    List<String> fail = new ArrayList<>();

    @Option(names = "--thp", paramLabel = "POLICY", defaultValue = RunConfig.DEFAULT_THP,
            description = "Transparent huge pages for anonymous memory, as /sys/kernel/mm/transparent_hugepage/enabled: "
                    + "always, madvise (only ranges given MADV_HUGEPAGE) or never (default: ${DEFAULT-VALUE}, as most "
                    + "distributions ship Linux). An aligned 2 MiB of an eligible VMA is mapped by one huge PMD at its "
                    + "first fault.")
    String thp = RunConfig.DEFAULT_THP;

    @Option(names = "--cpu-model", paramLabel = "MODEL", defaultValue = CpuModel.DEFAULT,
            description = "The CPUs' model: qemu64 (default: no protection keys, as the host) or skylake-server "
                    + "(QEMU's Skylake-Server: PKU, so Linux's protection keys work: pkey_alloc(), WRPKRU/RDPKRU, "
                    + "SEGV_PKUERR, XSAVE signal frames with PKRU; docs/cpu-model.md).")
    String cpuModel = CpuModel.DEFAULT;

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "Adds a variable to the program's environment "
            + "(which is otherwise empty, so runs do not depend on the host's).")
    List<String> env = new ArrayList<>();

    /** Every option at its default; picocli sets those given. */
    public RunOptions() {}

    /**
     * The run these options describe.
     *
     * @param program the program
     * @param args    its arguments after argv[0]
     * @return the configuration (not yet validated)
     */
    public RunConfig config(Path program, List<String> args) {
        long ramBytes = (ram + (2L << 20) - 1) & -(2L << 20);
        return new RunConfig(program, args, env, ramBytes, !noAslr, seed, cpus, quantum, tlbPreset, !noPcid, checkTlb,
                dropShootdowns, precise, exactTlb, stats, verbose, root, maxInstructions, fail, slubDebug, thp, cpuModel);
    }
}
