/*
 * sys-time-info: time(2), times(2) and sysinfo(2), through raw syscalls (musl's time() reads the
 * vDSO's clock instead).
 *
 * Checked, as relations that hold on any host: time() returns the seconds it stores, is past
 * 2001 and does not go back, EFAULT for a bad pointer; times() returns a positive tick count that
 * does not go back, fills struct tms (CPU times not negative, children's 0 before any child),
 * EFAULT for a bad pointer; sysinfo(): mem_unit 1 (sizes in bytes on 64-bit), free and shared
 * memory within total, free swap within total, no high memory, at least one task, EFAULT for a
 * bad pointer. Exits 0.
 */
#define _GNU_SOURCE
#include <sys/sysinfo.h>
#include <sys/times.h>
#include "mmtest.h"

#define R(what, call) do { errno = 0; long rc_ = (long)(call); rc_line(what, rc_); } while (0)
#define YES(what, cond) printf("%s: %s\n", what, (cond) ? "yes" : "no")

int main(void) {
    long t1 = 0;
    long r = syscall(SYS_time, &t1);
    YES("time returns what it stores", r == t1);
    YES("time is past 2001", r > 1000000000L);
    YES("time(NULL) does not go back", syscall(SYS_time, NULL) >= r);
    R("time bad pointer", syscall(SYS_time, (void *)8));

    struct tms tm;
    memset(&tm, 0xff, sizeof tm);
    long c1 = syscall(SYS_times, &tm);
    YES("times positive", c1 > 0);
    YES("tms_utime, tms_stime not negative", tm.tms_utime >= 0 && tm.tms_stime >= 0);
    YES("tms_cutime, tms_cstime 0 before any child", tm.tms_cutime == 0 && tm.tms_cstime == 0);
    YES("times(NULL) does not go back", syscall(SYS_times, NULL) >= c1);
    R("times bad pointer", syscall(SYS_times, (void *)8));

    struct sysinfo si;
    memset(&si, 0xff, sizeof si);
    R("sysinfo", syscall(SYS_sysinfo, &si));
    printf("mem_unit: %u\n", si.mem_unit);
    YES("totalram positive", si.totalram > 0);
    YES("freeram within totalram", si.freeram <= si.totalram);
    YES("sharedram within totalram", si.sharedram <= si.totalram);
    YES("freeswap within totalswap", si.freeswap <= si.totalswap);
    YES("no high memory", si.totalhigh == 0 && si.freehigh == 0);
    YES("at least one task", si.procs >= 1);
    YES("uptime not negative", si.uptime >= 0);
    R("sysinfo bad pointer", syscall(SYS_sysinfo, (void *)8));
    R("sysinfo NULL", syscall(SYS_sysinfo, NULL));
    return 0;
}
