/*
 * bench.h - what every benchmark program shares: a monotonic clock, a
 * best-of-N timer and the one output format run.sh turns into a table.
 *
 * Header-only on purpose: every benchmark source is its own program, and
 * the build links no shared bench code.
 */
#ifndef MMSTATS_BENCH_H
#define MMSTATS_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"	/* libmmstats's reader of /proc/PID/stat */

extern char **environ;

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from moving memory accesses across it; emits nothing. */
#define bench_barrier()	__asm__ __volatile__("" ::: "memory")

/* An environment knob: a positive integer, or `def`. */
static inline long bench_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	return (*end == '\0' && v > 0) ? v : def;
}

/*
 * One figure, as run.sh expects it: tab-separated
 *	ROW  figure  value  unit  baseline-name  baseline  target-ratio
 * run.sh computes value / baseline and compares it with the target
 * (a ratio; "-" when the row only informs).
 */
static inline void bench_row(const char *figure, double value,
			     const char *unit, const char *base_name,
			     double base, const char *target)
{
	printf("ROW\t%s\t%.4g\t%s\t%s\t%.4g\t%s\n", figure, value, unit,
	       base_name, base, target);
	fflush(stdout);
}

/* CPU time of pid so far (all its threads), in clock ticks, or -1. */
static inline long long bench_cpu_ticks(pid_t pid)
{
	struct mms_procstat ps;

	if (mms_procstat(pid, &ps) < 0)
		return -1;
	return (long long)(ps.utime + ps.stime);
}

/* Open, read to the end and close path, as cat does: 0 or -errno. */
static inline int bench_read_whole(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n > 0);
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Run argv with output to /dev/null; seconds it took, or -1 if it failed. */
static inline double bench_time_command(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	uint64_t t0;
	pid_t pid;
	int status, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = bench_now_ns();
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return (double)(bench_now_ns() - t0) / 1e9;
}

/*
 * The element of v (n of them, `size` bytes each) whose name, its first
 * member, is name[0..len), or NULL: the subjects a -c NAME:BASE names.
 */
static inline const void *bench_find(const void *v, size_t n, size_t size,
				     const char *name, size_t len)
{
	const char *e = v;

	for (size_t i = 0; i < n; i++, e += size)
		if (strlen(e) == len && !memcmp(e, name, len))
			return e;
	return NULL;
}

#endif
