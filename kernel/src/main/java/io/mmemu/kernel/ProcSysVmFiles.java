package io.mmemu.kernel;

import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.VmSysctl;
import java.util.function.Function;

/**
 * /proc/sys/vm, for the sysctls the model obeys ({@link VmSysctl}), as kernel/sysctl.c and
 * mm/ declare them: {@code max_map_count} (proc_dointvec_minmax, at least 0),
 * {@code overcommit_memory} (overcommit_policy_handler(): 0 to 2), {@code overcommit_ratio}
 * (overcommit_ratio_handler(): any int), {@code mmap_min_addr} (mmap_min_addr_handler():
 * CAP_SYS_RAWIO, else EPERM, then an unsigned long), {@code unprivileged_userfaultfd}
 * (proc_dointvec_minmax, 0 or 1) and {@code nr_hugepages} (hugetlb_sysctl_handler(): the default
 * (2 MiB) hstate's pool, which cannot grow in this model, see {@link #nrHugepages}). Every file is
 * 0644 root's: proc_sys_permission() lets only euid 0 open one for writing (EACCES otherwise, whatever the capabilities). A write
 * parses as {@link ProcSysctl} says and takes effect machine-wide at once.
 */
final class ProcSysVmFiles implements SpecialFiles {
    static final String DIR = "/proc/sys/vm";

    private final VmSysctl sysctl;
    private final Function<Task, Cred> cred;

    /** The files of /proc/sys/vm by name (sorted, as getdents lists them), each making its handler for the opening task. */
    private final java.util.SortedMap<String, Function<Task, Sysctl>> files;

    ProcSysVmFiles(VmSysctl sysctl, Function<Task, Cred> cred) {
        this.sysctl = sysctl;
        this.cred = cred;
        this.files = new java.util.TreeMap<>(java.util.Map.of(
                "max_map_count", t -> new IntSysctl(sysctl::maxMapCount, sysctl::setMaxMapCount, 0, Integer.MAX_VALUE),
                "overcommit_memory", t -> new IntSysctl(sysctl::overcommitMemory, sysctl::setOvercommitMemory,
                        VmSysctl.OVERCOMMIT_GUESS, VmSysctl.OVERCOMMIT_NEVER),
                "overcommit_ratio", t -> new IntSysctl(sysctl::overcommitRatio, sysctl::setOvercommitRatio,
                        Integer.MIN_VALUE, Integer.MAX_VALUE),
                "mmap_min_addr", this::mmapMinAddr,
                // fs/userfaultfd.c's vm_userfaultfd_table: proc_dointvec_minmax between 0 and 1.
                "unprivileged_userfaultfd", t -> new IntSysctl(sysctl::unprivilegedUserfaultfd,
                        sysctl::setUnprivilegedUserfaultfd, 0, 1),
                "nr_hugepages", t -> nrHugepages()));
    }

    /**
     * A one-value sysctl file (a ctl_table entry): it shows its value with a newline, and a write
     * at position 0 is parsed by {@link #parse} and stored; a write elsewhere is ignored whole
     * (proc_first_pos_non_zero_ignore()). The position moves by what a write took. A read at a
     * position other than 0 is the end of the file (__do_proc_dointvec(): "*ppos && !write"), so a
     * value read in pieces stops after the first.
     */
    private abstract static class Sysctl implements OpenFile.Attribute.Ops {
        /** The value as the file shows it. */
        abstract String value();

        /** The handler's checks and parse of a write (an errno, or the value and the bytes taken). */
        abstract ProcSysctl.Write parse(byte[] data, long count);

        /** Stores a parsed value. */
        abstract void set(long value);

        /** A check the handler makes before any parsing, even of an ignored write: 0 or a negative errno. */
        long permission() {
            return 0;
        }

        @Override
        public byte[] show() {
            return FaultInjectionFiles.bytes(value() + "\n");
        }

        @Override
        public long store(byte[] data, long count) {
            return storeAt(0, data, count);
        }

        @Override
        public long storeAt(long pos, byte[] data, long count) {
            long denied = permission();
            if (denied != 0) return denied;
            if (pos != 0) return count;
            ProcSysctl.Write w = parse(data, count);
            if (!w.ok()) return w.errno();
            if (w.stores()) set(w.value());
            return w.written();
        }

