package io.mmemu.emulator.unicorn;

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
 * The Unicorn C API's functions, looked up once when the class loads, and the one downcall handle
 * that calls them. Only {@link Unicorn} and its helpers use this class.
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
     * them with zeros. The variadic functions (uc_ctl, uc_hook_add) are called through C wrappers
     * of this shape (native/mmemu_variadic.c).
     */
    static final FunctionDescriptor L6 = LinkerWarmUp.L6;

    /**
     * The one downcall handle, taking the function's address first: every libunicorn and mmemu
     * function is called through it (call(), ctl(), hookAdd(), Unicorn.callNative). Each handle
     * bound to a function's address cost a cold start 1.5-2 ms, and each further shape (the
     * variadic one uc_ctl and uc_hook_add had) a generated class, 16-25 ms: most of what the run
     * waited for the library check. The variadic functions go through small C wrappers
     * (native/mmemu_variadic.c), which make the variadic call.
     */
    static final MethodHandle CALL_NATIVE = LINKER.downcallHandle(L6);

    // uc_err uc_open(uc_arch, uc_mode, uc_engine **)
    static final MemorySegment UC_OPEN = symbol("uc_open");
    static final MemorySegment UC_CLOSE = symbol("uc_close");
    // unsigned int uc_version(unsigned int *major, unsigned int *minor)
    static final MemorySegment UC_VERSION = symbol("uc_version");
    // const char *uc_strerror(uc_err)
    static final MemorySegment UC_STRERROR = symbol("uc_strerror");
    static final MemorySegment UC_ERRNO = symbol("uc_errno");
    // uc_err uc_reg_read(uc_engine *, int regid, void *value)
    static final MemorySegment UC_REG_READ = symbol("uc_reg_read");
    static final MemorySegment UC_REG_WRITE = symbol("uc_reg_write");
    // uc_err uc_reg_read_batch(uc_engine *, int *regs, void **vals, int count)
    static final MemorySegment UC_REG_READ_BATCH = symbol("uc_reg_read_batch");
    static final MemorySegment UC_REG_WRITE_BATCH = symbol("uc_reg_write_batch");
    // uc_err uc_mem_map_ptr(uc_engine *, uint64_t address, size_t size, uint32_t perms, void *ptr)
    static final MemorySegment UC_MEM_MAP_PTR = symbol("uc_mem_map_ptr");
    static final MemorySegment UC_MEM_UNMAP = symbol("uc_mem_unmap");
    // uc_err uc_mem_read(uc_engine *, uint64_t address, void *bytes, uint64_t size)
    static final MemorySegment UC_MEM_READ = symbol("uc_mem_read");
    static final MemorySegment UC_MEM_WRITE = symbol("uc_mem_write");
    // uc_err uc_emu_start(uc_engine *, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)
    static final MemorySegment UC_EMU_START = symbol("uc_emu_start");
    static final MemorySegment UC_EMU_STOP = symbol("uc_emu_stop");
    // uc_err uc_hook_add(uc_engine *, uc_hook *hh, int type, void *callback, void *user_data, uint64_t begin,
    // uint64_t end, ...): the one variadic argument used is UC_HOOK_INSN's instruction id.
    static final MemorySegment UC_HOOK_ADD = symbol("uc_hook_add");
    static final MemorySegment UC_HOOK_DEL = symbol("uc_hook_del");
    // uc_err uc_ctl(uc_engine *, uc_control_type, ...): requests take up to two arguments.
    static final MemorySegment UC_CTL = symbol("uc_ctl");
    // uc_err uc_context_alloc(uc_engine *, uc_context **)
    static final MemorySegment UC_CONTEXT_ALLOC = symbol("uc_context_alloc");
    static final MemorySegment UC_CONTEXT_SAVE = symbol("uc_context_save");
    static final MemorySegment UC_CONTEXT_RESTORE = symbol("uc_context_restore");
    static final MemorySegment UC_CONTEXT_FREE = symbol("uc_context_free");

    static {
        // Before any engine exists: libunicorn's host-clock reads go to the virtual clock.
        DeterministicClock.install(LOOKUP.find("uc_open").orElseThrow());
        SoftFloat.install(LOOKUP.find("uc_open").orElseThrow());
        NativePatch.INLINE_COUNT.install(LOOKUP.find("uc_open").orElseThrow());
        NativePatch.CODE_BUFFER.install(LOOKUP.find("uc_open").orElseThrow());
        NativePatch.JUMP_CACHE.install(LOOKUP.find("uc_open").orElseThrow());
        NativePatch.FLAGS.install(LOOKUP.find("uc_open").orElseThrow());
    }

    /**
     * The upcalls' shape, the same: a callback reads the arguments C passes and ignores the rest
     * (whatever those registers hold); a long returned where C expects bool or nothing leaves 1 or
     * 0 in RAX, of which C reads AL or nothing.
     */
    static final FunctionDescriptor CALLBACK = L6;

    /** Calls {@code f} (one of this class's handles, or another function linked with {@link #L6}) with no argument. */
    static long call(MemorySegment f) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, 0L, 0L, 0L, 0L, 0L, 0L);
    }

    /** Calls {@code f} with one argument (see {@link #call(MethodHandle)}). */
    static long call(MemorySegment f, long a) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, a, 0L, 0L, 0L, 0L, 0L);
    }

    /** Calls {@code f} with two arguments. */
    static long call(MemorySegment f, long a, long b) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, a, b, 0L, 0L, 0L, 0L);
    }

    /** Calls {@code f} with three arguments. */
    static long call(MemorySegment f, long a, long b, long c) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, a, b, c, 0L, 0L, 0L);
    }

    /** Calls {@code f} with four arguments. */
    static long call(MemorySegment f, long a, long b, long c, long d) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, a, b, c, d, 0L, 0L);
    }

    /** Calls {@code f} with six arguments. */
    static long call(MemorySegment f, long a, long b, long c, long d, long e, long g) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, a, b, c, d, e, g);
    }

    /** Calls {@code f} with five arguments. */
    static long call(MemorySegment f, long a, long b, long c, long d, long e) throws Throwable {
        return (long) CALL_NATIVE.invokeExact(f, a, b, c, d, e, 0L);
    }

    /** uc_ctl(uc, request, a, b), made variadic by mmemu_variadic_ctl. */
    static long ctl(long uc, long request, long a, long b) throws Throwable {
        return call(VariadicWrappers.CTL, UC_CTL.address(), uc, request, a, b);
    }

    /**
     * uc_hook_add(uc, out, type, callback, rest...), made variadic by mmemu_variadic_hook_add:
     * {@code rest} holds the user data, begin, end and UC_HOOK_INSN's instruction (0 for others).
     */
    static long hookAdd(long uc, long out, long type, long callback, MemorySegment rest) throws Throwable {
        return call(VariadicWrappers.HOOK_ADD, UC_HOOK_ADD.address(), uc, out, type, callback, rest.address());
    }

    /** The C wrappers, looked up at the first hook or control: libunicorn alone still loads without mmemu's library. */
    private static final class VariadicWrappers {
        static final MemorySegment CTL = nativeFn("mmemu_variadic_ctl");
        static final MemorySegment HOOK_ADD = nativeFn("mmemu_variadic_hook_add");
    }

    /** Loads libunicorn, if this class has not yet (its static initialiser does). */
    static void load() {}

    /** {@return function {@code name} of mmemu's native library, for {@link #call}} */
    static MemorySegment nativeFn(String name) {
        return NativeLibrary.symbol(name);
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
