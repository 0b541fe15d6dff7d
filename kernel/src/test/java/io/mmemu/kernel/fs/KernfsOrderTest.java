package io.mmemu.kernel.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kernfs' readdir order, checked against listings of the host's sysfs (Linux 6.18, ls -f). */
class KernfsOrderTest {
    static List<String> sorted(String... names) {
        List<String> l = new ArrayList<>(List.of(names));
        l.sort(KernfsOrder.READDIR);
        return l;
    }

    @Test
    void ordersAsTheHostListsSysKernelMm() {
        assertEquals(List.of("hugepages-2048kB", "hugepages-1048576kB"), sorted("hugepages-1048576kB", "hugepages-2048kB"));
        assertEquals(List.of("mempolicy", "hugepages", "transparent_hugepage", "damon", "swap", "ksm"),
                sorted("damon", "hugepages", "ksm", "mempolicy", "swap", "transparent_hugepage"));
        assertEquals(List.of("defrag", "max_ptes_shared", "scan_sleep_millisecs", "max_ptes_none", "pages_to_scan", "max_ptes_swap"),
                sorted("max_ptes_none", "max_ptes_swap", "max_ptes_shared", "pages_to_scan", "scan_sleep_millisecs", "defrag"));
        assertEquals(List.of("free_hugepages", "resv_hugepages", "surplus_hugepages", "nr_hugepages_mempolicy", "nr_hugepages",
                "nr_overcommit_hugepages"), sorted("nr_hugepages", "nr_hugepages_mempolicy", "nr_overcommit_hugepages",
                "free_hugepages", "resv_hugepages", "surplus_hugepages"));
    }

    @Test
    void hashStaysClearOfTheReservedValues() {
        for (String n : List.of("", "a", "enabled", "hugepages-16kB")) {
            int h = KernfsOrder.kernfsNameHash(n);
            assertEquals(true, h >= 2 && h < Integer.MAX_VALUE, n + " -> " + h);
        }
    }
}
