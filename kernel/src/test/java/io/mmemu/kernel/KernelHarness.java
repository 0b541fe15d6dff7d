package io.mmemu.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.testprograms.GuestProgram;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A kernel on one {@link FakeCpu}, with a guest program exec'd as its first process: the
 * starting point of a test that drives real syscalls without Unicorn. The program's address
 * space is real (its stack, its text, what mmap gives), so arguments can point to user memory,
 * written and read with {@link #write} and {@link #read}. The guest programs' directory is the
 * guest's root, so {@code "/hello"} names the hello program (for execve).
 *
 * <p>A syscall test is then a few lines: {@code h.syscall(Syscall.MUNMAP, addr, 0)} returns what
 * the kernel put in RAX, and {@link #failure} prints the state that explains a wrong result.
 */
final class KernelHarness implements AutoCloseable {
    static final int PROT_RW = 3, MAP_PRIVATE_ANONYMOUS = 0x22;

    final Kernel kernel;
    final FakeCpu cpu;
    final UserAccess uaccess;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final List<FakeCpu> cpus = new ArrayList<>();

    /** A 32 MiB machine without ASLR, running {@code guest} (a name from test-programs) as pid 2. */
    KernelHarness(String guest) throws Exception {
        MachineOptions options = new MachineOptions(32L << 20, false, 1, false, false, out, out,
                new PrintStream(log, true, StandardCharsets.UTF_8), false, GuestProgram.directory(),
                InputStream.nullInputStream());
        this.kernel = new Kernel(options, (id, env, handler, tlbManagement, contexts) -> {
            FakeCpu c = new FakeCpu(id, handler, tlbManagement, contexts);
            cpus.add(c);
            return c;
        });
        this.cpu = cpus.getFirst();
        this.uaccess = new UserAccess(kernel.env());
        Path binary = GuestProgram.named(guest).binary();
        kernel.exec(binary, List.of(guest), List.of());
    }

    /** The task on the CPU (the exec'd program until something else is switched in). */
    Task task() {
        return cpu.current();
    }

    MmStruct mm() {
        return task().mm();
    }

    /** The syscall instruction: see {@link FakeCpu#syscall}. */
    long syscall(long nr, long... args) {
        return cpu.syscall(nr, args);
    }

    /** The syscall instruction for the table's entry {@code call}. */
    long syscall(Syscall call, long... args) {
        return cpu.syscall(call.nr, args);
    }

    /** Fresh private anonymous read-write memory of {@code len} bytes (mmap, asserted to succeed). */
    long mmap(long len) {
        long addr = syscall(Syscall.MMAP, 0, len, PROT_RW, MAP_PRIVATE_ANONYMOUS, -1, 0);
        if (addr < 0) throw new AssertionError("mmap of " + len + " bytes failed: " + addr + "\n" + mm().maps());
        return addr;
    }

    /** Copies {@code bytes} to user address {@code addr} of the current task. */
    void write(long addr, byte[] bytes) {
        if (uaccess.copyToUser(mm(), addr, bytes, 0, bytes.length) < 0) {
            throw new AssertionError("cannot write " + bytes.length + " bytes at 0x" + Long.toHexString(addr) + "\n" + mm().maps());
        }
    }

    /** A NUL-terminated string at {@code addr}. */
    void writeString(long addr, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        write(addr, java.util.Arrays.copyOf(b, b.length + 1));
    }

    void writeLong(long addr, long value) {
        write(addr, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    /** {@code n} bytes from user address {@code addr} of the current task. */
    byte[] read(long addr, int n) {
        byte[] b = new byte[n];
        if (uaccess.copyFromUser(mm(), b, 0, addr, n) < 0) {
            throw new AssertionError("cannot read " + n + " bytes at 0x" + Long.toHexString(addr) + "\n" + mm().maps());
        }
        return b;
    }

    long readLong(long addr) {
        return java.nio.ByteBuffer.wrap(read(addr, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The state a failed assertion should print: registers, FPU, signal state, the address space and the kernel's log. */
    String failure() {
        Task t = task();
        return "\nregisters: " + cpu.regs + "\nfpu: " + cpu.fpu + (t == null ? "" : "\npid " + t.pid() + " blocked 0x"
                + Long.toHexString(t.blocked) + " pending 0x" + Long.toHexString(t.pending) + "\n" + t.mm().maps())
                + "\nlog: " + log.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        kernel.close();
    }
}
