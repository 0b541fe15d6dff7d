package io.mmemu.emulator.unicorn;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * mmemu's own native library, {@code libmmemu_native.so}: what bin/setup builds from
 * {@code native/*.c} (the instruction counter, the deterministic clock). Where it comes from,
 * first match wins: the system property {@code mmemu.native.lib}; {@code .mmemu/lib/libmmemu_native.so}
 * or the {@code MMEMU_NATIVE_LIB} that {@code .mmemu/settings} records, in the working directory
 * or a parent. A library built from older sources lacks some symbol: {@link #problem} says so in
 * one line, with the fix.
 */
public final class NativeLibrary {
    private NativeLibrary() {}

    /**
     * Every symbol the current sources define; a library without one of them is out of date. A
     * function added to native/*.c and used from Java goes here too.
     */
    static final List<String> SYMBOLS = List.of("mmemu_count_insn", "mmemu_clock_install", "mmemu_clock_reset",
            "mmemu_clock_readings", "mmemu_count_block", "mmemu_count_translation", "mmemu_softfloat_install", "mmemu_softfloat_install_sse", "mmemu_softfloat_fix_ftz", "mmemu_precise_insn", "mmemu_precise_fill", "mmemu_precise_access", "mmemu_precise_unlisted", "mmemu_page_flush_init",
            "mmemu_flush_range", "mmemu_inline_count_install", "mmemu_take_faulted_block",
            "mmemu_code_buffer_install", "mmemu_code_buffer_skipped", "mmemu_variadic_ctl", "mmemu_variadic_hook_add");

    private static final Path PATH = locate();
    private static final SymbolLookup LOOKUP = load(PATH);

    /** {@return where the library is, if it was found} */
    public static Optional<Path> path() {
        return Optional.ofNullable(PATH);
    }

    /**
     * {@return what is wrong with the library in one line ending with the fix, or empty when it is
     * there and built from the current sources}
     */
    public static Optional<String> problem() {
        if (PATH == null) return Optional.of("libmmemu_native.so not found (it is built by bin/setup): run bin/setup");
        if (!Files.isRegularFile(PATH)) return Optional.of(PATH + " not found (it is built by bin/setup): run bin/setup");
        if (LOOKUP == null) return Optional.of("cannot load " + PATH + ": run bin/setup");
        for (String s : SYMBOLS) {
            if (LOOKUP.find(s).isEmpty()) {
                return Optional.of(PATH + " is out of date (it has no " + s + "; native/*.c changed): run bin/setup");
            }
        }
        return Optional.empty();
    }

    /**
     * The address of {@code name} in the library.
     *
     * @param name a symbol of native/*.c
     * @return its address
     * @throws UnsatisfiedLinkError when the library is missing or out of date, with the fix
     */
    public static MemorySegment symbol(String name) {
        if (LOOKUP == null) throw new UnsatisfiedLinkError(problem().orElseThrow());
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(problem().orElse(
                PATH + " has no " + name + ": run bin/setup")));
    }

    /** {@return whether the library was found and loads; it may still be out of date} */
    static boolean loaded() {
        return LOOKUP != null;
    }

    private static SymbolLookup load(Path path) {
        if (path == null) return null;
        try {
            return SymbolLookup.libraryLookup(path, Arena.global());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Path locate() {
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
