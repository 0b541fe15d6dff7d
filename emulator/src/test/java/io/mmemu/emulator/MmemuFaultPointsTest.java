package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.fault.FaultPoint;
import io.mmemu.fault.FaultSpec;
import io.mmemu.fault.Injection;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.TlbOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.slub.KmemCache;
import io.mmemu.testprograms.GuestProgram;
import io.mmemu.tlb.check.StaleTranslation;
import io.mmemu.tlb.linux.TlbEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * mmemu's own fault points, each injected into a real guest and judged by what the guest (or the
 * kernel's log) shows: fail_ipi leaves stale translations, preempt loses planted-race's update,
 * slub_corrupt brings SLUB's report (or the oops without slub_debug), bitflip changes what the
 * guest reads.
 */
class MmemuFaultPointsTest {
    record Run(int status, String stdout, String log, long instructions, List<Injection> injected,
            List<StaleTranslation> stale, long ipiDelayed, int validated) {}

    /** Runs {@code name} with {@code args} on {@code cpus} CPUs, the --fail specs applied, {@code setup} on the machine first. */
    static Run run(String name, List<String> args, int cpus, TlbOptions tlb, String slubDebug, Consumer<Machine> setup,
            String... specs) throws Exception {
        GuestProgram p = GuestProgram.named(name);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(64L << 20, false, 1, true, false, out, new ByteArrayOutputStream(),
                new PrintStream(log, true, StandardCharsets.UTF_8)).withCpus(cpus).withTlb(tlb).withSlubDebug(slubDebug);
        try (Machine m = new Machine(options)) {
            for (String s : specs) FaultSpec.parse(s).applyTo(m.kernel().faults());
            setup.accept(m);
            List<String> argv = new ArrayList<>();
            argv.add(p.binary().toString());
            argv.addAll(args);
            m.exec(p.binary(), argv, List.of());
            RunOutcome o = m.run();
            int validated = m.env().kernelSlab().vmAreaCachep().validate();
            return new Run(o.killed() ? 128 + o.signal() : o.exitCode(), out.toString(StandardCharsets.UTF_8),
                    log.toString(StandardCharsets.UTF_8), m.instructions(), List.copyOf(m.kernel().faults().injected()),
                    List.copyOf(m.staleTranslations()), m.tlbManagement().event(TlbEvent.IPI_DELAYED), validated);
        }
    }

    static Run run(String name, List<String> args, int cpus, String... specs) throws Exception {
        return run(name, args, cpus, TlbOptions.DEFAULT, null, m -> { }, specs);
    }

    /** planted-race's window: the probe run exits from inside it; the window opens 5 instructions before its end. */
    static long raceWindow(String name, int cpus) throws Exception {
        Run probe = run(name, List.of("probe"), cpus);
        assertEquals(3, probe.status(), "the probe run leaves from inside the window: " + probe.log());
        return probe.instructions() - 5;
    }

    @Test
    void plantedRaceLosesAnUpdateOnlyWhenPreemptedInsideItsWindow() throws Exception {
        Run plain = run("planted-race", List.of(), 1);
        assertEquals("counted 200 of 200 updates\n", plain.stdout());
        assertEquals(0, plain.status());
        long n = raceWindow("planted-race", 1);
        Run lost = run("planted-race", List.of(), 1, "preempt:at=" + n);
        assertEquals("counted 199 of 200 updates: 1 lost\n", lost.stdout(), lost.log());
        assertEquals(1, lost.status());
        assertEquals(1, lost.injected().size());
        assertEquals(n, lost.injected().getFirst().instructions(), "the preemption struck exactly at the count asked for");
        for (long outside : new long[] {n - 1, n + 4}) {
            Run safe = run("planted-race", List.of(), 1, "preempt:at=" + outside);
            assertEquals("counted 200 of 200 updates\n", safe.stdout(), "a preemption at " + outside + " is harmless");
        }
        Run notChosen = run("planted-race", List.of(), 1, "preempt:at=" + n + ",probability=0");
        assertEquals("counted 200 of 200 updates\n", notChosen.stdout(), "probability 0 arms nothing");
    }

