package io.mmemu.slub;

/**
 * Where slabs come from: the page allocator, seen from the slab layer.
 *
 * <p>The slub module owns this interface so that it depends on nothing else of the project;
 * the project's buddy allocator implements it over emulated physical memory, and
 * {@link io.mmemu.slub.testing.ArenaPhysMemory} implements it for tests and benchmarks.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #allocPages} returns the physical address of 2^order contiguous, naturally
 *       aligned 4 KiB pages, or {@link #NO_PAGE} when it cannot. It never returns a block
 *       containing physical address 0: the slab layer uses 0 as NULL.</li>
 *   <li>Every address it returns is below {@link #physLimit()}, and {@link #physLimit()} is at
 *       most 2^35 (32 GiB), because the per-CPU freelist handle keeps address / 8 in 32 bits.</li>
 *   <li>It is safe to call from several threads at once.</li>
 * </ul>
 */
public interface PageSource {
    /** The "no memory" result of {@link #allocPages}. */
    long NO_PAGE = -1L;

    /** Bytes in a page (x86-64 base page). */
    int PAGE_SIZE = 4096;

    /** log2 of {@link #PAGE_SIZE}. */
    int PAGE_SHIFT = 12;

    /**
     * Allocates 2^order contiguous pages, preferring node {@code nid} and falling back to
     * other nodes as the zonelist would.
     *
     * @return the physical address of the first page, or {@link #NO_PAGE}
     * @param order the block's order: 2^order pages
     * @param nid   the preferred NUMA node
     */
    long allocPages(int order, int nid);

    /**
     * Frees a block returned by {@link #allocPages} with the same order.
     *
     * @param phys  the block's physical address, as {@link #allocPages} returned it
     * @param order the order it was allocated with
     */
    void freePages(long phys, int order);

    /**
     * The NUMA node that holds the page at {@code phys} (page_to_nid()).
     *
     * @param phys a physical address this source handed out
     * @return its node, 0 to {@code nodeCount() - 1}
     */
    int pageToNid(long phys);

    /** {@return the number of NUMA nodes, at least 1} */
    int nodeCount();

    /** {@return the exclusive upper bound of every physical address this source hands out} */
    long physLimit();
}
