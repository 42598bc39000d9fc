/*
 * liveness.c - is the writer of a file still running?
 *
 * A pid alone cannot tell: pids are reused.  This library's files record
 * when their process started, in clock ticks since boot (sys.starttime):
 * the process that holds the pid now is their writer only if it started
 * at that very tick.  Both numbers are on the boot clock, which no step
 * of the wall clock moves, so a mismatch proves reuse.
 *
 * The reference's files have no such field: their only time is
 * sys.created, wall clock.  Setting it against the process's start (boot
 * clock) needs the offset between the two clocks when the file was made,
 * and any step since (NTP at boot, an RTC-less machine set by years)
 * shifts the comparison by the whole step; the file's own times (birth,
 * change) are wall clock too.  Nothing in such a file can prove that the
 * pid was reused, so a running pid is alive: a reader may keep a dead
 * writer's file until its pid is free, but a tool that deletes never
 * deletes a live writer's file, as the reference's cleanstats does not.
 *
 * What the process holding the pid is, though, no clock moves: a zombie
 * has exited, and a kernel thread (PF_KTHREAD) writes no file, so either
 * proves the writer gone, for every file.  Kernel threads take their
 * pids from the same space as processes, so a dead writer's pid often
 * goes to one.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"
#include "procstat.h"

/* A kernel thread, in the flags of /proc/PID/stat (<linux/sched.h>). */
#define PF_KTHREAD	0x00200000u

int mmstats_pid_starttime(pid_t pid, uint64_t *ticks)
{
	struct mms_procstat ps;
	int err;

	if (pid <= 0)
		return mms_error(-EINVAL, "invalid pid %d", (int)pid);
	if ((err = mms_procstat(pid, &ps)) < 0)
		return err;
	/* a zombie has exited: only its parent has not been told yet */
	if (mms_procstat_exited(&ps))
		return mms_error(-ESRCH, "process %d has exited", (int)pid);
	*ticks = ps.starttime;
	return 0;
}

pid_t mmstats_snapshot_pid(const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st = mmstats_snapshot_find(snap, "sys.pid");

	if (!st)
		return mms_error(-ENOENT, "no sys.pid field");
	if (st->value.kind == MMSTATS_KIND_UINT && st->value.v.u > 0 &&
	    st->value.v.u <= INT_MAX)
		return (pid_t)st->value.v.u;
	if (st->value.kind == MMSTATS_KIND_INT && st->value.v.i > 0 &&
	    st->value.v.i <= INT_MAX)
		return (pid_t)st->value.v.i;
	return mms_error(-ERANGE, "sys.pid does not hold a pid");
}

static bool stat_u64(const struct mmstats_snapshot *snap, const char *suffix,
		     uint64_t *out)
{
	const struct mmstats_stat *st = mmstats_snapshot_find(snap, suffix);

	if (!st)
		return false;
	if (st->value.kind == MMSTATS_KIND_UINT)
		*out = st->value.v.u;
	else if (st->value.kind == MMSTATS_KIND_INT && st->value.v.i >= 0)
		*out = (uint64_t)st->value.v.i;
	else
		return false;
	return true;
}

/* Whether the holder of the pid, as /proc says, wrote the file. */
static enum mmstats_liveness judge_holder(const struct mmstats_snapshot *snap,
					  const struct mms_procstat *ps)
{
	uint64_t recorded;

	/* exited, or a kernel thread: no clock step fakes these */
	if (mms_procstat_exited(ps) || (ps->flags & PF_KTHREAD))
		return MMSTATS_STALE;
	if (stat_u64(snap, "sys.starttime", &recorded))
		return recorded == ps->starttime ? MMSTATS_ALIVE :
						   MMSTATS_STALE;
	/* sys.created is no proof either way: see the top of this file */
	return MMSTATS_ALIVE;
}

enum mmstats_liveness mmstats_liveness(const struct mmstats_snapshot *snap)
{
	pid_t pid = mmstats_snapshot_pid(snap);
	struct mms_procstat ps;

	if (pid < 0)
		return MMSTATS_UNKNOWN;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return MMSTATS_STALE;
	switch (mms_procstat(pid, &ps)) {
	case 0:
		return judge_holder(snap, &ps);
	case -ENOENT:
		return MMSTATS_STALE;
	default:	/* it runs (kill said so), but /proc will not tell */
		return MMSTATS_ALIVE;
	}
}
