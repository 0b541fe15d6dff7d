package io.mmemu.emulator.record;

import io.mmemu.emulator.Machine;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Replays a run against its log: each record the run makes is compared with the next one recorded;
 * a checkpoint is taken where the log has one and compared part by part. The first difference is
 * kept as a {@link Divergence}, the run is asked to stop at its next kernel entry, and nothing more
 * is compared.
 */
final class Replayer extends EventTap {
    /** How many agreeing records a divergence report shows before it. */
    static final int CONTEXT = 8;

    private final List<LogRecord> log;
    private int next;
    private int checkpoints;
    private Divergence divergence;
    private final ArrayDeque<LogRecord> recent = new ArrayDeque<>();

    Replayer(Machine machine, List<LogRecord> log) {
        super(machine);
        this.log = log;
    }

    /** {@return the first divergence, or null while the replay agrees} */
    Divergence divergence() {
        return divergence;
    }

    /** {@return the recorded records matched so far} */
    int matched() {
        return next;
    }

    /** {@return the checkpoints compared so far} */
    int checkpoints() {
        return checkpoints;
    }

    /** Whether every record of the log has been matched. */
    boolean logConsumed() {
        return next >= log.size();
    }

    @Override
    boolean checkpointDue(long entry) {
        return divergence == null && next < log.size() && log.get(next) instanceof LogRecord.Checkpoint c
                && c.pos().entry() == entry;
    }

    @Override
    void emit(LogRecord actual) {
        if (divergence != null) return;
        if (next >= log.size()) {
            diverge(null, actual, "the log has no more records (a truncated log ends here)");
            return;
        }
        LogRecord expected = log.get(next);
        String part = compare(expected, actual);
        if (part != null) {
            diverge(expected, actual, part);
            return;
        }
        if (actual instanceof LogRecord.Checkpoint) checkpoints++;
        next++;
        recent.addLast(expected);
        if (recent.size() > CONTEXT) recent.removeFirst();
    }

    /** The replay ended with records of the log left unmatched. */
    void endedEarly() {
        if (divergence == null && next < log.size()) diverge(log.get(next), null, "the replayed run ended before this record");
    }

    private void diverge(LogRecord expected, LogRecord actual, String part) {
        divergence = new Divergence(next + 1, expected, actual, part, List.copyOf(recent));
        // Stop at the next return to user mode: the engine stops after the syscall it is in.
        kernel.requestStop();
        machine.cpus().get(kernel.currentCpu()).requestReschedule();
    }

    /** Null when {@code a} (replayed) is {@code e} (recorded); else what differs. */
    static String compare(LogRecord e, LogRecord a) {
        if (e.getClass() != a.getClass()) return "a " + a.kind() + " event where the recording has a " + e.kind() + " event";
        if (!e.pos().equals(a.pos())) return "position: recorded " + e.pos() + ", replayed " + a.pos();
        if (e instanceof LogRecord.Checkpoint ce) return compareCheckpoints(ce, (LogRecord.Checkpoint) a);
        return e.equals(a) ? null : fieldsThatDiffer(e, a);
    }

    /** The fields of two records of one kind that differ, named as the record declares them. */
    static String fieldsThatDiffer(LogRecord e, LogRecord a) {
        StringBuilder b = new StringBuilder();
        try {
            for (RecordComponent c : e.getClass().getRecordComponents()) {
                Object x = c.getAccessor().invoke(e);
                Object y = c.getAccessor().invoke(a);
                if (Arrays.deepEquals(new Object[] {x}, new Object[] {y})) continue;
                b.append(b.isEmpty() ? "" : "; ").append(c.getName()).append(": recorded ").append(show(x))
                        .append(", replayed ").append(show(y));
            }
        } catch (ReflectiveOperationException | RuntimeException ex) {
            return a.kind() + " event fields";
        }
        return a.kind() + " event, " + b;
    }

    private static String show(Object o) {
        if (o instanceof byte[] bytes) return HexFormat.of().formatHex(bytes);
        if (o instanceof Long l) return l + " (0x" + Long.toHexString(l) + ")";
        return String.valueOf(o);
    }

