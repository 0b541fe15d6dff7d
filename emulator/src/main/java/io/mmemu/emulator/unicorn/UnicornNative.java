package io.mmemu.emulator.unicorn;

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

    /*
     * Every argument and result is declared as a 64-bit integer, pointers and C ints alike: on
     * x86-64 SysV both travel in the same register (or 8-byte stack slot), of which the callee
     * reads the low half for an int, and an int result is the low half of RAX, which the caller's
     * (int) cast keeps. So the handles share few descriptors, and the linker generates code once
     * per descriptor: about 5-10 ms each at start-up, when the 23 handles had 20 shapes. Variadic
     * functions get one shape each, with enough trailing arguments for every use (C ignores
     * variadic arguments the function does not read).
     */
    static final FunctionDescriptor L1 = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG);
    static final FunctionDescriptor L2 = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG);
    static final FunctionDescriptor L3 = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    static final FunctionDescriptor L4 = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final FunctionDescriptor L5 =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    // uc_err uc_open(uc_arch, uc_mode, uc_engine **)
    static final MethodHandle UC_OPEN = fn("uc_open", L3);
    static final MethodHandle UC_CLOSE = fn("uc_close", L1);
    // unsigned int uc_version(unsigned int *major, unsigned int *minor)
    static final MethodHandle UC_VERSION = fn("uc_version", L2);
    // const char *uc_strerror(uc_err)
    static final MethodHandle UC_STRERROR = fn("uc_strerror", L1);
    static final MethodHandle UC_ERRNO = fn("uc_errno", L1);
    // uc_err uc_reg_read(uc_engine *, int regid, void *value)
    static final MethodHandle UC_REG_READ = fn("uc_reg_read", L3);
    static final MethodHandle UC_REG_WRITE = fn("uc_reg_write", L3);
    // uc_err uc_reg_read_batch(uc_engine *, int *regs, void **vals, int count)
    static final MethodHandle UC_REG_READ_BATCH = fn("uc_reg_read_batch", L4);
    static final MethodHandle UC_REG_WRITE_BATCH = fn("uc_reg_write_batch", L4);
    // uc_err uc_mem_map_ptr(uc_engine *, uint64_t address, size_t size, uint32_t perms, void *ptr)
    static final MethodHandle UC_MEM_MAP_PTR = fn("uc_mem_map_ptr", L5);
    static final MethodHandle UC_MEM_UNMAP = fn("uc_mem_unmap", L3);
    // uc_err uc_mem_read(uc_engine *, uint64_t address, void *bytes, uint64_t size)
    static final MethodHandle UC_MEM_READ = fn("uc_mem_read", L4);
    static final MethodHandle UC_MEM_WRITE = fn("uc_mem_write", L4);
    // uc_err uc_emu_start(uc_engine *, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)
    static final MethodHandle UC_EMU_START = fn("uc_emu_start", L5);
    static final MethodHandle UC_EMU_STOP = fn("uc_emu_stop", L1);
    // uc_err uc_hook_add(uc_engine *, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin,
    // uint64_t end, ...): the one variadic argument used is UC_HOOK_INSN's instruction id.
    static final MethodHandle UC_HOOK_ADD = fn("uc_hook_add",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG), Linker.Option.firstVariadicArg(7));
    static final MethodHandle UC_HOOK_DEL = fn("uc_hook_del", L2);
    // uc_err uc_ctl(uc_engine *, uc_control_type, ...): requests take up to two arguments.
    static final MethodHandle UC_CTL = fn("uc_ctl", L4, Linker.Option.firstVariadicArg(2));
    // uc_err uc_context_alloc(uc_engine *, uc_context **)
    static final MethodHandle UC_CONTEXT_ALLOC = fn("uc_context_alloc", L2);
    static final MethodHandle UC_CONTEXT_SAVE = fn("uc_context_save", L2);
    static final MethodHandle UC_CONTEXT_RESTORE = fn("uc_context_restore", L2);
    static final MethodHandle UC_CONTEXT_FREE = fn("uc_context_free", L1);

    static {
        // Before any engine exists: libunicorn's host-clock reads go to the virtual clock.
        DeterministicClock.install(LOOKUP.find("uc_open").orElseThrow());
    }

    /**
     * Upcall shapes, in the same form: every argument and the result a long. A C int argument is
     * the low half of its long (the upper half is undefined, so the callee casts it to int); a
     * long returned where C expects bool or nothing leaves 1 or 0 in RAX, of which C reads AL or
     * nothing. The TLB fill shares its shape with the 5-argument downcalls' erased type.
     */
    static final FunctionDescriptor TLB_FILL_CB = L5;
    static final FunctionDescriptor SYSCALL_CB = L2;
    static final FunctionDescriptor INTR_CB = L3;
    static final FunctionDescriptor INSN_INVALID_CB = L2;
    static final FunctionDescriptor CODE_CB = L4;
    /**
     * {@code void f(uc_engine *, void *)} of any address: native helpers acting on an engine
     * (Unicorn.callNative), declared in the L2 shape (the result is ignored) so that the linker
     * makes no code for a new shape at start-up.
     */
    static final MethodHandle CALL_NATIVE = LINKER.downcallHandle(L2);
    static final FunctionDescriptor MEM_CB =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    /** Loads libunicorn, if this class has not yet (its static initialiser does). */
    static void load() {}

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    /** {@return the address of libunicorn's function {@code name}, for native code to call} */
    static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libunicorn at " + (LIBRARY_PATH != null ? LIBRARY_PATH : "libunicorn.so.2") + " has no symbol " + name
                        + " (Unicorn >= 2.1 is required); fix: run bin/setup"));
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
