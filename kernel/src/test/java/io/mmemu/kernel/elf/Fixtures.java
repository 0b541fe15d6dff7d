package io.mmemu.kernel.elf;

import io.mmemu.testprograms.Toolchain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The C fixtures, built once per JVM into a temporary directory that is removed at exit. */
final class Fixtures {
    /** Prints what the kernel told it about its program headers and entry, and uses TLS and bss. */
    static final String PROBE = """
            #include <stdio.h>
            #include <sys/auxv.h>
            _Thread_local int tls_counter = 7;
            static char bss_buffer[16384];
            int main(int argc, char **argv) {
                bss_buffer[argc] = (char) tls_counter;
                printf("phdr=%lx phent=%lu phnum=%lu entry=%lx\\n", getauxval(AT_PHDR),
                       getauxval(AT_PHENT), getauxval(AT_PHNUM), getauxval(AT_ENTRY));
                return bss_buffer[argc] == 7 ? 0 : 1;
            }
            """;

    /**
     * Writes {sp, top} and then its own initial stack from sp up to the stack top: one pointer
     * above the end of the AT_EXECFN string.
     */
    static final String STACK_DUMP = """
            #include <string.h>
            #include <unistd.h>
            #include <sys/auxv.h>
            int main(int argc, char **argv) {
                unsigned long sp = (unsigned long) argv - sizeof(long);
                const char *execfn = (const char *) getauxval(AT_EXECFN);
                unsigned long top = (unsigned long) execfn + strlen(execfn) + 1 + sizeof(void *);
                unsigned long header[2] = { sp, top };
                write(1, header, sizeof header);
                write(1, (const void *) sp, top - sp);
                return 0;
            }
            """;

    /** No libc: exits at once. */
    static final String TINY = """
            void _start(void) {
                __asm__ volatile("mov $60, %eax\\n\\txor %edi, %edi\\n\\tsyscall");
            }
            """;

    private static Path dir;
    private static Path staticExec;
    private static Path staticPie;
    private static Path dynamic;
    private static Path tinyExecStack;
    private static Path stackDump;

    private Fixtures() {
    }

    static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("mmemu-elf-fixtures");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path created = dir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(created)));
        }
        return dir;
    }

    static synchronized Path staticExec() {
        if (staticExec == null) {
            staticExec = Toolchain.muslStatic(dir(), "probe-exec", PROBE);
        }
        return staticExec;
    }

    static synchronized Path staticPie() {
        if (staticPie == null) {
            staticPie = Toolchain.muslStaticPie(dir(), "probe-pie", PROBE);
        }
        return staticPie;
    }

    static synchronized Path dynamic() {
        if (dynamic == null) {
            dynamic = Toolchain.gccDynamic(dir(), "probe-dynamic", PROBE);
        }
        return dynamic;
    }

    static synchronized Path tinyExecStack() {
        if (tinyExecStack == null) {
            tinyExecStack = Toolchain.gccNostdlib(dir(), "tiny-execstack", TINY, "-z", "execstack");
        }
        return tinyExecStack;
    }

    static synchronized Path stackDump() {
        if (stackDump == null) {
            stackDump = Toolchain.muslStatic(dir(), "stack-dump", STACK_DUMP);
        }
        return stackDump;
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at JVM exit: a leftover temporary directory is harmless
        }
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
