package io.mmemu.kernel.fs;

import io.mmemu.mm.task.Task;

/**
 * Files under /proc and /sys that the kernel serves with handlers of its own (attribute files a
 * guest writes, the directories that hold them), asked by {@link Vfs} before procfs' generated
 * files.
 */
public interface SpecialFiles {
    /**
     * Opens {@code path} if it is one of these files.
     *
     * @param path          the absolute, normalized guest path
     * @param flags         open()'s flags
     * @param trailingSlash whether the guest's path ended in '/' (it must name a directory)
     * @param task          the opening task
     * @return an {@link OpenFile}, a negative errno as an {@link Integer}, or null when the path is none of these
     */
    Object open(String path, int flags, boolean trailingSlash, Task task);

    /**
     * The names these files put in a directory, for readdir (each must open with {@link #open}).
     *
     * @param dir  the absolute, normalized path of a directory
     * @param task the reading task
     * @return the names, none by default
     */
    default java.util.List<String> children(String dir, Task task) {
        return java.util.List.of();
    }
}
