/*
 * procstat.h - the one reader of /proc/PID/stat, for every part of the
 * project that asks a process's state, start time or CPU time.
 */
#ifndef MMS_PROCSTAT_H
#define MMS_PROCSTAT_H

#include <stdint.h>
#include <sys/types.h>

struct mms_procstat {
	char state;		/* field 3: R, S, Z (zombie), X (dead), ... */
	unsigned flags;		/* field 9: PF_* of <linux/sched.h> */
	uint64_t utime;		/* fields 14, 15: clock ticks */
	uint64_t stime;
	long threads;		/* field 20: an exited main thread counts */
	uint64_t starttime;	/* field 22: clock ticks since boot */
};

/*
 * The fields above of process pid (0: this process), or -errno: -ENOENT
 * when there is no such process, -EBADMSG for a line it cannot read.
 * Sets the thread's error text.
 */
int mms_procstat(pid_t pid, struct mms_procstat *out);

/*
 * Whether the process has exited: a zombie whose threads are all gone.
 * A main thread that called pthread_exit() while others run makes the
 * process a zombie in field 3 too ("Zl" in ps), but it runs.
 */
int mms_procstat_exited(const struct mms_procstat *ps);

#endif
