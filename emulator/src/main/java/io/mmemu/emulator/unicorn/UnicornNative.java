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
     * One shape for every call: six 64-bit integers in, one out, pointers and C ints alike. On
     * x86-64 SysV they travel in the same six registers, of which the callee reads the low half for
     * an int and ignores those it does not take, and an int result is the low half of RAX, which
     * the caller's (int) cast keeps. The linker generates and loads code once per distinct shape,
     * 3-7 ms each at start-up in the interpreter: 11 shapes cost about 60 ms of every cold run
     * (bin/bench startup), one costs one. Callers pass their arguments through call(), which pads
     * them with zeros. The variadic functions (uc_ctl, uc_hook_add) share a second shape, variadic
     * from the third argument: SysV passes an integer the same way whether it is named or variadic.
     */
    static final FunctionDescriptor L6 =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final FunctionDescriptor L8 = FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final Linker.Option VARIADIC_FROM_THIRD = Linker.Option.firstVariadicArg(2);

    // uc_err uc_open(uc_arch, uc_mode, uc_engine **)
    static final MethodHandle UC_OPEN = fn("uc_open");
    static final MethodHandle UC_CLOSE = fn("uc_close");
    // unsigned int uc_version(unsigned int *major, unsigned int *minor)
    static final MethodHandle UC_VERSION = fn("uc_version");
    // const char *uc_strerror(uc_err)
    static final MethodHandle UC_STRERROR = fn("uc_strerror");
    static final MethodHandle UC_ERRNO = fn("uc_errno");
    // uc_err uc_reg_read(uc_engine *, int regid, void *value)
    static final MethodHandle UC_REG_READ = fn("uc_reg_read");
    static final MethodHandle UC_REG_WRITE = fn("uc_reg_write");
    // uc_err uc_reg_read_batch(uc_engine *, int *regs, void **vals, int count)
    static final MethodHandle UC_REG_READ_BATCH = fn("uc_reg_read_batch");
    static final MethodHandle UC_REG_WRITE_BATCH = fn("uc_reg_write_batch");
    // uc_err uc_mem_map_ptr(uc_engine *, uint64_t address, size_t size, uint32_t perms, void *ptr)
    static final MethodHandle UC_MEM_MAP_PTR = fn("uc_mem_map_ptr");
    static final MethodHandle UC_MEM_UNMAP = fn("uc_mem_unmap");
    // uc_err uc_mem_read(uc_engine *, uint64_t address, void *bytes, uint64_t size)
    static final MethodHandle UC_MEM_READ = fn("uc_mem_read");
    static final MethodHandle UC_MEM_WRITE = fn("uc_mem_write");
    // uc_err uc_emu_start(uc_engine *, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)
    static final MethodHandle UC_EMU_START = fn("uc_emu_start");
    static final MethodHandle UC_EMU_STOP = fn("uc_emu_stop");
    // uc_err uc_hook_add(uc_engine *, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin,
    // uint64_t end, ...): the one variadic argument used is UC_HOOK_INSN's instruction id.
    static final MethodHandle UC_HOOK_ADD = LINKER.downcallHandle(symbol("uc_hook_add"), L8, VARIADIC_FROM_THIRD);
    static final MethodHandle UC_HOOK_DEL = fn("uc_hook_del");
    // uc_err uc_ctl(uc_engine *, uc_control_type, ...): requests take up to two arguments.
    static final MethodHandle UC_CTL = LINKER.downcallHandle(symbol("uc_ctl"), L8, VARIADIC_FROM_THIRD);
    // uc_err uc_context_alloc(uc_engine *, uc_context **)
    static final MethodHandle UC_CONTEXT_ALLOC = fn("uc_context_alloc");
    static final MethodHandle UC_CONTEXT_SAVE = fn("uc_context_save");
    static final MethodHandle UC_CONTEXT_RESTORE = fn("uc_context_restore");
    static final MethodHandle UC_CONTEXT_FREE = fn("uc_context_free");

    static {
        // Before any engine exists: libunicorn's host-clock reads go to the virtual clock.
        DeterministicClock.install(LOOKUP.find("uc_open").orElseThrow());
        SoftFloat.install(LOOKUP.find("uc_open").orElseThrow());
        NativePatch.INLINE_COUNT.install(LOOKUP.find("uc_open").orElseThrow());
        NativePatch.CODE_BUFFER.install(LOOKUP.find("uc_open").orElseThrow());
    }

    /**
     * The upcalls' shape, the same: a callback reads the arguments C passes and ignores the rest
     * (whatever those registers hold); a long returned where C expects bool or nothing leaves 1 or
     * 0 in RAX, of which C reads AL or nothing.
     */
    static final FunctionDescriptor CALLBACK = L6;
    /**
     * {@code f(uc_engine *, void *)} of any address: native helpers acting on an engine
     * (Unicorn.callNative), in the common shape (the result is ignored).
     */
    static final MethodHandle CALL_NATIVE = LINKER.downcallHandle(L6);

    /** Calls {@code f} (one of this class's handles, or another function linked with {@link #L6}) with no argument. */
    static long call(MethodHandle f) throws Throwable {
        return (long) f.invokeExact(0L, 0L, 0L, 0L, 0L, 0L);
    }

    /** Calls {@code f} with one argument (see {@link #call(MethodHandle)}). */
    static long call(MethodHandle f, long a) throws Throwable {
        return (long) f.invokeExact(a, 0L, 0L, 0L, 0L, 0L);
    }

    /** Calls {@code f} with two arguments. */
    static long call(MethodHandle f, long a, long b) throws Throwable {
        return (long) f.invokeExact(a, b, 0L, 0L, 0L, 0L);
    }

    /** Calls {@code f} with three arguments. */
    static long call(MethodHandle f, long a, long b, long c) throws Throwable {
        return (long) f.invokeExact(a, b, c, 0L, 0L, 0L);
    }

    /** Calls {@code f} with four arguments. */
    static long call(MethodHandle f, long a, long b, long c, long d) throws Throwable {
        return (long) f.invokeExact(a, b, c, d, 0L, 0L);
    }

    /** Calls {@code f} with five arguments. */
    static long call(MethodHandle f, long a, long b, long c, long d, long e) throws Throwable {
        return (long) f.invokeExact(a, b, c, d, e, 0L);
    }

    /** uc_ctl(uc, request, a, b): the variadic shape, padded. */
    static long ctl(long uc, long request, long a, long b) throws Throwable {
        return (long) UC_CTL.invokeExact(uc, request, a, b, 0L, 0L, 0L, 0L);
    }

    /** Loads libunicorn, if this class has not yet (its static initialiser does). */
    static void load() {}

    private static MethodHandle fn(String name) {
        return LINKER.downcallHandle(symbol(name), L6);
    }

    /** {@return function {@code name} of mmemu's native library, in the one shape ({@link #call})} */
    static MethodHandle nativeFn(String name) {
        return LINKER.downcallHandle(NativeLibrary.symbol(name), L6);
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
