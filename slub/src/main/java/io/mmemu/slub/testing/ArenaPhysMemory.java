package io.mmemu.slub.testing;

import io.mmemu.slub.PageSource;
import io.mmemu.slub.PhysMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.TreeSet;

/**
 * Emulated physical memory in one off-heap {@link MemorySegment}, with a small buddy page
 * allocator on top: the simple {@link PhysMemory} and {@link PageSource} the slub module
 * ships for its own tests and for the benchmarks. The project's mm-model provides the real
 * ones later.
 *
 * <p>Layout: physical addresses {@code [base, base + size)} map to segment offsets
 * {@code [0, size)}. {@code base} is at least one page so that address 0 (NULL) is never
 * handed out. The range is split into {@code nodes} equal node spans; each node keeps one
 * free set per order (0 … {@link #MAX_PAGE_ORDER}), ordered by address so that the lowest
 * free block is always chosen: allocation is deterministic.
 *
 * <p>Buddy algorithm (as mm/page_alloc.c): allocation takes the smallest free block of at
 * least the requested order and splits it, returning upper halves to the free sets;
 * freeing merges a block with its buddy ({@code pfn ^ (1 << order)}) while the buddy is free
 * with the same order and in the same node. One monitor protects the page allocator: it is
 * never on a slab fast path.
 */
public final class ArenaPhysMemory implements PhysMemory, PageSource, AutoCloseable {
    /** Largest block order, as MAX_PAGE_ORDER on x86-64. */
    public static final int MAX_PAGE_ORDER = 10;

    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Arena arena;
    private final MemorySegment seg;
    private final long base;
    private final long size;
    private final int nodes;
    private final long pagesPerNode;
    /** free[nid][order]: page frame numbers (relative to base) heading a free block. */
    private final TreeSet<Long>[][] free;
    /** Per relative pfn: order + 1 if the pfn heads a free block, else 0. */
    private final byte[] freeOrder;
    /** Per relative pfn: order + 1 if the pfn heads an allocated block, else 0. */
    private final byte[] allocOrder;
    private long pagesInUse;