    @Test
    void fourCpusWithSeveralPreemptionsAndMigrationsRunTheSameEveryTime() throws Exception {
        long n = raceWindow("planted-race-4", 4);
        String spec = "preempt:at=" + n + "+" + (n + 3000) + "+" + (n + 6000) + ",verbose=0";
        Run a = run("planted-race-4", List.of(), 4, spec);
        Run b = run("planted-race-4", List.of(), 4, spec);
        assertTrue(a.stdout().matches("counted 3\\d\\d of 400 updates: \\d+ lost\n"), a.stdout());
        assertEquals(1, a.status());
        assertEquals(3, a.injected().size(), a.injected().toString());
        assertEquals(a, b, "same seed, same preemptions: the same run");
        String migrating = "preempt:at=" + (n - 2000) + "+" + n + "+" + (n + 3000) + ",migrate=Y,verbose=0";
        Run c = run("planted-race-4", List.of(), 4, migrating);
        assertEquals(3, c.injected().size(), c.injected().toString());
        assertEquals(c, run("planted-race-4", List.of(), 4, migrating), "migrations too: the same run");
    }

    @Test
    void migrateMovesTheTaskToTheNextCpuWithItsRegisters() throws Exception {
        Run r = run("fault-probe", List.of("cpus", "100000"), 2, "preempt:at=30000+60000,migrate=Y,verbose=0");
        assertEquals("start on cpu 0\n", r.stdout().lines().findFirst().orElseThrow() + "\n");
        assertTrue(r.stdout().contains("cpu 0 -> 1 at iteration"), r.stdout());
        assertTrue(r.stdout().contains("cpu 1 -> 0 at iteration"), r.stdout());
        assertEquals(0, r.status(), "the loop went on where it was, on the other CPU: " + r.stdout());
    }

    @Test
    void bitflipChangesWhatTheGuestReads() throws Exception {
        Run byAddr = run("fault-probe", List.of("flip", "1000000"), 1, "bitflip:at=200000,addr=0x600000000000,bit=9");
        assertTrue(byAddr.stdout().startsWith("read 0x200 from the written page and 0 from the zero page after "),
                byAddr.stdout());
        // pfn= names a frame: the zero page, which every untouched anonymous page reads.
        Run byPfn = run("fault-probe", List.of("flip", "1000000"), 1, TlbOptions.DEFAULT, null,
                m -> FaultSpec.parse("bitflip:at=200000,bit=3,pfn=" + m.env().zeroPfn()).applyTo(m.kernel().faults()));
        assertTrue(byPfn.stdout().startsWith("read 0 from the written page and 0x8 from the zero page after "),
                byPfn.stdout());
        Run none = run("fault-probe", List.of("flip", "100000"), 1);
        assertEquals("nothing changed in 100000 reads\n", none.stdout());
    }

    @Test
    void failIpiDropLeavesStaleTranslationsAsDropShootdownsDid() throws Exception {
        TlbOptions check = TlbOptions.DEFAULT.withCheckTlb(true);
        Run r = run("mt-munmap-shootdown", List.of(), 2, check, null, m -> { }, "fail_ipi:action=drop,verbose=0");
        assertTrue(r.stale().stream().anyMatch(f -> f.operation().equals("munmap") && f.cpu() != 0), r.stale().toString());
        assertTrue(r.injected().stream().allMatch(i -> i.point() == FaultPoint.FAIL_IPI), r.injected().toString());
        Run old = run("mt-munmap-shootdown", List.of(), 2, check.withDropShootdowns(true), null, m -> { });
        assertEquals(r.stale().size(), old.stale().size(), "--drop-shootdowns is the same fault");
    }