        @Override
        public int readAt(long pos, byte[] dst, int off, int len) {
            return pos != 0 ? 0 : OpenFile.Attribute.Ops.super.readAt(pos, dst, off, len);
        }

        @Override
        public boolean advancesPosition() {
            return true;
        }

        @Override
        public int storeMax() {
            return ProcSysctl.MAX_WRITE;
        }
    }

    /** An int sysctl under proc_dointvec_minmax() between {@code min} and {@code max}. */
    private static final class IntSysctl extends Sysctl {
        private final java.util.function.IntSupplier get;
        private final java.util.function.IntConsumer put;
        private final long min, max;

        IntSysctl(java.util.function.IntSupplier get, java.util.function.IntConsumer put, long min, long max) {
            this.get = get;
            this.put = put;
            this.min = min;
            this.max = max;
        }

        @Override
        String value() {
            return Integer.toString(get.getAsInt());
        }

        @Override
        ProcSysctl.Write parse(byte[] data, long count) {
            return ProcSysctl.dointvecMinmax(data, count, min, max);
        }

        @Override
        void set(long value) {
            put.accept((int) value);
        }
    }

    @Override
    public Object open(String path, int flags, boolean trailingSlash, Task task) {
        if (path.equals("/proc/sys") || path.equals(DIR)) {
            return FaultInjectionFiles.directory(path, flags, 0555, FaultInjectionFiles.PROC_DEV);
        }
        if (!path.startsWith(DIR + "/")) return null;
        Function<Task, Sysctl> file = files.get(path.substring(DIR.length() + 1));
        if (file == null) return null;
        OpenFile.Attribute.Ops ops = file.apply(task);
        // proc_sys_permission() → test_perm(): the owner's bits for euid 0, the group's (r--) otherwise.
        if ((flags & 3) != 0 && cred.apply(task).euid() != 0) return -Errno.EACCES;
        return FaultInjectionFiles.file(ops, path, flags, trailingSlash, 0644, FaultInjectionFiles.PROC_DEV);
    }

    @Override
    public java.util.List<String> children(String dir, Task task) {
        if (dir.equals("/proc/sys")) return java.util.List.of("vm");
        if (dir.equals(DIR)) return java.util.List.copyOf(files.keySet());
        return java.util.List.of();
    }

    /** Models mmap_min_addr_handler(), security/min_addr.c: CAP_SYS_RAWIO of the writer (EPERM), then proc_doulongvec_minmax(). */
    private Sysctl mmapMinAddr(Task task) {
        return new Sysctl() {
            @Override
            String value() {
                return Long.toUnsignedString(sysctl.mmapMinAddr());
            }

            @Override
            long permission() {
                return cred.apply(task).capable(Cred.CAP_SYS_RAWIO) ? 0 : -Errno.EPERM;
            }

            @Override
            ProcSysctl.Write parse(byte[] data, long count) {
                return ProcSysctl.doulongvec(data, count);
            }

            @Override
            void set(long value) {
                sysctl.setMmapMinAddr(value);
            }
        };
    }

    /**
     * Models hugetlb_sysctl_handler(), mm/hugetlb_sysctl.c, for the default hstate (2 MiB): a read
     * shows h->max_huge_pages; a write parses an unsigned long (proc_doulongvec_minmax(), EINVAL)
     * and asks __nr_hugepages_store_common() → set_max_huge_pages() for that many pages. The model
     * has no hugetlb pool ({@link HugetlbSysfsFiles}): every allocation set_max_huge_pages() would
     * try fails, as on a machine with no memory to spare, so the write succeeds and max_huge_pages
     * stays persistent_huge_pages(), 0. A program that checks what it got (protection_keys'
     * setup_hugetlbfs() reads the hstate's sysfs nr_hugepages) finds 0 and takes its
     * "could not confirm" path.
     */
    private static Sysctl nrHugepages() {
        return new Sysctl() {
            @Override
            String value() {
                return "0"; // h->max_huge_pages: the pool never grew
            }

            @Override
            ProcSysctl.Write parse(byte[] data, long count) {
                return ProcSysctl.doulongvec(data, count);
            }

            @Override
            void set(long value) {
                // set_max_huge_pages(): alloc_pool_huge_folio() fails for every page asked for (no
                // pool memory in the model), and shrinking an empty pool frees nothing.
            }
        };
    }
}
