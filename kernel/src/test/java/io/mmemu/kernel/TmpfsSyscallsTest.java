package io.mmemu.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmemu.kernel.fs.Vfs;
import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import io.mmemu.mm.vma.MmStruct;
import io.mmemu.mm.vma.VmFlags;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The file syscalls on tmpfs files, called as the dispatcher calls them, with paths and buffers
 * in user memory: positions, O_APPEND, pwrite64, ftruncate's and the others' errors, and the
 * frames a closed unlinked file gives back.
 */
class TmpfsSyscallsTest {
    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200,
            O_APPEND = 0x400, O_DIRECTORY = 0x10000;
    /** A user buffer of 4 pages, and the unmapped page after it. */
    static final long U = 0x1000_0000L, PATH = U + 0x3000, BAD = U + 0x4000;

    MmEnv env;
    UserAccess ua;
    Task task;
    FileSyscalls files;
    ReadWrite rw;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(8L << 20);
        ua = new UserAccess(env);
        MmStruct mm = MmStruct.mmAlloc(env);
        mm.mmapBase = 0x7f00_0000_0000L;
        int rw = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;
        assertEquals(U, mm.mmapRegion(U, 0x4000, rw, null, 0, null));
        task = new Task(2, 2, 1, "t");
        task.setMm(mm);
        assertEquals(0, ua.clearUser(mm, U, 0x4000)); // fault the buffer in now: frame counts below see files only
        FileSyscalls.Sleeping sleeping = new FileSyscalls.Sleeping() {
            @Override
            public void wakeAll() {}

            @Override
            public boolean signalPending(Task t) {
                return false;
            }

            @Override
            public void send(Task t, int sig) {}
        };
        java.util.function.ToIntFunction<Task> nofile = t -> io.mmemu.kernel.fs.FdTable.NOFILE;
        files = new FileSyscalls(ua, new Vfs(null, Map.of(), env), sleeping, nofile);
        this.rw = new ReadWrite(ua, files, new Pipes(ua, files, sleeping, nofile), new UnixSockets(ua, files, sleeping, nofile),
                InputStream.nullInputStream(),
                new ByteArrayOutputStream(), new ByteArrayOutputStream());
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    long open(String path, int flags, int mode) {
        byte[] b = (path + "\0").getBytes(StandardCharsets.UTF_8);
        assertEquals(0, ua.copyToUser(task.mm(), PATH, b, 0, b.length));
        return files.openat(task, FileSyscalls.AT_FDCWD, PATH, flags, mode);
    }

