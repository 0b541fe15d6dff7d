package io.mmemu.benchmarks.mm;

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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One mmap + munmap pair of an anonymous page without a hint, in an address space that already
 * holds {@code vmas} VMAs: get_unmapped_area() top-down from mmap_base, mmap_region(), then
 * do_vmi_munmap() of the same page.
 *
 * <p>The existing VMAs are one page each, packed directly below mmap_base with alternating
 * protections (r-- and r-x) so that no two merge, as a program's many small mappings of
 * different kinds end up. The first free gap is therefore below all of them: a placement that
 * walks the VMAs down from mmap_base pays for every one, a gap-augmented tree does not. The
 * issue's target is that the pair with 100,000 VMAs costs within 2x of the pair with 100.
 * The mapped page is rw-, so it merges with neither neighbour and the pair leaves the address
 * space as it found it. vm.max_map_count is raised above 100,000 (Linux's default is 65530).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class MmapMunmapBench {
    static final long PAGE = PageTypes.PAGE_SIZE;
    static final long MMAP_BASE = 0x7ffff7fff000L;
    static final int RO = VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
    static final int RX = RO | VmFlags.VM_EXEC;
    static final int RW = RO | VmFlags.VM_WRITE;

    @Param({"100", "100000"})
    public int vmas;

    MmEnv env;
    MmStruct mm;
    /** Where the measured page must land: just below the packed VMAs. */
    long expected;

    @Setup(Level.Trial)
    public void setup() {
        // Page tables and the vm_area_struct objects of 100,000 VMAs (192 bytes each) live in guest RAM.
        env = MmEnv.boot(256L << 20);
        mm = MmStruct.mmAlloc(env);
        mm.mmapBase = MMAP_BASE;
        mm.setMaxMapCount(Math.max(MmStruct.MAX_MAP_COUNT, vmas + 16));
        for (int i = 0; i < vmas; i++) {
            long addr = MMAP_BASE - (i + 1) * PAGE;
            long r = mm.mmapRegion(addr, PAGE, (i & 1) == 0 ? RO : RX, null, 0, null);
            if (r != addr) throw new IllegalStateException("mmap_region of VMA " + i + " at 0x" + Long.toHexString(addr)
                    + " returned " + r);
        }
        if (mm.mapCount() != vmas) {
            throw new IllegalStateException("expected " + vmas + " separate VMAs, got " + mm.mapCount() + " (they merged)");
        }
        expected = MMAP_BASE - (vmas + 1L) * PAGE;
        long got = mmapMunmap();
        if (got != expected || mm.mapCount() != vmas) {
            throw new IllegalStateException("the pair placed the page at 0x" + Long.toHexString(got) + " (expected 0x"
                    + Long.toHexString(expected) + ") and left " + mm.mapCount() + " VMAs (expected " + vmas + ")");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (mm.mapCount() != vmas) throw new IllegalStateException("the pair leaked VMAs: " + mm.mapCount());
        mm.exitMmap();
        env.mem().close();
    }

    /** mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) then munmap of it; returns its address. */
    @Benchmark
    public long mmapMunmap() {
        long addr = mm.getUnmappedArea(0, PAGE);
        if (addr < 0) throw new IllegalStateException("get_unmapped_area failed: " + addr);
        long r = mm.mmapRegion(addr, PAGE, RW, null, 0, null);
        if (r != addr) throw new IllegalStateException("mmap_region failed: " + r);
        r = mm.doMunmap(addr, PAGE);
        if (r != 0) throw new IllegalStateException("munmap failed: " + r);
        return addr;
    }
}
