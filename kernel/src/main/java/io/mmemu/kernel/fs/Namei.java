package io.mmemu.kernel.fs;

import io.mmemu.mm.vma.Errno;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * Models link_path_walk() and the trailing-link loop of path_lookupat(), fs/namei.c, over the
 * {@link Overlay}: a name becomes a canonical path (no ".", "..", "//" or symbolic link before
 * its last component), each symbolic link met replaced by its target (an absolute target from
 * the guest's root, which the walk never leaves: ".." at "/" stays there, as in a chroot). A
 * component under another mount (/proc, /sys, /tmp, the devices) ends the walk: that file system
 * takes the rest, normalized as written.
 *
 * <p>Errors as Linux's walk gives them: ENOENT for a missing directory on the way, ENOTDIR for a
 * file used as one, ELOOP after {@link #MAXSYMLINKS} links, ENAMETOOLONG for a component longer
 * than NAME_MAX. A missing last component is no error here (the caller may create it).
 */
final class Namei {
    /** MAXSYMLINKS, include/linux/namei.h: how many links one lookup follows. */
    static final int MAXSYMLINKS = 40;
    /** NAME_MAX: the longest component. */
    static final int NAME_MAX = 255;

    private Namei() {}

    /**
     * Walks {@code path} from "/".
     *
     * @param overlay    the root file system
     * @param mounted    whether a canonical path lies on another mount (there the walk stops)
     * @param path       an absolute path as the guest wrote it (relative names already joined to the cwd)
     * @param followLast whether a link as the last component is followed (not with O_NOFOLLOW,
     *                   lstat, readlink, unlink, rename's names); a trailing slash follows it anyway
     * @return the canonical path as a {@link String}, or a negative errno as an {@link Integer}
     */
    static Object walk(Overlay overlay, Predicate<String> mounted, String path, boolean followLast) {
        Deque<String> rest = new ArrayDeque<>(List.of(path.split("/", -1)));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!rest.isEmpty()) {
            String c = rest.pollFirst();
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) {
                if (!resolved.isEmpty()) resolved.removeLast();
                continue;
            }
            if (c.length() > NAME_MAX) return -Errno.ENAMETOOLONG;
            String at = Overlay.child(join(resolved), c);
            if (mounted.test(at)) return Vfs.absolute(at + "/" + String.join("/", rest));
            boolean last = rest.stream().allMatch(String::isEmpty);
            boolean slash = last && !rest.isEmpty();
            Overlay.Kind k = overlay.kind(at);
            if (k == Overlay.Kind.NONE) return last ? at : (Object) (-Errno.ENOENT);
            if (k == Overlay.Kind.LNK && (!last || followLast || slash)) {
                // pick_link() → step_into(): the target's components go in front of what is left.
                if (++links > MAXSYMLINKS) return -Errno.ELOOP;
                String target = overlay.readlink(at);
                if (target == null || target.isEmpty()) return -Errno.ENOENT;
                if (target.startsWith("/")) resolved.clear();
                List<String> parts = List.of(target.split("/", -1));
                for (int i = parts.size() - 1; i >= 0; i--) rest.addFirst(parts.get(i));
                continue;
            }
            if (last) return at;
            if (k != Overlay.Kind.DIR) return -Errno.ENOTDIR;
            resolved.add(c);
        }
        return join(resolved);
    }

    /** The canonical path of the directories walked so far ("/" for none). */
    private static String join(List<String> parts) {
        return "/" + String.join("/", parts);
    }
}
