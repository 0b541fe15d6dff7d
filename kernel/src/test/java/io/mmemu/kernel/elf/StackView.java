package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads a stack image [low, low + bytes.length) by guest address, and decodes the process-entry layout. */
record StackView(long low, byte[] bytes) {

    /** What a C runtime finds at its entry point. */
    record Decoded(long argc, List<Long> argvPointers, List<Long> envpPointers, List<long[]> auxv, long auxvEnd) {
        long aux(AuxType type) {
            return auxv.stream().filter(p -> p[0] == type.value()).findFirst()
                    .orElseThrow(() -> new AssertionError(type + " missing from auxv")).clone()[1];
        }
    }

    long word(long addr) {
        check(addr, 8);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong((int) (addr - low));
    }

    byte[] bytesAt(long addr, int length) {
        check(addr, length);
        return Arrays.copyOfRange(bytes, (int) (addr - low), (int) (addr - low) + length);
    }

    String cString(long addr) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long a = addr; ; a++) {
            check(a, 1);
            byte b = bytes[(int) (a - low)];
            if (b == 0) {
                return out.toString(StandardCharsets.UTF_8);
            }
            out.write(b);
        }
    }

    /** Decodes argc, argv, envp and auxv starting at {@code sp}. */
    Decoded decode(long sp) {
        long at = sp;
        long argc = word(at);
        at += 8;
        List<Long> argv = new ArrayList<>();
        for (long p; (p = word(at)) != 0; at += 8) {
            argv.add(p);
        }
        at += 8;
        List<Long> envp = new ArrayList<>();
        for (long p; (p = word(at)) != 0; at += 8) {
            envp.add(p);
        }
        at += 8;
        List<long[]> auxv = new ArrayList<>();
        while (true) {
            long type = word(at);
            long value = word(at + 8);
            auxv.add(new long[] {type, value});
            at += 16;
            if (type == 0) {
                break;
            }
        }
        return new Decoded(argc, argv, envp, auxv, at);
    }

    private void check(long addr, int length) {
        assertTrue(addr >= low && addr + length <= low + bytes.length,
                "address 0x%x+%d outside the stack image [0x%x, 0x%x)".formatted(addr, length, low, low + bytes.length));
    }
}
