package io.mmemu.kernel;

import io.mmemu.mm.task.Task;
import io.mmemu.mm.uaccess.UserAccess;
import io.mmemu.mm.vma.Errno;

/**
 * The syscalls that read and change a task's {@link Cred}: setuid(), setresuid() and getresuid()
 * (kernel/sys.c), with the capability fix-up that follows a change of uid
 * (cap_emulate_setxuid(), security/commoncap.c), capget() and capset() (kernel/capability.c,
 * cap_capset()). Each change builds new credentials and commits them
 * ({@link Processes#commitCreds}), which moves the task between users' RLIMIT_NPROC counts. Not
 * modelled: group ids (root's throughout), securebits (SECURE_KEEP_CAPS and the rest are off),
 * ambient capabilities, and execve()'s re-check of a user over RLIMIT_NPROC after setuid()
 * (PF_NPROC_EXCEEDED).
 */
final class Credentials {
    static final int LINUX_CAPABILITY_VERSION_1 = 0x19980330, LINUX_CAPABILITY_VERSION_2 = 0x20071026,
            LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    /** (uid_t) -1: "leave unchanged" for setresuid(), and no valid uid (uid_valid()). */
    static final int NO_UID = -1;

    private final UserAccess uaccess;
    private final Processes procs;

    Credentials(UserAccess uaccess, Processes procs) {
        this.uaccess = uaccess;
        this.procs = procs;
    }

    /** Models __sys_setuid(): with CAP_SETUID all of real, effective and saved uid; else the effective one, to the real or saved. */
    long setuid(Task t, int uid) {
        if (uid == NO_UID) return -Errno.EINVAL;
        Processes.Proc p = procs.of(t);
        Cred old = p.cred;
        int ruid = old.uid(), suid = old.suid();
        if (old.capable(Cred.CAP_SETUID)) {
            ruid = uid;
            suid = uid;
        } else if (uid != old.uid() && uid != old.suid()) {
            return -Errno.EPERM;
        }
        procs.commitCreds(p, emulateSetxuid(old.withUids(ruid, uid, suid, uid), old));
        return 0;
    }

    /** Models __sys_setresuid(): each id may be set to any of the old three, or anything with CAP_SETUID; -1 keeps one. */
    long setresuid(Task t, int ruid, int euid, int suid) {
        Processes.Proc p = procs.of(t);
        Cred old = p.cred;
        boolean keepR = ruid == NO_UID, keepE = euid == NO_UID, keepS = suid == NO_UID;
        if ((keepR || ruid == old.uid()) && (keepE || (euid == old.euid() && euid == old.fsuid()))
                && (keepS || suid == old.suid())) {
            return 0; // a no-op
        }
        boolean newId = !keepR && isNew(ruid, old) || !keepE && isNew(euid, old) || !keepS && isNew(suid, old);
        if (newId && !old.capable(Cred.CAP_SETUID)) return -Errno.EPERM;
        int r = keepR ? old.uid() : ruid, e = keepE ? old.euid() : euid, s = keepS ? old.suid() : suid;
        procs.commitCreds(p, emulateSetxuid(old.withUids(r, e, s, e), old));
        return 0;
    }

    /** Whether {@code id} is none of the task's real, effective and saved uids. */
    private static boolean isNew(int id, Cred old) {
        return id != old.uid() && id != old.euid() && id != old.suid();
    }