    /**
     * A memory of {@code size} bytes at {@code base}, split evenly into {@code nodes} NUMA nodes.
     *
     * @param base  physical address of the first byte; page aligned and at least 4096
     * @param size  bytes; a multiple of {@code nodes × 4 MiB} (one max-order block per node at least)
     * @param nodes NUMA nodes, each owning an equal contiguous span
     */
    @SuppressWarnings("unchecked")
    public ArenaPhysMemory(long base, long size, int nodes) {
        long maxBlock = (long) PAGE_SIZE << MAX_PAGE_ORDER;
        if (base < PAGE_SIZE || (base & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("base must be page aligned and nonzero (expected: multiple of 4096 >= 4096, got " + base + ")");
        }
        if (nodes < 1 || size <= 0 || size % (maxBlock * nodes) != 0) {
            throw new IllegalArgumentException("size must be a multiple of nodes x 4 MiB (expected: multiple of " + (maxBlock * Math.max(1, nodes)) + ", got " + size + ")");
        }
        if (base + size > (1L << 35)) {
            throw new IllegalArgumentException("physical memory must end below 32 GiB (expected: base + size <= 2^35, got " + (base + size) + ")");
        }
        this.base = base;
        this.size = size;
        this.nodes = nodes;
        this.arena = Arena.ofShared();
        this.seg = arena.allocate(size, PAGE_SIZE);
        long pages = size >>> PAGE_SHIFT;
        this.pagesPerNode = pages / nodes;
        this.freeOrder = new byte[(int) pages];
        this.allocOrder = new byte[(int) pages];
        this.free = new TreeSet[nodes][MAX_PAGE_ORDER + 1];
        for (int n = 0; n < nodes; n++) {
            for (int o = 0; o <= MAX_PAGE_ORDER; o++) {
                free[n][o] = new TreeSet<>();
            }
            // Base is only page aligned, so align blocks by relative pfn: buddies stay inside a node.
            for (long pfn = n * pagesPerNode; pfn < (n + 1) * pagesPerNode; pfn += 1L << MAX_PAGE_ORDER) {
                free[n][MAX_PAGE_ORDER].add(pfn);
                freeOrder[(int) pfn] = (byte) (MAX_PAGE_ORDER + 1);
            }
        }
    }

    /**
     * A single-node memory of {@code size} bytes starting at 1 MiB.
     *
     * @param size bytes; a multiple of 4 MiB
     */
    public ArenaPhysMemory(long size) {
        this(1L << 20, size, 1);
    }

    @Override
    public synchronized long allocPages(int order, int nid) {
        if (order < 0 || order > MAX_PAGE_ORDER) {
            throw new IllegalArgumentException("order out of range (expected: 0.." + MAX_PAGE_ORDER + ", got " + order + ")");
        }
        int first = nid >= 0 && nid < nodes ? nid : 0;
        for (int i = 0; i < nodes; i++) {
            long pfn = allocFromNode((first + i) % nodes, order);
            if (pfn >= 0) {
                allocOrder[(int) pfn] = (byte) (order + 1);
                pagesInUse += 1L << order;
                return base + (pfn << PAGE_SHIFT);
            }
        }
        return NO_PAGE;
    }

    private long allocFromNode(int nid, int order) {
        for (int o = order; o <= MAX_PAGE_ORDER; o++) {
            TreeSet<Long> set = free[nid][o];
            if (set.isEmpty()) {
                continue;
            }
            long pfn = set.pollFirst();
            freeOrder[(int) pfn] = 0;
            while (o > order) {          // split: keep the lower half, free the upper half
                o--;
                long buddy = pfn + (1L << o);
                free[nid][o].add(buddy);
                freeOrder[(int) buddy] = (byte) (o + 1);
            }
            return pfn;
        }
        return -1;
    }

    @Override
    public synchronized void freePages(long phys, int order) {
        long pfn = (phys - base) >> PAGE_SHIFT;
        if (phys < base || phys >= base + size || (phys & (PAGE_SIZE - 1)) != 0 || allocOrder[(int) pfn] != order + 1) {
            throw new IllegalStateException(String.format(
                    "freePages: 0x%x is not an allocated block of order %d", phys, order));
        }
        allocOrder[(int) pfn] = 0;
        pagesInUse -= 1L << order;
        int nid = (int) (pfn / pagesPerNode);
        int o = order;
        while (o < MAX_PAGE_ORDER) {
            long buddy = pfn ^ (1L << o);
            if (buddy / pagesPerNode != nid || freeOrder[(int) buddy] != o + 1) {
                break;
            }
            free[nid][o].remove(buddy);
            freeOrder[(int) buddy] = 0;
            pfn = Math.min(pfn, buddy);
            o++;
        }
        free[nid][o].add(pfn);
        freeOrder[(int) pfn] = (byte) (o + 1);
    }

    @Override
    public int pageToNid(long phys) {
        return (int) (((phys - base) >> PAGE_SHIFT) / pagesPerNode);
    }

    @Override
    public int nodeCount() {
        return nodes;
    }

    @Override
    public long physLimit() {
        return base + size;
    }

    /** {@return the number of pages currently allocated from this source} */
    public synchronized long pagesInUse() {
        return pagesInUse;
    }

    /** {@return the physical address of the first byte} */
    public long base() {
        return base;
    }

    @Override
    public byte readByte(long phys) {
        return seg.get(BYTE, phys - base);
    }

    @Override
    public void writeByte(long phys, byte value) {
        seg.set(BYTE, phys - base, value);
    }

    @Override
    public int readInt(long phys) {
        return seg.get(INT, phys - base);
    }

    @Override
    public void writeInt(long phys, int value) {
        seg.set(INT, phys - base, value);
    }

    @Override
    public long readLong(long phys) {
        return seg.get(LONG, phys - base);
    }

    @Override
    public void writeLong(long phys, long value) {
        seg.set(LONG, phys - base, value);
    }

    @Override
    public void fill(long phys, long length, byte value) {
        seg.asSlice(phys - base, length).fill(value);
    }

    @Override
    public void copy(long srcPhys, long dstPhys, long length) {
        MemorySegment.copy(seg, srcPhys - base, seg, dstPhys - base, length);
    }

    @Override
    public void close() {
        arena.close();
    }
}
