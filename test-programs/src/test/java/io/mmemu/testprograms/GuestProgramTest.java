package io.mmemu.testprograms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The catalogue API, the directory search, and the shape of the built ELF files. */
class GuestProgramTest {

    private static final List<String> REQUIRED = List.of("auxv-dump", "bad-insn", "brk-basic", "hello", "hello-asm",
            "hello-pie", "malloc-churn", "mmap-basic", "touch-pages", "uname-and-ids", "wild-jump", "write-rodata");

    @Test
    void catalogueHoldsTheRequiredProgramsSortedByName() {
        List<String> names = GuestProgram.all().stream().map(GuestProgram::name).toList();
        assertTrue(names.containsAll(REQUIRED), "missing programs: " + REQUIRED.stream().filter(n -> !names.contains(n)).toList());
        assertEquals(names.stream().sorted().toList(), names);
    }

    @Test
    void helloExpectations() {
        GuestProgram hello = GuestProgram.named("hello");
        assertEquals("hello from guest with 1 args\n", hello.expectedStdoutText());
        assertEquals(7, hello.expectedStatus());
        assertEquals(OptionalInt.empty(), hello.expectedSignal());
        assertEquals(List.of(), hello.args());
        assertEquals(List.of(hello.binary().toString()), hello.command());
        assertTrue(hello.binary().isAbsolute(), hello.binary().toString());
        assertTrue(Files.isExecutable(hello.binary()), hello.binary() + " is not executable");
    }

    @Test
    void signalProgramsExpectTheirSignal() {
        assertEquals(OptionalInt.of(4), GuestProgram.named("bad-insn").expectedSignal());   // SIGILL
        assertEquals(OptionalInt.of(11), GuestProgram.named("wild-jump").expectedSignal()); // SIGSEGV
        assertEquals(OptionalInt.of(11), GuestProgram.named("write-rodata").expectedSignal());
        assertEquals(0, GuestProgram.named("bad-insn").expectedStdout().length);
    }

    @Test
    void touchPagesRunsWithItsArgsFile() {
        GuestProgram touch = GuestProgram.named("touch-pages");
        assertEquals(List.of("2000"), touch.args());
        assertTrue(touch.expectedStdoutText().endsWith("touched 2000 pages\n"), touch.expectedStdoutText());
    }

    @Test
    void expectedStdoutIsACopy() {
        GuestProgram hello = GuestProgram.named("hello");
        hello.expectedStdout()[0] = 'X';
        assertEquals('h', hello.expectedStdout()[0]);
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GuestProgram.named("no-such"));
        assertTrue(e.getMessage().contains("no-such") && e.getMessage().contains("hello-pie"), e.getMessage());
    }

    static Stream<GuestProgram> programs() {
        return GuestProgram.all().stream();
    }

    /** Every guest is static (no PT_INTERP); hello-pie alone is ET_DYN, the rest ET_EXEC. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("programs")
    void elfShape(GuestProgram program) throws IOException {
        ByteBuffer elf = ByteBuffer.wrap(Files.readAllBytes(program.binary())).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x464c457f, elf.getInt(0), "ELF magic");
        assertEquals(2, elf.get(4), "ELFCLASS64");
        assertEquals(62, elf.getShort(18), "EM_X86_64");
        int expectedType = program.name().equals("hello-pie") ? 3 : 2; // ET_DYN : ET_EXEC
        assertEquals(expectedType, elf.getShort(16), "e_type of " + program.name());
        long phoff = elf.getLong(32);
        int phentsize = elf.getShort(54);
        int phnum = elf.getShort(56);
        boolean hasLoad = false;
        for (int i = 0; i < phnum; i++) {
            int type = elf.getInt((int) phoff + i * phentsize);
            assertFalse(type == 3, program.name() + " has a PT_INTERP: it must be linked statically");
            hasLoad |= type == 1;
        }
        assertTrue(hasLoad, program.name() + " has no PT_LOAD");
    }

    @Test
    void propertyWinsAndMustNameAGuestDirectory(@TempDir Path tmp) throws IOException {
        Path dir = guestDir(tmp.resolve("explicit"));
        assertEquals(dir, GuestDirectory.find(dir.toString(), null, null, Optional::empty));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GuestDirectory.find(tmp.resolve("missing").toString(), null, null, Optional::empty));
        assertTrue(e.getMessage().contains(GuestDirectory.PROPERTY), e.getMessage());
    }

    @Test
    void foundBesideTheModulesClassesOrJar(@TempDir Path tmp) throws IOException {
        Path target = tmp.resolve("repo/test-programs/target");
        Path guest = guestDir(target.resolve("guest"));
        assertEquals(guest, GuestDirectory.find(null, target.resolve("classes"), null, Optional::empty));
        assertEquals(guest, GuestDirectory.find(null, target.resolve("test-programs-0.1.0-SNAPSHOT.jar"), null, Optional::empty));
    }

    @Test
    void foundFromAnotherModulesJarInTheCheckout(@TempDir Path tmp) throws IOException {
        Path guest = guestDir(tmp.resolve("repo/test-programs/target/guest"));
        Path benchmarksJar = tmp.resolve("repo/benchmarks/target/benchmarks.jar");
        assertEquals(guest, GuestDirectory.find(null, benchmarksJar, null, Optional::empty));
    }

    @Test
    void workingDirectoryThenPackagedCopyAreFallbacks(@TempDir Path tmp) throws IOException {
        Path guest = guestDir(tmp.resolve("repo/test-programs/target/guest"));
        Path m2Jar = tmp.resolve("m2/io/mmemu/test-programs/test-programs.jar");
        assertEquals(guest, GuestDirectory.find(null, m2Jar, tmp.resolve("repo/emulator"), Optional::empty));
        Path packaged = tmp.resolve("extracted");
        assertEquals(packaged, GuestDirectory.find(null, m2Jar, tmp.resolve("elsewhere"), () -> Optional.of(packaged)));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GuestDirectory.find(null, m2Jar, tmp.resolve("elsewhere"), Optional::empty));
        assertTrue(e.getMessage().contains("mvn -pl test-programs install"), e.getMessage());
    }

    @Test
    void loadReadsArgsExpectationsAndStatus(@TempDir Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("g"));
        Files.writeString(dir.resolve(GuestDirectory.INDEX), "zeta\nalpha\n");
        for (String name : List.of("zeta", "alpha")) {
            Files.write(dir.resolve(name), new byte[] {0x7f, 'E', 'L', 'F'});
            Files.writeString(dir.resolve(name + ".expected"), name + " out\n");
            Files.writeString(dir.resolve(name + ".status"), "139\n");
        }
        Files.writeString(dir.resolve("alpha.args"), "one\ntwo words\n");
        List<GuestProgram> programs = GuestProgram.load(dir);
        assertEquals(List.of("alpha", "zeta"), programs.stream().map(GuestProgram::name).toList());
        GuestProgram alpha = programs.get(0);
        assertEquals(List.of("one", "two words"), alpha.args());
        assertArrayEquals("alpha out\n".getBytes(StandardCharsets.UTF_8), alpha.expectedStdout());
        assertEquals(139, alpha.expectedStatus());
        assertEquals(List.of(), programs.get(1).args());

        Files.writeString(dir.resolve("zeta.status"), "segv\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> GuestProgram.load(dir));
        assertTrue(e.getMessage().contains("got: 'segv'"), e.getMessage());
    }

    private static Path guestDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(GuestDirectory.INDEX), "hello\n");
        return dir;
    }
}
