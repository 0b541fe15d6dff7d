package io.mmemu.emulator.cli;

import io.mmemu.emulator.run.RunConfig;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code mmemu demo}: runs three bundled programs and says what happened. */
@Command(addMethodSubcommands = false, name = "demo", mixinStandardHelpOptions = true,
        description = "Runs bundled guest programs (hello, touch-pages, a multithreaded one on 2 CPUs) under the emulator with statistics.")
public final class DemoCommand implements Callable<Integer> {
    /** The command; picocli calls {@link #call()}. */
    public DemoCommand() {}

    @Override
    public Integer call() {
        var log = System.err;
        log.println("mmemu demo: every load, store and instruction fetch of these programs is translated through "
                + "x86-64 page tables that the Java memory model keeps in emulated physical memory.");
        log.println();
        log.println("== 1. hello: a static musl C program; prints a line and exits with status 7");
        int status = run("hello", List.of());
        log.println("   exit status " + status);
        log.println();
        log.println("== 2. touch-pages 20000: maps 20000 fresh pages and writes each once; each first touch is a "
                + "page fault served by the model (demand-zero), then a TLB fill");
        status = run("touch-pages", List.of("20000"));
        log.println("   exit status " + status);
        log.println();
        log.println("== 3. mt-munmap-shootdown on 2 CPUs: threads spin on pages while the main thread unmaps and "
                + "mprotects them; each change sends TLB shootdown IPIs to the other CPU (see 'shootdown' and "
                + "'received'), and the stale-translation checker finds nothing left behind");
        RunConfig smp = config("mt-munmap-shootdown", List.of());
        smp = smp.withMachine(smp.ramBytes(), 2, smp.quantum()).withAslrAndCheckTlb(false, true);
        status = RunCommand.runProgram(smp, new RunCommand(), log);
        log.println("   exit status " + status);
        return 0;
    }

    private static int run(String name, List<String> args) {
        return RunCommand.runProgram(config(name, args), new RunCommand(), System.err);
    }

    /** The demo's run: no ASLR, seed 1, statistics. */
    private static RunConfig config(String name, List<String> args) {
        return RunConfig.defaults(DemoPrograms.binary(name), args).withCountInstructions(true)
                .withAslrAndCheckTlb(false, false);
    }
}