    /** Models getresuid(): the three uids stored one after the other, stopping at the first EFAULT. */
    long getresuid(Task t, long ruidp, long euidp, long suidp) {
        Cred c = procs.of(t).cred;
        if (uaccess.putUserInt(t.mm(), ruidp, c.uid()) < 0) return -Errno.EFAULT;
        if (uaccess.putUserInt(t.mm(), euidp, c.euid()) < 0) return -Errno.EFAULT;
        return uaccess.putUserInt(t.mm(), suidp, c.suid()) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models cap_emulate_setxuid(): leaving uid 0 in all of real, effective and saved clears the
     * permitted and effective sets; an effective uid leaving 0 clears the effective set, one
     * coming back to 0 restores it from the permitted set.
     */
    static Cred emulateSetxuid(Cred next, Cred old) {
        long permitted = next.capPermitted(), effective = next.capEffective();
        boolean hadRoot = old.uid() == 0 || old.euid() == 0 || old.suid() == 0;
        boolean hasRoot = next.uid() == 0 || next.euid() == 0 || next.suid() == 0;
        if (hadRoot && !hasRoot) {
            permitted = 0;
            effective = 0;
        }
        if (old.euid() == 0 && next.euid() != 0) effective = 0;
        if (old.euid() != 0 && next.euid() == 0) effective = permitted;
        return next.withCaps(next.capInheritable(), permitted, effective);
    }

    /**
     * Models capset(): the header's version (an unknown one is answered with the kernel's
     * version written back and EINVAL), its pid (only the caller: EPERM), then the one (v1) or two
     * (v2, v3) {effective, permitted, inheritable} words, each copy failing with EFAULT; then
     * cap_capset()'s rules, EPERM when broken: the new permitted set within the old, the new
     * effective set within the new permitted, and the inheritable set within the old inheritable
     * and bounding sets (and, without CAP_SETPCAP, within the old inheritable and permitted).
     */
    long capset(Task t, long header, long data) {
        int words = capValidateMagic(t, header);
        if (words < 0) return words;
        long pid = uaccess.getUserInt(t.mm(), header + 4, -1L);
        if (pid == -1L) return -Errno.EFAULT;
        if (pid != 0 && (int) pid != t.pid()) return -Errno.EPERM; // task_pid_vnr(current)
        byte[] b = new byte[24];
        if (uaccess.copyFromUser(t.mm(), b, 0, data, 12 * words) < 0) return -Errno.EFAULT;
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long effective = capWord(bb, 0), permitted = capWord(bb, 4), inheritable = capWord(bb, 8);
        Processes.Proc p = procs.of(t);
        Cred old = p.cred;
        if (!old.capable(Cred.CAP_SETPCAP) && !subset(inheritable, old.capInheritable() | old.capPermitted())) {
            return -Errno.EPERM;
        }
        if (!subset(inheritable, old.capInheritable() | old.capBset())) return -Errno.EPERM;
        if (!subset(permitted, old.capPermitted())) return -Errno.EPERM;
        if (!subset(effective, permitted)) return -Errno.EPERM;
        procs.commitCreds(p, old.withCaps(inheritable, permitted, effective));
        return 0;
    }

    /**
     * Models capget(): the header's version checked as for capset (with a NULL data pointer an
     * unknown version is answered and 0 returned: how a program asks for the preferred version),
     * a negative pid EINVAL, another task's sets if it exists (ESRCH), then the words copied out.
     */
    long capget(Task t, long header, long data) {
        int words = capValidateMagic(t, header);
        if (words == -Errno.EINVAL && data == 0) return 0;
        if (words < 0) return words;
        if (data == 0) return 0;
        long pid = uaccess.getUserInt(t.mm(), header + 4, -1L);
        if (pid == -1L) return -Errno.EFAULT;
        if ((int) pid < 0) return -Errno.EINVAL;
        Processes.Proc target = pid == 0 ? procs.of(t) : procs.byPid((int) pid);
        if (target == null || !target.alive()) return -Errno.ESRCH;
        Cred c = target.cred;
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0, (int) c.capEffective()).putInt(4, (int) c.capPermitted()).putInt(8, (int) c.capInheritable());
        bb.putInt(12, (int) (c.capEffective() >>> 32)).putInt(16, (int) (c.capPermitted() >>> 32))
                .putInt(20, (int) (c.capInheritable() >>> 32));
        return uaccess.copyToUser(t.mm(), data, bb.array(), 0, 12 * words) < 0 ? -Errno.EFAULT : 0;
    }

    /**
     * Models cap_validate_magic(), kernel/capability.c: the u32 words per set the header's version
     * asks for (1 for version 1, 2 for versions 2 and 3), or EFAULT when the version cannot be
     * read, or EINVAL for an unknown version once the preferred one has been written back (EFAULT
     * when that write fails).
     */
    private int capValidateMagic(Task t, long header) {
        long version = uaccess.getUserInt(t.mm(), header, -1L);
        if (version == -1L) return -Errno.EFAULT;
        if (version == LINUX_CAPABILITY_VERSION_1) return 1;
        if (version == LINUX_CAPABILITY_VERSION_2 || version == LINUX_CAPABILITY_VERSION_3) return 2;
        return uaccess.putUserInt(t.mm(), header, LINUX_CAPABILITY_VERSION_3) < 0 ? -Errno.EFAULT : -Errno.EINVAL;
    }

    /** mk_kernel_cap(): the low word at {@code off}, the high one 12 bytes on, within CAP_VALID_MASK. */
    private static long capWord(java.nio.ByteBuffer bb, int off) {
        long low = bb.getInt(off) & 0xffff_ffffL, high = bb.getInt(off + 12) & 0xffff_ffffL;
        return (low | high << 32) & Cred.CAP_VALID_MASK;
    }

    private static boolean subset(long a, long b) {
        return (a & ~b) == 0;
    }

    /**
     * Models cap_bprm_creds_from_file() for a file without file capabilities, as execve() commits
     * it: root (real or effective uid 0) gets the bounding set plus its inheritable set, all of it
     * effective, so a root program that dropped capabilities has them again; any other user keeps
     * none (no ambient set is modelled).
     */
    void execve(Task t) {
        Processes.Proc p = procs.of(t);
        Cred old = p.cred;
        long permitted = old.uid() == 0 || old.euid() == 0 ? old.capBset() | old.capInheritable() : 0;
        procs.commitCreds(p, old.withCaps(old.capInheritable(), permitted, permitted));
    }
}