    long write(long fd, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, ua.copyToUser(task.mm(), U, b, 0, b.length));
        return rw.write(task, fd, U, b.length);
    }

    String pread(long fd, int n, long offset) {
        long r = rw.pread64(task, fd, U + 0x1000, n, offset);
        assertTrue(r >= 0, "pread64: " + r);
        byte[] b = new byte[(int) r];
        assertEquals(0, ua.copyFromUser(task.mm(), b, 0, U + 0x1000, b.length));
        return new String(b, StandardCharsets.US_ASCII);
    }

    long size(long fd) {
        assertEquals(0, files.fstat(task, fd, U + 0x2000));
        byte[] st = new byte[144];
        assertEquals(0, ua.copyFromUser(task.mm(), st, 0, U + 0x2000, 144));
        return ByteBuffer.wrap(st).order(ByteOrder.LITTLE_ENDIAN).getLong(48); // st_size
    }

    @Test
    void writeMovesThePositionPwriteDoesNot() {
        long fd = open("/tmp/f", O_CREAT | O_RDWR, 0600);
        assertEquals(3, fd);
        assertEquals(5, write(fd, "hello"));
        assertEquals(5, rw.lseek(task, fd, 0, ReadWrite.SEEK_CUR));
        byte[] w = "XY".getBytes(StandardCharsets.US_ASCII);
        ua.copyToUser(task.mm(), U, w, 0, 2);
        assertEquals(2, rw.pwrite64(task, fd, U, 2, 1));
        assertEquals(5, rw.lseek(task, fd, 0, ReadWrite.SEEK_CUR), "pwrite leaves the position");
        assertEquals("hXYlo", pread(fd, 16, 0));
        assertEquals(10, rw.lseek(task, fd, 5, ReadWrite.SEEK_END));
        assertEquals(1, write(fd, "!"));
        assertEquals(11, size(fd));
        assertEquals("\0\0\0\0\0!", pread(fd, 16, 5), "the gap reads as zeros");
    }

    @Test
    void oAppendWritesAtTheEndWhereverThePosition() {
        long fd = open("/tmp/f", O_CREAT | O_WRONLY | O_APPEND, 0600);
        write(fd, "ab");
        rw.lseek(task, fd, 0, ReadWrite.SEEK_SET);
        write(fd, "cd");
        long rd = open("/tmp/f", O_RDONLY, 0);
        assertEquals("abcd", pread(rd, 8, 0));
        assertEquals(0x8000 | O_WRONLY | O_APPEND, files.fcntl(task, fd, FileSyscalls.F_GETFL, 0),
                "O_LARGEFILE, the access mode and O_APPEND; no O_CREAT");
    }

    @Test
    void errnosOfTheWriteSide() {
        long ro = open("/tmp/f", O_CREAT | O_EXCL | O_RDONLY, 0600);
        long wo = open("/tmp/f", O_WRONLY, 0);
        assertEquals(-Errno.EEXIST, open("/tmp/f", O_CREAT | O_EXCL | O_RDWR, 0600));
        assertEquals(-Errno.EINVAL, open("/tmp/g", O_CREAT | O_DIRECTORY, 0600), "O_CREAT|O_DIRECTORY");
        assertEquals(-Errno.EBADF, write(ro, "x"), "write to O_RDONLY");
        assertEquals(-Errno.EBADF, rw.read(task, wo, U, 1), "read from O_WRONLY");
        assertEquals(-Errno.EINVAL, files.ftruncate(task, ro, 0), "ftruncate of O_RDONLY");
        assertEquals(-Errno.EINVAL, files.ftruncate(task, wo, -1));
        assertEquals(-Errno.EBADF, files.ftruncate(task, 99, 0));
        assertEquals(-Errno.EINVAL, files.ftruncate(task, 1, 0), "stdout is no regular file");
        assertEquals(-Errno.EINVAL, rw.pwrite64(task, wo, U, 1, -1));
        assertEquals(-Errno.ESPIPE, rw.pwrite64(task, 1, U, 1, 0), "the console has no position");
        assertEquals(-Errno.EFAULT, rw.write(task, wo, BAD, 10));
        assertEquals(0x1000, rw.write(task, wo, BAD - 0x1000, 0x2000), "a short count up to the bad page");
        assertEquals(-Errno.EFBIG, rw.pwrite64(task, wo, U, 2, Long.MAX_VALUE - 1));
        assertEquals(-Errno.EINVAL, files.unlinkat(task, FileSyscalls.AT_FDCWD, PATH, 0x1));
        assertEquals(-Errno.EFAULT, files.unlinkat(task, FileSyscalls.AT_FDCWD, BAD, 0));
        assertEquals(0, files.fsync(task, wo));
        assertEquals(-Errno.EINVAL, files.fsync(task, 1));
    }

    @Test
    void closingTheLastDescriptorOfAnUnlinkedFileFreesItsPages() {
        long free = env.allocator().nrFreePages();
        long fd = open("/tmp/f", O_CREAT | O_RDWR | O_TRUNC, 0600);
        assertEquals(0, files.ftruncate(task, fd, 3 * 4096));
        long dup = files.dup3(task, fd, 10, 0, true);
        assertEquals(3, rw.pwrite64(task, fd, U, 3, 2 * 4096));
        assertEquals(-Errno.ENOENT, files.unlinkat(task, FileSyscalls.AT_FDCWD, PATH + 100, 0));
        assertEquals(0, files.unlinkat(task, FileSyscalls.AT_FDCWD, PATH, 0));
        assertEquals(free - 1, env.allocator().nrFreePages(), "one page written, the rest a hole");
        assertEquals(0, files.close(task, fd));
        assertEquals(3 * 4096, size(dup), "the duplicate still holds it");
        assertEquals(0, files.close(task, dup));
        assertEquals(free, env.allocator().nrFreePages());
        assertEquals(-Errno.ENOENT, open("/tmp/f", O_RDONLY, 0));
    }

    @Test
    void aShrinkCutsThePagesAndAGrowReadsZeros() {
        long fd = open("/tmp/f", O_CREAT | O_RDWR, 0600);
        byte[] page = new byte[4096];
        java.util.Arrays.fill(page, (byte) 'a');
        ua.copyToUser(task.mm(), U, page, 0, 4096);
        assertEquals(4096, rw.pwrite64(task, fd, U, 4096, 0));
        assertEquals(4096, rw.pwrite64(task, fd, U, 4096, 4096));
        assertEquals(0, files.ftruncate(task, fd, 10));
        assertEquals(0, files.ftruncate(task, fd, 8192));
        String back = pread(fd, 8192, 0);
        assertEquals("a".repeat(10), back.substring(0, 10));
        assertArrayEquals(new byte[8182], back.substring(10).getBytes(StandardCharsets.ISO_8859_1));
    }
}
