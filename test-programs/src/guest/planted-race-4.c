/*
 * planted-race-4: planted-race with four worker threads (400 updates), for runs on four CPUs
 * with several forced preemptions (--cpus 4 --fail preempt:at=A+B+...). A preemption of worker 0
 * inside its window loses the updates the three others make meanwhile. Prints
 * "counted 400 of 400 updates" and exits 0 when nothing is lost.
 */
#define NW 4
#include "planted-race.h"
