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
 *
 * A writer in another PID namespace records its pid there (sys.pid) and
 * which namespace (sys.pidns): mmstats_writer_pid() finds its pid here,
 * and the rules above apply to that process.  A writer in another time
 * namespace recorded its start on a boot clock shifted by that
 * namespace's offset, which /proc tells: the record is put on our clock
 * and judged as any other (timens.c); where the offset cannot be read,
 * a record that is not the start we see proves nothing: UNKNOWN.  A namespace out of sight (no
 * process of it visible here) cannot be judged: UNKNOWN, never STALE,
 * so that no tool deletes a live container writer's file.  So is a file
 * whose writer could not tell its namespace (sys.pidns 0), unless a
 * process holds its pid with its start time; and every file whose pid
 * exists, when /proc is another namespace's (its /proc/PID is another
 * process).  What cannot be read never makes a file STALE.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"
#include "pidns.h"
#include "procstat.h"
#include "timens.h"

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

/*
 * sys.created as a number, or 0: it only keys the memory of dead writers
 * (pidns.h).  The reference writes a double; an integer is taken too.
 */
static double created_of(const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st = mmstats_snapshot_find(snap,
							      "sys.created");

	if (!st)
		return 0;
	switch (st->value.kind) {
	case MMSTATS_KIND_FLOAT:
		return st->value.v.d;
	case MMSTATS_KIND_INT:
		return (double)st->value.v.i;
	case MMSTATS_KIND_UINT:
		return (double)st->value.v.u;
	default:
		return 0;
	}
}

/*
 * A file that records sys.pidns 0: its writer could not tell its PID
 * namespace, which may be any.  A process of ours that holds the pid
 * and started at sys.starttime is taken for it; nothing else proves
 * anything, not even a free pid.
 */
static pid_t unplaced_writer(pid_t pid, bool has_start, uint64_t start)
{
	struct mms_procstat ps;

	if (!mms_proc_is_ours() || mms_procstat(pid, &ps) < 0 ||
	    (has_start ? ps.starttime != start :
	     mms_procstat_exited(&ps) || (ps.flags & PF_KTHREAD)))
		return mms_error(-EREMOTE, "PID namespace of pid %d unknown",
				 (int)pid);
	return pid;
}

/*
 * The process found in the writer's namespace, if it started when the
 * writer did: namespace inodes are reused, so a dead container's file
 * may name a pid of a later container.
 */
static pid_t same_start(pid_t here, bool has_start, uint64_t start)
{
	struct mms_procstat ps;
	int err;

	if (!has_start)
		return here;
	if ((err = mms_procstat(here, &ps)) == -ENOENT &&
	    kill(here, 0) < 0 && errno == ESRCH)
		err = -ESRCH;
	/* only a verdict is proof: what could not be read is unknown */
	if (!err) {
		int same = mms_timens_same_start(here, start, ps.starttime);

		err = same == 0 ? -ESRCH : same < 0 ? -EREMOTE : 0;
	}
	if (err == -ESRCH)
		return mms_error(-ESRCH, "pid %d did not write it", (int)here);
	return err < 0 ? mms_error(-EREMOTE, "pid %d cannot be read",
				   (int)here) : here;
}

pid_t mmstats_writer_pid(const struct mmstats_snapshot *snap)
{
	pid_t pid = mmstats_snapshot_pid(snap), here;
	uint64_t ns, start = 0;
	bool has_start;

	if (pid < 0)
		return pid;
	/* the reference's files: the caller's namespace */
	if (!stat_u64(snap, "sys.pidns", &ns))
		return pid;
	has_start = stat_u64(snap, "sys.starttime", &start);
	if (ns == 0)
		return unplaced_writer(pid, has_start, start);
	if (ns == mms_pidns_self())
		return pid;
	if (!mms_proc_is_ours())
		return mms_error(-EREMOTE, "/proc is another PID namespace's");
	here = mms_pidns_lookup(ns, pid, has_start, start, created_of(snap));
	if (here == -ESRCH)
		return mms_error(-ESRCH, "no pid %d in PID namespace %llu",
				 (int)pid, (unsigned long long)ns);
	if (here < 0)
		return mms_error(here, "PID namespace %llu is out of sight",
				 (unsigned long long)ns);
	return same_start(here, has_start, start);
}

/* Whether the holder of the pid, as /proc says, wrote the file. */
static enum mmstats_liveness judge_holder(const struct mmstats_snapshot *snap,
					  pid_t pid,
					  const struct mms_procstat *ps)
{
	uint64_t recorded;

	/* exited, or a kernel thread: no clock step fakes these */
	if (mms_procstat_exited(ps) || (ps->flags & PF_KTHREAD))
		return MMSTATS_STALE;
	/* sys.created is no proof either way: see the top */
	if (!stat_u64(snap, "sys.starttime", &recorded))
		return MMSTATS_ALIVE;
	switch (mms_timens_same_start(pid, recorded, ps->starttime)) {
	case 1:
		return MMSTATS_ALIVE;
	case 0:
		return MMSTATS_STALE;
	default:	/* on a boot clock we cannot place */
		return MMSTATS_UNKNOWN;
	}
}

static bool no_such_pid(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

enum mmstats_liveness mmstats_liveness(const struct mmstats_snapshot *snap)
{
	pid_t pid = mmstats_writer_pid(snap);
	struct mms_procstat ps;

	if (pid == -ESRCH)
		return MMSTATS_STALE;
	if (pid < 0)
		return MMSTATS_UNKNOWN;
	if (no_such_pid(pid))
		return MMSTATS_STALE;
	/* another namespace's /proc: /proc/PID is some other process */
	if (!mms_proc_is_ours())
		return MMSTATS_UNKNOWN;
	switch (mms_procstat(pid, &ps)) {
	case 0:
		return judge_holder(snap, pid, &ps);
	case -ENOENT:	/* exited since, or hidden by hidepid= */
		return no_such_pid(pid) ? MMSTATS_STALE : MMSTATS_ALIVE;
	default:	/* it runs (kill said so), but /proc will not tell */
		return MMSTATS_ALIVE;
	}
}
