package io.mmemu.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.testprograms.Toolchain;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The initial stack, decoded back the way a C runtime reads it, and compared with the host kernel's. */
class InitialStackTest {
    private static final long STACK_TOP = 0x7ffffffff000L;
    private static final byte[] RANDOM = randomBytes();
    private static final AuxVector AUX = new AuxVector(0, 2032, 0x178bfbff, 4096, 100, 0x400040, 56, 6, 0, 0,
            0x401000, 1000, 1001, 100, 101, 0, 2, 0, 0);

    private static final List<AuxType> X86_64_ORDER = List.of(AuxType.AT_MINSIGSTKSZ, AuxType.AT_HWCAP,
            AuxType.AT_PAGESZ, AuxType.AT_CLKTCK, AuxType.AT_PHDR, AuxType.AT_PHENT, AuxType.AT_PHNUM,
            AuxType.AT_BASE, AuxType.AT_FLAGS, AuxType.AT_ENTRY, AuxType.AT_UID, AuxType.AT_EUID, AuxType.AT_GID,
            AuxType.AT_EGID, AuxType.AT_SECURE, AuxType.AT_RANDOM, AuxType.AT_HWCAP2, AuxType.AT_EXECFN,
            AuxType.AT_PLATFORM, AuxType.AT_NULL);

    @Test
    void decodesBackToWhatWasGiven() throws ArgumentListTooLongException {
        List<String> argv = List.of("/bin/prog", "-x", "héllo wörld", "");
        List<String> envp = List.of("A=1", "PATH=/usr/bin:/bin");
        InitialStack stack = InitialStack.build(STACK_TOP, argv, envp, "/bin/prog", RANDOM, AUX);
        StackView view = new StackView(stack.low(), stack.bytes());
        StackView.Decoded d = view.decode(stack.sp());
        String state = dump(stack);

        assertEquals(0, stack.sp() % 16, state);
        assertEquals(stack.sp(), stack.low());
        assertEquals(STACK_TOP - stack.sp(), stack.bytes().length);
        assertEquals(4, d.argc(), state);
        assertEquals(4, stack.argc());
        assertEquals(argv, d.argvPointers().stream().map(view::cString).toList(), state);
        assertEquals(envp, d.envpPointers().stream().map(view::cString).toList(), state);
        assertEquals(X86_64_ORDER, d.auxv().stream().map(p -> typeOf(p[0])).toList(), state);
        assertEquals(stack.auxv().stream().map(e -> List.of((long) e.type().value(), e.value())).toList(),
                d.auxv().stream().map(p -> List.of(p[0], p[1])).toList());

        assertArrayEquals(RANDOM, view.bytesAt(d.aux(AuxType.AT_RANDOM), 16), state);
        assertEquals(stack.random(), d.aux(AuxType.AT_RANDOM));
        assertEquals("/bin/prog", view.cString(d.aux(AuxType.AT_EXECFN)));
        assertEquals(stack.execfn(), d.aux(AuxType.AT_EXECFN));
        assertEquals("x86_64", view.cString(d.aux(AuxType.AT_PLATFORM)));
        assertEquals(stack.platform(), d.aux(AuxType.AT_PLATFORM));
        for (AuxType t : List.of(AuxType.AT_PHDR, AuxType.AT_PHENT, AuxType.AT_PHNUM, AuxType.AT_ENTRY,
                AuxType.AT_UID, AuxType.AT_EUID, AuxType.AT_GID, AuxType.AT_EGID, AuxType.AT_HWCAP,
                AuxType.AT_HWCAP2, AuxType.AT_MINSIGSTKSZ, AuxType.AT_PAGESZ, AuxType.AT_CLKTCK)) {
            assertEquals(expected(t), d.aux(t), t.toString());
        }

        // execfn at the very top, below one zero pointer-sized word
        long execfnEnd = stack.execfn() + "/bin/prog".length() + 1;
        assertEquals(STACK_TOP - 8, execfnEnd, state);
        assertEquals(0, view.word(STACK_TOP - 8));
        // strings in order: argv, envp, execfn, contiguous
        assertEquals(stack.argStart(), d.argvPointers().getFirst());
        assertEquals(stack.argEnd(), d.envpPointers().getFirst());
        assertEquals(stack.envStart(), stack.argEnd());
        assertEquals(stack.execfn(), stack.envEnd());
        // platform string right below the 16-aligned end of the strings, random bytes right below it
        assertEquals(stack.argStart() & ~15L, stack.platform() + 7, state);
        assertEquals(stack.platform() - 16, stack.random());
        // auxv ends at most 15 bytes below the random bytes (STACK_ROUND)
        assertTrue(stack.random() - d.auxvEnd() >= 0 && stack.random() - d.auxvEnd() < 16, state);
    }

