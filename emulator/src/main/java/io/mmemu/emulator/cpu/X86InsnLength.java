package io.mmemu.emulator.cpu;

/**
 * The length of an x86-64 instruction in 64-bit mode, from its bytes: legacy and REX prefixes,
 * the one-, two- and three-byte opcode maps, VEX and EVEX, ModRM, SIB, displacement and
 * immediate. Only lengths: {@link BlockCounter} counts the instructions of a translated block by
 * walking it, and checks that the walk ends exactly at the block's end.
 */
final class X86InsnLength {
    /** The bytes of guest code, by virtual address. */
    @FunctionalInterface
    interface Code {
        /** {@return the byte at {@code vaddr}, 0..255, or -1 when it cannot be read} */
        int byteAt(long vaddr);
    }

    /** An instruction this decoder does not know, or bytes it cannot read. */
    static final int UNKNOWN = -1;

    private X86InsnLength() {
    }

    // One-byte map: M = ModRM, then the immediate kind.
    private static final byte NONE = 0, IB = 1, IW = 2, IZ = 3, IV = 4, MOFFS = 5, ENTER = 6, BAD = 7;
    private static final long[] ONE_MODRM = bits(
            0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x18, 0x19, 0x1a, 0x1b,
            0x20, 0x21, 0x22, 0x23, 0x28, 0x29, 0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b,
            0x63, 0x69, 0x6b, 0x80, 0x81, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d,
            0x8e, 0x8f, 0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2, 0xd3, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd,
            0xde, 0xdf, 0xf6, 0xf7, 0xfe, 0xff);
    private static final byte[] ONE_IMM = new byte[256];
    /** Two-byte map (0F xx): without ModRM. */
    private static final long[] TWO_NO_MODRM = bits(0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0e,
            0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x77, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9, 0xaa,
            0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf);
    /** Two-byte map and VEX/EVEX map 1: with an imm8. */
    private static final long[] TWO_IB = bits(0x0f, 0x70, 0x71, 0x72, 0x73, 0xa4, 0xac, 0xba, 0xc2, 0xc4, 0xc5, 0xc6);

    static {
        for (int op : new int[] {0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x6a, 0x6b, 0x80, 0x83, 0xa8,
                0xc0, 0xc1, 0xc6, 0xcd, 0xd4, 0xd5, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xeb}) {
            ONE_IMM[op] = IB;
        }
        for (int op = 0x70; op <= 0x7f; op++) ONE_IMM[op] = IB;
        for (int op = 0xb0; op <= 0xb7; op++) ONE_IMM[op] = IB;
        for (int op = 0xb8; op <= 0xbf; op++) ONE_IMM[op] = IV;
        for (int op : new int[] {0x05, 0x0d, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x68, 0x69, 0x81, 0xa9, 0xc7,
                0xe8, 0xe9}) {
            ONE_IMM[op] = IZ;
        }
        ONE_IMM[0xc2] = IW;
        ONE_IMM[0xca] = IW;
        ONE_IMM[0xc8] = ENTER;
        for (int op = 0xa0; op <= 0xa3; op++) ONE_IMM[op] = MOFFS;
        // Invalid in 64-bit mode (0x62 is EVEX, 0xc4/0xc5 VEX, handled before the table).
        for (int op : new int[] {0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61,
                0x82, 0x9a, 0xce, 0xd4, 0xd5, 0xd6, 0xea}) {
            ONE_IMM[op] = BAD;
        }
    }

    private static long[] bits(int... ops) {
        long[] b = new long[4];
        for (int op : ops) b[op >>> 6] |= 1L << (op & 63);
        return b;
    }

    private static boolean has(long[] set, int op) {
        return (set[op >>> 6] & (1L << (op & 63))) != 0;
    }

