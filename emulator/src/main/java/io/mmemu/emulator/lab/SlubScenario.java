package io.mmemu.emulator.lab;

import io.mmemu.slub.CpuBinding;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.Slub;
import io.mmemu.slub.testing.ArenaPhysMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Lab 4's kernel-object scenario: a few of the kernel's slab caches under a workload that
 * allocates and frees their objects as syscalls would (mmap making vm_area_structs, open making
 * filps and dentries, fork making anon_vmas), with one planted bug chosen by the seed: a write
 * after free, a double free, or a write past the end of an object into its right red zone. The
 * scenario ends by validating every cache, as writing 1 to /sys/kernel/slab/CACHE/validate does.
 *
 * <p>Booted without slub_debug, the bug goes unreported (the kernel runs on with a corrupted
 * object); with slub_debug's poisoning (P), red zones (Z), checks (F) and user tracking (U),
 * mm/slub.c reports it in its own words, which the student reads to name the bug, the cache and
 * the offset of the first corrupted byte in the object.
 *
 * @param seed   which variant
 * @param bug    the planted bug
 * @param cache  the cache of the object it hits
 * @param offset the offset in the object of the first byte it corrupts; -1 for a double free
 */
record SlubScenario(long seed, Bug bug, String cache, int offset) {

    /** The bugs a scenario plants, by the name an answers file gives them. */
    enum Bug {
        USE_AFTER_FREE("use-after-free"),
        DOUBLE_FREE("double-free"),
        REDZONE_OVERRUN("redzone-overrun");

        final String answer;

        Bug(String answer) {
            this.answer = answer;
        }

        static Bug byAnswer(String s) {
            for (Bug b : values()) if (b.answer.equalsIgnoreCase(s.strip())) return b;
            return null;
        }
    }

    /** A cache of the scenario: its name and object size as Linux x86-64 has them, and who allocates and frees. */
    record CacheSpec(String name, int size, String allocSite, String freeSite) {}

    static final List<CacheSpec> CACHES = List.of(
            new CacheSpec("vm_area_struct", 184, "vm_area_alloc+0x1e/0x90", "vm_area_free+0x17/0x40"),
            new CacheSpec("dentry", 192, "__d_alloc+0x2b/0x1f0", "__d_free+0x11/0x30"),
            new CacheSpec("filp", 256, "alloc_empty_file+0x52/0x110", "file_free_rcu+0x2c/0x60"),
            new CacheSpec("anon_vma", 88, "anon_vma_fork+0x61/0x160", "__put_anon_vma+0x3a/0xa0"));

    /** Objects each cache holds when the bug is planted. */
    private static final int OBJECTS = 12;