    static Stream<Arguments> shapes() {
        List<Arguments> shapes = new ArrayList<>();
        for (int argc = 0; argc <= 5; argc++) {
            for (int envc = 0; envc <= 3; envc++) {
                for (int extra = 0; extra < 16; extra += 5) {
                    shapes.add(Arguments.of(argc, envc, extra));
                }
            }
        }
        return shapes.stream();
    }

    @ParameterizedTest(name = "argc={0} envc={1} extra={2}")
    @MethodSource("shapes")
    void spIsSixteenByteAlignedAndTight(int argc, int envc, int extra) throws ArgumentListTooLongException {
        List<String> argv = IntStream.range(0, argc).mapToObj(i -> "a".repeat(i + extra)).toList();
        List<String> envp = IntStream.range(0, envc).mapToObj(i -> "E" + i + "=" + "v".repeat(extra)).toList();
        InitialStack stack = InitialStack.build(STACK_TOP, argv, envp, "x".repeat(extra + 1), RANDOM, AUX);
        StackView view = new StackView(stack.low(), stack.bytes());
        StackView.Decoded d = view.decode(stack.sp());
        assertEquals(0, stack.sp() % 16, dump(stack));
        int effectiveArgc = Math.max(argc, 1);
        assertEquals(effectiveArgc, d.argc());
        long pointers = 8L * (1 + effectiveArgc + 1 + envc + 1) + 16L * X86_64_ORDER.size();
        assertEquals(stack.sp() + pointers, d.auxvEnd(), dump(stack));
        assertTrue(stack.random() - d.auxvEnd() < 16, dump(stack));
    }

    @Test
    void emptyArgvGetsAnEmptyArgvZero() throws ArgumentListTooLongException {
        InitialStack stack = InitialStack.build(STACK_TOP, List.of(), List.of("A=1"), "/p", RANDOM, AUX);
        StackView view = new StackView(stack.low(), stack.bytes());
        StackView.Decoded d = view.decode(stack.sp());
        assertEquals(1, d.argc());
        assertEquals(List.of(""), d.argvPointers().stream().map(view::cString).toList());
        assertEquals(List.of("A=1"), d.envpPointers().stream().map(view::cString).toList());
    }

    @Test
    void vdsoAndRseqEntriesWhenGiven() throws ArgumentListTooLongException {
        AuxVector aux = AUX.withSysinfoEhdr(0x7ffff7fc1000L).withRseq(AuxVector.RSEQ_FEATURE_SIZE,
                AuxVector.RSEQ_ALIGN);
        InitialStack stack = InitialStack.build(STACK_TOP, List.of("p"), List.of(), "p", RANDOM, aux);
        List<AuxType> order = new ArrayList<>(X86_64_ORDER);
        order.addFirst(AuxType.AT_SYSINFO_EHDR);
        order.addAll(order.size() - 1, List.of(AuxType.AT_RSEQ_FEATURE_SIZE, AuxType.AT_RSEQ_ALIGN));
        assertEquals(order, stack.auxv().stream().map(AuxEntry::type).toList());
        StackView.Decoded d = new StackView(stack.low(), stack.bytes()).decode(stack.sp());
        assertEquals(0x7ffff7fc1000L, d.aux(AuxType.AT_SYSINFO_EHDR));
        assertEquals(28, d.aux(AuxType.AT_RSEQ_FEATURE_SIZE));
        assertEquals(32, d.aux(AuxType.AT_RSEQ_ALIGN));
    }

