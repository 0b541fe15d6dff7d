package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.mm.huge.HugeMemory;
import io.mmemu.mm.huge.MthpPolicy;
import io.mmemu.mm.huge.SysfsChoices;
import io.mmemu.mm.huge.ThpPolicy;
import io.mmemu.mm.huge.ThpTunables;
import io.mmemu.mm.huge.TransparentHugepage;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * /sys/kernel/mm/transparent_hugepage, as mm/huge_memory.c's hugepage_attr_group, the per-size
 * thpsize groups (Linux 6.8+) and mm/khugepaged.c's khugepaged_attr_group offer it:
 * <ul>
 *   <li>{@code enabled} (enabled_show()/enabled_store()), {@code defrag}, {@code shmem_enabled},
 *       {@code use_zero_page} and the read-only {@code hpage_pmd_size};</li>
 *   <li>{@code hugepages-NkB/enabled} for each anonymous order 2..9 (thpsize_enabled_store(): a
 *       write decides which folio sizes later anonymous faults take, see
 *       {@link HugeMemory#allocAnonFolio}) and {@code hugepages-NkB/shmem_enabled} for each shmem
 *       order 1..9;</li>
 *   <li>{@code khugepaged/*}: the scan tunables with their range checks, and the read-only
 *       counters full_scans and pages_collapsed (0: no khugepaged thread runs here).</li>
 * </ul>
 * defrag, shmem_enabled and the khugepaged tunables are kept and checked as Linux does, but
 * steer nothing the model runs ({@link ThpTunables}). Not offered: the per-size {@code stats}
 * directories and the 6.12+ {@code shrink_underused}.
 */
final class ThpSysfsFiles implements SpecialFiles {
    static final String DIR = "/sys/kernel/mm/transparent_hugepage";
    private static final String KHUGEPAGED = DIR + "/khugepaged";

    private final TransparentHugepage thp;

    ThpSysfsFiles(TransparentHugepage thp) {
        this.thp = thp;
    }

    @Override
    public Object open(String path, int flags, boolean trailingSlash, Task task) {
        if (path.equals("/sys/kernel/mm") || path.equals(DIR) || path.equals(KHUGEPAGED)) {
            return FaultInjectionFiles.directory(path, flags, 0755, FaultInjectionFiles.SYSFS_DEV);
        }
        if (!path.startsWith(DIR + "/")) return null;
        String rel = path.substring(DIR.length() + 1);
        int order = sizeDirOrder(rel);
        if (order >= 0 && rel.indexOf('/') < 0) {
            return FaultInjectionFiles.directory(path, flags, 0755, FaultInjectionFiles.SYSFS_DEV);
        }
        OpenFile.Attribute.Ops ops = order >= 0 ? sizeFile(order, rel.substring(rel.indexOf('/') + 1))
                : rel.startsWith("khugepaged/") ? khugepagedFile(rel.substring("khugepaged/".length()))
                : topFile(rel);
        if (ops == null) return null;
        boolean readOnly = rel.equals("hpage_pmd_size") || rel.equals("khugepaged/full_scans")
                || rel.equals("khugepaged/pages_collapsed");
        // kernfs_fop_open(): a file without a store handler cannot be opened for writing, even by root.
        if (readOnly && (flags & 3) != 0) return -Errno.EACCES;
        return FaultInjectionFiles.file(ops, path, flags, trailingSlash, readOnly ? 0444 : 0644,
                FaultInjectionFiles.SYSFS_DEV);
    }

    @Override
    public List<String> children(String dir, Task task) {
        if (dir.equals("/sys/kernel/mm")) return List.of("transparent_hugepage");
        if (dir.equals(DIR)) {
            List<String> names = new ArrayList<>(List.of("enabled", "defrag", "use_zero_page", "hpage_pmd_size",
                    "shmem_enabled", "khugepaged"));
            for (int order = 1; order <= HugeMemory.HPAGE_PMD_ORDER; order++) {
                if (sizeOrder(order)) names.add(sizeDirName(order));
            }
            return names;
        }
        if (dir.equals(KHUGEPAGED)) {
            List<String> names = new ArrayList<>(List.of("full_scans", "pages_collapsed"));
            for (ThpTunables.Khugepaged k : ThpTunables.Khugepaged.values()) names.add(k.fileName);
            return names;
        }
        if (dir.startsWith(DIR + "/")) {
            int order = sizeDirOrder(dir.substring(DIR.length() + 1));
            if (order < 0) return List.of();
            List<String> names = new ArrayList<>();
            if (anonOrder(order)) names.add("enabled");
            if (shmemOrder(order)) names.add("shmem_enabled");
            return names;
        }
        return List.of();
    }

    // ---------------------------------------------------------------- the directory's own files

    private OpenFile.Attribute.Ops topFile(String name) {
        ThpTunables t = thp.tunables();
        return switch (name) {
            case "enabled" -> ops(() -> thp.enabled().enabledShow(), (data, count) -> enabledStore(thp, data, count));
            case "use_zero_page" -> ops(() -> (thp.useZeroPage() ? 1 : 0) + "\n",
                    (data, count) -> flagStore(data, count, v -> thp.setUseZeroPage(v == 1)));
            case "hpage_pmd_size" -> ops(() -> PageTypes.PMD_SIZE + "\n", (data, count) -> -Errno.EACCES);
            case "defrag" -> ops(() -> SysfsChoices.show(ThpTunables.DEFRAG, t.defrag()),
                    (data, count) -> defragStore(t, data, count));
            case "shmem_enabled" -> ops(() -> SysfsChoices.show(ThpTunables.SHMEM_ENABLED, t.shmemEnabled()),
                    (data, count) -> shmemEnabledStore(t, data, count));
            default -> null;
        };
    }

    /** Models enabled_store(), mm/huge_memory.c: sysfs_streq() against each policy's name, else EINVAL. */
    static long enabledStore(TransparentHugepage thp, byte[] data, long count) {
        ThpPolicy p = SysfsChoices.parse(ThpPolicy.class, sysfsLine(data, count));
        if (p == null) return -Errno.EINVAL;
        thp.setEnabled(p);
        return count;
    }

    /** Models defrag_store(), mm/huge_memory.c: sysfs_streq() against each choice, else EINVAL. */
    static long defragStore(ThpTunables t, byte[] data, long count) {
        int choice = ThpTunables.DEFRAG.indexOf(sysfsLine(data, count));
        if (choice < 0) return -Errno.EINVAL;
        t.setDefrag(choice);
        return count;
    }

    /**
     * Models shmem_enabled_store(), mm/shmem.c: at most 15 bytes, one trailing newline dropped,
     * then an exact name (shmem_parse_huge()); "force" is refused unless only the PMD size
     * inherits (non-PMD sizes must not be forced).
     */
    static long shmemEnabledStore(ThpTunables t, byte[] data, long count) {
        if (count + 1 > 16) return -Errno.EINVAL;
        String s = Kstrtox.cString(data, (int) count); // strcmp() stops at a NUL
        // Only the write's last byte is dropped when it is a newline.
        if (s.length() == count && s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        int choice = ThpTunables.SHMEM_ENABLED.indexOf(s);
        if (choice < 0) return -Errno.EINVAL;
        if (s.equals("force") && t.shmemOrdersInherit() != 1L << HugeMemory.HPAGE_PMD_ORDER) return -Errno.EINVAL;
        t.setShmemEnabled(choice);
        return count;
    }

    /**
     * Models single_hugepage_flag_store(), mm/huge_memory.c: kstrtoul(buf, 10), a value above 1 is EINVAL.
     *
     * @param set takes the value, 0 or 1
     */
    static long flagStore(byte[] data, long count, java.util.function.LongConsumer set) {
        long v = uintStore(data, count);
        if (v < 0) return v;
        if (v > 1) return -Errno.EINVAL;
        set.accept(v);
        return count;
    }

    // ---------------------------------------------------------------- hugepages-NkB/

    /** Whether hugepages-NkB exists for {@code order}: an anonymous or a shmem THP order. */
    private static boolean sizeOrder(int order) {
        return anonOrder(order) || shmemOrder(order);
    }

    private static boolean anonOrder(int order) {
        return ((TransparentHugepage.THP_ORDERS_ALL_ANON >>> order) & 1) != 0;
    }

    private static boolean shmemOrder(int order) {
        return ((ThpTunables.THP_ORDERS_ALL_FILE >>> order) & 1) != 0;
    }

    /** thpsize_create()'s directory name: hugepages-%lukB. */
    private static String sizeDirName(int order) {
        return "hugepages-" + ((PageTypes.PAGE_SIZE << order) >> 10) + "kB";
    }

    /** The order of {@code rel}'s first component when it is a hugepages-NkB directory, else -1. */
    private static int sizeDirOrder(String rel) {
        int slash = rel.indexOf('/');
        String first = slash < 0 ? rel : rel.substring(0, slash);
        for (int order = 1; order <= HugeMemory.HPAGE_PMD_ORDER; order++) {
            if (sizeOrder(order) && sizeDirName(order).equals(first)) return order;
        }
        return -1;
    }

    private OpenFile.Attribute.Ops sizeFile(int order, String name) {
        ThpTunables t = thp.tunables();
        if (name.equals("enabled") && anonOrder(order)) {
            return ops(() -> thp.anonOrderPolicy(order).enabledShow(), (data, count) -> thpsizeEnabledStore(thp, order, data, count));
        }
        if (name.equals("shmem_enabled") && shmemOrder(order)) {
            return ops(() -> SysfsChoices.show(ThpTunables.SHMEM_SIZE_ENABLED, t.shmemSizeEnabled(order)),
                    (data, count) -> thpsizeShmemEnabledStore(t, order, data, count));
        }
        return null;
    }

    /** Models thpsize_enabled_store(), mm/huge_memory.c: always, inherit, madvise or never (sysfs_streq()), else EINVAL. */
    static long thpsizeEnabledStore(TransparentHugepage thp, int order, byte[] data, long count) {
        MthpPolicy p = SysfsChoices.parse(MthpPolicy.class, sysfsLine(data, count));
        if (p == null) return -Errno.EINVAL;
        thp.setAnonOrderPolicy(order, p);
        return count;
    }

    /**
     * Models thpsize_shmem_enabled_store(), mm/shmem.c: one of its choices (sysfs_streq()), else
     * EINVAL; inherit for a non-PMD size is EINVAL while shmem_enabled is force.
     */
    static long thpsizeShmemEnabledStore(ThpTunables t, int order, byte[] data, long count) {
        String s = sysfsLine(data, count);
        int choice = ThpTunables.SHMEM_SIZE_ENABLED.indexOf(s);
        if (choice < 0) return -Errno.EINVAL;
        if (s.equals("inherit") && order != HugeMemory.HPAGE_PMD_ORDER
                && t.shmemEnabled() == ThpTunables.SHMEM_ENABLED.indexOf("force")) {
            return -Errno.EINVAL;
        }
        t.setShmemSizeEnabled(order, choice);
        return count;
    }

    // ---------------------------------------------------------------- khugepaged/

    private OpenFile.Attribute.Ops khugepagedFile(String name) {
        ThpTunables t = thp.tunables();
        if (name.equals("full_scans") || name.equals("pages_collapsed")) {
            return ops(() -> "0\n", (data, count) -> -Errno.EACCES); // no khugepaged thread: nothing scanned
        }
        for (ThpTunables.Khugepaged k : ThpTunables.Khugepaged.values()) {
            if (k.fileName.equals(name)) return ops(() -> t.khugepaged(k) + "\n", (data, count) -> khugepagedStore(t, k, data, count));
        }
        return null;
    }

    /**
     * Models the khugepaged store handlers, mm/khugepaged.c: defrag as single_hugepage_flag_store();
     * the sleep times any unsigned int (kstrtouint()); pages_to_scan a non-zero unsigned int;
     * max_ptes_* an unsigned long up to HPAGE_PMD_NR - 1. Any parse error is EINVAL.
     */
    static long khugepagedStore(ThpTunables t, ThpTunables.Khugepaged k, byte[] data, long count) {
        LongPredicate ok = switch (k) {
            case DEFRAG -> v -> v <= 1;
            case ALLOC_SLEEP_MILLISECS, SCAN_SLEEP_MILLISECS -> v -> v <= 0xffffffffL;
            case PAGES_TO_SCAN -> v -> v != 0 && v <= 0xffffffffL;
            case MAX_PTES_NONE, MAX_PTES_SWAP, MAX_PTES_SHARED -> v -> v <= HugeMemory.HPAGE_PMD_NR - 1;
        };
        long v = uintStore(data, count);
        if (v < 0 || !ok.test(v)) return -Errno.EINVAL;
        t.setKhugepaged(k, v);
        return count;
    }

    // ---------------------------------------------------------------- helpers

    /**
     * kstrtoul(buf, 10) as the store handlers call it: the value, or -EINVAL for text that does
     * not parse in base 10 or does not fit 63 bits (callers check the range).
     */
    private static long uintStore(byte[] data, long count) {
        String text = Kstrtox.cString(data, (int) Math.min(count, OpenFile.Attribute.STORE_MAX));
        // Base 10: kstrtoull() here guesses the base, and only a hex prefix would parse differently.
        if (text.startsWith("0x") || text.startsWith("0X") || text.startsWith("+0x") || text.startsWith("+0X")) {
            return -Errno.EINVAL;
        }
        Kstrtox.Parsed v = Kstrtox.kstrtoull(text);
        if (!v.ok() || v.value() < 0) return -Errno.EINVAL;
        return v.value();
    }

    /** What sysfs_streq() compares: the written text up to its end or NUL, one trailing newline ignored. */
    private static String sysfsLine(byte[] data, long count) {
        String s = Kstrtox.cString(data, (int) Math.min(count, OpenFile.Attribute.STORE_MAX));
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** A store handler. */
    @FunctionalInterface
    interface Store {
        long store(byte[] data, long count);
    }

    /** A sysfs attribute of a show and a store handler (struct kobj_attribute's two methods). */
    static OpenFile.Attribute.Ops ops(java.util.function.Supplier<String> show, Store store) {
        return new OpenFile.Attribute.Ops() {
            @Override
            public byte[] show() {
                return FaultInjectionFiles.bytes(show.get());
            }

            @Override
            public long store(byte[] data, long count) {
                return store.store(data, count);
            }
        };
    }
}
