/*
 * timens.c - a recorded start time put on the reader's boot clock
 * (timens.h).
 *
 * /proc/PID/stat gives a start time on the boot clock of the reader's
 * time namespace: a writer in a namespace whose boot clock is offset by
 * W recorded its start S as S + W, and we see it as S + R, R our own
 * offset.  /proc/PID/timens_offsets gives W (it is readable where
 * /proc/PID/ns is), so the writer's record can be set against what we
 * see: a mismatch proves another process holds the pid, as it does in
 * one namespace.
 *
 * That file shows the offsets of the namespace the process's children
 * get: the process's own only when both links name one namespace.  And
 * /proc/PID/stat counts whole ticks (floor of nanoseconds over the tick):
 * with offsets that are not whole ticks, a record stands for a tick's
 * worth of start instants, which fall in one or two of our ticks.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procns.h"
#include "timens.h"

#define NSEC	1000000000ll

/* The time namespace of one of pid's threads: the main thread's link is
 * gone once it called pthread_exit(), while the others run. */
static int any_thread_timens(pid_t pid, uint64_t *ino)
{
	char path[48], who[48];
	struct dirent *e;
	int err = -ENOENT;	/* no thread left to read */
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return -errno;
	while (err && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(who, sizeof(who), "%d/task/%.16s", (int)pid,
			 e->d_name);
		err = mms_ns_inode(who, "time", ino);
	}
	closedir(d);
	return err;
}

/* 1 when pid shares our time namespace (or there are none), 0 if not. */
static int same_timens(pid_t pid)
{
	uint64_t mine, theirs;
	int err = mms_ns_inode("self", "time", &mine);

	if (err == -ENOENT)
		return 1;	/* no time namespaces in this kernel */
	if (err)
		return err;
	if ((err = mms_pid_ns_inode(pid, "time", &theirs)) &&
	    (err = any_thread_timens(pid, &theirs)))
		return err;
	return mine == theirs;
}

static int parse_boottime(FILE *fp, int64_t *off)
{
	char clock[16];
	long long sec;
	long nsec;

	while (fscanf(fp, "%15s %lld %ld", clock, &sec, &nsec) == 3) {
		if (strcmp(clock, "boottime") != 0)
			continue;
		if (nsec < 0 || nsec >= NSEC ||
		    __builtin_mul_overflow(sec, NSEC, off) ||
		    __builtin_add_overflow(*off, nsec, off))
			return -ERANGE;
		return 0;
	}
	/* empty for a process whose main thread has exited */
	return -ENODATA;
}

/* The boot-clock offset of /proc/<who>'s time namespace, in ns. */
static int boottime_offset(const char *who, int64_t *off)
{
	uint64_t own, children;
	char path[48];
	FILE *fp;
	int err;

	if ((err = mms_ns_inode(who, "time", &own)) ||
	    (err = mms_ns_inode(who, "time_for_children", &children)))
		return err;
	if (own != children)
		return -EXDEV;	/* the file shows its children's */
	snprintf(path, sizeof(path), "/proc/%s/timens_offsets", who);
	if (!(fp = fopen(path, "re")))
		return -errno;
	err = parse_boottime(fp, off);
	fclose(fp);
	return err;
}

/*
 * Whether a process that saw itself start at tick `recorded` on a clock
 * offset by `theirs` can be seen at tick `seen` on one offset by `ours`.
 * The kernel adds an offset to a start in unsigned 64-bit arithmetic:
 * a process that started before a namespace's boot clock reads 0 (a
 * negative offset, as `unshare -T --boottime=-UPTIME` sets) shows a
 * start wrapped modulo 2^64, and so is it undone here.  A tick no u64
 * of nanoseconds gives is no start the kernel shows: -ERANGE.
 */
static int ticks_match(uint64_t recorded, uint64_t seen, int64_t theirs,
		       int64_t ours, uint64_t tick)
{
	uint64_t first, last, shift = (uint64_t)ours - (uint64_t)theirs;

	if (recorded > UINT64_MAX / tick || seen > UINT64_MAX / tick)
		return -ERANGE;
	/* [first, last]: the record's tick in nanoseconds, then on our
	 * clock; the last tick of the u64 range is not whole */
	first = recorded * tick;
	last = first + (UINT64_MAX - first < tick - 1 ?
			UINT64_MAX - first : tick - 1);
	first += shift;
	last += shift;
	if (first <= last)
		return first / tick <= seen && seen <= last / tick;
	/* it wrapped past 2^64: its two ends */
	return first / tick <= seen || seen <= last / tick;
}

int mms_timens_same_start(pid_t pid, uint64_t recorded, uint64_t seen)
{
	int64_t theirs, ours;
	char who[16];
	long hz;
	int err;

	/*
	 * Equal: its start, on our clock or on one it left by setns() once
	 * it recorded it; before any lookup, which another user's process
	 * refuses (ptrace rights), as it does not refuse its start.
	 */
	if (recorded == seen)
		return 1;
	if ((err = same_timens(pid)) < 0)
		return err;
	if (err == 1)
		return 0;
	snprintf(who, sizeof(who), "%d", (int)pid);
	if ((err = boottime_offset(who, &theirs)) ||
	    (err = boottime_offset("self", &ours)))
		return err;
	hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || NSEC % hz)
		return -EINVAL;	/* USER_HZ is 100 but on alpha */
	return ticks_match(recorded, seen, theirs, ours,
			   (uint64_t)(NSEC / hz));
}
