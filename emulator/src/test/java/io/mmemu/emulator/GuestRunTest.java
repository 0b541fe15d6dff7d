package io.mmemu.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.kernel.TlbOptions;
import io.mmemu.kernel.MachineOptions;
import io.mmemu.kernel.arch.RunOutcome;
import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.IntStream;

/**
 * Real static programs end to end under the emulator: the same stdout and exit status as the
 * host kernel gave them (their .expected and .status files were recorded natively; test-programs'
 * NativeRunTest re-checks them against the host on every run).
 *
 * <p>Every program of test-programs is listed here; the address-space issue's differential
 * suite (same binary natively under setarch -R and under mmemu --no-aslr) grows from it.
 */
class GuestRunTest {
    static Stream<String> programs() {
        return Stream.of("hello", "hello-pie", "hello-asm", "touch-pages", "malloc-churn", "bad-insn", "wild-jump",
                "write-rodata", "auxv-dump", "brk-basic", "uname-and-ids", "unknown-syscall", "mmap-basic", "segv-at", "cat-file",
                // The address-space differential suite, as the model gains what each needs:
                "mm-brk", "mm-file-mmap", "mm-max-map-count", "mm-munmap-split", "mm-stack-growth", "mm-mprotect",
                "mm-fork-wait", "mm-cow-fork", "mm-fault-signals", "mm-mmap-errno", "mm-uaccess-efault",
                "mm-madvise-mincore", "mm-mremap", "mm-merge-maps", "mm-files", "mm-mmap-flags", "mm-exec",
                "mm-file-shared-write", "mm-mlock", "mm-memfd", "mm-mseal", "mm-smaps", "mm-pagemap", "mm-fallocate",
                "mm-droppable", "mm-mempolicy", "sig-altstack", "sys-prctl", "sys-pgrp", "sys-time-info", "sys-access",
                "sys-chdir", "sys-statfs", "sys-rseq", "sys-socketpair", "mm-proc-mem", "mm-clear-refs", "sys-pidfd-mrelease",
                "sys-sysctl-vm", "sys-getdents", "mm-secretmem", "sys-process-vm", "sys-pkeys", "sys-poll", "sys-futex", "sys-vmsplice", "sys-ptrace",
                "sys-ptrace-regset", "sys-fs-write", "sys-userfaultfd",
                // Transparent huge pages (mmemu's default --thp madvise; the host's always or madvise):
                "mm-thp-fault", "mm-mthp",
                "mm-mincore-huge", "tasks-hold", "write-huge", "exec-huge-args",
                // Limits: what setrlimit() accepts takes effect, RLIMIT_CPU on the virtual clock.
                "rlimit-nofile", "rlimit-cpu",
                // Syscall argument checks in the kernel's order, and a fixed run of the syscall fuzzer:
                "sys-errno-order", "sys-fuzz",
                // Fault injection's guests, run without faults (FaultInjectionTest injects them):
                "planted-enomem", "fail-nth-self", "failslab-debugfs", "getrandom",
                // Code rewritten in place by the engine itself (InstructionCountTest counts it too), and
                // code moved away from an address the jump cache knows:
                "smc-count", "jump-remap",
                // Floating point in every rounding mode (the host's CVTSI2SD and FPU, or softfloat), DAZ and FTZ:
                "fp-convert", "fp-arith");
    }

    /**
     * @param framesLeft  frames still allocated beyond the page cache (the program's and tmpfs's), the zero page and the
     *                    huge zero page; slab frames (PG_slab) are left out: the kernel caches keep emptied slabs, as
     *                    SLUB does
     * @param objectsLeft the kernel objects still allocated after the run ("" when none), by cache
     */
    record Run(RunOutcome outcome, int status, String stdout, String log, long framesLeft, String objectsLeft,
            List<io.mmemu.tlb.check.StaleTranslation> stale) {}

