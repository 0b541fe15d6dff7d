package io.mmemu.emulator.record;

import io.mmemu.emulator.Machine;
import io.mmemu.emulator.cpu.Cpu;
import io.mmemu.emulator.cpu.WrittenFrames;
import io.mmemu.kernel.arch.FpuState;
import io.mmemu.kernel.arch.PtRegs;
import io.mmemu.mm.page.FrameTable;
import io.mmemu.mm.pgtable.Pte;
import io.mmemu.mm.phys.PhysicalMemory;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.Vma;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.SlubStat;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Takes a machine's state at a checkpoint in parts a report can name: each CPU's registers, each
 * frame written since the last checkpoint, each address space's VMAs and page tables, the frames'
 * reference and map counts by group, each slab cache's counters. Then starts the next interval of
 * written frames. Everything read is the same in every run of one configuration, and nothing is
 * changed but the engines' own TLBs (emptied, as at any TLB flush: the model TLB keeps its entries).
 */
final class Checkpoints {
    /** The user registers of a checkpoint, in PtRegs order, then the FPU/SSE state's hash. */
    static final List<String> REG_NAMES = List.of("r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
            "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "eflags", "rsp", "fs_base", "gs_base", "fpu/sse state");
    /** Frames per reference-count digest. */
    static final int REFCOUNT_GROUP = 4096;

    private final Machine machine;
    private final WrittenFrames written;
    private final PtRegs regs = new PtRegs();
    private final FpuState fpu = new FpuState();

    /** Starts tracking written frames on {@code machine} (empties its engines' TLBs). */
    Checkpoints(Machine machine) {
        this.machine = machine;
        this.written = new WrittenFrames(machine.env().frames().nrPages());
        machine.trackWrittenFrames(written);
    }

    /**
     * The state now; the written frames start again from none.
     *
     * @param pos         where
     * @param syscallCpu  the CPU at a syscall entry, whose registers are {@code syscallRegs}; -1 when every engine has stopped
     * @param syscallRegs the registers at that syscall entry, or null
     */
    LogRecord.Checkpoint take(LogRecord.Position pos, int syscallCpu, PtRegs syscallRegs) {
        List<Cpu> cpus = machine.cpus();
        long[][] r = new long[cpus.size()][];
        for (Cpu c : cpus) {
            if (c.id() == syscallCpu && syscallRegs != null) regs.copyFrom(syscallRegs);
            else c.regs().get(regs);
            c.regs().getFpu(fpu);
            r[c.id()] = registers(regs, fpu);
        }
        MemorySegment mem = machine.env().mem().segment();
        long[] frames = frameHashes(mem);
        written.clear();
        machine.trackWrittenFrames(written);
        return new LogRecord.Checkpoint(pos, r, frames, addressSpaces(), refcounts(), slabNames(), slabDigests());
    }

    private static long[] registers(PtRegs p, FpuState f) {
        long h = Hashes.add(Hashes.add(f.fpcw, f.fpsw), f.mxcsr);
        for (long x : f.xmm) h = Hashes.add(h, x);
        return new long[] {p.r15, p.r14, p.r13, p.r12, p.rbp, p.rbx, p.r11, p.r10, p.r9, p.r8, p.rax, p.rcx, p.rdx,
            p.rsi, p.rdi, p.origRax, p.rip, p.eflags, p.rsp, p.fsBase, p.gsBase, h};
    }

    /**
     * pfn, hash, pfn, hash... of the frames written since the last checkpoint that are in use now.
     * A frame freed since (refcount 0: back in the buddy allocator) is no part of the state: its
     * next owner zeroes or overwrites it, which marks it again.
     */
    private long[] frameHashes(MemorySegment mem) {
        FrameTable table = machine.env().frames();
        long[][] out = {new long[64]};
        int[] n = {0};
        written.forEach(pfn -> {
            if (table.pageRefCount(pfn) == 0) return;
            if (n[0] + 2 > out[0].length) out[0] = Arrays.copyOf(out[0], out[0].length * 2);
            out[0][n[0]++] = pfn;
            out[0][n[0]++] = Hashes.frame(mem, pfn << 12);
        });
        return Arrays.copyOf(out[0], n[0]);
    }

    /** Per address space, by its lowest pid: pid, page-table digest, VMA count, then start, end, flags, pgoff per VMA. */
    private long[] addressSpaces() {
        List<MmStruct> seen = new ArrayList<>();
        List<Long> out = new ArrayList<>();
        for (Task t : machine.kernel().liveTasks()) {
            MmStruct mm = t.mm();
            if (mm == null || seen.stream().anyMatch(m -> m == mm)) continue;
            seen.add(mm);
            List<Vma> vmas = mm.vmas();
            out.add((long) t.pid());
            out.add(pageTables(machine.env().mem(), mm.pgd().cr3() & Pte.ADDR_MASK, 4));
            out.add((long) vmas.size());
            for (Vma v : vmas) {
                out.add(v.start());
                out.add(v.end());
                out.add((long) v.flags() & 0xffff_ffffL);
                out.add(v.pgoff());
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** The digest of the table at {@code pa} and every table below it (level 4: PML4 ... 1: PT). */
    static long pageTables(PhysicalMemory mem, long pa, int level) {
        long h = level;
        for (int i = 0; i < 512; i++) {
            long e = mem.getLong(pa + 8L * i);
            h = Hashes.add(h, e);
            if (level > 1 && Pte.present(e) && (e & Pte.PS) == 0) h = Hashes.add(h, pageTables(mem, e & Pte.ADDR_MASK, level - 1));
        }
        return h;
    }

    private long[] refcounts() {
        FrameTable frames = machine.env().frames();
        long n = frames.nrPages();
        long[] out = new long[(int) ((n + REFCOUNT_GROUP - 1) / REFCOUNT_GROUP)];
        for (int g = 0; g < out.length; g++) {
            long end = Math.min(n, (long) (g + 1) * REFCOUNT_GROUP);
            out[g] = Hashes.mix(frames.countsDigest((long) g * REFCOUNT_GROUP, end) + g);
        }
        return out;
    }

    private List<String> slabNames() {
        List<String> names = new ArrayList<>();
        for (KmemCache c : machine.env().kernelSlab().slub().caches()) names.add(c.name());
        return names;
    }

    private long[] slabDigests() {
        List<KmemCache> caches = machine.env().kernelSlab().slub().caches();
        long[] out = new long[caches.size()];
        for (int i = 0; i < out.length; i++) {
            KmemCache c = caches.get(i);
            long h = Hashes.add(Hashes.add(Hashes.add(0, c.nrSlabs(0)), c.totalObjects(0)), c.nrPartial(0));
            for (SlubStat s : SlubStat.values()) h = Hashes.add(h, c.stat(s));
            out[i] = h;
        }
        return out;
    }
}