    @Test
    void failIpiDelayLeavesTheTargetStaleUntilItEntersTheKernel() throws Exception {
        TlbOptions check = TlbOptions.DEFAULT.withCheckTlb(true);
        Run r = run("mt-munmap-shootdown", List.of(), 2, check, null, m -> { }, "fail_ipi:action=delay,delay=0,verbose=0");
        assertTrue(r.ipiDelayed() > 0);
        assertTrue(r.stale().stream().anyMatch(f -> f.operation().equals("munmap") && f.cpu() != 0), r.stale().toString());
        Run none = run("mt-munmap-shootdown", List.of(), 2, check, null, m -> { });
        assertTrue(none.stale().isEmpty(), none.stale().toString());
    }

    @Test
    void slubCorruptWithSlubDebugIsReportedAsLinuxDoes() throws Exception {
        Run fp = run("fault-probe", List.of("vmas", "8"), 1, TlbOptions.DEFAULT, "F,vm_area_struct", m -> { },
                "slub_corrupt:cache=vm_area_struct,verbose=0");
        // The next free walks the slab's freelist (on_freelist()) and meets the bad pointer first.
        assertTrue(fp.log().contains("BUG vm_area_struct (Not tainted): Freechain corrupt"), fp.log());
        assertEquals("mapped 8, unmapped 8, mapped 12\n", fp.stdout(), "slub_debug isolates the slab; the guest goes on");
        Run rz = run("fault-probe", List.of("vmas", "8"), 1, TlbOptions.DEFAULT, "FZ,vm_area_struct", m -> { },
                "slub_corrupt:cache=vm_area_struct,target=redzone,bit=2,verbose=0");
        assertTrue(rz.log().contains("[Right Redzone overwritten]"), rz.log());
        assertTrue(rz.log().contains("First byte 0xc8 instead of 0xcc"), rz.log());
    }

    @Test
    void slubCorruptWithoutDebugOopsesTheTask() throws Exception {
        Run r = run("fault-probe", List.of("vmas", "8"), 1, "slub_corrupt:cache=vm_area_struct,verbose=0");
        assertEquals(128 + 11, r.status(), r.log());
        assertTrue(r.log().contains("mmemu: Oops: general protection fault in kmem_cache_alloc(vm_area_struct)"), r.log());
        assertEquals("", r.stdout());
    }

    @Test
    void validateCountsWhatItsOwnFlushFinds() throws Exception {
        // The program's last frees (exit_mmap) leave a corrupted free pointer on the CPU freelist;
        // validate()'s flush meets it, reports it and isolates the chain: two errors it must count.
        Run r = run("fault-probe", List.of("flip", "10"), 1, "slub_corrupt:cache=vm_area_struct,verbose=0");
        assertTrue(r.log().contains("invalid freepointer"), r.log());
        assertTrue(r.log().contains("FIX vm_area_struct: Isolate corrupted freechain"), r.log());
        assertEquals(2, r.validated(), r.log());
        Run clean = run("fault-probe", List.of("flip", "10"), 1);
        assertEquals(0, clean.validated(), clean.log());
    }

    @Test
    void schedPointPreemptionMakesTheFastPathRetry() throws Exception {
        long[] fails = new long[2];
        String[] specs = {"preempt:probability=0", "preempt:sched-point=alloc_before_cmpxchg,verbose=0"};
        for (int i = 0; i < 2; i++) {
            MachineOptions options = new MachineOptions(64L << 20, false, 1, true, false, new ByteArrayOutputStream(),
                    new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            try (Machine m = new Machine(options)) {
                FaultSpec.parse(specs[i]).applyTo(m.kernel().faults());
                GuestProgram p = GuestProgram.named("fault-probe");
                m.exec(p.binary(), List.of("fault-probe", "vmas", "8"), List.of());
                assertEquals(0, m.run().exitCode());
                KmemCache vma = m.env().kernelSlab().vmAreaCachep();
                fails[i] = vma.stat(io.mmemu.slub.SlubStat.CMPXCHG_DOUBLE_FAIL);
            }
        }
        assertEquals(0, fails[0]);
        assertTrue(fails[1] > 0, "the preempted fast path's cmpxchg failed and started over");
    }
}