    /** Objects in use in the caches of the kernel's own objects; every process is gone, so "" is right. */
    static String kernelObjectsLeft(io.mmemu.mm.slab.KernelSlab slab) {
        StringBuilder sb = new StringBuilder();
        for (io.mmemu.slub.KmemCache c : List.of(slab.vmAreaCachep(), slab.mmCachep(), slab.taskStructCachep(),
                slab.pidCachep(), slab.signalCachep(), slab.sighandCachep(), slab.filesCachep())) {
            long n = slab.activeObjects(c);
            if (n != 0) sb.append(c.name()).append(' ').append(n).append('\n');
        }
        return sb.toString();
    }

    /** Guest RAM for the programs that need more than the default 64 MiB to do what they do on the host. */
    static final java.util.Map<String, Long> RAM_BYTES = java.util.Map.of("mm-oom-touch", 1L << 30);

    static Run run(GuestProgram p, boolean aslr, long seed) throws Exception {
        return run(p, aslr, seed, 1);
    }

    static Run run(GuestProgram p, boolean aslr, long seed, int cpus) throws Exception {
        return run(p, aslr, seed, cpus, TlbOptions.DEFAULT.withCheckTlb(true));
    }

    /** A run with the stale-translation checker on (as in every test here) unless {@code tlb} says otherwise. */
    static Run run(GuestProgram p, boolean aslr, long seed, int cpus, TlbOptions tlb) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MachineOptions options = new MachineOptions(RAM_BYTES.getOrDefault(p.name(), 64L << 20), aslr, seed, true, false, out, err,
                new PrintStream(log, true, StandardCharsets.UTF_8)).withCpus(cpus).withTlb(tlb);
        try (Machine m = new Machine(options)) {
            List<String> argv = new ArrayList<>();
            argv.add(p.binary().toString());
            argv.addAll(p.args());
            long freeBefore = m.env().allocator().nrFreePages();
            m.exec(p.binary(), argv, List.of());
            RunOutcome o = m.run();
            int status = o.killed() ? 128 + o.signal() : o.exitCode();
            // After exit only page-cache pages stay allocated: the program's, and those of files a
            // program left in /tmp or its root file system's upper layer (kept, as meminfo's Shmem
            // shows, until unmounted);
            // and the huge zero page, kept once a read fault allocated it.
            long hugeZero = m.env().thp().hugeZeroPfn() >= 0 ? HugeMemory.HPAGE_PMD_NR : 0;
            long framesLeft = freeBefore - m.env().allocator().nrFreePages() - m.env().kernelSlab().nrSlabPages()
                    - m.vfs().tmpfs().nrLinkedPages() - m.vfs().overlay().nrLinkedPages() - hugeZero;
            return new Run(o, status, out.toString(StandardCharsets.UTF_8), log.toString(StandardCharsets.UTF_8),
                    framesLeft - p.binary().toFile().length() / 4096 - 1, kernelObjectsLeft(m.env().kernelSlab()),
                    List.copyOf(m.staleTranslations()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void matchesTheHostKernel(String name) throws Exception {
        GuestProgram p = GuestProgram.named(name);
        Run r = run(p, false, 1);
        assertEquals(p.expectedStdoutText(), r.stdout(), name + " stdout; outcome " + r.outcome());
        assertEquals(p.expectedStatus(), r.status(), name + " exit status; outcome " + r.outcome());
        assertTrue(r.framesLeft() <= 0, name + ": " + r.framesLeft() + " frames beyond the page cache still allocated");
        assertEquals("", r.objectsLeft(), name + ": kernel objects (vm_area_struct, mm_struct, task_struct, ...) leaked");
        assertEquals(List.of(), r.stale(), name + ": stale TLB entries after a TLB-changing syscall");
    }

    /**
     * Programs whose expectations depend on the address-space layout without randomisation:
     * mm-mmap-errno maps 2^47 - 2^32 bytes, which fits below an unrandomised mmap_base only
     * (the host kernel with ASLR on fails it with ENOMEM too, as mmemu does).
     */
    static final java.util.Set<String> LAYOUT_SENSITIVE = java.util.Set.of("mm-mmap-errno");

    static Stream<String> layoutIndependentPrograms() {
        return programs().filter(p -> !LAYOUT_SENSITIVE.contains(p));
    }

    @ParameterizedTest(name = "{0} with ASLR")
    @MethodSource("layoutIndependentPrograms")
    void behavesTheSameWithAslr(String name) throws Exception {
        GuestProgram p = GuestProgram.named(name);
        Run r = run(p, true, 42);
        assertEquals(p.expectedStdoutText(), r.stdout(), name + " stdout; outcome " + r.outcome());
        assertEquals(p.expectedStatus(), r.status(), name);
    }

    /**
     * The multithreaded programs (musl pthreads), and processes that fork: on 1, 2 and 4 CPUs.
     * mt-xmodify rewrites code another CPU runs: without CrossModifyingCode its worker runs the
     * first version forever on 2 CPUs (77 of 80 results stale). The proc-* programs switch
     * processes on one CPU: a loop that came back to where its time slice started was taken for
     * a CPU that made no progress and killed (proc-pipe-checksum's reader), and a parent resumed
     * after its exec'd child died of a fault ran the child's text at the same addresses
     * (proc-exec-faults: SEGV_ACCERR at 0x400000). proc-posix-spawn's children share their
     * parent's mm (CLONE_VM | CLONE_VFORK) while the parent sleeps, on whichever CPU.
     */
    static Stream<Arguments> smpRuns() {
        return Stream.of("mt-basic", "mt-exit", "mt-mmap-touch", "mt-munmap-shootdown", "mt-xmodify", "mm-fork-wait", "mm-cow-fork",
                        "proc-pipe-checksum", "proc-exec-faults", "proc-random-pipes", "proc-posix-spawn", "mm-oom-touch")
                .flatMap(name -> IntStream.of(1, 2, 4).mapToObj(cpus -> Arguments.of(name, cpus)));
    }

    @ParameterizedTest(name = "{0} on {1} CPUs")
    @MethodSource("smpRuns")
    void matchesTheHostKernelOnSeveralCpus(String name, int cpus) throws Exception {
        GuestProgram p = GuestProgram.named(name);
        Run r = run(p, false, 1, cpus);
        assertEquals(p.expectedStdoutText(), r.stdout(), name + " stdout on " + cpus + " CPUs; outcome " + r.outcome()
                + "; log " + r.log());
        assertEquals(p.expectedStatus(), r.status(), name + " exit status on " + cpus + " CPUs; log " + r.log());
        assertTrue(r.framesLeft() <= 0, name + ": " + r.framesLeft() + " frames beyond the page cache still allocated");
        assertEquals("", r.objectsLeft(), name + ": kernel objects (task_struct, pid, ...) leaked");
        assertEquals(List.of(), r.stale(), name + " on " + cpus + " CPUs: stale TLB entries after a TLB-changing syscall");
    }

    /**
     * The checker is no test that cannot fail: with every shootdown IPI dropped on purpose, the
     * other CPUs keep translations munmap and mprotect took away, the checker names them, and
     * the threads spinning on those pages go on reading them where the host faults.
     */
    @Test
    void droppedShootdownsLeaveStaleTranslationsTheCheckerReports() throws Exception {
        GuestProgram p = GuestProgram.named("mt-munmap-shootdown");
        Run r = run(p, false, 1, 2, TlbOptions.DEFAULT.withCheckTlb(true).withDropShootdowns(true));
        assertTrue(r.stale().stream().anyMatch(f -> f.operation().equals("munmap") && f.cpu() != 0), r.stale().toString());
        assertTrue(r.stale().stream().anyMatch(f -> f.operation().equals("mprotect")), r.stale().toString());
        assertTrue(r.log().contains("stale TLB entries after munmap"), r.log());
        assertTrue(!r.stdout().equals(p.expectedStdoutText()), "a worker must see the stale page: " + r.stdout());
    }
}
