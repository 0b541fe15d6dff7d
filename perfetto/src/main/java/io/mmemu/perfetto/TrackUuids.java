package io.mmemu.perfetto;

import java.nio.charset.StandardCharsets;

/**
 * Deterministic track uuids: the same process, thread, CPU or counter gets the same uuid in every
 * run, so two traces of one program can be compared and a test can name a track by what it is.
 * No random number, clock or identity hash is involved.
 *
 * <p>Layout: the low 3 bits say the kind of track, the bits above are its identity, so that the
 * uuids every event carries (a varint) stay short: a CPU's takes 1 or 2 bytes, a process's 2 or
 * 3. A thread's identity is its pid and tid side by side (Linux keeps both below PID_MAX_LIMIT,
 * 2^22); a counter's is a 32-bit hash (FNV-1a, folded) of its name and its parent track (5 bytes
 * where 64 bits would take 10, in every value written), the only kind where two identities could
 * meet at one uuid, which the writer checks.
 */
final class TrackUuids {
    private static final int KIND_BITS = 3;
    private static final long PROCESS = 1, THREAD = 2, CPU = 3, ROOT = 4, COUNTER = 5;
    /** include/linux/threads.h PID_MAX_LIMIT on 64-bit: 4 * 1024 * 1024. */
    private static final int PID_BITS = 22;

    private TrackUuids() {}

    static long root() {
        return ROOT;
    }

    static long process(int pid) {
        return of(PROCESS, checkId("pid", pid));
    }

    static long thread(int pid, int tid) {
        return of(THREAD, ((long) checkId("pid", pid) << PID_BITS) | checkId("tid", tid));
    }

    static long cpu(int cpu) {
        if (cpu < 0) {
            throw new IllegalArgumentException("cpu must not be negative (got " + cpu + ")");
        }
        return of(CPU, cpu);
    }

    /** A counter is known by its name under its parent track. */
    static long counter(String name, long parentTrack) {
        long h = 0xcbf2_9ce4_8422_2325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x0000_0100_0000_01B3L;
        }
        for (int i = 0; i < Long.BYTES; i++) {
            h = (h ^ ((parentTrack >>> (8 * i)) & 0xff)) * 0x0000_0100_0000_01B3L;
        }
        return of(COUNTER, (h ^ (h >>> 32)) & 0xffff_ffffL);
    }

    private static long of(long kind, long id) {
        return (id << KIND_BITS) | kind;
    }

    private static int checkId(String what, int id) {
        if (id < 0 || id >= 1 << PID_BITS) {
            throw new IllegalArgumentException(what + " out of range (expected: 0 to " + ((1 << PID_BITS) - 1)
                    + ", got " + id + ")");
        }
        return id;
    }
}
