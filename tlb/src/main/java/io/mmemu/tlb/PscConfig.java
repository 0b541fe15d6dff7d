package io.mmemu.tlb;

/**
 * Entries of the three paging-structure caches of one CPU (SDM vol. 3A, 4.10.3): PML4E, PDPTE
 * and PDE caches, each fully associative with LRU replacement. Zero entries leaves that cache
 * out; {@link #NONE} has none at all, and every walk then reads all its levels.
 *
 * @param pml4e entries of the PML4E cache (0: none)
 * @param pdpte entries of the PDPTE cache (0: none)
 * @param pde   entries of the PDE cache (0: none)
 */
public record PscConfig(int pml4e, int pdpte, int pde) {

    /** No paging-structure caches. */
    public static final PscConfig NONE = new PscConfig(0, 0, 0);

    /** Upper bound per cache, so that a typo cannot allocate much. */
    static final int MAX_ENTRIES = 1 << 12;

    /**
     * Checks the sizes.
     *
     * @throws IllegalArgumentException when a cache has fewer than 0 or more than 4096 entries
     */
    public PscConfig {
        check("PML4E", pml4e);
        check("PDPTE", pdpte);
        check("PDE", pde);
    }

    private static void check(String cache, int entries) {
        if (entries < 0 || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException(cache + " cache entries must be 0.." + MAX_ENTRIES + " (got " + entries + ")");
        }
    }

    /**
     * Entries of the cache for paging level {@code level} (0 PML4E, 1 PDPTE, 2 PDE).
     *
     * @param level a paging level: 0 PML4E, 1 PDPTE, 2 PDE
     * @return the entries of its cache
     */
    public int entries(int level) {
        return switch (level) {
            case 0 -> pml4e;
            case 1 -> pdpte;
            case 2 -> pde;
            default -> throw new IllegalArgumentException("paging-structure cache level must be 0, 1 or 2 (got " + level + ")");
        };
    }

    /** {@return whether any of the three caches has entries} */
    public boolean any() {
        return pml4e + pdpte + pde > 0;
    }
}
