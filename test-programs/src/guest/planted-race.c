/*
 * planted-race: two threads take turns at a shared counter, 200 updates in all, and lose one
 * only when worker 0 is preempted inside the window of its 51st update (see planted-race.h for
 * the bug and for how to find the instruction count of the window). Prints
 * "counted 200 of 200 updates" and exits 0; with --fail preempt:at=N at the window,
 * "counted 199 of 200 updates: 1 lost" and exit 1.
 */
#define NW 2
#include "planted-race.h"
