/*
 * errname.h: symbolic names for the errno values the guest programs print. Shared by
 * several guests (build-guests.sh rebuilds every program when a header changes).
 * Printing names instead of strerror() text keeps the output independent of libc
 * message wording.
 */
#ifndef MMEMU_GUEST_ERRNAME_H
#define MMEMU_GUEST_ERRNAME_H

#include <errno.h>

static const char *errname(int e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EPIPE: return "EPIPE";
    case ECHILD: return "ECHILD";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOSYS: return "ENOSYS";
    case ERANGE: return "ERANGE";
    case EOVERFLOW: return "EOVERFLOW";
    default: return "E?";
    }
}

#endif
