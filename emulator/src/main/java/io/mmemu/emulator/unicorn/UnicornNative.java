package io.mmemu.emulator.unicorn;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Unicorn C API's method handles, looked up once when the class loads. Only {@link Unicorn}
 * and its helpers use this class.
 *
 * <p>Where the library comes from, first match wins: the system property {@code mmemu.unicorn.lib};
 * the environment variable {@code MMEMU_UNICORN_LIB}; the library {@code bin/setup} recorded in
 * {@code .mmemu/settings} of the checkout (found from the working directory upwards); the system's
 * {@code libunicorn.so.2}. A missing library or symbol fails with its name and the fix.
 */
final class UnicornNative {
    private UnicornNative() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final Path LIBRARY_PATH;
    private static final SymbolLookup LOOKUP;

    static {
        Path found = locate();
        LIBRARY_PATH = found;
        try {
            LOOKUP = found != null
                    ? SymbolLookup.libraryLookup(found, Arena.global())
                    : SymbolLookup.libraryLookup("libunicorn.so.2", Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError("cannot load libunicorn (Unicorn >= 2.1) from "
                    + (found != null ? found : "the system library path") + ": " + e.getMessage()
                    + "; fix: run bin/setup, or set MMEMU_UNICORN_LIB=/path/to/libunicorn.so.2");
        }
    }

    // uc_err uc_open(uc_arch, uc_mode, uc_engine **)
    static final MethodHandle UC_OPEN = fn("uc_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    static final MethodHandle UC_CLOSE = fn("uc_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle UC_VERSION = fn("uc_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle UC_STRERROR = fn("uc_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final MethodHandle UC_ERRNO = fn("uc_errno", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle UC_REG_READ = fn("uc_reg_read", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    static final MethodHandle UC_REG_WRITE = fn("uc_reg_write", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    // uc_err uc_reg_read_batch(uc_engine *, int *regs, void **vals, int count)
    static final MethodHandle UC_REG_READ_BATCH = fn("uc_reg_read_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    static final MethodHandle UC_REG_WRITE_BATCH = fn("uc_reg_write_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    static final MethodHandle UC_MEM_MAP_PTR = fn("uc_mem_map_ptr",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    static final MethodHandle UC_MEM_UNMAP = fn("uc_mem_unmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    static final MethodHandle UC_MEM_READ = fn("uc_mem_read", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    static final MethodHandle UC_MEM_WRITE = fn("uc_mem_write", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // uc_err uc_emu_start(uc_engine *, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)
    static final MethodHandle UC_EMU_START = fn("uc_emu_start",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    static final MethodHandle UC_EMU_STOP = fn("uc_emu_stop", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    // uc_err uc_hook_add(uc_engine *, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end, ...)
    static final MethodHandle UC_HOOK_ADD = fn("uc_hook_add",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(7));
    static final MethodHandle UC_HOOK_ADD_INSN = fn("uc_hook_add",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT),
            Linker.Option.firstVariadicArg(7));
    static final MethodHandle UC_HOOK_DEL = fn("uc_hook_del", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    // uc_err uc_ctl(uc_engine *, uc_control_type, ...): one descriptor per argument shape used.
    static final MethodHandle UC_CTL_0 = fn("uc_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    static final MethodHandle UC_CTL_INT = fn("uc_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    static final MethodHandle UC_CTL_LONG_LONG = fn("uc_ctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    static final MethodHandle UC_CTL_PTR = fn("uc_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    static final MethodHandle UC_CONTEXT_ALLOC = fn("uc_context_alloc", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle UC_CONTEXT_SAVE = fn("uc_context_save", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle UC_CONTEXT_RESTORE = fn("uc_context_restore", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle UC_CONTEXT_FREE = fn("uc_context_free", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));

    /** Upcall shapes (pointers as long, see package-info). */
    static final FunctionDescriptor TLB_FILL_CB =
            FunctionDescriptor.of(JAVA_BOOLEAN, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
    static final FunctionDescriptor SYSCALL_CB = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG);
    static final FunctionDescriptor INTR_CB = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT, JAVA_LONG);
    static final FunctionDescriptor INSN_INVALID_CB = FunctionDescriptor.of(JAVA_BOOLEAN, JAVA_LONG, JAVA_LONG);
    static final FunctionDescriptor CODE_CB = FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG);
    static final FunctionDescriptor MEM_CB =
            FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libunicorn at " + (LIBRARY_PATH != null ? LIBRARY_PATH : "libunicorn.so.2") + " has no symbol " + name
                        + " (Unicorn >= 2.1 is required); fix: run bin/setup"));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    private static Path locate() {
        String prop = System.getProperty("mmemu.unicorn.lib");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv("MMEMU_UNICORN_LIB");
        if (env != null && !env.isBlank()) return Path.of(env);
        return settingsLibrary().orElse(null);
    }

    /** The library bin/setup chose, from {@code .mmemu/settings} in the working directory or a parent. */
    private static Optional<Path> settingsLibrary() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path settings = dir.resolve(".mmemu/settings");
            if (!Files.isRegularFile(settings)) continue;
            try {
                for (String line : Files.readAllLines(settings)) {
                    if (line.startsWith("MMEMU_UNICORN_LIB=")) {
                        String value = line.substring("MMEMU_UNICORN_LIB=".length()).replace("'", "");
                        if (!value.isBlank() && Files.isRegularFile(Path.of(value))) return Optional.of(Path.of(value));
                    }
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
