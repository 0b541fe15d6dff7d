package io.mmemu.benchmarks.mm;

import io.mmemu.mm.fault.FaultResult;
import io.mmemu.mm.fault.UserFault;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The 4 KiB anonymous write fault in the model alone (do_user_addr_fault() → do_anonymous_page()
 * with the boot THP settings: no large folio is allowed, the usual case), then the zap of the
 * 512 pages (MADV_DONTNEED's zap_page_range_single()): the cost per page of both.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class AnonFaultBench {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final long BASE = 0x4000_0000L;
    static final int PAGES = 512;
    static final int RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
    /** A user-mode write to a page not present (X86_PF_USER | X86_PF_WRITE). */
    static final int ERROR_CODE = 0x4 | 0x2;

    MmEnv env;
    MmStruct mm;

    @Setup(Level.Trial)
    public void setup() {
        env = MmEnv.boot(64L << 20);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        if (mm.mmapRegion(BASE, PAGES * PAGE, RW, null, 0, null) != BASE) throw new IllegalStateException("mmap");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        mm.exitMmap();
        env.mem().close();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public int faultThenZap() {
        int handled = 0;
        for (long va = BASE; va < BASE + PAGES * PAGE; va += PAGE) {
            if (UserFault.doUserAddrFault(mm, va, ERROR_CODE) == FaultResult.HANDLED) handled++;
        }
        mm.zapPageRange(BASE, BASE + PAGES * PAGE);
        return handled;
    }
}
