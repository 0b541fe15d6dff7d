package io.mmemu.emulator.debug;

import io.mmemu.slub.CacheLayout;
import io.mmemu.slub.CacheSnapshot;
import io.mmemu.slub.KmemCache;
import io.mmemu.slub.Slub;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * crash's {@code kmem -S CACHE} for SLUB: the cache's line (CACHE, OBJSIZE, ALLOCATED, TOTAL,
 * SLABS, SSIZE, NAME), then each CPU's slab and partial list and each node's partial and full
 * lists, every slab with its objects: a free one by its address, an allocated one in brackets,
 * as crash prints {@code FREE / [ALLOCATED]}. Read from {@link KmemCache#snapshot()}: nothing is
 * flushed, so per-CPU freelists show as they are. Addresses are the model's physical ones (the
 * kernel model has no direct map).
 */
public final class KmemS {
    private KmemS() {}

    /**
     * The text for cache {@code name} of {@code slub}.
     *
     * @param slub the allocator
     * @param name the cache's name
     * @return the text, or empty when there is no such cache
     */
    public static Optional<String> kmemS(Slub slub, String name) {
        return Optional.ofNullable(slub.findCache(name)).map(c -> render(c.snapshot()));
    }

    /** The names of every cache, in creation order (for the message naming them, and completion). */
    static List<String> names(Slub slub) {
        return slub.caches().stream().map(KmemCache::name).toList();
    }

    static String render(CacheSnapshot snap) {
        CacheLayout layout = snap.layout();
        Set<Long> free = new HashSet<>();
        for (CacheSnapshot.SlabState s : snap.slabs()) free.addAll(s.freelist());
        for (CacheSnapshot.Cpu c : snap.cpus()) free.addAll(c.freelist());
        long total = 0;
        for (CacheSnapshot.SlabState s : snap.slabs()) total += s.objects();
        long allocated = total - free.size();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-16s %7s %10s %9s %6s %6s  %s%n", "CACHE", "OBJSIZE", "ALLOCATED", "TOTAL",
                "SLABS", "SSIZE", "NAME"));
        b.append(String.format(Locale.ROOT, "%-16s %7d %10d %9d %6d %5dk  %s%n", "(model)", layout.objectSize(), allocated,
                total, snap.slabs().size(), layout.slabSize() / 1024, snap.cache()));
        b.append(String.format(Locale.ROOT, "(object %d bytes in a %d-byte slot, %d objects per order-%d slab of %d KiB)%n",
                layout.objectSize(), layout.size(), layout.objects(), layout.order(), layout.slabSize() / 1024));
        for (CacheSnapshot.Cpu c : snap.cpus()) {
            b.append("CPU ").append(c.cpu()).append(" SLAB:\n");
            if (c.slab() == 0) b.append("  (empty)\n");
            else slab(b, snap, find(snap, c.slab()), free);
            b.append("CPU ").append(c.cpu()).append(" PARTIAL:\n");
            if (c.partial().isEmpty()) b.append("  (empty)\n");
            for (long p : c.partial()) slab(b, snap, find(snap, p), free);
        }
        for (CacheSnapshot.Node n : snap.nodes()) {
            b.append(String.format(Locale.ROOT, "KMEM_CACHE_NODE   NODE  SLABS  PARTIAL  FULL%n%-16s %5d %6d %8d %5d%n",
                    "(model)", n.nid(), n.nrSlabs(), n.nrPartial(), n.nrFull()));
            b.append("NODE ").append(n.nid()).append(" PARTIAL:\n");
            if (n.partial().isEmpty()) b.append("  (empty)\n");
            for (long p : n.partial()) slab(b, snap, find(snap, p), free);
            b.append("NODE ").append(n.nid()).append(" FULL:\n");
            if (n.full().isEmpty()) b.append("  (empty)\n");
            for (long p : n.full()) slab(b, snap, find(snap, p), free);
        }
        return b.toString();
    }

    private static CacheSnapshot.SlabState find(CacheSnapshot snap, long address) {
        for (CacheSnapshot.SlabState s : snap.slabs()) if (s.address() == address) return s;
        return null;
    }

    /** One slab: its header line and its objects, free ones bare, allocated ones in brackets. */
    private static void slab(StringBuilder b, CacheSnapshot snap, CacheSnapshot.SlabState s, Set<Long> free) {
        if (s == null) return;
        CacheLayout layout = snap.layout();
        int nFree = 0;
        for (int i = 0; i < s.objects(); i++) if (free.contains(layout.objectAddress(s.address(), i))) nFree++;
        b.append(String.format(Locale.ROOT, "  %-16s %4s %6s %10s %5s%n", "SLAB", "NODE", "TOTAL", "ALLOCATED", "FREE"));
        b.append(String.format(Locale.ROOT, "  %-16x %4d %6d %10d %5d%n", s.address(), s.nid(), s.objects(),
                s.objects() - nFree, nFree));
        b.append("  FREE / [ALLOCATED]\n");
        for (int i = 0; i < s.objects(); i++) {
            long o = layout.objectAddress(s.address(), i);
            b.append(free.contains(o) ? String.format(Locale.ROOT, "   %x%n", o) : String.format(Locale.ROOT, "  [%x]%n", o));
        }
    }
}
