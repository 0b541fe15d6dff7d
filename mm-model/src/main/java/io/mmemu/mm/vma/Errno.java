package io.mmemu.mm.vma;

/** Linux errno values (include/uapi/asm-generic/errno-base.h) the memory syscalls return, negated. */
public final class Errno {
    private Errno() {}

    /** The errno values, include/uapi/asm-generic/errno-base.h and errno.h. */
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9,
            ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19,
            ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25, EFBIG = 27, ENOSPC = 28,
            ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, ERANGE = 34, ENOSYS = 38, ENOTEMPTY = 39, ENAMETOOLONG = 36, ELOOP = 40, EOVERFLOW = 75,
            EOPNOTSUPP = 95, ETIMEDOUT = 110;

    /**
     * The kernel-internal restart codes, include/linux/errno.h: a sleep a signal interrupted
     * returns one, and signal delivery turns it into EINTR or restarts the call (the handler's
     * SA_RESTART decides for ERESTARTSYS); none ever reaches user space.
     */
    public static final int ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;
}
