package io.mmemu.tlb;

import java.util.List;
import java.util.Locale;

/**
 * A CPU's TLB hierarchy by name: the geometry of each level and the paging-structure caches, as
 * {@code --tlb PRESET} selects it. Vendors publish TLB sizes per page size; this model gives
 * every page size its own array ({@link Tlb}), so where the hardware shares one array among
 * sizes (a fully associative L1 dTLB, an STLB holding both 4 KiB and 2 MiB pages) each size gets
 * the full published figure: capacity is overstated when sizes mix, exact when one size dominates.
 * Vendors do not publish paging-structure cache sizes; where a preset has them, they are assumed.
 *
 * @param description one line for {@code --tlb help}
 * @param unifiedL1   whether the L1 is one array for instructions and data
 * @param unifiedL2   whether the second level is one array for instructions and data
 * @param psc         the paging-structure caches ({@link PscConfig#NONE} for none)
 * @param name what {@link #byName} accepts
 * @param l1i the first-level instruction TLB
 * @param l1d the first-level data TLB (the same array as l1i when {@code unifiedL1})
 * @param l2i the second level behind l1i, or null for none
 * @param l2d the second level behind l1d (the same array as l2i when {@code unifiedL2}), or null
 */
public record TlbPreset(String name, String description, TlbConfig l1i, TlbConfig l1d, boolean unifiedL1,
        TlbConfig l2i, TlbConfig l2d, boolean unifiedL2, PscConfig psc) {

    /**
     * Checks that the levels fit together.
     *
     * @throws IllegalArgumentException when only one side has a second level, or a unified level
     *     has two geometries
     */
    public TlbPreset {
        if ((l2i == null) != (l2d == null)) {
            throw new IllegalArgumentException("a second level needs both sides or neither (got l2i " + l2i + ", l2d " + l2d + ")");
        }
        if (unifiedL1 && !l1i.equals(l1d)) throw new IllegalArgumentException("a unified L1 has one geometry (got " + l1i + " and " + l1d + ")");
        if (unifiedL2 && l2i != null && !l2i.equals(l2d)) {
            throw new IllegalArgumentException("a unified L2 has one geometry (got " + l2i + " and " + l2d + ")");
        }
    }

    /**
     * The teaching preset: a 4-entry iTLB, the 8-entry {@link TlbConfig#TEACHING} dTLB, a
     * 16-entry unified STLB, and tiny paging-structure caches, so that a few pages already show
     * L1 misses that hit the STLB, STLB misses that walk, and walks shortened by a PDE-cache hit.
     */
    public static final TlbPreset TEACHING = new TlbPreset("teaching",
            "tiny two-level TLB: misses, evictions and paging-structure-cache hits are easy to watch",
            new TlbConfig(2, 2, 1, 1, 1, 0), TlbConfig.TEACHING, false,
            new TlbConfig(8, 2, 2, 2, 1, 1), new TlbConfig(8, 2, 2, 2, 1, 1), true,
            new PscConfig(1, 2, 4));

    /**
     * One array of {@link TlbConfig#TYPICAL} for fetches and data, no second level, no
     * paging-structure caches: the single-level model mmemu used before the hierarchy.
     */
    public static final TlbPreset TYPICAL = new TlbPreset("typical",
            "one 100-entry TLB for code and data, no second level (mmemu's original model)",
            TlbConfig.TYPICAL, TlbConfig.TYPICAL, true, null, null, false, PscConfig.NONE);

    /**
     * Intel Golden Cove P-core (Alder Lake, Sapphire Rapids; Raptor Cove keeps the same TLBs),
     * from the Intel 64 and IA-32 Architectures Optimization Reference Manual, Golden Cove TLB
     * parameters table:
     * <ul>
     *   <li>ITLB: 4 KiB 256 entries 8-way; 2M/4M 32 entries 8-way; no 1 GiB entries (splintered).</li>
     *   <li>DTLB (loads): 4 KiB 96 entries 6-way; 2M/4M 32 entries 4-way; 1 GiB 8 entries fully
     *       associative. (The 16-entry store DTLB is not modelled: stores use the load DTLB.)</li>
     *   <li>STLB, shared by code and data: 2048 entries 16-way for 4 KiB and 2M/4M pages together
     *       (here 2048 of each), 1 GiB 1024 entries 8-way.</li>
     *   <li>Paging-structure caches: not published; assumed 4 PML4E, 4 PDPTE, 32 PDE entries.</li>
     * </ul>
     */
    public static final TlbPreset INTEL_GOLDEN_COVE = new TlbPreset("intel-golden-cove",
            "Intel Golden Cove / Raptor Cove P-core: iTLB 256+32, dTLB 96+32+8, unified STLB 2048 (+1024 1G)",
            new TlbConfig(32, 8, 4, 8, 1, 0), new TlbConfig(16, 6, 8, 4, 1, 8), false,
            new TlbConfig(128, 16, 128, 16, 128, 8), new TlbConfig(128, 16, 128, 16, 128, 8), true,
            new PscConfig(4, 4, 32));

    /**
     * AMD Zen 4 (Ryzen 7000, EPYC 9004), from AMD's Software Optimization Guide for the AMD
     * Family 19h Processors (pub. 57647), "Translation Lookaside Buffers":
     * <ul>
     *   <li>L1 ITLB: 64 entries, fully associative, all page sizes.</li>
     *   <li>L2 ITLB: 512 entries, 8-way, 4 KiB and 2 MiB; 1 GiB pages are smashed into 2 MiB entries.</li>
     *   <li>L1 DTLB: 72 entries, fully associative, all page sizes.</li>
     *   <li>L2 DTLB: 3072 entries, 24-way, 4 KiB and 2 MiB (and page-directory entries); 1 GiB
     *       pages are smashed into 2 MiB entries.</li>
     *   <li>Paging-structure caches (AMD's page walk cache, PDEs kept in the L2 DTLB): sizes not
     *       published; assumed 4 PML4E, 16 PDPTE, 64 PDE entries.</li>
     * </ul>
     * The L2 TLBs are separate for code and data, unlike Intel's STLB.
     */
    public static final TlbPreset AMD_ZEN4 = new TlbPreset("amd-zen4",
            "AMD Zen 4: L1 iTLB 64, L2 iTLB 512, L1 dTLB 72, L2 dTLB 3072 (1G smashed to 2M in L2)",
            new TlbConfig(1, 64, 1, 64, 1, 64), new TlbConfig(1, 72, 1, 72, 1, 72), false,
            new TlbConfig(64, 8, 64, 8, 1, 0), new TlbConfig(128, 24, 128, 24, 1, 0), false,
            new PscConfig(4, 16, 64));

    private static final List<TlbPreset> ALL = List.of(TEACHING, TYPICAL, INTEL_GOLDEN_COVE, AMD_ZEN4);

    /** {@return every preset, in the order {@link #names()} lists them} */
    public static List<TlbPreset> all() {
        return ALL;
    }

    /** {@return the preset names, comma separated, for a usage message} */
    public static String names() {
        StringBuilder sb = new StringBuilder();
        for (TlbPreset p : ALL) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(p.name);
        }
        return sb.toString();
    }

    /**
     * The preset called {@code name} (case-insensitive).
     *
     * @param name a preset name, in any case
     * @throws IllegalArgumentException naming the presets there are
     * @return the preset
     */
    public static TlbPreset byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (TlbPreset p : ALL) {
            if (p.name.equals(n)) return p;
        }
        throw new IllegalArgumentException("unknown TLB preset '" + name + "' (expected one of: " + names() + ")");
    }

    /** {@return whether there is a second level} */
    public boolean hasL2() {
        return l2i != null;
    }
}
