package io.mmemu.kernel.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tmpfs at /tmp through the namespace ({@link Vfs}): open's flags and errors, names, stat,
 * unlink of open files, exec permission, and the frames a file's pages take and give back.
 */
class TmpfsTest {
    static final int O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_DIRECTORY = 0x10000,
            O_TMPFILE = 0x410000;

    MmEnv env;
    Vfs vfs;
    Task task;
    long freeBefore;

    @BeforeEach
    void setUp() {
        env = MmEnv.boot(8L << 20);
        vfs = new Vfs(null, Map.of(), env);
        task = new Task(2, 2, 1, "t");
        freeBefore = env.allocator().nrFreePages();
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    /** Opens as a descriptor would (the file's reference taken), failing the test on an errno. */
    OpenFile open(String path, int flags, int mode) {
        Object o = vfs.open(path, flags, mode, task);
        OpenFile f = assertInstanceOf(OpenFile.class, o, path + ": errno " + o);
        f.get();
        return f;
    }

    static TmpfsInode inode(OpenFile f) {
        return assertInstanceOf(OpenFile.Shmem.class, f.content()).inode();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing without O_CREAT          | /tmp/new         | 0                        | -2
            O_CREAT and O_EXCL, existing     | /tmp/f           | 0x42+0x80                | -17
            the directory for writing        | /tmp             | 1                        | -21
            the directory with O_CREAT       | /tmp             | 0x40                     | -21
            O_TRUNC of the directory         | /tmp             | 0x200                    | -21
            a file as a directory            | /tmp/f/x         | 0                        | -20
            a file with a trailing slash     | /tmp/f/          | 0                        | -20
            O_DIRECTORY of a file            | /tmp/f           | 0x10000                  | -20
            O_CREAT with a trailing slash    | /tmp/new/        | 0x41                     | -21
            O_CREAT in a missing directory   | /tmp/none/x      | 0x41                     | -2
            O_TMPFILE read-only              | /tmp             | 0x410000                 | -22
            __O_TMPFILE without O_DIRECTORY  | /tmp             | 0x400002                 | -22
            O_TMPFILE in a file              | /tmp/f           | 0x410002                 | -20
            """)
    void openErrors(String what, String path, String flags, int errno) {
        open("/tmp/f", O_CREAT | O_WRONLY, 0644);
        int fl = 0;
        for (String part : flags.split("\\+")) fl |= Integer.decode(part.trim());
        assertEquals(errno, vfs.open(path, fl, 0600, task), what);
    }

    @Test
    void aNameLongerThanNameMaxIsRefused() {
        assertEquals(-Errno.ENAMETOOLONG, vfs.open("/tmp/" + "n".repeat(256), O_CREAT | O_WRONLY, 0600, task));
        open("/tmp/" + "n".repeat(255), O_CREAT | O_WRONLY, 0600);
    }

    @Test
    void theDirectoryOpensAndStats() {
        OpenFile d = open("/tmp", O_DIRECTORY, 0);
        Stat st = assertInstanceOf(OpenFile.Directory.class, d.content()).stat();
        assertEquals(Stat.S_IFDIR | 01777, st.mode(), Integer.toOctalString(st.mode()));
        assertEquals(40, st.size(), "two bogus dirents of 20 bytes: . and ..");
        open("/tmp/a", O_CREAT | O_WRONLY, 0600);
        open("tmp/../tmp/b", O_CREAT | O_WRONLY, 0600); // relative to "/", normalized
        assertEquals(80, vfs.tmpfs().dirStat().size());
    }

    @Test
    void aCreatedFileHasTheModeLessTheUmaskAndStBlocksFollowThePages() {
        OpenFile f = open("/tmp/f", O_CREAT | O_RDWR, 0777);
        Stat st = inode(f).stat();
        assertEquals(Stat.S_IFREG | 0755, st.mode(), Integer.toOctalString(st.mode()));
        assertEquals(1, st.nlink());
        assertEquals(0, st.size());
        assertEquals(0, st.blocks());
        assertEquals(5000, inode(f).write(0, new byte[5000], 0, 5000));
        st = inode(f).stat();
        assertEquals(5000, st.size());
        assertEquals(16, st.blocks(), "two pages, 8 sectors each");
        assertEquals(4096, st.blksize());
        assertSame(inode(f), inode(open("/tmp/f", 0, 0)), "one inode for both opens");
    }

    @Test
    void oTruncEmptiesAnExistingFileEvenOpenedReadOnly() {
        OpenFile f = open("/tmp/f", O_CREAT | O_RDWR, 0600);
        inode(f).write(0, bytes("data"), 0, 4);
        open("/tmp/f", O_RDWR, 0); // no O_TRUNC: untouched
        assertEquals(4, inode(f).size());
        open("/tmp/f", O_TRUNC, 0);
        assertEquals(0, inode(f).size());
        assertEquals(0, inode(f).stat().blocks(), "the page was freed");
    }

    @Test
    void anUnlinkedFileLivesWhileOpenAndIsFreedAtItsLastClose() {
        OpenFile f = open("/tmp/f", O_CREAT | O_RDWR, 0600);
        inode(f).write(4096, bytes("still here"), 0, 10);
        assertEquals(0, vfs.unlink("/tmp/f", false, task));
        assertEquals(-Errno.ENOENT, vfs.open("/tmp/f", 0, 0, task), "the name is gone");
        assertEquals(0, inode(f).stat().nlink());
        byte[] b = new byte[10];
        assertEquals(10, f.content() instanceof OpenFile.Readable r ? r.read(4096, b, 0, 10) : -1);
        assertArrayEquals(bytes("still here"), b);
        assertEquals("/tmp/f (deleted)", inode(f).file().displayPath());
        assertEquals(freeBefore - 1, env.allocator().nrFreePages());
        f.put();
        assertEquals(freeBefore, env.allocator().nrFreePages(), "the last close frees the page");
        assertEquals(40, vfs.tmpfs().dirStat().size(), "the entry is gone");
    }

    @Test
    void aLookupThatNeverBecomesADescriptorHoldsNothing() {
        OpenFile f = open("/tmp/f", O_CREAT | O_RDWR, 0600);
        inode(f).write(0, bytes("x"), 0, 1);
        vfs.open("/tmp/f", 0, 0, task); // as stat() or exec's open do
        f.put();
        vfs.unlink("/tmp/f", false, task);
        assertEquals(freeBefore, env.allocator().nrFreePages());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unlink of the directory       | /tmp     | false | -21
            unlink of a missing name      | /tmp/no  | false | -2
            unlink with a trailing slash  | /tmp/f/  | false | -20
            rmdir of the mount point      | /tmp     | true  | -16
            rmdir of a file               | /tmp/f   | true  | -20
            unlink of the root            | /        | false | -21
            unlink of a device            | /dev/null| false | -30
            rmdir of the root             | /        | true  | -16
            """)
    void unlinkErrors(String what, String path, boolean dir, int errno) {
        open("/tmp/f", O_CREAT | O_WRONLY, 0600);
        assertEquals(errno, vfs.unlink(path, dir, task), what);
    }

    @Test
    void execNeedsAnXBitAndAnElfImage() {
        OpenFile f = open("/tmp/prog", O_CREAT | O_WRONLY, 0644);
        byte[] notElf = bytes("\1\2\3\4not an executable\n");
        inode(f).write(0, notElf, 0, notElf.length);
        assertEquals(-Errno.EACCES, vfs.openExec("/tmp/prog", task), "no x bit: not even root may exec");
        assertEquals(0, vfs.chmod("/tmp/prog", 0700, task));
        OpenFile exec = assertInstanceOf(OpenFile.class, vfs.openExec("/tmp/prog", task));
        assertNull(Vfs.execImage(exec), "no ELF magic: ENOEXEC");
        assertEquals(-Errno.EACCES, vfs.openExec("/tmp", task), "a directory");
        inode(f).write(0, new byte[] {0x7f, 'E', 'L', 'F'}, 0, 4);
        assertEquals(notElf.length, Vfs.execImage(exec).length, "the whole file for the ELF parser");
    }

    @Test
    void procSelfExeOfAProgramFromTmpReachesItsInodeAfterUnlink() {
        OpenFile f = open("/tmp/prog", O_CREAT | O_WRONLY, 0755);
        task.setExe(inode(f).file());
        vfs.unlink("/tmp/prog", false, task);
        OpenFile exe = assertInstanceOf(OpenFile.class, vfs.open("/proc/self/exe", 0, 0, task));
        assertSame(inode(f), inode(exe));
        assertEquals("/tmp/prog (deleted)", new String(vfs.linkTarget("/proc/self/exe", task), StandardCharsets.UTF_8));
        assertEquals(-Vfs.ETXTBSY, vfs.open("/proc/self/exe", O_RDWR, 0, task));
    }

    @Test
    void truncateByPath() {
        OpenFile f = open("/tmp/f", O_CREAT | O_WRONLY, 0600);
        assertEquals(0, vfs.truncate("/tmp/f", 10000, task));
        assertEquals(10000, inode(f).size());
        assertEquals(0, inode(f).stat().blocks(), "growing allocates nothing");
        assertEquals(-Errno.EISDIR, vfs.truncate("/tmp", 0, task));
        assertEquals(-Errno.EINVAL, vfs.truncate("/tmp/f", -1, task));
        assertEquals(-Errno.ENOENT, vfs.truncate("/tmp/none", 0, task));
        assertEquals(-Errno.EINVAL, vfs.truncate("/dev/zero", 0, task), "not a regular file");
    }

    @Test
    void tmpfileIsNamelessAndFreedAtItsLastClose() {
        OpenFile t = open("/tmp", O_TMPFILE | O_RDWR, 0600);
        inode(t).write(0, bytes("scratch"), 0, 7);
        assertEquals(0, inode(t).stat().nlink());
        assertEquals(40, vfs.tmpfs().dirStat().size(), "no entry");
        t.put();
        assertEquals(freeBefore, env.allocator().nrFreePages());
    }

    @Test
    void unmountFreesTheFilesStillLinked() {
        OpenFile f = open("/tmp/kept", O_CREAT | O_WRONLY, 0600);
        inode(f).write(0, new byte[3 * 4096], 0, 3 * 4096);
        f.put();
        assertEquals(3, vfs.tmpfs().nrLinkedPages(), "a closed file keeps its pages while linked, as on tmpfs");
        vfs.tmpfs().kill();
        assertEquals(0, vfs.tmpfs().nrLinkedPages());
        assertEquals(freeBefore, env.allocator().nrFreePages());
    }

    @Test
    void chmodKeepsTheFileType() {
        OpenFile f = open("/tmp/f", O_CREAT | O_WRONLY, 0600);
        assertEquals(0, vfs.chmod(f, 0104711));
        assertEquals(Stat.S_IFREG | 04711, inode(f).mode(), Integer.toOctalString(inode(f).mode()));
        assertEquals(0, vfs.chmod("/tmp", 0755, task));
        assertEquals(Stat.S_IFDIR | 0755, vfs.tmpfs().dirStat().mode());
        assertEquals(0, vfs.chmod("/", 0700, task), "the root file system's upper layer takes it");
        assertEquals(Stat.S_IFDIR | 0700, vfs.overlay().stat("/").mode());
    }
}
