package io.mmemu.mm.huge;

import java.util.List;

/**
 * The tunables of /sys/kernel/mm/transparent_hugepage that steer what the model does not run:
 * the direct-compaction policy ({@code defrag}: the model has no compaction), huge pages for
 * shmem ({@code shmem_enabled}, global and per size: shmem faults here map 4 KiB pages) and
 * khugepaged's scan parameters (no background collapse: only MADV_COLLAPSE, which ignores them).
 * They are kept with Linux's defaults and validity rules so that programs that save, change and
 * restore them (the selftests' thp_settings.c) see the host's behaviour.
 *
 * <p>Choices are indexes into the name lists below, in the order the files show them.
 */
public final class ThpTunables {
    /** defrag_show()'s choices, mm/huge_memory.c. */
    public static final List<String> DEFRAG = List.of("always", "defer", "defer+madvise", "madvise", "never");
    /** shmem_enabled_show()'s choices, mm/shmem.c (deny and force are for testing). */
    public static final List<String> SHMEM_ENABLED = List.of("always", "within_size", "advise", "never", "deny", "force");
    /** thpsize_shmem_enabled_show()'s choices, mm/shmem.c. */
    public static final List<String> SHMEM_SIZE_ENABLED = List.of("always", "inherit", "within_size", "advise", "never");
    /** THP_ORDERS_ALL_FILE_DEFAULT on x86-64: shmem folios of order 1 to PMD_ORDER. */
    public static final long THP_ORDERS_ALL_FILE = ((1L << (HugeMemory.HPAGE_PMD_ORDER + 1)) - 1) & ~1L;

    /** khugepaged's tunables, mm/khugepaged.c: the files of khugepaged/ that take writes. */
    public enum Khugepaged {
        /** khugepaged/defrag: 0 or 1 (TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG). */
        DEFRAG("defrag", 1),
        /** khugepaged_alloc_sleep_millisecs. */
        ALLOC_SLEEP_MILLISECS("alloc_sleep_millisecs", 60000),
        /** khugepaged_scan_sleep_millisecs. */
        SCAN_SLEEP_MILLISECS("scan_sleep_millisecs", 10000),
        /** khugepaged_max_ptes_none: HPAGE_PMD_NR - 1. */
        MAX_PTES_NONE("max_ptes_none", HugeMemory.HPAGE_PMD_NR - 1),
        /** khugepaged_max_ptes_swap: HPAGE_PMD_NR / 8. */
        MAX_PTES_SWAP("max_ptes_swap", HugeMemory.HPAGE_PMD_NR / 8),
        /** khugepaged_max_ptes_shared: HPAGE_PMD_NR / 2. */
        MAX_PTES_SHARED("max_ptes_shared", HugeMemory.HPAGE_PMD_NR / 2),
        /** khugepaged_pages_to_scan: HPAGE_PMD_NR * 8. */
        PAGES_TO_SCAN("pages_to_scan", HugeMemory.HPAGE_PMD_NR * 8);

        /** The file's name under khugepaged/. */
        public final String fileName;
        /** The boot value. */
        public final long initial;

        Khugepaged(String fileName, long initial) {
            this.fileName = fileName;
            this.initial = initial;
        }
    }

    private int defrag = DEFRAG.indexOf("madvise");
    private int shmemEnabled = SHMEM_ENABLED.indexOf("never");
    /** Per shmem order: an index into {@link #SHMEM_SIZE_ENABLED}; the PMD order inherits at boot. */
    private final int[] shmemSizeEnabled = new int[HugeMemory.HPAGE_PMD_ORDER + 1];
    private final long[] khugepaged = new long[Khugepaged.values().length];

    /** The boot values, as a kernel built with CONFIG_TRANSPARENT_HUGEPAGE_MADVISE has them. */
    public ThpTunables() {
        java.util.Arrays.fill(shmemSizeEnabled, SHMEM_SIZE_ENABLED.indexOf("never"));
        shmemSizeEnabled[HugeMemory.HPAGE_PMD_ORDER] = SHMEM_SIZE_ENABLED.indexOf("inherit");
        for (Khugepaged k : Khugepaged.values()) khugepaged[k.ordinal()] = k.initial;
    }

    /** {@return defrag's choice, an index into {@link #DEFRAG}} */
    public int defrag() {
        return defrag;
    }

    /**
     * Sets defrag.
     *
     * @param choice an index into {@link #DEFRAG}
     */
    public void setDefrag(int choice) {
        defrag = checkChoice(choice, DEFRAG);
    }

    /** {@return shmem_enabled's choice, an index into {@link #SHMEM_ENABLED}} */
    public int shmemEnabled() {
        return shmemEnabled;
    }

    /**
     * Sets shmem_enabled.
     *
     * @param choice an index into {@link #SHMEM_ENABLED}
     */
    public void setShmemEnabled(int choice) {
        shmemEnabled = checkChoice(choice, SHMEM_ENABLED);
    }

    /**
     * {@return hugepages-NkB/shmem_enabled's choice, an index into {@link #SHMEM_SIZE_ENABLED}}
     *
     * @param order a shmem order in {@link #THP_ORDERS_ALL_FILE}
     */
    public int shmemSizeEnabled(int order) {
        return shmemSizeEnabled[order];
    }

    /**
     * Sets hugepages-NkB/shmem_enabled.
     *
     * @param order  a shmem order in {@link #THP_ORDERS_ALL_FILE}
     * @param choice an index into {@link #SHMEM_SIZE_ENABLED}
     */
    public void setShmemSizeEnabled(int order, int choice) {
        shmemSizeEnabled[order] = checkChoice(choice, SHMEM_SIZE_ENABLED);
    }

    /** {@return huge_shmem_orders_inherit: the shmem orders whose setting is inherit} */
    public long shmemOrdersInherit() {
        long mask = 0;
        int inherit = SHMEM_SIZE_ENABLED.indexOf("inherit");
        for (int order = 0; order < shmemSizeEnabled.length; order++) {
            if (((THP_ORDERS_ALL_FILE >>> order) & 1) != 0 && shmemSizeEnabled[order] == inherit) mask |= 1L << order;
        }
        return mask;
    }

    /**
     * {@return a khugepaged tunable}
     *
     * @param k the tunable
     */
    public long khugepaged(Khugepaged k) {
        return khugepaged[k.ordinal()];
    }

    /**
     * Sets a khugepaged tunable (the caller has checked it as the store handler does).
     *
     * @param k     the tunable
     * @param value the new value
     */
    public void setKhugepaged(Khugepaged k, long value) {
        khugepaged[k.ordinal()] = value;
    }

    private static int checkChoice(int choice, List<String> names) {
        if (choice < 0 || choice >= names.size()) {
            throw new IllegalArgumentException("choice must be 0 to " + (names.size() - 1) + " (got " + choice + ")");
        }
        return choice;
    }
}
