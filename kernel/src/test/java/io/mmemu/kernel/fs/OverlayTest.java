package io.mmemu.kernel.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.vma.Errno;
import io.mmemu.mm.vma.MmEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The root file system ({@link Overlay} through {@link Vfs}) over a --root directory: copy-up,
 * whiteouts, opaque directories, merged listings, the walk's links and errors, the pages its
 * files take and give back, and that the host directory never changes.
 */
class OverlayTest {
    static final int O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_NOFOLLOW = 0x20000;

    @TempDir
    Path root;
    MmEnv env;
    Vfs vfs;
    Task task;
    long freeBefore;

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(root.resolve("etc/conf.d"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0\n");
        Files.writeString(root.resolve("etc/conf.d/a"), "a\n");
        Files.createSymbolicLink(root.resolve("etc/abs"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../../../../../etc/passwd"));
        env = MmEnv.boot(8L << 20);
        vfs = new Vfs(root, Map.of(), env);
        task = new Task(2, 2, 1, "t");
        freeBefore = env.allocator().nrFreePages();
    }

    @AfterEach
    void tearDown() {
        env.mem().close();
    }

    OpenFile open(String path, int flags) {
        Object o = vfs.open(path, flags, 0644, task);
        return assertInstanceOf(OpenFile.class, o, path + ": errno " + o);
    }

    String read(String path) {
        OpenFile.Readable r = (OpenFile.Readable) open(path, 0).content();
        byte[] b = new byte[(int) r.size()];
        r.read(0, b, 0, b.length);
        return new String(b, StandardCharsets.UTF_8);
    }

    List<String> names(String dir) {
        return vfs.readdir(open(dir, 0), task).stream().map(Vfs.Dirent::name).toList();
    }

    @Test
    void writingALowerFileCopiesItUpAndLeavesTheHostFileAlone() throws IOException {
        OpenFile f = open("/etc/passwd", O_WRONLY | O_TRUNC);
        TmpfsInode up = assertInstanceOf(OpenFile.Shmem.class, f.content()).inode();
        up.write(0, "guest\n".getBytes(StandardCharsets.UTF_8), 0, 6);
        assertEquals("guest\n", read("/etc/passwd"));
        assertEquals("root:x:0:0\n", Files.readString(root.resolve("etc/passwd")));
        assertEquals(Overlay.DEV, up.stat().dev(), "an upper file is the overlay's");
    }

    @Test
    void removedLowerNamesAreWhitedOutAndARecreatedDirectoryIsOpaque() throws IOException {
        assertEquals(-Errno.ENOTEMPTY, vfs.unlink("/etc/conf.d", true, task));
        assertEquals(0, vfs.unlink("/etc/conf.d/a", false, task));
        assertEquals(-Errno.ENOENT, vfs.open("/etc/conf.d/a", 0, task));
        assertEquals(0, vfs.unlink("/etc/conf.d", true, task));
        assertEquals(List.of("abs", "passwd"), names("/etc"));
        assertEquals(0, vfs.mkdir("/etc/conf.d", 0755, task));
        assertEquals(List.of(), names("/etc/conf.d"), "the lower directory's names stay hidden");
        assertEquals(-Errno.EEXIST, vfs.mkdir("/etc/conf.d", 0755, task));
        assertEquals("a\n", Files.readString(root.resolve("etc/conf.d/a")));
    }

    @Test
    void listingsMergeBothLayers() {
        open("/etc/new", O_CREAT | O_WRONLY);
        assertEquals(0, vfs.symlink("passwd", "/etc/ln", task));
        assertEquals(List.of("abs", "conf.d", "ln", "new", "passwd"), names("/etc"));
        List<String> top = names("/");
        assertEquals(List.of("dev", "etc", "proc", "tmp", "up"), top);
        assertEquals(List.of("null", "shm", "zero"), names("/dev"));
    }

    @Test
    void linksAreFollowedInsideTheRootAndLoopsEndInEloop() {
        assertEquals("root:x:0:0\n", read("/etc/abs"), "an absolute target starts at the guest's root");
        assertEquals("root:x:0:0\n", read("/up"), "\"..\" stops at the root");
        assertEquals("/etc/passwd", new String((byte[]) vfs.readlink("/etc/abs", task), StandardCharsets.UTF_8));
        assertEquals(-Errno.ELOOP, vfs.open("/etc/abs", O_NOFOLLOW, task));
        assertEquals(0, vfs.symlink("b", "/a", task));
        assertEquals(0, vfs.symlink("a", "/b", task));
        assertEquals(-Errno.ELOOP, vfs.open("/a", 0, task));
        assertEquals(-Errno.ENOTDIR, vfs.open("/etc/passwd/x", 0, task));
        assertEquals(-Errno.ENOENT, vfs.open("/nope/x", O_CREAT | O_WRONLY, task));
    }

    @Test
    void renameOfALowerDirectoryIsExdevAndAcrossMountsToo() {
        assertEquals(-Errno.EXDEV, vfs.rename("/etc/conf.d", "/etc/conf.e", 0, task));
        assertEquals(-Errno.EXDEV, vfs.rename("/etc/passwd", "/tmp/passwd", 0, task));
        assertEquals(0, vfs.rename("/etc/passwd", "/etc/passwd.old", 0, task));
        assertEquals("root:x:0:0\n", read("/etc/passwd.old"));
        assertEquals(-Errno.ENOENT, vfs.open("/etc/passwd", 0, task));
        assertEquals(0, vfs.mkdir("/d", 0755, task));
        open("/d/f", O_CREAT | O_WRONLY);
        assertEquals(0, vfs.rename("/d", "/e", 0, task), "a directory wholly in the upper layer moves");
        assertEquals(List.of("f"), names("/e"));
        OpenFile f = open("/e/f", 0);
        assertEquals(0, vfs.rename("/e/f", "/e/g", 0, task));
        assertEquals("/e/g", assertInstanceOf(OpenFile.Shmem.class, f.content()).inode().file().displayPath(),
                "/proc/PID/maps shows the new name (d_move())");
    }

    @Test
    void filesLiveInGuestMemoryUntilTheirLastNameAndReferenceGo() {
        OpenFile f = open("/big", O_CREAT | O_RDWR);
        f.get();
        TmpfsInode inode = assertInstanceOf(OpenFile.Shmem.class, f.content()).inode();
        inode.write(0, new byte[3 * 4096], 0, 3 * 4096);
        assertEquals(3, vfs.overlay().nrLinkedPages());
        assertEquals(0, vfs.link("/big", "/big2", false, task));
        assertEquals(0, vfs.unlink("/big", false, task));
        assertEquals(0, vfs.unlink("/big2", false, task));
        assertEquals(0, inode.stat().nlink());
        f.put();
        assertEquals(freeBefore, env.allocator().nrFreePages(), "the last reference frees the pages");
    }

    @Test
    void theFirstWorkingDirectoryIsTheHostsOneInsideTheRoot() throws IOException {
        Path sub = Files.createDirectories(root.resolve("home/user"));
        assertEquals("/home/user", vfs.initialCwd(sub));
        assertEquals("/", vfs.initialCwd(root.getParent()), "outside the root");
        assertEquals("/", vfs.initialCwd(Files.createDirectories(root.resolve("tmp/x"))), "hidden by the /tmp mount");
        assertEquals("/", new Vfs(null, Map.of(), env).initialCwd(sub), "without --root");
    }
}
