/*
 * pidstat.c - the check behind processes watched without a pidfd.
 *
 * kill(pid, 0) answers most polls without a descriptor; the start time
 * then tells a zombie (exited, not yet reaped: no start time) and a
 * reused pid apart from the process first seen.
 */
#include <errno.h>
#include <signal.h>

#include "mmstats.h"
#include "pidstat.h"

int mfs_pid_runs(pid_t pid, uint64_t *starttime)
{
	uint64_t t;
	int err;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	err = mmstats_pid_starttime(pid, &t);
	if (err == -ENOENT || err == -ESRCH)
		return 0;
	if (err)
		return err;
	if (*starttime && t != *starttime)
		return 0;
	*starttime = t;
	return 1;
}
