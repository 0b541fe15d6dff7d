package io.mmemu.kernel;

import io.mmemu.fault.FaultAttr;
import io.mmemu.fault.FaultInjector;
import io.mmemu.fault.FaultPoint;
import io.mmemu.kernel.fs.OpenFile;
import io.mmemu.kernel.fs.SpecialFiles;
import io.mmemu.kernel.fs.Stat;
import io.mmemu.mm.slab.Failslab;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The files through which a guest drives fault injection, as Linux offers them:
 * <ul>
 *   <li>{@code /proc/PID/fail-nth} and {@code /proc/PID/make-it-fail} (also under {@code self},
 *       {@code thread-self} and {@code PID/task/TID}): proc_fail_nth_read()/_write() and
 *       proc_fault_inject_read()/_write(), fs/proc/base.c;</li>
 *   <li>{@code /sys/kernel/debug/POINT/*}: fault_create_debugfs_attr(), lib/fault-inject.c, with
 *       each point's own files (failslab_debugfs_init(), fail_page_alloc_debugfs(),
 *       fail_futex_debugfs()); mmemu's own points get a directory in the same style;</li>
 *   <li>{@code /sys/kernel/slab/CACHE/failslab}: failslab_show()/_store(), mm/slub.c, which marks a
 *       cache SLAB_FAILSLAB for failslab's cache-filter.</li>
 * </ul>
 * Reads print the value as Linux's handlers do ("%llu\n" for unsigned longs and u32, "%lld\n"
 * for atomic_t, "Y\n"/"N\n" for bools, "%u\n" for fail-nth); writes parse with lib/kstrtox.c's
 * rules and fail with its errors (EINVAL, ERANGE). The verbose ratelimit files keep what is written
 * but do not limit anything: the ratelimit depends on wall time, which a run must not.
 * Credentials are not checked (the guest runs as root, which has CAP_SYS_RESOURCE).
 */
final class FaultInjectionFiles implements SpecialFiles {
    /** debugfs' superblock magic, reported as the files' st_dev (any constant would do; this one is recognisable). */
    private static final long DEBUGFS_DEV = 0x14;
    static final long SYSFS_DEV = 0x15;
    static final long PROC_DEV = 0x16;
    static final String DEBUGFS = "/sys/kernel/debug";
    static final String SYSFS_SLAB = "/sys/kernel/slab";
    /** DEFAULT_RATELIMIT_INTERVAL (5 * HZ, HZ = 250) and DEFAULT_RATELIMIT_BURST: what the ratelimit files show first. */
    private static final long RATELIMIT_INTERVAL = 1250;
    private static final long RATELIMIT_BURST = 10;

    /** How a debugfs file of a fault_attr prints and parses its value. */
    private enum Kind {
        /** debugfs_create_ulong(): "%llu\n", kstrtoull(). */
        ULONG,
        /** debugfs_create_atomic_t(): "%lld\n", kstrtoll(), truncated to int. */
        ATOMIC,
        /** debugfs_create_u32(): "%llu\n", kstrtoull(), truncated to 32 bits. */
        U32,
        /** debugfs_create_bool(): "Y\n" or "N\n", kstrtobool(). */
        BOOL,
        /** An mmemu knob: its text, set as --fail sets it. */
        TEXT
    }

    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("probability", Kind.ULONG), Map.entry("interval", Kind.ULONG), Map.entry("verbose", Kind.ULONG),
            Map.entry("times", Kind.ATOMIC), Map.entry("space", Kind.ATOMIC),
            Map.entry("verbose_ratelimit_interval_ms", Kind.U32), Map.entry("verbose_ratelimit_burst", Kind.U32),
            Map.entry("min-order", Kind.U32),
            Map.entry("task-filter", Kind.BOOL), Map.entry("ignore-gfp-wait", Kind.BOOL),
            Map.entry("cache-filter", Kind.BOOL), Map.entry("ignore-gfp-highmem", Kind.BOOL),
            Map.entry("ignore-private", Kind.BOOL));

    private final FaultInjector faults;
    private final Processes procs;
    private final Failslab failslab;
    private final Set<String> caches;
    /** The ratelimit files' values, per point and file (kept, not used). */
    private final Map<String, Long> ratelimits = new TreeMap<>();

    FaultInjectionFiles(FaultInjector faults, Processes procs, Failslab failslab, Set<String> caches) {
        this.faults = faults;
        this.procs = procs;
        this.failslab = failslab;
        this.caches = caches;
    }

    @Override
    public Object open(String path, int flags, boolean trailingSlash, Task task) {
        if (path.startsWith("/proc/")) return openProc(path, flags, trailingSlash, task);
        if (path.equals("/sys") || path.equals("/sys/kernel") || path.equals(DEBUGFS) || path.equals(SYSFS_SLAB)) {
            return directory(path, flags, path.equals(DEBUGFS) ? 0700 : 0755, path.startsWith(DEBUGFS) ? DEBUGFS_DEV : SYSFS_DEV);
        }
        if (path.startsWith(DEBUGFS + "/")) return openDebugfs(path.substring(DEBUGFS.length() + 1), path, flags, trailingSlash);
        if (path.startsWith(SYSFS_SLAB + "/")) return openSlab(path.substring(SYSFS_SLAB.length() + 1), path, flags, trailingSlash);
        return null;
    }

    // ================================================================ /proc/PID/fail-nth, make-it-fail

    private Object openProc(String path, int flags, boolean trailingSlash, Task caller) {
        Object r = ProcPidPath.resolve(path, flags, caller, procs);
        if (!(r instanceof ProcPidPath p)) return r;
        Task t = p.task();
        OpenFile.Attribute.Ops ops = switch (p.name()) {
            case "fail-nth" -> new OpenFile.Attribute.Ops() {
                @Override
                public byte[] show() {
                    return bytes(Integer.toUnsignedString(t.failNth()) + "\n");
                }

                @Override
                public long store(byte[] data, long count) {
                    return procFailNthWrite(t, data, count);
                }
            };
            case "make-it-fail" -> new OpenFile.Attribute.Ops() {
                @Override
                public byte[] show() {
                    return bytes((t.makeItFail() ? 1 : 0) + "\n");
                }

                @Override
                public long store(byte[] data, long count) {
                    return procFaultInjectWrite(t, data, count);
                }
            };
            default -> null;
        };
        if (ops == null) return null;
        return file(ops, path, flags, trailingSlash, 0644, PROC_DEV);
    }

    /**
     * Models proc_fail_nth_write(), fs/proc/base.c: kstrtouint_from_user() (at most 34 bytes, one
     * trailing newline; EINVAL or ERANGE), then the task's fail_nth; 0 disarms it.
     */
    static long procFailNthWrite(Task t, byte[] data, long count) {
        Kstrtox.Parsed n = Kstrtox.kstrtouint(Kstrtox.cString(data, (int) Math.min(count, 34)));
        if (!n.ok()) return n.errno();
        t.setFailNth((int) n.value());
        return count;
    }

    /**
     * Models proc_fault_inject_write(), fs/proc/base.c: at most PROC_NUMBUF - 1 (12) bytes,
     * strstrip(), kstrtoint(); only 0 and 1 are accepted (EINVAL otherwise).
     */
    static long procFaultInjectWrite(Task t, byte[] data, long count) {
        Kstrtox.Parsed v = Kstrtox.kstrtoint(Kstrtox.strstrip(Kstrtox.cString(data, (int) Math.min(count, 12))));
        if (!v.ok()) return v.errno();
        if (v.value() < 0 || v.value() > 1) return -Errno.EINVAL;
        t.setMakeItFail(v.value() == 1);
        return count;
    }

    // ================================================================ /sys/kernel/debug/POINT/

    private Object openDebugfs(String rest, String path, int flags, boolean trailingSlash) {
        int slash = rest.indexOf('/');
        String dir = slash < 0 ? rest : rest.substring(0, slash);
        FaultPoint point = pointNamed(dir);
        if (point == null) return null;
        if (slash < 0) return directory(path, flags, 0755, DEBUGFS_DEV);
        String name = rest.substring(slash + 1);
        FaultAttr attr = faults.attr(point);
        if (!debugfsNames(point).contains(name)) return null;
        Kind kind = KINDS.getOrDefault(name, Kind.TEXT);
        OpenFile.Attribute.Ops ops = new OpenFile.Attribute.Ops() {
            @Override
            public byte[] show() {
                return bytes(debugfsShow(point, attr, name) + "\n");
            }

            @Override
            public long store(byte[] data, long count) {
                return debugfsStore(point, attr, name, kind, data, count);
            }
        };
        return file(ops, path, flags, trailingSlash, 0600, DEBUGFS_DEV);
    }

    private static FaultPoint pointNamed(String name) {
        for (FaultPoint p : FaultPoint.values()) if (p.linuxName().equals(name)) return p;
        return null;
    }

    /** The files of a point's directory: fault_create_debugfs_attr()'s, then the point's own. */
    static Set<String> debugfsNames(FaultPoint point) {
        Set<String> names = new java.util.TreeSet<>(Set.of("probability", "interval", "times", "space", "verbose",
                "verbose_ratelimit_interval_ms", "verbose_ratelimit_burst", "task-filter"));
        names.addAll(point.knobs().keySet());
        return names;
    }

    private String debugfsShow(FaultPoint point, FaultAttr attr, String name) {
        if (name.startsWith("verbose_ratelimit_")) {
            return Long.toString(ratelimits.getOrDefault(point.linuxName() + "/" + name,
                    name.endsWith("burst") ? RATELIMIT_BURST : RATELIMIT_INTERVAL));
        }
        String v = attr.get(name); // numbers in decimal, booleans as Y or N: the handlers' formats
        if (name.equals("cache-filter")) return v.equals("N") ? "N" : "Y"; // a list of names (mmemu) is on
        return v;
    }

    /**
     * A write to a debugfs file: simple_attr_write() for numbers (at most 23 bytes, kstrtoull()
     * or kstrtoll()), debugfs_write_file_bool() for booleans (at most 3 bytes, kstrtobool());
     * the whole count is taken on success.
     */
    private long debugfsStore(FaultPoint point, FaultAttr attr, String name, Kind kind, byte[] data, long count) {
        String text;
        switch (kind) {
            case BOOL -> {
                Kstrtox.Parsed b = Kstrtox.kstrtobool(Kstrtox.cString(data, (int) Math.min(count, 3)));
                if (!b.ok()) return b.errno();
                boolean on = b.value() != 0;
                // cache-filter given as names (mmemu) stays on with its names when Y is written.
                if (name.equals("cache-filter") && on && !attr.get(name).equals("N")) return count;
                text = on ? "Y" : "N";
            }
            case ULONG, U32 -> {
                Kstrtox.Parsed v = Kstrtox.kstrtoull(Kstrtox.cString(data, (int) Math.min(count, 23)));
                if (!v.ok()) return v.errno();
                long x = kind == Kind.U32 ? v.value() & 0xffff_ffffL : v.value();
                // The model keeps probability within 0..100 and interval at least 1: Linux stores
                // any value, and one above 100 fails every call as 100 does, an interval of 0
                // acts as 1.
                if (name.equals("probability") && Long.compareUnsigned(x, 100) > 0) x = 100;
                if (name.equals("interval") && x == 0) x = 1;
                if (name.equals("verbose") && Long.compareUnsigned(x, Integer.MAX_VALUE) > 0) x = Integer.MAX_VALUE;
                if (name.startsWith("verbose_ratelimit_")) {
                    ratelimits.put(point.linuxName() + "/" + name, x);
                    return count;
                }
                text = Long.toString(x);
            }
            case ATOMIC -> {
                Kstrtox.Parsed v = Kstrtox.kstrtoll(Kstrtox.cString(data, (int) Math.min(count, 23)));
                if (!v.ok()) return v.errno();
                text = Integer.toString((int) v.value()); // atomic_set() of an int
            }
            default -> text = Kstrtox.strstrip(Kstrtox.cString(data, (int) Math.min(count, OpenFile.Attribute.STORE_MAX)));
        }
        try {
            attr.set(name, text);
        } catch (IllegalArgumentException e) {
            return -Errno.EINVAL;
        }
        return count;
    }

    // ================================================================ /sys/kernel/slab/CACHE/failslab

    private Object openSlab(String rest, String path, int flags, boolean trailingSlash) {
        int slash = rest.indexOf('/');
        String cache = slash < 0 ? rest : rest.substring(0, slash);
        if (!caches.contains(cache)) return null;
        if (slash < 0) return directory(path, flags, 0755, SYSFS_DEV);
        if (!rest.substring(slash + 1).equals("failslab")) return null;
        OpenFile.Attribute.Ops ops = new OpenFile.Attribute.Ops() {
            @Override
            public byte[] show() {
                return bytes((failslab.isMarked(cache) ? 1 : 0) + "\n"); // failslab_show(): "%d\n"
            }

            @Override
            public long store(byte[] data, long count) {
                // failslab_store(): '1' as the first byte sets SLAB_FAILSLAB, anything else clears it.
                failslab.setMarked(cache, count > 0 && data.length > 0 && data[0] == '1');
                return count;
            }
        };
        return file(ops, path, flags, trailingSlash, 0644, SYSFS_DEV);
    }

    // ================================================================ helpers

    static Object directory(String path, int flags, int mode, long dev) {
        boolean wantsWrite = (flags & 3) != 0 || (flags & 0x240) != 0; // O_WRONLY/O_RDWR, O_CREAT/O_TRUNC
        if (wantsWrite) return -Errno.EISDIR;
        Stat st = new Stat(dev, path.hashCode() & 0xffff, 2, Stat.S_IFDIR | mode, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        return new OpenFile(new OpenFile.Directory(st), path, flags);
    }

    static Object file(OpenFile.Attribute.Ops ops, String path, int flags, boolean trailingSlash, int mode,
            long dev) {
        if (trailingSlash || (flags & 0x10000) != 0) return -Errno.ENOTDIR; // O_DIRECTORY
        Stat st = new Stat(dev, path.hashCode() & 0xffff, 1, Stat.S_IFREG | mode, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        return new OpenFile(new OpenFile.Attribute(ops, st), path, flags);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
