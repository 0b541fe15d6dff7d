package io.mmemu.emulator.record;

import io.mmemu.emulator.record.LogRecord.Position;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The binary form of a run log, version {@link #VERSION} (docs/record-format.md): the magic
 * {@code MMEMUREC}, a version byte, the run's configuration as one length-prefixed JSON text, then
 * records, each a tag byte, a varint payload length and the payload. Integers are LEB128 varints
 * (signed ones zigzag-encoded); hashes are 8 little-endian bytes. Positions and clock readings are
 * differences from the previous ones ({@link Deltas}). The length prefix lets a reader
 * stop cleanly at a record cut short (a killed run) and skip tags it does not know.
 */
final class RecordFormat {
    static final byte[] MAGIC = "MMEMUREC".getBytes(StandardCharsets.US_ASCII);
    /** The format's version; a reader refuses others with a clear message. */
    static final int VERSION = 1;

    static final int ASLR = 1, RANDOM = 2, CLOCK = 3, SCHED = 4, WAKE = 5, INJECT = 6, OUTPUT = 7, CHECKPOINT = 8,
            END = 9, INPUT = 10;

    private RecordFormat() {}

    /**
     * What a stream of records is encoded relative to: the previous record's position and each
     * clock's previous reading. Positions and clock values are written as differences from these
     * (a clock reading takes two or three bytes instead of eight), so a log is read from its start.
     */
    static final class Deltas {
        long entry;
        long instructions = -1;
        /** The last value of clock id c at index c + 1 (index 0: the scheduler's jumps). */
        final long[] clocks = new long[16];

        static int slot(int clock) {
            return clock + 1 >= 0 && clock + 1 < 16 ? clock + 1 : 15;
        }
    }

    /** A growable byte buffer with the format's encoders. */
    static final class Out {
        byte[] buf = new byte[256];
        int len;

        void reset() {
            len = 0;
        }

        void put(int b) {
            if (len == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            buf[len++] = (byte) b;
        }

        void varint(long v) {
            while ((v & ~0x7fL) != 0) {
                put((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            put((int) v);
        }

        void zigzag(long v) {
            varint((v << 1) ^ (v >> 63));
        }

        void fixed64(long v) {
            for (int i = 0; i < 8; i++) put((int) (v >>> (8 * i)));
        }

        void bytes(byte[] b, int off, int n) {
            while (len + n > buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            System.arraycopy(b, off, buf, len, n);
            len += n;
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            varint(b.length);
            bytes(b, 0, b.length);
        }

        void position(Position p, Deltas d) {
            zigzag(p.entry() - d.entry);
            zigzag(p.instructions() - d.instructions);
            varint(p.cpu());
            d.entry = p.entry();
            d.instructions = p.instructions();
        }
    }

    /** Reads the format's encodings from a byte range; running past its end is a {@link LogFormatException}. */
    static final class In {
        private final byte[] buf;
        private int pos;
        private final int end;

        In(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        boolean atEnd() {
            return pos >= end;
        }

        int offset() {
            return pos;
        }

        int u8() throws LogFormatException {
            if (pos >= end) throw new LogFormatException("record ends early");
            return buf[pos++] & 0xff;
        }

        long varint() throws LogFormatException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new LogFormatException("varint longer than 10 bytes");
        }

        int varint32() throws LogFormatException {
            long v = varint();
            if (v < 0 || v > Integer.MAX_VALUE) throw new LogFormatException("count out of range: " + v);
            return (int) v;
        }

        long zigzag() throws LogFormatException {
            long v = varint();
            return (v >>> 1) ^ -(v & 1);
        }

        long fixed64() throws LogFormatException {
            long v = 0;
            for (int i = 0; i < 8; i++) v |= (long) u8() << (8 * i);
            return v;
        }

        byte[] bytes(int n) throws LogFormatException {
            if (n < 0 || end - pos < n) throw new LogFormatException("record ends early");
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        String string() throws LogFormatException {
            return new String(bytes(varint32()), StandardCharsets.UTF_8);
        }

        Position runPosition(Deltas d) throws LogFormatException {
            long entry = d.entry + zigzag();
            long instructions = d.instructions + zigzag();
            int cpu = varint32();
            d.entry = entry;
            d.instructions = instructions;
            return new Position(entry, instructions, cpu);
        }
    }

    /** Encodes {@code r}'s payload into {@code out} (cleared first); returns its tag. */
    static int encode(LogRecord r, Out out, Deltas d) {
        out.reset();
        out.position(r.pos(), d);
        switch (r) {
            case LogRecord.Aslr a -> {
                out.varint(a.value());
                return ASLR;
            }
            case LogRecord.RandomBytes b -> {
                out.varint(b.source());
                out.varint(b.length());
                if (b.bytes() != null) out.bytes(b.bytes(), 0, b.bytes().length);
                else out.fixed64(b.hash());
                return RANDOM;
            }
            case LogRecord.Clock c -> {
                out.zigzag(c.clock());
                int slot = Deltas.slot(c.clock());
                out.zigzag(c.nanos() - d.clocks[slot]);
                d.clocks[slot] = c.nanos();
                return CLOCK;
            }
            case LogRecord.Sched s -> {
                out.varint(s.cpu());
                out.varint(s.pid());
                out.varint(s.what());
                return SCHED;
            }
            case LogRecord.Wake w -> {
                out.varint(w.pid());
                return WAKE;
            }
            case LogRecord.Inject i -> {
                out.string(i.point());
                out.varint(i.call());
                out.varint(i.pid());
                out.string(i.site());
                return INJECT;
            }
            case LogRecord.Output o -> {
                out.varint(o.fd());
                out.varint(o.length());
                out.fixed64(o.hash());
                return OUTPUT;
            }
            case LogRecord.Checkpoint c -> {
                out.varint(c.regs().length);
                for (long[] cpu : c.regs()) {
                    out.varint(cpu.length);
                    for (long v : cpu) out.fixed64(v);
                }
                // Frames: ascending pfns as deltas, each with its hash.
                out.varint(c.frames().length / 2);
                long prev = 0;
                for (int i = 0; i < c.frames().length; i += 2) {
                    out.varint(c.frames()[i] - prev);
                    prev = c.frames()[i];
                    out.fixed64(c.frames()[i + 1]);
                }
                out.varint(c.mms().length);
                for (long v : c.mms()) out.varint(v);
                out.varint(c.refcounts().length);
                for (long v : c.refcounts()) out.fixed64(v);
                out.varint(c.slabs().size());
                for (int i = 0; i < c.slabs().size(); i++) {
                    out.string(c.slabs().get(i));
                    out.fixed64(c.slabHashes()[i]);
                }
                return CHECKPOINT;
            }
            case LogRecord.Input i -> {
                out.zigzag(i.length());
                out.bytes(i.bytes(), 0, i.bytes().length);
                return INPUT;
            }
            case LogRecord.End e -> {
                out.varint(e.status());
                out.varint(e.signal());
                return END;
            }
        }
    }

    /** Decodes the payload of a record with {@code tag}; null for a tag this version does not know. */
    static LogRecord decode(int tag, In in, Deltas d) throws LogFormatException {
        Position p = in.runPosition(d);
        return switch (tag) {
            case ASLR -> new LogRecord.Aslr(p, in.varint());
            case RANDOM -> {
                int source = in.varint32();
                int length = in.varint32();
                yield length <= LogRecord.RandomBytes.INLINE ? new LogRecord.RandomBytes(p, source, length, in.bytes(length), 0)
                        : new LogRecord.RandomBytes(p, source, length, null, in.fixed64());
            }
            case CLOCK -> {
                int clock = (int) in.zigzag();
                int slot = Deltas.slot(clock);
                d.clocks[slot] += in.zigzag();
                yield new LogRecord.Clock(p, clock, d.clocks[slot]);
            }
            case SCHED -> new LogRecord.Sched(p, in.varint32(), in.varint32(), in.varint32());
            case WAKE -> new LogRecord.Wake(p, in.varint32());
            case INJECT -> new LogRecord.Inject(p, in.string(), in.varint(), in.varint32(), in.string());
            case OUTPUT -> new LogRecord.Output(p, in.varint32(), in.varint32(), in.fixed64());
            case CHECKPOINT -> {
                long[][] regs = new long[in.varint32()][];
                for (int c = 0; c < regs.length; c++) {
                    regs[c] = new long[in.varint32()];
                    for (int i = 0; i < regs[c].length; i++) regs[c][i] = in.fixed64();
                }
                long[] frames = new long[2 * in.varint32()];
                long prev = 0;
                for (int i = 0; i < frames.length; i += 2) {
                    prev += in.varint();
                    frames[i] = prev;
                    frames[i + 1] = in.fixed64();
                }
                long[] mms = new long[in.varint32()];
                for (int i = 0; i < mms.length; i++) mms[i] = in.varint();
                long[] refcounts = new long[in.varint32()];
                for (int i = 0; i < refcounts.length; i++) refcounts[i] = in.fixed64();
                int n = in.varint32();
                List<String> slabs = new ArrayList<>(n);
                long[] slabHashes = new long[n];
                for (int i = 0; i < n; i++) {
                    slabs.add(in.string());
                    slabHashes[i] = in.fixed64();
                }
                yield new LogRecord.Checkpoint(p, regs, frames, mms, refcounts, slabs, slabHashes);
            }
            case END -> new LogRecord.End(p, in.varint32(), in.varint32());
            case INPUT -> {
                int n = (int) in.zigzag();
                yield new LogRecord.Input(p, n, in.bytes(Math.max(0, n)));
            }
            default -> null;
        };
    }
}
