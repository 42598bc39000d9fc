/*
 * bench_read - microseconds to open, read to the end and close one file,
 * as cat or a monitoring agent does, for several files side by side.
 *
 *	bench_read [-x SUFFIX] [-f NFLOORS] [-c NAME:BASE[@TARGET] ...]
 *		   FLOOR=PATH ... [NAME[@TARGET]=PATH ...]
 *
 * Every read is timed on its own and a figure is the median of all of a
 * file's reads: on a VM one read in a few can pay for waking an idle
 * vCPU, so the best batch would measure the scheduler's luck, not the
 * file system.  Files take turns in batches so that all see the same
 * machine.  The first NFLOORS files (default 1) are the floors, and every
 * other file is compared with the fastest of them: the floor any daemon
 * could reach here.  TARGET, a ratio, is what run.sh checks.  Each -c adds
 * a row of NAME against BASE, two of the files, with its own TARGET if
 * given.  SUFFIX is appended to every figure and baseline name (run.sh
 * runs one pass per placement of the reader on the CPUs).
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
#define OPS		200	/* reads per batch */

struct subject {
	char name[64];
	char target[16];
	const char *path;
	double *us;		/* one time per read */
	size_t n;
	double median;
};

static const char *suffix = "";

/* "name[@target]=path" */
static int parse_subject(const char *arg, struct subject *s, size_t reads)
{
	const char *eq = strchr(arg, '=');
	const char *at;
	size_t n;

	if (eq == NULL || eq == arg)
		return -EINVAL;
	at = memchr(arg, '@', (size_t)(eq - arg));
	n = (size_t)((at ? at : eq) - arg);
	if (n >= sizeof(s->name))
		return -EINVAL;
	memcpy(s->name, arg, n);
	s->name[n] = '\0';
	snprintf(s->target, sizeof(s->target), "%.*s",
		 at ? (int)(eq - at - 1) : 1, at ? at + 1 : "-");
	s->path = eq + 1;
	s->n = 0;
	if (!(s->us = calloc(reads, sizeof(*s->us))))
		return -ENOMEM;
	return 0;
}

static int time_batch(struct subject *s)
{
	for (int i = 0; i < OPS; i++) {
		uint64_t t0 = bench_now_ns();
		int err = bench_read_whole(s->path);

		if (err)
			return err;
		s->us[s->n++] = (double)(bench_now_ns() - t0) / 1000.0;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void take_median(struct subject *s)
{
	qsort(s->us, s->n, sizeof(*s->us), cmp_double);
	s->median = s->n % 2 ? s->us[s->n / 2] :
		    (s->us[s->n / 2 - 1] + s->us[s->n / 2]) / 2;
}

static void row(const struct subject *s, const struct subject *base,
		const char *target)
{
	char figure[128], base_name[96];

	snprintf(figure, sizeof(figure), "read %s%s", s->name, suffix);
	snprintf(base_name, sizeof(base_name), "%s%s", base->name, suffix);
	bench_row(figure, s->median, "us/op", base_name, base->median, target);
}

/* The extra rows of "NAME:BASE[@TARGET]" */
static int compare_rows(const struct subject *subj, int n,
			char *const *cmp, int ncmp)
{
	for (int i = 0; i < ncmp; i++) {
		const char *colon = strchr(cmp[i], ':');
		const char *at = colon ? strchr(colon, '@') : NULL;
		const struct subject *a, *b;

		a = colon ? bench_find(subj, (size_t)n, sizeof(*subj), cmp[i],
				       (size_t)(colon - cmp[i])) : NULL;
		b = colon ? bench_find(subj, (size_t)n, sizeof(*subj),
				       colon + 1, at ? (size_t)(at - colon - 1) :
				       strlen(colon + 1)) : NULL;
		if (!a || !b) {
			fprintf(stderr, "bench_read: -c %s: no such files\n",
				cmp[i]);
			return -EINVAL;
		}
		row(a, b, at ? at + 1 : "-");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_read [-x SUFFIX] [-f NFLOORS] "
		"[-c NAME:BASE[@TARGET] ...] FLOOR=PATH ... "
		"[NAME[@TARGET]=PATH ...]\n");
}

int main(int argc, char **argv)
{
	struct subject subj[MAX_FILES];
	const struct subject *floor;
	char *cmp[MAX_COMPARE];
	int n, nfloors = 1, ncmp = 0, rounds = 25, opt, bad;

	while ((opt = getopt(argc, argv, "c:f:x:")) != -1) {
		if (opt == 'x') {
			suffix = optarg;
		} else if (opt == 'f' && atoi(optarg) > 0) {
			nfloors = atoi(optarg);
		} else if (opt == 'c' && ncmp < MAX_COMPARE) {
			cmp[ncmp++] = optarg;
		} else {
			usage();
			return 2;
		}
	}
	n = argc - optind;
	if (n < nfloors || n > MAX_FILES) {
		usage();
		return 2;
	}
	if (bench_env_long("BENCH_QUICK", 0))
		rounds = 8;
	for (int i = 0; i < n; i++) {
		if (parse_subject(argv[optind + i], &subj[i],
				  (size_t)rounds * OPS)) {
			fprintf(stderr, "bench_read: bad argument: %s\n",
				argv[optind + i]);
			return 2;
		}
	}
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			int err = time_batch(&subj[i]);

			if (err) {
				fprintf(stderr, "bench_read: %s: %s\n",
					subj[i].path, strerror(-err));
				return 1;
			}
		}
	}
	floor = &subj[0];
	for (int i = 0; i < n; i++) {
		take_median(&subj[i]);
		if (i < nfloors && subj[i].median < floor->median)
			floor = &subj[i];
	}
	for (int i = nfloors; i < n; i++)
		row(&subj[i], floor, subj[i].target);
	for (int i = 1; i < nfloors; i++)	/* which floor it was */
		row(&subj[i], &subj[0], "-");
	bad = compare_rows(subj, n, cmp, ncmp);
	for (int i = 0; i < n; i++)
		free(subj[i].us);
	return bad ? 2 : 0;
}
