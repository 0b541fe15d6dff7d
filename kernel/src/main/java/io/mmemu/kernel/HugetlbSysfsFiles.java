package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import java.util.List;

/**
 * /sys/kernel/mm/hugepages, mm/hugetlb_sysfs.c's hstate_attr_group for x86-64's two huge page
 * sizes (2 MiB, and 1 GiB with X86_FEATURE_GBPAGES, as on the host): each hstate's pool counts.
 * The model has no hugetlb pool: every count is 0, as on a machine where nobody reserved huge
 * pages, and MAP_HUGETLB and hugetlbfs files fail as they do there (no free huge page). The
 * pool size files are offered read-only: growing the pool (nr_hugepages_store()) is not modelled;
 * /proc/sys/vm/nr_hugepages takes writes but cannot grow it either ({@link ProcSysVmFiles}).
 */
public final class HugetlbSysfsFiles implements SpecialFiles {
    static final String DIR = "/sys/kernel/mm/hugepages";
    /** The hstates, in the order hugetlb_init() registers them (default size first): DIR's entries. */
    public static final List<String> HSTATES = List.of("hugepages-2048kB", "hugepages-1048576kB");
    private static final List<String> COUNTS = List.of("nr_hugepages", "nr_hugepages_mempolicy",
            "nr_overcommit_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages");

    /** Made by the kernel model only (the class is public for {@link #HSTATES}). */
    HugetlbSysfsFiles() {}

    @Override
    public Object open(String path, int flags, boolean trailingSlash, Task task) {
        if (path.equals(DIR)) return FaultInjectionFiles.directory(path, flags, 0755, FaultInjectionFiles.SYSFS_DEV);
        if (!path.startsWith(DIR + "/")) return null;
        String rel = path.substring(DIR.length() + 1);
        int slash = rel.indexOf('/');
        if (!HSTATES.contains(slash < 0 ? rel : rel.substring(0, slash))) return null;
        if (slash < 0) return FaultInjectionFiles.directory(path, flags, 0755, FaultInjectionFiles.SYSFS_DEV);
        if (!COUNTS.contains(rel.substring(slash + 1))) return null;
        if ((flags & 3) != 0) return -Errno.EACCES; // no store handler here (see the class comment)
        // An empty pool; the store is not reached: the open for writing is refused.
        OpenFile.Attribute.Ops ops = ThpSysfsFiles.ops(() -> "0\n", (data, count) -> -Errno.EACCES);
        return FaultInjectionFiles.file(ops, path, flags, trailingSlash, 0444, FaultInjectionFiles.SYSFS_DEV);
    }

    @Override
    public List<String> children(String dir, Task task) {
        if (dir.equals("/sys/kernel/mm")) return List.of("hugepages");
        if (dir.equals(DIR)) return HSTATES;
        if (dir.startsWith(DIR + "/") && HSTATES.contains(dir.substring(DIR.length() + 1))) return COUNTS;
        return List.of();
    }
}
