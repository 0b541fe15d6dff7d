package io.mmemu.emulator.unicorn;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandles;

/**
 * The one shape of every downcall and upcall ({@link UnicornNative#L6} says why), and a way to
 * have the linker generate the shape's upcall class early. The linker keeps what it generates per
 * shape, so the engine's first upcall finds that class made. A class of its own: loading it loads
 * nothing of libunicorn.
 */
final class LinkerWarmUp {
    /** Six 64-bit integers in, one out. */
    static final FunctionDescriptor L6 =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    private LinkerWarmUp() {}

    /**
     * Makes an upcall of the shape and frees it: 6-8 ms at a cold start (the linker's generated
     * class, in the interpreter), which the thread waiting for the library check spends here
     * instead of after it. Never throws: whoever needs the shape makes it, and reports what goes wrong then.
     */
    static void upcall() {
        try (Arena arena = Arena.ofConfined()) {
            Linker.nativeLinker().upcallStub(
                    MethodHandles.lookup().findStatic(LinkerWarmUp.class, "ignore", L6.toMethodType()), L6, arena);
        } catch (Throwable t) {
            // only a head start
        }
    }

    /** The warm-up upcall's target; native code never calls it. */
    @SuppressWarnings("unused")
    private static long ignore(long a, long b, long c, long d, long e, long f) {
        return 0;
    }
}
