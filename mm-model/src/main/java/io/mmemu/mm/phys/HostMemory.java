package io.mmemu.mm.phys;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The host's mmap, munmap and madvise, called through java.lang.foreign; mmap with errno captured.
 * Arguments and results are declared as 64-bit integers, C ints too (x86-64 SysV passes both in
 * the same registers): the linker generates code per distinct descriptor, a few milliseconds each
 * at start-up, and munmap's and madvise's are then those of the emulator's native calls.
 */
final class HostMemory {
    private HostMemory() {}

    static final int PROT_READ = 1, PROT_WRITE = 2;
    static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), CAPTURE_ERRNO);
    // int munmap(void *addr, size_t length)
    private static final MethodHandle MUNMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("munmap").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // int madvise(void *addr, size_t length, int advice)
    private static final MethodHandle MADVISE = LINKER.downcallHandle(LINKER.defaultLookup().find("madvise").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));

    /** Reserves {@code bytes} of zero-filled anonymous memory that costs nothing until touched. */
    static long mmapNoReserve(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CAPTURE);
            long p = (long) MMAP.invokeExact(state, 0L, bytes, (long) (PROT_READ | PROT_WRITE),
                    (long) (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE), -1L, 0L);
            if (p == MAP_FAILED) {
                throw new OutOfMemoryError("host mmap of " + bytes + " bytes of guest RAM failed: errno "
                        + (int) ERRNO.get(state, 0L) + " (try a smaller --ram)");
            }
            return p;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mmap", t);
        }
    }

    static void munmap(long address, long bytes) {
        try {
            long ignored = (long) MUNMAP.invokeExact(address, bytes);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap", t);
        }
    }

    /** madvise(); failures are reported as false (advice is optional). */
    static boolean madvise(long address, long bytes, int advice) {
        try {
            return (int) (long) MADVISE.invokeExact(address, bytes, (long) advice) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("madvise", t);
        }
    }
}
