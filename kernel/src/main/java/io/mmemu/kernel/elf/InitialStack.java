package io.mmemu.kernel.elf;

import io.mmemu.mm.phys.PageTypes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The initial process stack of a new x86-64 program, byte for byte as Linux lays it out, without
 * randomisation. Memory from high to low:
 *
 * <pre>
 *   stackTop            (page aligned; vma->vm_end after setup_arg_pages())
 *   8 zero bytes        bprm->p = vm_end - sizeof(void *)            __bprm_mm_init(), fs/exec.c
 *   execfn "\0"         copy_string_kernel(bprm->filename); bprm->exec = AT_EXECFN
 *   envp strings        copy_strings(envc) - envp[0] lowest
 *   argv strings        copy_strings(argc) - argv[0] lowest = mm->arg_start
 *   (0-15 bytes)        arch_align_stack(): round down to 16            create_elf_tables(), fs/binfmt_elf.c
 *   "x86_64\0"          ELF_PLATFORM, AT_PLATFORM
 *   16 bytes            AT_RANDOM
 *   (0-15 bytes)        STACK_ROUND(): the final sp is 16-byte aligned
 *   auxv pairs, AT_NULL
 *   NULL, envp[envc-1] .. envp[0]
 *   NULL, argv[argc-1] .. argv[0]
 *   argc                &lt;- sp
 * </pre>
 *
 * Limits follow do_execveat_common() and bprm_stack_limits(): each string, NUL included, at most
 * MAX_ARG_STRLEN bytes; all strings (execfn included) plus one pointer per argv and envp entry at
 * most a quarter of the stack rlimit, capped at 3/4 of _STK_LIM and never below ARG_MAX. An empty
 * argv gets "" as argv[0] (argc 1), as Linux does since 5.18.
 */
public final class InitialStack {
    /** _STK_LIM, include/uapi/linux/resource.h: the default RLIMIT_STACK. */
    public static final long STK_LIM = 8L << 20;
    /** MAX_ARG_STRLEN, include/uapi/linux/binfmts.h: 32 pages. */
    public static final int MAX_ARG_STRLEN = 32 * (int) PageTypes.PAGE_SIZE;
    /** ARG_MAX, include/uapi/linux/limits.h: the floor of the strings limit. */
    public static final long ARG_MAX = 131072;
    /** ELF_PLATFORM on x86-64: utsname()->machine. */
    static final String ELF_PLATFORM = "x86_64";
    private static final int POINTER = 8;

    private final long stackTop;
    private final long sp;
    private final byte[] bytes;
    private final int argc;
    private final long argStart;
    private final long argEnd;
    private final long envEnd;
    private final long execfn;
    private final long platform;
    private final long random;
    private final List<AuxEntry> auxv;

    private InitialStack(long stackTop, long sp, byte[] bytes, int argc, long argStart, long argEnd, long envEnd,
            long execfn, long platform, long random, List<AuxEntry> auxv) {
        this.stackTop = stackTop;
        this.sp = sp;
        this.bytes = bytes;
        this.argc = argc;
        this.argStart = argStart;
        this.argEnd = argEnd;
        this.envEnd = envEnd;
        this.execfn = execfn;
        this.platform = platform;
        this.random = random;
        this.auxv = auxv;
    }

    /**
     * {@link #build(long, List, List, String, byte[], AuxVector, long)} with the default 8 MiB stack rlimit.
     *
     * @param stackTop the page-aligned top of the stack VMA
     * @param argv     the arguments, argv[0] first; strings must not contain NUL
     * @param envp     the environment, "NAME=value" strings
     * @param execfn   bprm->filename, the path given to execve(); AT_EXECFN points at it
     * @param random16 the 16 AT_RANDOM bytes, from the run's seeded generator
     * @param aux      the auxiliary vector's values
     * @return the laid-out stack
     * @throws ArgumentListTooLongException where execve() would fail with E2BIG
     */
    public static InitialStack build(long stackTop, List<String> argv, List<String> envp, String execfn,
            byte[] random16, AuxVector aux) throws ArgumentListTooLongException {
        return build(stackTop, argv, envp, execfn, random16, aux, STK_LIM);
    }

