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
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"

/* Seconds by which a process may seem to start after sys.created. */
#define CREATED_TOLERANCE	1.0

/* Field 22 of /proc/PID/stat; the fields before it are numbered from 1. */
#define STARTTIME_FIELD		22

static int read_proc_stat(pid_t pid, char *buf, size_t len)
{
	char path[32];
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mms_error(-errno, "%s: %s", path, strerror(errno));
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = mms_error(-errno, "%s: %s", path, strerror(errno));
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

int mmstats_pid_starttime(pid_t pid, uint64_t *ticks)
{
	char buf[1024], *p, *end;
	int field, err;

	if (pid <= 0)
		return mms_error(-EINVAL, "invalid pid %d", (int)pid);
	err = read_proc_stat(pid, buf, sizeof(buf));
	if (err)
		return err;
	/* comm (field 2) may hold anything, ')' and spaces too: it ends at
	 * the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		goto bad;
	p++;
	for (field = 3; field <= STARTTIME_FIELD; field++) {
		p += strspn(p, " ");
		if (field < STARTTIME_FIELD)
			p += strcspn(p, " ");
	}
	if (*p < '0' || *p > '9')
		goto bad;
	errno = 0;
	*ticks = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		goto bad;
	return 0;
bad:
	return mms_error(-EBADMSG, "/proc/%d/stat: no start time", (int)pid);
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
