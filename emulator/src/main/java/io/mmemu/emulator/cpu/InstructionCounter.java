package io.mmemu.emulator.cpu;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.mmemu.emulator.unicorn.Unicorn;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Exact instruction counts: a UC_HOOK_CODE hook whose callback is the native
 * {@code mmemu_count_insn} (native/mmemu_count.c, built by bin/setup), incrementing a counter in
 * off-heap memory. It costs one native call per instruction and no Java upcall, so it is attached
 * only when counts are asked for (--stats).
 */
final class InstructionCounter {
    private static final MemorySegment CALLBACK = locate();

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

    private static MemorySegment locate() {
        Path lib = library();
        if (lib == null) {
            throw new UnsatisfiedLinkError("libmmemu_native.so (the instruction counter) not found; fix: run bin/setup");
        }
        return SymbolLookup.libraryLookup(lib, Arena.global()).find("mmemu_count_insn")
                .orElseThrow(() -> new UnsatisfiedLinkError(lib + " has no mmemu_count_insn; fix: run bin/setup"));
    }

    private static Path library() {
        String prop = System.getProperty("mmemu.native.lib");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(".mmemu/lib/libmmemu_native.so");
            if (Files.isRegularFile(p)) return p;
            Path settings = dir.resolve(".mmemu/settings");
            if (Files.isRegularFile(settings)) {
                try {
                    for (String line : Files.readAllLines(settings)) {
                        if (line.startsWith("MMEMU_NATIVE_LIB=")) return Path.of(line.substring(17).replace("'", ""));
                    }
                } catch (IOException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
