/*
 * calls.h: CALL(what, expr) runs one call and prints one line: what was done, its result, and the
 * errno name when it failed (errname.h). Shared by the guests that list a syscall's cases
 * (build-guests.sh rebuilds every program when a header changes).
 */
#ifndef MMEMU_GUEST_CALLS_H
#define MMEMU_GUEST_CALLS_H

#include <stdio.h>
#include "errname.h"

static void show_call(const char *what, long r) {
    printf("%-40s %ld %s\n", what, r, r < 0 ? errname(errno) : "");
}

#define CALL(what, expr) do { errno = 0; show_call(what, (long) (expr)); } while (0)

#endif