    /** The variant {@code seed} selects: the bug, the cache and the offset are drawn from it. */
    static SlubScenario of(long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 4);
        Bug bug = Bug.values()[r.nextInt(Bug.values().length)];
        CacheSpec c = CACHES.get(r.nextInt(CACHES.size()));
        int offset = switch (bug) {
            // A field in the object's first half: without slub_debug SLUB keeps the free pointer in the middle
            // of a free object (mm/slub.c calculate_sizes()), and the scenario corrupts data, not the freelist.
            case USE_AFTER_FREE -> 8 * r.nextInt(1, c.size() / 16);
            case REDZONE_OVERRUN -> c.size() + r.nextInt(4);
            case DOUBLE_FREE -> -1;
        };
        return new SlubScenario(seed, bug, c.name(), offset);
    }

    /** What a run printed: the kernel's log, and the ground truth for the grader. */
    record Run(String transcript) {}

    /**
     * Runs the scenario on a fresh allocator booted with {@code slubDebug} (slub_debug='s letters;
     * empty for none) and returns what the kernel printed.
     */
    Run run(String slubDebug) {
        Map<Long, String> symbols = new java.util.HashMap<>();
        long[] allocAt = new long[CACHES.size()], freeAt = new long[CACHES.size()];
        for (int i = 0; i < CACHES.size(); i++) {
            allocAt[i] = 0xffffffff81100000L + 0x1000L * i + 0x1e;
            freeAt[i] = 0xffffffff81200000L + 0x1000L * i + 0x17;
            symbols.put(allocAt[i], CACHES.get(i).allocSite());
            symbols.put(freeAt[i], CACHES.get(i).freeSite());
        }
        long[] clock = {4294892296L}; // jiffies start 5 minutes before wrap, as the kernel's INITIAL_JIFFIES
        Slub.Config cfg = Slub.Config.defaults(1).withSeed(seed).withClock(() -> clock[0])
                .withSymbolizer(a -> symbols.getOrDefault(a, String.format("0x%x", a)))
                .withSlubDebug(slubDebug.isEmpty() ? null : slubDebug);
        StringBuilder out = new StringBuilder();
        out.append(slubDebug.isEmpty() ? "Kernel command line: (no slub_debug)\n" : "Kernel command line: slub_debug=" + slubDebug + "\n");
        try (ArenaPhysMemory mem = new ArenaPhysMemory(1L << 20, 16L << 20, 1)) {
            Slub slub = new Slub(mem, mem, cfg);
            CpuBinding b = slub.bind(0, 1);
            List<KmemCache> caches = new ArrayList<>();
            for (CacheSpec c : CACHES) caches.add(slub.kmemCacheCreate(c.name(), c.size(), 8, 0, null));
            List<List<Long>> live = new ArrayList<>();
            for (int i = 0; i < CACHES.size(); i++) live.add(new ArrayList<>());
            SplittableRandom r = new SplittableRandom(seed);
            // The workload: interleaved allocations with some frees, as a few forks, mmaps and opens would do.
            for (int round = 0; round < OBJECTS; round++) {
                for (int i = 0; i < CACHES.size(); i++) {
                    clock[0] += 1 + r.nextInt(3);
                    long p = caches.get(i).alloc(b, allocAt[i]);
                    mem.fill(p, CACHES.get(i).size(), (byte) 0);
                    live.get(i).add(p);
                    if (r.nextInt(4) == 0 && live.get(i).size() > 2) {
                        long q = live.get(i).remove(r.nextInt(live.get(i).size() - 1));
                        caches.get(i).free(q, b, freeAt[i]);
                    }
                }
            }
            int vi = indexOf(cache);
            KmemCache victimCache = caches.get(vi);
            List<Long> victims = live.get(vi);
            long victim = victims.remove(r.nextInt(victims.size()));
            clock[0] += 25;
            switch (bug) {
                case USE_AFTER_FREE -> {
                    victimCache.free(victim, b, freeAt[vi]);
                    clock[0] += 40;
                    mem.writeLong(victim + offset, 0xdead4ead00000001L); // a stale pointer's store: a spinlock's magic
                }
                case DOUBLE_FREE -> {
                    victimCache.free(victim, b, freeAt[vi]);
                    clock[0] += 40;
                    victimCache.free(victim, b, freeAt[vi]);
                }
                case REDZONE_OVERRUN -> mem.writeByte(victim + offset, (byte) 0x2f); // a string's '/' one past the end
            }
            // More of the workload, then validation of every cache.
            for (int i = 0; i < CACHES.size(); i++) {
                clock[0] += 3;
                if (live.get(i).size() > 1) caches.get(i).free(live.get(i).removeFirst(), b, freeAt[i]);
            }
            for (KmemCache c : caches) c.validate();
            out.append(slub.log().text());
            if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') out.append('\n');
            if (slub.log().errors().isEmpty()) out.append("(the kernel printed nothing about its slab caches)\n");
        }
        return new Run(out.toString());
    }

    private static int indexOf(String cache) {
        for (int i = 0; i < CACHES.size(); i++) if (CACHES.get(i).name().equals(cache)) return i;
        throw new IllegalArgumentException("no cache " + cache);
    }
}
