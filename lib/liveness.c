/*
 * liveness.c - is the writer of a file still running?
 *
 * A pid alone cannot tell: pids are reused.  So the process that owns
 * the pid now must also have started no later than the file was made:
 * exactly, by its start time in clock ticks (sys.starttime, written by
 * this library), or else by wall clock (sys.created, written by the
 * reference too), with a tolerance for the clocks' resolution.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"
#include "procstat.h"

/* Seconds by which a process may seem to start after sys.created. */
#define CREATED_TOLERANCE	1.0

int mmstats_pid_starttime(pid_t pid, uint64_t *ticks)
{
	struct mms_procstat ps;
	int err;

	if (pid <= 0)
		return mms_error(-EINVAL, "invalid pid %d", (int)pid);
	if ((err = mms_procstat(pid, &ps)) < 0)
		return err;
	/* a zombie has exited: only its parent has not been told yet */
	if (ps.state == 'Z' || ps.state == 'X')
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

static bool stat_double(const struct mmstats_snapshot *snap,
			const char *suffix, double *out)
{
	const struct mmstats_stat *st = mmstats_snapshot_find(snap, suffix);

	if (!st || st->value.kind != MMSTATS_KIND_FLOAT)
		return false;
	*out = st->value.v.d;
	return true;
}

static double seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Wall-clock time the process started: its start is counted on the boot
 * clock (suspend included), so shift it by boot clock now against wall
 * clock now.  /proc/stat's btime is whole seconds and would not do.
 */
static double start_wallclock(uint64_t ticks)
{
	double hz = (double)sysconf(_SC_CLK_TCK);
	double boot = seconds(CLOCK_BOOTTIME);
	double real = seconds(CLOCK_REALTIME);

	return real - (boot - (double)ticks / hz);
}

enum mmstats_liveness mmstats_liveness(const struct mmstats_snapshot *snap)
{
	pid_t pid = mmstats_snapshot_pid(snap);
	uint64_t ticks, recorded;
	double created;

	if (pid < 0)
		return MMSTATS_UNKNOWN;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return MMSTATS_STALE;
	switch (mmstats_pid_starttime(pid, &ticks)) {
	case 0:
		break;
	case -ENOENT:
	case -ESRCH:
		return MMSTATS_STALE;
	default:	/* it runs (kill said so), but /proc will not tell */
		return MMSTATS_ALIVE;
	}
	if (stat_u64(snap, "sys.starttime", &recorded))
		return recorded == ticks ? MMSTATS_ALIVE : MMSTATS_STALE;
	if (stat_double(snap, "sys.created", &created) &&
	    start_wallclock(ticks) > created + CREATED_TOLERANCE)
		return MMSTATS_STALE;
	return MMSTATS_ALIVE;
}
