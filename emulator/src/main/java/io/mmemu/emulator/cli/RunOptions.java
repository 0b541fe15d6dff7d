package io.mmemu.emulator.cli;

import static io.mmemu.emulator.cli.OptionSpecs.flag;
import static io.mmemu.emulator.cli.OptionSpecs.isSet;
import static io.mmemu.emulator.cli.OptionSpecs.list;
import static io.mmemu.emulator.cli.OptionSpecs.repeatable;
import static io.mmemu.emulator.cli.OptionSpecs.value;

import io.mmemu.emulator.run.RunConfig;
import io.mmemu.kernel.CpuModel;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options that shape a guest run ({@link RunConfig}), shared by the commands that run guests:
 * run, debug, campaign, which add {@link #mixin()} to their own. Options that only show a run
 * (--pmap, --tlb-dump, ...) belong to each command. Built with picocli's programmatic model
 * ({@link OptionSpecs} says why).
 */
public final class RunOptions {
    /** --ram's default, as the usage shows it. */
    private static final String RAM = "256M";

    /** The options, for the commands to add (picocli's mixin); first, as the options below add themselves to it. */
    private final CommandSpec mixin = CommandSpec.create();

    private final OptionSpec ram = add(value("--ram", "SIZE", long.class, new SizeConverter().convert(RAM),
            "Guest RAM, reserved lazily from the host (default: ${DEFAULT-VALUE}); e.g. 16G.")
            .defaultValue(RAM).converters(new SizeConverter()));

    private final OptionSpec noAslr = add(flag("--no-aslr",
            "Linux's layout without address-space randomisation (as setarch -R)."));

    private final OptionSpec seed = add(value("--seed", "N", long.class, 1L,
            "Seed of the run's random choices: ASLR, AT_RANDOM, getrandom, faults (default: ${DEFAULT-VALUE})."));

    private final OptionSpec stats = add(flag("--stats",
            "At exit, print instructions, page faults, TLB fills and wall time."));

    private final OptionSpec verbose = add(flag("--verbose",
            "Report each unimplemented syscall once, and how the program ended."));

    private final OptionSpec cpus = add(value("--cpus", "N", int.class, 1,
            "Emulated CPUs sharing the memory, one Unicorn engine each (default: ${DEFAULT-VALUE}, at most 64)."));

    private final OptionSpec quantum = add(value("--quantum", "N", long.class, 200_000L,
            "The time slice in instructions once more than one task is runnable (default: ${DEFAULT-VALUE})."));

    private final OptionSpec tlbPreset = add(value("--tlb", "PRESET", String.class, "typical",
            "Each CPU's TLB hierarchy: teaching (tiny, misses easy to see), typical, intel-golden-cove, amd-zen4 "
                    + "(default: ${DEFAULT-VALUE})."));

    private final OptionSpec noPcid = add(flag("--no-pcid",
            "Linux without PCIDs: every switch to another mm flushes the TLB."));

    private final OptionSpec checkTlb = add(flag("--check-tlb",
            "After every TLB-changing syscall, report any CPU whose TLB still holds a translation the page tables no "
                    + "longer allow (the stale-translation checker)."));

    private final OptionSpec dropShootdowns = add(flag("--drop-shootdowns",
            "Fault injection: drop every TLB shootdown IPI (other CPUs keep stale translations; combine with "
                    + "--check-tlb to see them). The same as --fail fail_ipi:action=drop,verbose=0."));

    private final OptionSpec slubDebug = add(value("--slub-debug", "FLAGS", String.class, null,
            "The kernel's slub_debug= option, in Linux's syntax: F (consistency checks), Z (red zones), P "
                    + "(poisoning), U (user tracking), optionally for some caches only (e.g. FZP, or "
                    + "F,vm_area_struct;Z,mm_struct). Reports go to stderr as Linux's SLUB BUG reports."));

    private final OptionSpec precise = add(flag("--precise",
            "Look every instruction and each page its data accesses touch up in the model TLB, so TLB hits, misses "
                    + "and LRU order are exact per access (default: only Unicorn's own TLB misses reach the model, "
                    + "so misses are exact and hits undercounted). Costs a native call per instruction, a Java call "
                    + "when its page's lookup is not a plain repeat, and a page flush after each data page filled: "
                    + "3-8x the default mode on bin/bench workloads."));

    private final OptionSpec exactTlb = add(flag("--exact-tlb",
            "Drop from Unicorn's TLB every entry the model TLB evicts, so every model TLB miss is seen and counted "
                    + "(about 3x slower on streaming access)."));

    private final OptionSpec root = add(value("--root", "DIR", Path.class, null,
            "Files the program may open read-only, as if DIR were / (default: none; the program's own file and /proc "
                    + "are always there)."));

    private final OptionSpec maxInstructions = add(value("--max-instructions", "N", long.class, 0L,
            "Stop the run after N instructions over all CPUs, counted exactly, so the same run stops at the same "
                    + "point every time; exit status 124 (counting makes a run several times slower)."));

    private final OptionSpec fail = add(repeatable("--fail", "POINT[:NAME=VALUE,...]",
            "Fault injection, repeatable: arm POINT (failslab, fail_page_alloc, fail_futex, fail_ipi, preempt, "
                    + "slub_corrupt, bitflip) with Linux's fault_attr attributes (probability, interval, times, "
                    + "space, verbose, task-filter) and the point's own (e.g. cache-filter=vm_area_struct, "
                    + "min-order=0). From the command line a point fails without limit (times=-1), reports each "
                    + "injection (verbose=1) and fails allocations that may sleep (ignore-gfp-wait=N); the guest "
                    + "sees and changes the same attributes in /sys/kernel/debug/POINT/. Faults are armed once the "
                    + "program is loaded (docs/fault-injection.md)."));

    private final OptionSpec thp = add(value("--thp", "POLICY", String.class, RunConfig.DEFAULT_THP,
            "Transparent huge pages for anonymous memory, as /sys/kernel/mm/transparent_hugepage/enabled: always, "
                    + "madvise (only ranges given MADV_HUGEPAGE) or never (default: ${DEFAULT-VALUE}, as most "
                    + "distributions ship Linux). An aligned 2 MiB of an eligible VMA is mapped by one huge PMD at "
                    + "its first fault."));

    private final OptionSpec cpuModel = add(value("--cpu-model", "MODEL", String.class, CpuModel.DEFAULT,
            "The CPUs' model: qemu64 (default: no protection keys, as the host) or skylake-server (QEMU's "
                    + "Skylake-Server: PKU, so Linux's protection keys work: pkey_alloc(), WRPKRU/RDPKRU, "
                    + "SEGV_PKUERR, XSAVE signal frames with PKRU; docs/cpu-model.md)."));

    private final OptionSpec env = add(repeatable("--env", "NAME=VALUE",
            "Adds a variable to the program's environment (which is otherwise empty, so runs do not depend on the "
                    + "host's)."));

    /** Every option at its default; picocli sets those given. */
    public RunOptions() {}

    /** {@return the options as a picocli mixin: a command adds it with CommandSpec.addMixin("run", mixin())} */
    public CommandSpec mixin() {
        return mixin;
    }

    /**
     * {@return the command line of {@code command}, an annotated command (debug, campaign), with
     * these options added as its mixin "run"}
     *
     * @param command the command object
     */
    CommandLine addTo(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.getCommandSpec().addMixin("run", mixin);
        return cl;
    }

    private OptionSpec add(OptionSpec.Builder option) {
        return OptionSpecs.add(mixin, option);
    }

    /**
     * The run these options describe.
     *
     * @param program the program
     * @param args    its arguments after argv[0]
     * @return the configuration (not yet validated)
     */
    public RunConfig config(Path program, List<String> args) {
        long ramBytes = ((long) ram.getValue() + (2L << 20) - 1) & -(2L << 20);
        return new RunConfig(program, args, list(env), ramBytes, !isSet(noAslr), seed.getValue(), cpus.getValue(),
                quantum.getValue(), tlbPreset.getValue(), !isSet(noPcid), isSet(checkTlb), isSet(dropShootdowns),
                isSet(precise), isSet(exactTlb), isSet(stats), isSet(verbose), root.getValue(), maxInstructions.getValue(),
                list(fail), slubDebug.getValue(), thp.getValue(), cpuModel.getValue());
    }
}