    /**
     * Lays out the stack below {@code stackTop}.
     *
     * @param stackTop   the page-aligned top of the stack VMA
     * @param argv       the arguments, argv[0] first; strings must not contain NUL
     * @param envp       the environment, "NAME=value" strings
     * @param execfn     bprm->filename, the path given to execve(); AT_EXECFN points at it
     * @param random16   the 16 AT_RANDOM bytes, from the run's seeded generator
     * @param aux        the auxiliary vector's values
     * @param stackRlimit RLIMIT_STACK's soft limit, which bounds the strings
     * @return the laid-out stack
     * @throws ArgumentListTooLongException where execve() would fail with E2BIG
     */
    public static InitialStack build(long stackTop, List<String> argv, List<String> envp, String execfn,
            byte[] random16, AuxVector aux, long stackRlimit) throws ArgumentListTooLongException {
        if (stackTop == 0 || (stackTop & (PageTypes.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(
                    "stackTop must be page aligned and non-zero (expected: non-zero multiple of 4096, got 0x%x)"
                            .formatted(stackTop));
        }
        Objects.requireNonNull(aux, "aux");
        Objects.requireNonNull(random16, "random16");
        if (random16.length != 16) {
            throw new IllegalArgumentException(
                    "random16 must hold the 16 AT_RANDOM bytes (expected: 16 bytes, got %d)".formatted(random16.length));
        }
        if (stackRlimit <= 0) {
            throw new IllegalArgumentException(
                    "stackRlimit must be positive (expected: > 0, got %d)".formatted(stackRlimit));
        }
        List<byte[]> args = encode("argv", argv);
        List<byte[]> envs = encode("envp", envp);
        byte[] filename = encode("execfn", List.of(Objects.requireNonNull(execfn, "execfn"))).getFirst();

        // do_execveat_common(), fs/exec.c: bprm->p starts one pointer below the top.
        long p = stackTop - POINTER;
        long argmin = p - bprmStackLimits(args.size(), envs.size(), stackRlimit);
        p = copyString(p, argmin, filename, "execfn");
        long execfnAddr = p;
        for (int i = envs.size() - 1; i >= 0; i--) {
            p = copyString(p, argmin, envs.get(i), "envp[" + i + "]");
        }
        long envStart = p;
        for (int i = args.size() - 1; i >= 0; i--) {
            p = copyString(p, argmin, args.get(i), "argv[" + i + "]");
        }
        if (args.isEmpty()) {
            args = List.of(new byte[] {0});
            p = copyString(p, argmin, args.getFirst(), "argv[0]");
        }
        long argStart = p;

        // create_elf_tables(), fs/binfmt_elf.c
        p = archAlignStack(p);
        byte[] platformBytes = (ELF_PLATFORM + "\0").getBytes(StandardCharsets.US_ASCII);
        p -= platformBytes.length;
        long platformAddr = p;
        p -= random16.length;
        long randomAddr = p;
        List<AuxEntry> auxv = aux.entries(randomAddr, execfnAddr, platformAddr);
        int eiIndex = 2 * auxv.size();
        long spAfterAuxv = p - (long) eiIndex * POINTER;
        int items = (args.size() + 1) + (envs.size() + 1) + 1;
        long sp = (spAfterAuxv - (long) items * POINTER) & ~15L; // STACK_ROUND(sp, items)
        if (Long.compareUnsigned(sp, stackTop) >= 0) {
            throw new IllegalArgumentException(
                    "stackTop 0x%x is too low for a stack of %d bytes".formatted(stackTop, stackTop - sp));
        }

        ByteBuffer stack = ByteBuffer.allocate(Math.toIntExact(stackTop - sp)).order(ByteOrder.LITTLE_ENDIAN);
        putStrings(stack, argStart - sp, args);
        putStrings(stack, envStart - sp, envs);
        stack.put(Math.toIntExact(execfnAddr - sp), filename);
        stack.put(Math.toIntExact(platformAddr - sp), platformBytes);
        stack.put(Math.toIntExact(randomAddr - sp), random16);
        stack.position(0);
        stack.putLong(args.size());
        long argEnd = putPointers(stack, argStart, args);
        long envEnd = putPointers(stack, envStart, envs);
        for (AuxEntry e : auxv) {
            stack.putLong(e.type().value());
            stack.putLong(e.value());
        }
        return new InitialStack(stackTop, sp, stack.array(), args.size(), argStart, argEnd, envEnd, execfnAddr,
                platformAddr, randomAddr, auxv);
    }

    /** Models bprm_stack_limits(), fs/exec.c: how many bytes of strings fit, pointers already set aside. */
    static long bprmStackLimits(int argc, int envc, long stackRlimit) throws ArgumentListTooLongException {
        long limit = Math.min(STK_LIM / 4 * 3, stackRlimit / 4);
        limit = Math.max(limit, ARG_MAX);
        long ptrSize = ((long) Math.max(argc, 1) + envc) * POINTER;
        if (limit <= ptrSize) {
            throw new ArgumentListTooLongException(
                    "argument list too long: %d argv and %d envp pointers need %d bytes, the limit is %d"
                            .formatted(argc, envc, ptrSize, limit));
        }
        return limit - ptrSize;
    }

    /** Models copy_string_kernel() and copy_strings(), fs/exec.c: one string below {@code p}. */
    private static long copyString(long p, long argmin, byte[] string, String what)
            throws ArgumentListTooLongException {
        if (string.length > MAX_ARG_STRLEN) {
            throw new ArgumentListTooLongException(
                    "argument list too long: %s is %d bytes with its NUL, more than MAX_ARG_STRLEN (%d)"
                            .formatted(what, string.length, MAX_ARG_STRLEN));
        }
        long q = p - string.length;
        if (q < argmin) {
            throw new ArgumentListTooLongException(
                    "argument list too long: %s does not fit, %d bytes are left of the strings' limit"
                            .formatted(what, p - argmin));
        }
        return q;
    }

    /** Models arch_align_stack(), arch/x86/kernel/process.c, without its random offset. */
    static long archAlignStack(long sp) {
        return sp & ~0xfL;
    }

    private static List<byte[]> encode(String what, List<String> strings) {
        Objects.requireNonNull(strings, what);
        List<byte[]> out = new ArrayList<>(strings.size());
        for (int i = 0; i < strings.size(); i++) {
            String s = Objects.requireNonNull(strings.get(i), what + "[" + i + "]");
            int nul = s.indexOf('\0');
            if (nul >= 0) {
                throw new IllegalArgumentException("%s[%d] must not contain NUL (expected: a C string, got NUL at index %d)"
                        .formatted(what, i, nul));
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            byte[] withNul = new byte[utf8.length + 1];
            System.arraycopy(utf8, 0, withNul, 0, utf8.length);
            out.add(withNul);
        }
        return out;
    }

    private static void putStrings(ByteBuffer stack, long offset, List<byte[]> strings) {
        int at = Math.toIntExact(offset);
        for (byte[] s : strings) {
            stack.put(at, s);
            at += s.length;
        }
    }

    /** Writes one pointer per string, then NULL, at the buffer's position; returns the strings' end. */
    private static long putPointers(ByteBuffer stack, long start, List<byte[]> strings) {
        long p = start;
        for (byte[] s : strings) {
            stack.putLong(p);
            p += s.length;
        }
        stack.putLong(0);
        return p;
    }

    /**
     * The initial stack pointer (rsp at the entry point).
     *
     * @return the address of argc, 16-byte aligned
     */
    public long sp() {
        return sp;
    }

    /**
     * The lowest address {@link #bytes()} covers.
     *
     * @return {@link #sp()}
     */
    public long low() {
        return sp;
    }

    /**
     * The top of the stack VMA, as {@code build} got it.
     *
     * @return the first address above the stack, page aligned
     */
    public long stackTop() {
        return stackTop;
    }

    /**
     * The stack's contents, to copy into the guest's stack pages.
     *
     * @return a copy of the bytes of [low(), stackTop())
     */
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * argc as written.
     *
     * @return the number of arguments: 1 for an empty argv
     */
    public int argc() {
        return argc;
    }

    /**
     * mm->arg_start, for /proc/PID/cmdline.
     *
     * @return the address of argv[0]'s string
     */
    public long argStart() {
        return argStart;
    }

    /**
     * mm->arg_end, which is also mm->env_start.
     *
     * @return the address just past the last argument's NUL
     */
    public long argEnd() {
        return argEnd;
    }

    /**
     * mm->env_start, for /proc/PID/environ.
     *
     * @return the address of envp[0]'s string: {@link #argEnd()}
     */
    public long envStart() {
        return argEnd;
    }

    /**
     * mm->env_end.
     *
     * @return the address just past the last environment string's NUL
     */
    public long envEnd() {
        return envEnd;
    }

    /**
     * AT_EXECFN.
     *
     * @return the address of the execfn string
     */
    public long execfn() {
        return execfn;
    }

    /**
     * AT_PLATFORM.
     *
     * @return the address of the string "x86_64"
     */
    public long platform() {
        return platform;
    }

    /**
     * AT_RANDOM.
     *
     * @return the address of the 16 random bytes
     */
    public long random() {
        return random;
    }

    /**
     * The auxiliary vector as written: mm->saved_auxv, for /proc/pid/auxv.
     *
     * @return the entries, AT_NULL last
     */
    public List<AuxEntry> auxv() {
        return auxv;
    }
}
