/*
 * bench_cpu - the CPU time a FUSE daemon spends on one read of one file
 * (open, read to the end, close, as bench_read and cat do), against the
 * minimal daemon's.
 *
 *	bench_cpu [-n READS] [-x SUFFIX] [-c NAME:BASE ...]
 *		  FLOOR=PID:PATH NAME=PID:PATH ...
 *
 * Each file is read READS times (default 100,000; 20,000 with
 * BENCH_QUICK) and the figure is the growth of utime + stime of the
 * daemon PID that serves it (every thread of it, from /proc/PID/stat)
 * divided by the reads, in microseconds.  The daemons must have nothing
 * else to do meanwhile.  The kernel reports CPU time in clock ticks
 * (10 ms at USER_HZ 100), truncated at each reading, so a figure needs
 * hundreds of ticks: the files take 5 turns of READS / 5 reads each, so
 * that all see the same machine, and each turn is off by less than one
 * tick.  The first file is the floor: every other one is compared with
 * it.  Each -c adds a row of NAME against BASE.  SUFFIX is appended to
 * every figure and baseline name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_FILES	8
#define MAX_COMPARE	4
#define TURNS		5

struct subject {
	char name[64];
	pid_t daemon;
	const char *path;
	long long ticks;	/* the daemon's, over this file's reads */
	long reads;
	double us;		/* CPU per read */
};

static const char *suffix = "";

/* "name=pid:path" */
static int parse_subject(const char *arg, struct subject *s)
{
	const char *eq = strchr(arg, '=');
	char *end;
	long pid;

	if (eq == NULL || eq == arg ||
	    (size_t)(eq - arg) >= sizeof(s->name))
		return -EINVAL;
	memcpy(s->name, arg, (size_t)(eq - arg));
	s->name[eq - arg] = '\0';
	pid = strtol(eq + 1, &end, 10);
	if (pid <= 0 || *end != ':' || end[1] == '\0')
		return -EINVAL;
	s->daemon = (pid_t)pid;
	s->path = end + 1;
	return 0;
}

/* One turn: reads of the file, and the daemon's ticks they cost. */
static int turn(struct subject *s, long reads)
{
	long long t0 = bench_cpu_ticks(s->daemon), t1;
	int err = 0;

	if (t0 < 0)
		return (int)t0;
	for (long i = 0; i < reads && !err; i++)
		err = bench_read_whole(s->path);
	t1 = bench_cpu_ticks(s->daemon);
	if (err || t1 < 0)
		return err ? err : (int)t1;
	s->ticks += t1 - t0;
	s->reads += reads;
	return 0;
}

static void row(const struct subject *s, const struct subject *base)
{
	char figure[128], base_name[96];

	snprintf(figure, sizeof(figure), "daemon CPU per read, %s%s",
		 s->name, suffix);
	snprintf(base_name, sizeof(base_name), "%s%s", base->name, suffix);
	bench_row(figure, s->us, "us/read", base_name, base->us, "-");
}

/* The extra rows of "NAME:BASE" */
static int compare_rows(const struct subject *subj, int n,
			char *const *cmp, int ncmp)
{
	for (int i = 0; i < ncmp; i++) {
		const char *colon = strchr(cmp[i], ':');
		const struct subject *a, *b;

		a = colon ? bench_find(subj, (size_t)n, sizeof(*subj),
				       cmp[i], (size_t)(colon - cmp[i])) : NULL;
		b = colon ? bench_find(subj, (size_t)n, sizeof(*subj),
				       colon + 1, strlen(colon + 1)) : NULL;
		if (!a || !b) {
			fprintf(stderr, "bench_cpu: -c %s: no such files\n",
				cmp[i]);
			return -EINVAL;
		}
		row(a, b);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_cpu [-n READS] [-x SUFFIX] "
		"[-c NAME:BASE ...] FLOOR=PID:PATH NAME=PID:PATH ...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct subject subj[MAX_FILES];
	char *cmp[MAX_COMPARE];
	long reads = bench_env_long("BENCH_QUICK", 0) ? 20000 : 100000;
	long hz = sysconf(_SC_CLK_TCK);
	int n, ncmp = 0, opt;

	while ((opt = getopt(argc, argv, "c:n:x:")) != -1) {
		if (opt == 'x')
			suffix = optarg;
		else if (opt == 'n' && atol(optarg) >= TURNS)
			reads = atol(optarg);
		else if (opt == 'c' && ncmp < MAX_COMPARE)
			cmp[ncmp++] = optarg;
		else
			usage();
	}
	n = argc - optind;
	if (n < 2 || n > MAX_FILES || hz <= 0)
		usage();
	memset(subj, 0, sizeof(subj));
	for (int i = 0; i < n; i++) {
		if (parse_subject(argv[optind + i], &subj[i])) {
			fprintf(stderr, "bench_cpu: bad argument: %s\n",
				argv[optind + i]);
			return 2;
		}
	}
	for (int t = 0; t < TURNS; t++) {
		for (int i = 0; i < n; i++) {
			int err = turn(&subj[i], reads / TURNS);

			if (err) {
				fprintf(stderr, "bench_cpu: %s: %s\n",
					subj[i].path, strerror(-err));
				return 1;
			}
		}
	}
	for (int i = 0; i < n; i++)
		subj[i].us = (double)subj[i].ticks * 1e6 / (double)hz /
			     (double)subj[i].reads;
	for (int i = 1; i < n; i++)
		row(&subj[i], &subj[0]);
	return compare_rows(subj, n, cmp, ncmp) ? 2 : 0;
}