    private static String compareCheckpoints(LogRecord.Checkpoint e, LogRecord.Checkpoint a) {
        if (e.regs().length != a.regs().length) return "CPU count " + e.regs().length + " vs " + a.regs().length;
        for (int c = 0; c < e.regs().length; c++) {
            for (int i = 0; i < Math.min(e.regs()[c].length, a.regs()[c].length); i++) {
                if (e.regs()[c][i] != a.regs()[c][i]) {
                    return String.format(Locale.ROOT, "register %s of CPU %d: recorded 0x%x, replayed 0x%x",
                            Checkpoints.REG_NAMES.get(i), c, e.regs()[c][i], a.regs()[c][i]);
                }
            }
        }
        String frames = compareFrames(e.frames(), a.frames());
        if (frames != null) return frames;
        String mms = compareMms(e.mms(), a.mms());
        if (mms != null) return mms;
        for (int g = 0; g < Math.min(e.refcounts().length, a.refcounts().length); g++) {
            if (e.refcounts()[g] != a.refcounts()[g]) {
                long first = (long) g * Checkpoints.REFCOUNT_GROUP;
                return String.format(Locale.ROOT, "frame reference or map counts in pfns 0x%x..0x%x", first,
                        first + Checkpoints.REFCOUNT_GROUP - 1);
            }
        }
        if (!e.slabs().equals(a.slabs())) return "slab caches: recorded " + e.slabs() + ", replayed " + a.slabs();
        for (int i = 0; i < e.slabHashes().length; i++) {
            if (e.slabHashes()[i] != a.slabHashes()[i]) return "slab counters of cache " + e.slabs().get(i);
        }
        return null;
    }

    /** The first frame whose hash differs, or that only one side wrote. */
    private static String compareFrames(long[] e, long[] a) {
        int i = 0;
        int j = 0;
        while (i < e.length || j < a.length) {
            long pe = i < e.length ? e[i] : Long.MAX_VALUE;
            long pa = j < a.length ? a[j] : Long.MAX_VALUE;
            if (pe == pa) {
                if (e[i + 1] != a[j + 1]) return String.format(Locale.ROOT, "contents of frame pfn 0x%x", pe);
                i += 2;
                j += 2;
            } else if (pe < pa) {
                return String.format(Locale.ROOT, "frame pfn 0x%x was written in the recording only", pe);
            } else {
                return String.format(Locale.ROOT, "frame pfn 0x%x was written in the replay only", pa);
            }
        }
        return null;
    }

    /** The first address space, page-table digest or VMA that differs. */
    private static String compareMms(long[] e, long[] a) {
        List<long[]> es = split(e);
        List<long[]> as = split(a);
        for (int k = 0; k < Math.min(es.size(), as.size()); k++) {
            long[] x = es.get(k);
            long[] y = as.get(k);
            if (x[0] != y[0]) return "address spaces: recorded pid " + x[0] + ", replayed pid " + y[0];
            int n = (int) Math.min(x[2], y[2]);
            for (int v = 0; v < n; v++) {
                int o = 3 + 4 * v;
                if (!Arrays.equals(x, o, o + 4, y, o, o + 4)) {
                    return String.format(Locale.ROOT, "VMA %d of pid %d: recorded %s, replayed %s", v, x[0], vma(x, o),
                            vma(y, o));
                }
            }
            if (x[2] != y[2]) {
                return "VMA count of pid " + x[0] + ": recorded " + x[2] + ", replayed " + y[2]
                        + (x[2] > y[2] ? " (first missing: " + vma(x, 3 + 4 * n) + ")" : " (first extra: " + vma(y, 3 + 4 * n) + ")");
            }
            if (x[1] != y[1]) return "page-table pages of pid " + x[0];
        }
        if (es.size() != as.size()) return "address spaces: recorded " + es.size() + ", replayed " + as.size();
        return null;
    }

    private static String vma(long[] m, int o) {
        return String.format(Locale.ROOT, "%x-%x flags 0x%x pgoff 0x%x", m[o], m[o + 1], m[o + 2], m[o + 3]);
    }

    private static List<long[]> split(long[] mms) {
        List<long[]> out = new ArrayList<>();
        int i = 0;
        while (i + 3 <= mms.length) {
            int len = 3 + 4 * (int) mms[i + 2];
            out.add(Arrays.copyOfRange(mms, i, Math.min(mms.length, i + len)));
            i += len;
        }
        return out;
    }
}
