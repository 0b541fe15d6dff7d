package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.mm.huge.ThpPolicy;
import io.mmemu.mm.huge.TransparentHugepage;
import io.mmemu.mm.phys.PageTypes;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;

/**
 * /sys/kernel/mm/transparent_hugepage, as mm/huge_memory.c's hugepage_attr_group offers it, for
 * the attributes the model has: {@code enabled} (enabled_show()/enabled_store(): "always",
 * "madvise" or "never", the current one in brackets), {@code use_zero_page}
 * (single_hugepage_flag_show()/_store(): 0 or 1) and the read-only {@code hpage_pmd_size}. A
 * write changes what later faults do, machine-wide, as on Linux. The other files of the
 * directory (defrag, shmem_enabled, khugepaged/*) are not there yet (issue 14, item 3).
 */
final class ThpSysfsFiles implements SpecialFiles {
    static final String DIR = "/sys/kernel/mm/transparent_hugepage";

    private final TransparentHugepage thp;

    ThpSysfsFiles(TransparentHugepage thp) {
        this.thp = thp;
    }

    @Override
    public Object open(String path, int flags, boolean trailingSlash, Task task) {
        if (path.equals("/sys/kernel/mm") || path.equals(DIR)) {
            return FaultInjectionFiles.directory(path, flags, 0755, FaultInjectionFiles.SYSFS_DEV);
        }
        if (!path.startsWith(DIR + "/")) return null;
        OpenFile.Attribute.Ops ops = switch (path.substring(DIR.length() + 1)) {
            case "enabled" -> new OpenFile.Attribute.Ops() {
                @Override
                public byte[] show() {
                    return FaultInjectionFiles.bytes(thp.enabled().enabledShow());
                }

                @Override
                public long store(byte[] data, long count) {
                    return enabledStore(thp, data, count);
                }
            };
            case "use_zero_page" -> new OpenFile.Attribute.Ops() {
                @Override
                public byte[] show() {
                    return FaultInjectionFiles.bytes((thp.useZeroPage() ? 1 : 0) + "\n");
                }

                @Override
                public long store(byte[] data, long count) {
                    return useZeroPageStore(thp, data, count);
                }
            };
            case "hpage_pmd_size" -> new OpenFile.Attribute.Ops() {
                @Override
                public byte[] show() {
                    return FaultInjectionFiles.bytes(PageTypes.PMD_SIZE + "\n");
                }

                @Override
                public long store(byte[] data, long count) {
                    return -Errno.EACCES; // not reached: the open for writing is refused
                }
            };
            default -> null;
        };
        if (ops == null) return null;
        boolean readOnly = path.endsWith("/hpage_pmd_size");
        // kernfs_fop_open(): a file without a store handler cannot be opened for writing, even by root.
        if (readOnly && (flags & 3) != 0) return -Errno.EACCES;
        return FaultInjectionFiles.file(ops, path, flags, trailingSlash, readOnly ? 0444 : 0644,
                FaultInjectionFiles.SYSFS_DEV);
    }

    @Override
    public java.util.List<String> children(String dir, Task task) {
        if (dir.equals("/sys/kernel/mm")) return java.util.List.of("transparent_hugepage");
        if (dir.equals(DIR)) return java.util.List.of("enabled", "hpage_pmd_size", "use_zero_page");
        return java.util.List.of();
    }

    /** Models enabled_store(), mm/huge_memory.c: sysfs_streq() against each policy's name, else EINVAL. */
    static long enabledStore(TransparentHugepage thp, byte[] data, long count) {
        String s = sysfsLine(data, count);
        for (ThpPolicy p : ThpPolicy.values()) {
            if (p.sysfsName().equals(s)) {
                thp.setEnabled(p);
                return count;
            }
        }
        return -Errno.EINVAL;
    }

    /** Models single_hugepage_flag_store(), mm/huge_memory.c: kstrtoul(buf, 10), a value above 1 is EINVAL. */
    static long useZeroPageStore(TransparentHugepage thp, byte[] data, long count) {
        String text = Kstrtox.cString(data, (int) Math.min(count, OpenFile.Attribute.STORE_MAX));
        // Base 10: kstrtoull() here guesses the base, and only a hex prefix would parse differently.
        if (text.startsWith("0x") || text.startsWith("0X") || text.startsWith("+0x") || text.startsWith("+0X")) {
            return -Errno.EINVAL;
        }
        Kstrtox.Parsed v = Kstrtox.kstrtoull(text);
        if (!v.ok()) return v.errno();
        if (Long.compareUnsigned(v.value(), 1) > 0) return -Errno.EINVAL;
        thp.setUseZeroPage(v.value() == 1);
        return count;
    }

    /** What sysfs_streq() compares: the written text up to its end or NUL, one trailing newline ignored. */
    private static String sysfsLine(byte[] data, long count) {
        String s = Kstrtox.cString(data, (int) Math.min(count, OpenFile.Attribute.STORE_MAX));
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }
}
