package io.mmemu.benchmarks.mm;

import io.mmemu.kernel.MachineOptions;
import io.mmemu.emulator.Machine;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.VmEvent;
import io.mmemu.testprograms.GuestProgram;
import java.io.OutputStream;
import java.io.PrintStream;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Host heap per GiB of guest RAM: what the model keeps on the Java heap for each GiB it emulates.
 *
 * <p>Guest physical memory itself is host memory reserved with MAP_NORESERVE outside the heap, so
 * the heap cost is the per-frame metadata (FrameTable's arrays, the page allocator) and whatever
 * the rest of the model keeps. For each RAM size the program boots an {@link MmEnv}, measures the
 * retained heap against a baseline taken just before (both after repeated full GCs), and prints it
 * next to the analytical figure {@link FrameTable#BYTES_PER_FRAME} x frames. It then does the same
 * for a whole {@link Machine} of 1 GiB: booted, and after running {@code touch-pages 20000} to its
 * exit, to show what one emulator run adds on top. The target is at most 4 MiB per GiB.
 *
 * <p>Under G1 an array of at least half a heap region is humongous and takes whole regions;
 * FrameTable keeps its arrays in chunks of {@link FrameTable#FRAMES_PER_CHUNK} frames, below that
 * threshold, so the column "G1-rounded B" (the analytical figure with G1's placement, chunk
 * arrays included) stays close to the analytical one.
 *
 * <p>Usage: {@code HostHeapPerGib [GiB ...]} (default 1 4 16); run it through {@code bin/bench heap}.
 */
public final class HostHeapPerGib {
    private HostHeapPerGib() {}

    static final long GIB = 1L << 30;
    static final double MIB = 1 << 20;
    static final int TOUCH_PAGES = 20_000;

    record Row(String what, long ramBytes, long frames, long analytical, long g1Rounded, long heap) {}

    /** Array header bytes with compressed class pointers (mark word, klass, length). */
    static final long ARRAY_HEADER = 16;

    /**
     * FrameTable's arrays (two int[] and one short[] per chunk of frames, and the three arrays of
     * chunk references) as the heap places them.
     */
    static long g1Rounded(long frames, long region) {
        long perChunk = FrameTable.FRAMES_PER_CHUNK;
        long chunks = (frames + perChunk - 1) / perChunk;
        long total = 3 * placed(ARRAY_HEADER + 4 * chunks, region); // compressed references
        for (long c = 0; c < chunks; c++) {
            long n = Math.min(perChunk, frames - c * perChunk);
            total += placed(ARRAY_HEADER + 4 * n, region) * 2 + placed(ARRAY_HEADER + 2 * n, region);
        }
        return total;
    }

    /** Bytes an object of {@code bytes} occupies: whole regions when humongous (G1), else itself. */
    static long placed(long bytes, long region) {
        if (region == 0 || bytes < region / 2) return (bytes + 7) & -8L;
        return (bytes + region - 1) / region * region;
    }

    /** G1HeapRegionSize in bytes, or 0 when the heap is not G1's. */
    static long g1RegionSize() {
        boolean g1 = ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(b -> b.getName().startsWith("G1"));
        if (!g1) return 0;
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return Long.parseLong(hs.getVMOption("G1HeapRegionSize").getValue());
    }

    public static void main(String[] args) throws Exception {
        List<Long> sizes = new ArrayList<>();
        for (String a : args) sizes.add(Long.parseLong(a));
        if (sizes.isEmpty()) sizes.addAll(List.of(1L, 4L, 16L));

        List<Row> rows = new ArrayList<>();
        long region = g1RegionSize();
        MmEnv.boot(16L << 20).mem().close(); // load and initialise the model's classes before any baseline
        usedAfterGc();
        for (long gib : sizes) {
            long bytes = gib * GIB;
            long before = usedAfterGc();
            MmEnv env = MmEnv.boot(bytes);
            long after = usedAfterGc();
            long frames = env.frames().nrPages();
            rows.add(new Row("MmEnv.boot", bytes, frames, frames * FrameTable.BYTES_PER_FRAME,
                    g1Rounded(frames, region), after - before));
            Reference.reachabilityFence(env);
            env.mem().close();
        }

        OutputStream sink = OutputStream.nullOutputStream();
        MachineOptions o = new MachineOptions(GIB, false, 1, false, false, sink, sink, new PrintStream(sink));
        GuestProgram p = GuestProgram.named("touch-pages");
        warmUpMachine(o, p); // one untimed run so the baselines below do not count class loading
        long before = usedAfterGc();
        try (Machine m = new Machine(o)) {
            long frames = m.env().frames().nrPages();
            long analytical = frames * FrameTable.BYTES_PER_FRAME;
            long booted = usedAfterGc();
            long rounded = g1Rounded(frames, region);
            rows.add(new Row("Machine booted", GIB, frames, analytical, rounded, booted - before));
            m.exec(p.binary(), List.of("touch-pages", Integer.toString(TOUCH_PAGES)), List.of());
            var outcome = m.run();
            if (outcome.killed() || outcome.exitCode() != 0) throw new IllegalStateException("touch-pages failed: " + outcome);
            long faults = m.env().event(VmEvent.PGFAULT);
            long ran = usedAfterGc();
            rows.add(new Row("Machine after touch-pages " + TOUCH_PAGES + " (" + faults + " faults)", GIB, frames,
                    analytical, rounded, ran - before));
            rows.add(new Row("  of which the run itself (after - booted)", GIB, frames, 0, 0, ran - booted));
        }

        PrintStream out = System.out;
        out.printf(Locale.ROOT, "host heap retained (MemoryMXBean heap used after full GCs, minus a baseline taken before)%n");
        out.printf(Locale.ROOT, "GC: %s; G1 region: %s%n", String.join(", ",
                ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList()),
                region == 0 ? "-" : (region >> 20) + " MiB");
        out.printf(Locale.ROOT, "FrameTable.BYTES_PER_FRAME = %d; analytical = BYTES_PER_FRAME x frames%n",
                FrameTable.BYTES_PER_FRAME);
        out.printf(Locale.ROOT, "%-50s %4s %10s %13s %13s %13s %8s %8s%n", "what", "RAM", "frames", "analytical B",
                "G1-rounded B", "measured B", "MiB/GiB", "anl");
        for (Row r : rows) {
            double gib = (double) r.ramBytes() / GIB;
            out.printf(Locale.ROOT, "%-50s %3.0fG %,10d %,13d %,13d %,13d %8.3f %8.3f%n", r.what(), gib, r.frames(),
                    r.analytical(), r.g1Rounded(), r.heap(), r.heap() / MIB / gib, r.analytical() / MIB / gib);
        }
    }

    static void warmUpMachine(MachineOptions o, GuestProgram p) throws Exception {
        try (Machine m = new Machine(o)) {
            m.exec(p.binary(), List.of("touch-pages", Integer.toString(TOUCH_PAGES)), List.of());
            m.run();
        }
    }

    /** Heap in use after full collections, repeated until two readings agree (or eight rounds). */
    static long usedAfterGc() {
        MemoryMXBean bean = ManagementFactory.getMemoryMXBean();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 8; i++) {
            System.gc();
            long used = bean.getHeapMemoryUsage().getUsed();
            if (used == last) return used;
            last = used;
        }
        return last;
    }
}
