package io.mmemu.mm.phys;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The host's mmap, munmap and madvise, called through java.lang.foreign. Every argument and result
 * is declared as a 64-bit integer, C ints too (x86-64 SysV passes both in the same registers), and
 * all three share the emulator's one descriptor for native calls (six arguments, the unused ones
 * zero): the linker generates code per distinct descriptor, a few milliseconds each at start-up.
 * They go through one handle unbound to any function, with the function's address first, as the
 * emulator's do: each handle bound to an address cost a cold start 1.5-2 ms more in the
 * interpreter (these three: 5 ms of every run). errno is captured only when mmap has failed, by a
 * second call that links its own shape.
 */
final class HostMemory {
    private HostMemory() {}

    static final int PROT_READ = 1, PROT_WRITE = 2;
    static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor L6 =
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);

    /** Calls the function whose address comes first with six arguments. */
    private static final MethodHandle CALL = LINKER.downcallHandle(L6);
    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
    private static final MemorySegment MMAP = LINKER.defaultLookup().find("mmap").orElseThrow();
    // int munmap(void *addr, size_t length)
    private static final MemorySegment MUNMAP = LINKER.defaultLookup().find("munmap").orElseThrow();
    // int madvise(void *addr, size_t length, int advice)
    private static final MemorySegment MADVISE = LINKER.defaultLookup().find("madvise").orElseThrow();

    private static final long RW = PROT_READ | PROT_WRITE, ANONYMOUS_NORESERVE = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

    /** Reserves {@code bytes} of zero-filled anonymous memory that costs nothing until touched. */
    static long mmapNoReserve(long bytes) {
        try {
            long p = (long) CALL.invokeExact(MMAP, 0L, bytes, RW, ANONYMOUS_NORESERVE, -1L, 0L);
            return p != MAP_FAILED ? p : mmapNoReserveWithErrno(bytes);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap", t);
        }
    }

    /** mmap once more, with errno captured for the message should it fail again. */
    private static long mmapNoReserveWithErrno(long bytes) throws Throwable {
        StructLayout capture = Linker.Option.captureStateLayout();
        MethodHandle mmap = LINKER.downcallHandle(MMAP, L6, Linker.Option.captureCallState("errno"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(capture);
            long p = (long) mmap.invokeExact(state, 0L, bytes, RW, ANONYMOUS_NORESERVE, -1L, 0L);
            if (p == MAP_FAILED) {
                int errno = (int) capture.varHandle(MemoryLayout.PathElement.groupElement("errno")).get(state, 0L);
                throw new OutOfMemoryError("host mmap of " + bytes + " bytes of guest RAM failed: errno " + errno
                        + " (try a smaller --ram)");
            }
            return p;
        }
    }

    static void munmap(long address, long bytes) {
        try {
            long ignored = (long) CALL.invokeExact(MUNMAP, address, bytes, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap", t);
        }
    }

    /** madvise(); failures are reported as false (advice is optional). */
    static boolean madvise(long address, long bytes, int advice) {
        try {
            return (int) (long) CALL.invokeExact(MADVISE, address, bytes, (long) advice, 0L, 0L, 0L) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise", t);
        }
    }
}
