package io.mmemu.testprograms;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Whether the host kernel maps the shared zero page on a read fault of anonymous memory
 * (do_anonymous_page()'s my_zero_pfn() path), as Linux does unless a boot option turns it off (some
 * virtual-machine kernels do, e.g. pvm_no_zero_page=1). The guest programs that look at a
 * read-faulted page's Rss, pagemap bits or what vmsplice() takes from it expect it.
 *
 * <p>The probe maps one anonymous page, reads it, and reads its /proc/self/pagemap entry: the zero
 * page is present and not exclusively mapped (bit 56), a page of its own is exclusive.
 */
final class HostZeroPage {
    private HostZeroPage() {}

    private static final long PAGE = 4096;
    private static final int PROT_READ = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20;
    private static final long PM_PRESENT = 1L << 63, PM_MMAP_EXCLUSIVE = 1L << 56;

    private static final boolean MAPPED = probe();

    /** {@return whether a read fault of anonymous memory maps the shared zero page} */
    static boolean mapped() {
        return MAPPED;
    }

    private static boolean probe() {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
        MethodHandle munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        try {
            MemorySegment page = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, PAGE, PROT_READ,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L)).reinterpret(PAGE);
            if (page.address() == -1L) throw new IllegalStateException("mmap of one anonymous page failed");
            try {
                if (page.get(JAVA_BYTE, 0) != 0) throw new IllegalStateException("a new anonymous page is not zero");
                long entry;
                try (RandomAccessFile pagemap = new RandomAccessFile("/proc/self/pagemap", "r")) {
                    pagemap.seek(page.address() / PAGE * 8);
                    entry = Long.reverseBytes(pagemap.readLong()); // little-endian u64
                }
                if ((entry & PM_PRESENT) == 0) throw new IllegalStateException("the page read is not present");
                return (entry & PM_MMAP_EXCLUSIVE) == 0;
            } finally {
                int ignored = (int) munmap.invokeExact(page, PAGE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot probe the host's zero page", t);
        }
    }
}
