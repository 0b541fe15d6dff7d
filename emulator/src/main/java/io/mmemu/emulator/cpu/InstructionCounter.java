package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.mmemu.emulator.unicorn.NativeLibrary;
import io.mmemu.emulator.unicorn.Unicorn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Exact instruction counts: a UC_HOOK_CODE hook whose callback is the native
 * {@code mmemu_count_insn} (native/mmemu_count.c, built by bin/setup), incrementing a counter in
 * off-heap memory. It costs one native call per instruction and no Java upcall, so it is attached
 * only when counts are asked for (--stats).
 */
final class InstructionCounter {
    private static final MemorySegment CALLBACK = NativeLibrary.symbol("mmemu_count_insn");

    private final MemorySegment counter;

    private InstructionCounter(MemorySegment counter) {
        this.counter = counter;
    }

    static InstructionCounter attach(Unicorn uc) {
        MemorySegment counter = Arena.global().allocate(JAVA_LONG);
        uc.hookCodeNative(CALLBACK, counter);
        return new InstructionCounter(counter);
    }

    long count() {
        return counter.get(JAVA_LONG, 0);
    }
}
