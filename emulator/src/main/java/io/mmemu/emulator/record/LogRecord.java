package io.mmemu.emulator.record;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * One record of a run log (docs/record-format.md): an event the run drew on, a checkpoint of its
 * state, a chunk of its output, or its end. Every record but the end carries where the run was:
 * {@link Position}.
 */
public sealed interface LogRecord {
    /** {@return where the run was when this record was made} */
    Position pos();

    /** {@return the record's kind, as reports name it} */
    String kind();

    /** {@return the record's fields, as one line of a report} */
    String describe();

    /**
     * Where a run was: kernel entries so far (always counted, the same in every run of one
     * configuration), instructions on all CPUs (-1 when the run does not count them) and the CPU.
     *
     * @param entry        kernel entries (syscalls and returns to user mode) so far
     * @param instructions instructions executed on all CPUs, or -1 when not counted
     * @param cpu          the CPU doing kernel work
     */
    record Position(long entry, long instructions, int cpu) {
        @Override
        public String toString() {
            return "kernel entry " + entry + (instructions >= 0 ? String.format(Locale.ROOT, ", instruction %,d", instructions)
                    : "") + ", CPU " + cpu;
        }
    }

    /**
     * An ASLR draw.
     *
     * @param pos   where
     * @param value the generator's output
     */
    record Aslr(Position pos, long value) implements LogRecord {
        public String kind() {
            return "aslr";
        }

        public String describe() {
            return "aslr draw 0x" + Long.toHexString(value);
        }
    }

    /**
     * Random bytes given to the guest (AT_RANDOM or getrandom()). Up to {@link #INLINE} bytes are
     * kept as they are; a longer draw keeps its length and a hash.
     *
     * @param pos    where
     * @param source RunEvents.RANDOM_AT_RANDOM or RANDOM_GETRANDOM
     * @param length how many bytes
     * @param bytes  the bytes when {@code length <= INLINE}, else null
     * @param hash   the hash of the bytes when longer, else 0
     */
    record RandomBytes(Position pos, int source, int length, byte[] bytes, long hash) implements LogRecord {
        /** The longest draw kept byte for byte. */
        public static final int INLINE = 256;

        public String kind() {
            return source == 0 ? "at_random" : "getrandom";
        }

