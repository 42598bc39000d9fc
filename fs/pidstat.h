/* pidstat.h - whether a process runs, asked of /proc without a pidfd. */
#ifndef MFS_PIDSTAT_H
#define MFS_PIDSTAT_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Whether pid still runs as the process that started at *starttime
 * (clock ticks since boot; 0: not known yet, then filled in): 1 if so,
 * 0 if it exited (a zombie has, as its pidfd would tell) or the pid now
 * names another process, -errno if it cannot tell now (EMFILE).
 */
int mfs_pid_runs(pid_t pid, uint64_t *starttime);

#endif