    /**
     * The length of the instruction at {@code addr}.
     *
     * @param code the guest's code bytes
     * @param addr the instruction's address
     * @return its length in bytes (1..15), or {@link #UNKNOWN}
     */
    static int length(Code code, long addr) {
        long p = addr;
        boolean opsize = false;
        boolean addrsize = false;
        boolean rexW = false;
        int b;
        // Legacy prefixes, then REX (a REX followed by another prefix is ignored, as the CPU does).
        while (true) {
            b = code.byteAt(p);
            if (b < 0) return UNKNOWN;
            if (b == 0x66) {
                opsize = true;
            } else if (b == 0x67) {
                addrsize = true;
            } else if (b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x26
                    || b == 0x64 || b == 0x65) {
                // segment, lock, rep
            } else if ((b & 0xf0) == 0x40) {
                rexW = (b & 8) != 0;
                p++;
                b = code.byteAt(p);
                if (b < 0) return UNKNOWN;
                if ((b & 0xf0) == 0x40 || isLegacyPrefix(b)) {
                    rexW = false; // a REX not right before the opcode is ignored
                    continue;
                }
                break;
            } else {
                break;
            }
            p++;
            if (p - addr > 14) return UNKNOWN;
        }
        boolean modrm;
        int imm;
        if (b == 0xc4 || b == 0xc5 || b == 0x62) {
            int map;
            int op;
            if (b == 0xc5) {
                if (code.byteAt(p + 1) < 0) return UNKNOWN;
                map = 1;
                op = code.byteAt(p + 2);
                p += 3;
            } else if (b == 0xc4) {
                int p0 = code.byteAt(p + 1);
                if (p0 < 0 || code.byteAt(p + 2) < 0) return UNKNOWN;
                map = p0 & 0x1f;
                op = code.byteAt(p + 3);
                p += 4;
            } else {
                int p0 = code.byteAt(p + 1);
                if (p0 < 0 || code.byteAt(p + 2) < 0 || code.byteAt(p + 3) < 0) return UNKNOWN;
                map = p0 & 0x7;
                op = code.byteAt(p + 4);
                p += 5;
            }
            if (op < 0) return UNKNOWN;
            if (map == 1) {
                modrm = op != 0x77;
                imm = has(TWO_IB, op) ? 1 : 0;
            } else if (map == 2 || map == 5 || map == 6) {
                modrm = true;
                imm = 0;
            } else if (map == 3) {
                modrm = true;
                imm = 1;
            } else {
                return UNKNOWN;
            }
            return finish(code, addr, p, modrm, imm, false);
        }
        p++;
        if (b == 0x0f) {
            int op = code.byteAt(p++);
            if (op < 0) return UNKNOWN;
            if (op == 0x38) {
                if (code.byteAt(p++) < 0) return UNKNOWN;
                return finish(code, addr, p, true, 0, false);
            }
            if (op == 0x3a) {
                if (code.byteAt(p++) < 0) return UNKNOWN;
                return finish(code, addr, p, true, 1, false);
            }
            if (op >= 0x80 && op <= 0x8f) return finish(code, addr, p, false, opsize ? 2 : 4, false);
            // MOV to/from control and debug registers: the mod field is ignored (always registers).
            return finish(code, addr, p, !has(TWO_NO_MODRM, op), has(TWO_IB, op) ? 1 : 0, op >= 0x20 && op <= 0x23);
        }
        modrm = has(ONE_MODRM, b);
        imm = switch (ONE_IMM[b]) {
            case NONE -> 0;
            case IB -> 1;
            case IW -> 2;
            case IZ -> opsize && !rexW ? 2 : 4;
            case IV -> rexW ? 8 : opsize ? 2 : 4;
            case MOFFS -> addrsize ? 4 : 8;
            case ENTER -> 3;
            default -> -1;
        };
        if (imm < 0) return UNKNOWN;
        if (b == 0xf6 || b == 0xf7) {
            int m = code.byteAt(p);
            if (m < 0) return UNKNOWN;
            if (((m >> 3) & 7) < 2) imm = b == 0xf6 ? 1 : opsize && !rexW ? 2 : 4; // TEST r/m, imm
        }
        return finish(code, addr, p, modrm, imm, false);
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36
                || b == 0x3e || b == 0x26 || b == 0x64 || b == 0x65;
    }

    /** ModRM, SIB and displacement at {@code p} (when {@code modrm}), then {@code imm} bytes. */
    private static int finish(Code code, long addr, long p, boolean modrm, int imm, boolean regOnly) {
        if (modrm) {
            int m = code.byteAt(p++);
            if (m < 0) return UNKNOWN;
            int mod = m >>> 6;
            int rm = m & 7;
            if (!regOnly && mod != 3) {
                if (rm == 4) {
                    int sib = code.byteAt(p++);
                    if (sib < 0) return UNKNOWN;
                    if (mod == 0 && (sib & 7) == 5) p += 4;
                }
                if (mod == 0 && rm == 5) p += 4;
                else if (mod == 1) p += 1;
                else if (mod == 2) p += 4;
            }
        }
        long len = p + imm - addr;
        if (len > 15) return UNKNOWN;
        // The last byte must be readable too: a block's end is where its last instruction ends.
        if (code.byteAt(addr + len - 1) < 0) return UNKNOWN;
        return (int) len;
    }
}
