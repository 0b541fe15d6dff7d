package io.mmemu.emulator.record;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.MemorySegment;

/**
 * The hashes of run logs: 64-bit, fast on whole frames, the same on every machine (no seed, no
 * identity hash). Not cryptographic: they tell a replay that differs from its recording, they do
 * not resist a forger.
 */
final class Hashes {
    private static final long P1 = 0x9e37_79b9_7f4a_7c15L, P2 = 0xc2b2_ae3d_27d4_eb4fL, P3 = 0x1656_67b1_9e37_79f9L,
            P4 = 0x85eb_ca77_c2b2_ae63L;

    private Hashes() {}

    /** A 64-bit finaliser (SplitMix64's): every input bit affects every output bit. */
    static long mix(long h) {
        h = (h ^ (h >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d0_49bb_1331_11ebL;
        return h ^ (h >>> 31);
    }

    /** {@code h} extended with {@code v}, order-sensitive. */
    static long add(long h, long v) {
        return mix(h * P2 + v + P1);
    }

    /**
     * The hash of the 4096 bytes at {@code pa}: four independent multiply-add lanes over the
     * 8-byte words (so the loop runs at memory speed), each word weighted by its position.
     */
    static long frame(MemorySegment mem, long pa) {
        long a = P1, b = P2, c = P3, d = P4;
        for (long off = 0; off < 4096; off += 32) {
            a = (a + mem.get(JAVA_LONG_UNALIGNED, pa + off)) * P1;
            b = (b + mem.get(JAVA_LONG_UNALIGNED, pa + off + 8)) * P2;
            c = (c + mem.get(JAVA_LONG_UNALIGNED, pa + off + 16)) * P3;
            d = (d + mem.get(JAVA_LONG_UNALIGNED, pa + off + 24)) * P4;
        }
        return mix(Long.rotateLeft(a, 1) + Long.rotateLeft(b, 7) + Long.rotateLeft(c, 12) + Long.rotateLeft(d, 18));
    }

    /** The hash of {@code len} bytes of {@code b} from {@code off}. */
    static long bytes(byte[] b, int off, int len) {
        long h = P3 + len;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            long w = 0;
            for (int k = 0; k < 8; k++) w |= (b[off + i + k] & 0xffL) << (8 * k);
            h = (h + w) * P1;
            h = Long.rotateLeft(h, 31);
        }
        for (; i < len; i++) h = Long.rotateLeft((h + (b[off + i] & 0xff)) * P2, 23);
        return mix(h);
    }
}
