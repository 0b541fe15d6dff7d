package io.mmemu.kernel;

/**
 * A task's credentials (struct cred, include/linux/cred.h): its user ids and capability sets.
 * Immutable, as Linux's are once committed: a change makes a new one (prepare_creds() and
 * commit_creds()), so a forked child or a new thread may share its parent's.
 *
 * <p>The guest starts as root of the machine (uid 0, every capability, as init's cred). Root's
 * tasks belong to INIT_USER, which copy_process() exempts from RLIMIT_NPROC whatever its
 * capabilities; a task that sets a non-zero uid is counted against it (see {@link Processes}).
 * Group ids are root's and do not change here.
 */
record Cred(int uid, int euid, int suid, int fsuid, long capInheritable, long capPermitted, long capEffective,
        long capBset) {
    static final int CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_IPC_LOCK = 14, CAP_SYS_RAWIO = 17, CAP_SYS_PTRACE = 19, CAP_SYS_ADMIN = 21, CAP_SYS_RESOURCE = 24;
    /** CAP_LAST_CAP is CAP_CHECKPOINT_RESTORE (40) since 5.9: CAP_VALID_MASK has bits 0..40. */
    static final int CAP_LAST_CAP = 40;
    static final long CAP_VALID_MASK = (1L << (CAP_LAST_CAP + 1)) - 1;
    /** The uid of INIT_USER, root's user_struct. */
    static final int GLOBAL_ROOT_UID = 0;

    /** init's credentials (init_cred, kernel/cred.c): root with the full permitted, effective and bounding sets. */
    static final Cred ROOT = new Cred(0, 0, 0, 0, 0, CAP_VALID_MASK, CAP_VALID_MASK, CAP_VALID_MASK);

    /** Models capable(): whether {@code cap} is in the effective set. */
    boolean capable(int cap) {
        return (capEffective & (1L << cap)) != 0;
    }

    /** Whether the task's real user is INIT_USER (root), which RLIMIT_NPROC does not bind. */
    boolean initUser() {
        return uid == GLOBAL_ROOT_UID;
    }

    Cred withUids(int uid, int euid, int suid, int fsuid) {
        return new Cred(uid, euid, suid, fsuid, capInheritable, capPermitted, capEffective, capBset);
    }

    Cred withCaps(long inheritable, long permitted, long effective) {
        return new Cred(uid, euid, suid, fsuid, inheritable, permitted, effective, capBset);
    }
}