        public String describe() {
            return kind() + " " + length + " bytes " + (bytes != null ? HexFormat.of().formatHex(bytes)
                    : "hash " + Long.toHexString(hash));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RandomBytes r && r.pos.equals(pos) && r.source == source && r.length == length
                    && Arrays.equals(r.bytes, bytes) && r.hash == hash;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes) ^ Long.hashCode(hash) ^ length;
        }
    }

    /**
     * A clock reading (or a jump of the clock, {@code clock} -1).
     *
     * @param pos   where
     * @param clock the clock id
     * @param nanos the value
     */
    record Clock(Position pos, int clock, long nanos) implements LogRecord {
        public String kind() {
            return "clock";
        }

        public String describe() {
            return (clock < 0 ? "clock jump to " : "clock " + clock + " read ") + nanos + " ns";
        }
    }

    /**
     * A scheduling decision.
     *
     * @param pos  where
     * @param cpu  the CPU decided for
     * @param pid  the task
     * @param what RunEvents.SCHED_*
     */
    record Sched(Position pos, int cpu, int pid, int what) implements LogRecord {
        private static final List<String> NAMES = List.of("switch to", "tick (quantum end) of", "yield by",
                "forced preemption of", "idle after");

        public String kind() {
            return "sched";
        }

        public String describe() {
            return "CPU " + cpu + " " + (what >= 0 && what < NAMES.size() ? NAMES.get(what) : "decision " + what)
                    + " pid " + pid;
        }
    }

    /**
     * A wake-up.
     *
     * @param pos where
     * @param pid the task woken
     */
    record Wake(Position pos, int pid) implements LogRecord {
        public String kind() {
            return "wake";
        }

        public String describe() {
            return "wake pid " + pid;
        }
    }

    /**
     * An injected fault ({@code io.mmemu.fault.Injection}); its position is where it fired.
     *
     * @param pos   where (the injection's kernel entries, instructions and CPU)
     * @param point the point's Linux name
     * @param call  its call number at the point (the replay key)
     * @param pid   the task's pid, 0 outside a task
     * @param site  what failed, in the point's words
     */
    record Inject(Position pos, String point, long call, int pid, String site) implements LogRecord {
        public String kind() {
            return "inject";
        }

        public String describe() {
            return point + " call " + call + " (" + site + ")" + (pid == 0 ? "" : " pid " + pid);
        }
    }

    /**
     * A chunk the guest wrote to its stdout (fd 1) or stderr (fd 2): its length and hash.
     *
     * @param pos    where
     * @param fd     1 or 2
     * @param length the bytes written
     * @param hash   their hash
     */
    record Output(Position pos, int fd, int length, long hash) implements LogRecord {
        public String kind() {
            return "output";
        }

        public String describe() {
            return (fd == 1 ? "stdout " : "stderr ") + length + " bytes, hash " + Long.toHexString(hash);
        }
    }

    /**
     * The state at a checkpoint, in parts a report can name.
     *
     * @param pos       where
     * @param regs      per CPU: the user registers in PtRegs order ({@link Checkpoints#REG_NAMES}), then the FPU/SSE state's hash
     * @param frames    frames written since the last checkpoint and their hashes: pfn, hash, pfn, hash...
     * @param mms       per address space (by its lowest pid): pid, page-table digest, VMA count, then start, end, flags, pgoff per VMA
     * @param refcounts per group of {@link Checkpoints#REFCOUNT_GROUP} frames: a digest of their reference and map counts
     * @param slabs     per slab cache: its name and the digest of its counters
     * @param slabHashes the digests of {@code slabs}, in the same order
     */
    record Checkpoint(Position pos, long[][] regs, long[] frames, long[] mms, long[] refcounts, List<String> slabs,
            long[] slabHashes) implements LogRecord {
        public String kind() {
            return "checkpoint";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Checkpoint c && c.pos.equals(pos) && Arrays.deepEquals(c.regs, regs)
                    && Arrays.equals(c.frames, frames) && Arrays.equals(c.mms, mms) && Arrays.equals(c.refcounts, refcounts)
                    && c.slabs.equals(slabs) && Arrays.equals(c.slabHashes, slabHashes);
        }

        @Override
        public int hashCode() {
            return pos.hashCode() ^ Arrays.deepHashCode(regs) ^ Arrays.hashCode(frames);
        }

        public String describe() {
            return "checkpoint: " + regs.length + " CPUs, " + frames.length / 2 + " frames written, "
                    + slabs.size() + " slab caches";
        }
    }

    /**
     * A read of the guest's stdin: what the host gave it (input is no part of the configuration,
     * so a replay and a shrink feed the recorded bytes back).
     *
     * @param pos    where
     * @param length the bytes read, or -1 for end of file
     * @param bytes  the bytes (empty at end of file)
     */
    record Input(Position pos, int length, byte[] bytes) implements LogRecord {
        public String kind() {
            return "input";
        }

        public String describe() {
            return length < 0 ? "stdin end of file" : "stdin " + length + " bytes";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Input i && i.pos.equals(pos) && i.length == length && Arrays.equals(i.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes) ^ length;
        }
    }

    /**
     * How the run ended.
     *
     * @param pos    where
     * @param status the exit status as a shell reports it
     * @param signal the fatal signal, or 0
     */
    record End(Position pos, int status, int signal) implements LogRecord {
        public String kind() {
            return "end";
        }

        public String describe() {
            return "end: status " + status + (signal != 0 ? ", signal " + signal : "");
        }
    }
}