    @Test
    void auxVectorForImageRelocatesPhdrAndEntry() throws ElfFormatException {
        ElfImage image = ElfImage.parse(new SyntheticElf().type(ElfHeader.ET_DYN).entry(0x1050)
                .add(SyntheticElf.Phdr.load(0, 0, 0x400, 0x400, 0x1000)).bytes());
        AuxVector aux = AuxVector.forImage(image, 0x7f0000000000L);
        assertEquals(0x7f0000000040L, aux.phdr());
        assertEquals(0x7f0000001050L, aux.entry());
        assertEquals(56, aux.phent());
        assertEquals(1, aux.phnum());
        assertEquals(4096, aux.pagesz());
        assertEquals(100, aux.clktck());
        assertEquals(0, aux.base());
        assertEquals(0, aux.sysinfoEhdr());
        AuxVector cpu = aux.withCpu(0xbfebfbffL, 2, 3376).withCredentials(1, 2, 3, 4);
        assertEquals(List.of(0xbfebfbffL, 2L, 3376L, 1L, 2L, 3L, 4L), List.of(cpu.hwcap(), cpu.hwcap2(),
                cpu.minsigstksz(), cpu.uid(), cpu.euid(), cpu.gid(), cpu.egid()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> aux.withRseq(28, 0));
        assertEquals("rseq feature size and alignment go together (expected: both 0 or both non-zero, got 28 and 0)",
                e.getMessage());
    }

    @ParameterizedTest(name = "argc={0} envc={1} rlimit={2} -> {3}")
    @CsvSource({
        "1, 0, 8388608, 2097144",     // a quarter of 8 MiB, less one pointer
        "0, 0, 8388608, 2097144",     // argc 0 still reserves argv[0]
        "3, 2, 8388608, 2097112",
        "1, 0, 67108864, 6291448",    // capped at 3/4 of _STK_LIM
        "1, 0, 262144, 131064",       // never below ARG_MAX
        "1, 0, 1, 131064",
    })
    void bprmStackLimits(int argc, int envc, long rlimit, long expected) throws ArgumentListTooLongException {
        assertEquals(expected, InitialStack.bprmStackLimits(argc, envc, rlimit));
    }

    @Test
    void tooManyPointersIsE2big() {
        ArgumentListTooLongException e = assertThrows(ArgumentListTooLongException.class,
                () -> InitialStack.bprmStackLimits(1, 262143, InitialStack.STK_LIM));
        assertEquals("argument list too long: 1 argv and 262143 envp pointers need 2097152 bytes, the limit is 2097152",
                e.getMessage());
    }

    @ParameterizedTest(name = "string of {0} bytes")
    @CsvSource({"131071, true", "131072, false"})
    void maxArgStrlenBoundary(int length, boolean fits) {
        List<String> argv = List.of("p", "y".repeat(length));
        if (fits) {
            assertTrue(assertDoesNotThrowE2big(argv).argc() == 2);
        } else {
            ArgumentListTooLongException e = assertThrows(ArgumentListTooLongException.class,
                    () -> InitialStack.build(STACK_TOP, argv, List.of(), "p", RANDOM, AUX));
            assertEquals("argument list too long: argv[1] is 131073 bytes with its NUL, more than MAX_ARG_STRLEN (131072)",
                    e.getMessage());
        }
    }

    @ParameterizedTest(name = "argv[0] of {0} bytes with rlimit 256 KiB")
    @CsvSource({"131061, true", "131062, false"})
    void totalStringsBoundary(int length, boolean fits) throws ArgumentListTooLongException {
        // limit 131072 (ARG_MAX) - 8 (one pointer) = 131064 bytes: execfn "a\0" (2) + argv[0] + NUL
        List<String> argv = List.of("z".repeat(length));
        if (fits) {
            InitialStack stack = InitialStack.build(STACK_TOP, argv, List.of(), "a", RANDOM, AUX, 256 << 10);
            assertEquals(STACK_TOP - 8 - 2 - (length + 1), stack.argStart());
        } else {
            ArgumentListTooLongException e = assertThrows(ArgumentListTooLongException.class,
                    () -> InitialStack.build(STACK_TOP, argv, List.of(), "a", RANDOM, AUX, 256 << 10));
            assertEquals("argument list too long: argv[0] does not fit, 131062 bytes are left of the strings' limit",
                    e.getMessage());
        }
    }

    @Test
    void manyLargeArgumentsAreE2big() {
        List<String> argv = Collections.nCopies(20, "q".repeat(110_000));
        ArgumentListTooLongException e = assertThrows(ArgumentListTooLongException.class,
                () -> InitialStack.build(STACK_TOP, argv, List.of(), "/p", RANDOM, AUX));
        assertTrue(e.getMessage().startsWith("argument list too long: argv["), e.getMessage());
    }

    @ParameterizedTest(name = "{0} -> 0x{1}")
    @CsvSource({"7ffffffff000, 7ffffffff000", "7fffffffefff, 7fffffffeff0", "7fffffffeff1, 7fffffffeff0",
        "10, 10", "1f, 10"})
    void archAlignStack(String sp, String expected) {
        assertEquals(Long.parseLong(expected, 16), InitialStack.archAlignStack(Long.parseLong(sp, 16)));
    }

    @Test
    void argumentChecksSayWhatWasExpected() {
        IllegalArgumentException top = assertThrows(IllegalArgumentException.class,
                () -> InitialStack.build(STACK_TOP - 1, List.of("p"), List.of(), "p", RANDOM, AUX));
        assertEquals("stackTop must be page aligned and non-zero (expected: non-zero multiple of 4096, got 0x7fffffffefff)",
                top.getMessage());
        IllegalArgumentException random = assertThrows(IllegalArgumentException.class,
                () -> InitialStack.build(STACK_TOP, List.of("p"), List.of(), "p", new byte[8], AUX));
        assertEquals("random16 must hold the 16 AT_RANDOM bytes (expected: 16 bytes, got 8)", random.getMessage());
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
                () -> InitialStack.build(STACK_TOP, List.of("p", "a\0b"), List.of(), "p", RANDOM, AUX));
        assertEquals("argv[1] must not contain NUL (expected: a C string, got NUL at index 1)", nul.getMessage());
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class,
                () -> InitialStack.build(4096, List.of("p", "w".repeat(5000)), List.of(), "p", RANDOM, AUX));
        assertTrue(low.getMessage().startsWith("stackTop 0x1000 is too low for a stack of"), low.getMessage());
    }

    /**
     * The host kernel as the oracle: a static program run with randomisation off (setarch -R)
     * dumps its own initial stack; the same inputs must give the same bytes. The CPU- and
     * kernel-dependent auxv values (vDSO, hwcap, minsigstksz, rseq, credentials) and the random
     * bytes are taken from the dump; the layout, the order and every address are ours.
     */
    @Test
    void sameBytesAsTheHostKernel() throws ArgumentListTooLongException {
        String program = Fixtures.stackDump().toString();
        List<String> args = List.of("x", "yy", "ünïcödé", "");
        List<String> command = new ArrayList<>(List.of("setarch", "x86_64", "-R", program));
        command.addAll(args);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("A", "1");
        env.put("LONGER_NAME", "a value with spaces");
        byte[] out = Toolchain.run(command, env);

        ByteBuffer le = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        long sp = le.getLong(0);
        long top = le.getLong(8);
        byte[] kernelBytes = Arrays.copyOfRange(out, 16, out.length);
        assertEquals(top - sp, kernelBytes.length);
        assertEquals(0, top % 4096, "stack top 0x%x".formatted(top));
        StackView view = new StackView(sp, kernelBytes);
        StackView.Decoded d = view.decode(sp);
        List<String> envp = d.envpPointers().stream().map(view::cString).toList();
        String execfn = view.cString(d.aux(AuxType.AT_EXECFN));
        List<Long> modelled = Arrays.stream(AuxType.values()).map(t -> (long) t.value()).toList();
        List<Long> unknown = d.auxv().stream().map(p -> p[0]).filter(t -> !modelled.contains(t)).toList();
        assertEquals(List.of(), unknown, "auxv types the host kernel gives that mmemu does not model");

        AuxVector aux = new AuxVector(value(d, AuxType.AT_SYSINFO_EHDR), d.aux(AuxType.AT_MINSIGSTKSZ),
                d.aux(AuxType.AT_HWCAP), d.aux(AuxType.AT_PAGESZ), d.aux(AuxType.AT_CLKTCK), d.aux(AuxType.AT_PHDR),
                d.aux(AuxType.AT_PHENT), d.aux(AuxType.AT_PHNUM), d.aux(AuxType.AT_BASE), d.aux(AuxType.AT_FLAGS),
                d.aux(AuxType.AT_ENTRY), d.aux(AuxType.AT_UID), d.aux(AuxType.AT_EUID), d.aux(AuxType.AT_GID),
                d.aux(AuxType.AT_EGID), d.aux(AuxType.AT_SECURE), d.aux(AuxType.AT_HWCAP2),
                value(d, AuxType.AT_RSEQ_FEATURE_SIZE), value(d, AuxType.AT_RSEQ_ALIGN));
        byte[] random = view.bytesAt(d.aux(AuxType.AT_RANDOM), 16);
        List<String> argv = new ArrayList<>(List.of(program));
        argv.addAll(args);

        InitialStack stack = InitialStack.build(top, argv, envp, execfn, random, aux);
        assertEquals(program, execfn);
        assertEquals(sp, stack.sp(), "kernel:\n" + d.auxv().stream().map(p -> typeOf(p[0]) + "=0x"
                + Long.toHexString(p[1])).toList() + "\nmmemu: " + dump(stack));
        assertArrayEquals(kernelBytes, stack.bytes(), "mmemu: " + dump(stack));
    }

    private static long value(StackView.Decoded d, AuxType type) {
        return d.auxv().stream().filter(p -> p[0] == type.value()).mapToLong(p -> p[1]).findFirst().orElse(0);
    }

    private static InitialStack assertDoesNotThrowE2big(List<String> argv) {
        try {
            return InitialStack.build(STACK_TOP, argv, List.of(), "p", RANDOM, AUX);
        } catch (ArgumentListTooLongException e) {
            throw new AssertionError("unexpected E2BIG", e);
        }
    }

    private static long expected(AuxType t) {
        return switch (t) {
            case AT_PHDR -> AUX.phdr();
            case AT_PHENT -> AUX.phent();
            case AT_PHNUM -> AUX.phnum();
            case AT_ENTRY -> AUX.entry();
            case AT_UID -> AUX.uid();
            case AT_EUID -> AUX.euid();
            case AT_GID -> AUX.gid();
            case AT_EGID -> AUX.egid();
            case AT_HWCAP -> AUX.hwcap();
            case AT_HWCAP2 -> AUX.hwcap2();
            case AT_MINSIGSTKSZ -> AUX.minsigstksz();
            case AT_PAGESZ -> AUX.pagesz();
            case AT_CLKTCK -> AUX.clktck();
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    private static AuxType typeOf(long value) {
        return Arrays.stream(AuxType.values()).filter(t -> t.value() == value).findFirst()
                .orElseThrow(() -> new AssertionError("unknown auxv type " + value));
    }

    private static String dump(InitialStack stack) {
        return "sp=0x%x top=0x%x argStart=0x%x envStart=0x%x execfn=0x%x platform=0x%x random=0x%x auxv=%s"
                .formatted(stack.sp(), stack.stackTop(), stack.argStart(), stack.envStart(), stack.execfn(),
                        stack.platform(), stack.random(), stack.auxv());
    }

    /** Fixed "random" bytes: tests, like runs, never use a system RNG. */
    private static byte[] randomBytes() {
        byte[] b = new byte[16];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (0xa0 + i);
        }
        return b;
    }
}
