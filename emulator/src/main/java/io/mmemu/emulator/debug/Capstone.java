package io.mmemu.emulator.debug;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Capstone 4 (Debian's libcapstone4, which bin/setup unpacks into .mmemu/capstone), bound through
 * java.lang.foreign: {@code cs_open(CS_ARCH_X86, CS_MODE_64)}, {@code cs_disasm}, {@code cs_free}.
 * Looked up once; {@link #problem} says what is missing and how to get it.
 */
final class Capstone {
    /** One decoded instruction. */
    record Insn(long address, int size, String mnemonic, String operands) {}

    private static final int CS_ARCH_X86 = 3;
    private static final int CS_MODE_64 = 1 << 3;
    /** cs_insn in Capstone 4: id u32, address u64 at 8, size u16 at 16, bytes[16] at 18, mnemonic[32] at 34, op_str[160] at 66, detail* at 232. */
    private static final long INSN_SIZE = 240;
    private static final long OFF_ADDRESS = 8;
    private static final long OFF_SIZE = 16;
    private static final long OFF_MNEMONIC = 34;
    private static final long OFF_OPS = 66;

    private static final Loaded LOADED = load();

    private record Loaded(MethodHandle open, MethodHandle disasm, MethodHandle free, MethodHandle close, String problem) {}

    private Capstone() {}

    /** {@return why disassembly is unavailable, with the fix; empty when Capstone loaded} */
    static Optional<String> problem() {
        return Optional.ofNullable(LOADED.problem());
    }

    /**
     * Decodes up to {@code count} instructions of {@code code}, which starts at {@code address}.
     *
     * @throws IllegalStateException when Capstone is not available ({@link #problem})
     */
    static List<Insn> disasm(byte[] code, long address, int count) {
        if (LOADED.problem() != null) throw new IllegalStateException(LOADED.problem());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(JAVA_LONG);
            int err = (int) LOADED.open().invokeExact(CS_ARCH_X86, CS_MODE_64, handle);
            if (err != 0) throw new IllegalStateException("cs_open failed (cs_err " + err + ")");
            long h = handle.get(JAVA_LONG, 0);
            MemorySegment buf = arena.allocate(Math.max(1, code.length));
            MemorySegment.copy(code, 0, buf, JAVA_BYTE, 0, code.length);
            MemorySegment insnOut = arena.allocate(ADDRESS);
            long n = (long) LOADED.disasm().invokeExact(h, buf, (long) code.length, address, (long) count, insnOut);
            List<Insn> out = new ArrayList<>();
            if (n > 0) {
                MemorySegment insns = insnOut.get(ADDRESS, 0).reinterpret(n * INSN_SIZE);
                for (long i = 0; i < n; i++) {
                    long base = i * INSN_SIZE;
                    out.add(new Insn(insns.get(JAVA_LONG, base + OFF_ADDRESS),
                            Short.toUnsignedInt(insns.get(JAVA_SHORT, base + OFF_SIZE)),
                            insns.getString(base + OFF_MNEMONIC, StandardCharsets.US_ASCII),
                            insns.getString(base + OFF_OPS, StandardCharsets.US_ASCII)));
                }
                LOADED.free().invokeExact(insnOut.get(ADDRESS, 0), n);
            }
            int closed = (int) LOADED.close().invokeExact(handle);
            if (closed != 0) throw new IllegalStateException("cs_close failed (cs_err " + closed + ")");
            return out;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static Loaded load() {
        String fix = "run bin/setup (it unpacks Debian bookworm's libcapstone4 into .mmemu/capstone), "
                + "or apt-get install libcapstone4, or set -Dmmemu.capstone.lib=/path/to/libcapstone.so.4";
        try {
            SymbolLookup lib = lookup();
            if (lib == null) return new Loaded(null, null, null, null, "disas needs Capstone 4 (libcapstone.so.4), not found: " + fix);
            Linker linker = Linker.nativeLinker();
            MethodHandle open = linker.downcallHandle(find(lib, "cs_open"),
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
            MethodHandle disasm = linker.downcallHandle(find(lib, "cs_disasm"),
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
            MethodHandle free = linker.downcallHandle(find(lib, "cs_free"), FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG));
            MethodHandle close = linker.downcallHandle(find(lib, "cs_close"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            return new Loaded(open, disasm, free, close, null);
        } catch (RuntimeException e) {
            return new Loaded(null, null, null, null, "disas: Capstone did not load (" + e.getMessage() + "): " + fix);
        }
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("libcapstone has no " + name));
    }

    /** The property mmemu.capstone.lib, else .mmemu/capstone above the working directory, else the system's. */
    private static SymbolLookup lookup() {
        String prop = System.getProperty("mmemu.capstone.lib");
        if (prop != null && !prop.isBlank()) return SymbolLookup.libraryLookup(Path.of(prop), Arena.global());
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(".mmemu/capstone/usr/lib/x86_64-linux-gnu/libcapstone.so.4");
            if (Files.isRegularFile(p)) return SymbolLookup.libraryLookup(p, Arena.global());
        }
        try {
            return SymbolLookup.libraryLookup("libcapstone.so.4", Arena.global());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
