/*
 * bench_read - microseconds to open, read to the end and close one file,
 * as cat or a monitoring agent does, for several files side by side.
 *
 *	bench_read [-c NAME:BASE ...] BASELINE_NAME=PATH [NAME[@TARGET]=PATH ...]
 *
 * Each NAME is timed against the first file (the baseline), in batches
 * interleaved round-robin so that every file sees the same machine; the
 * best batch counts.  TARGET, a ratio, is what run.sh checks.  Each -c
 * adds a row of NAME against BASE, another of the files, without target:
 * the same figures, compared another way (e.g. two daemons that run the
 * same loop).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_FILES	8
#define MAX_COMPARE	4

struct subject {
	char name[64];
	char target[16];
	const char *path;
	double best_us;
};

/* "name[@target]=path" */
static int parse_subject(const char *arg, struct subject *s)
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
	s->best_us = 1e30;
	return 0;
}

static int read_whole(const char *path)
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

/* Mean microseconds of `ops` reads, or -errno. */
static double time_batch(const char *path, int ops, int *err)
{
	uint64_t t0 = bench_now_ns();

	for (int i = 0; i < ops; i++) {
		*err = read_whole(path);
		if (*err)
			return 0;
	}
	return (double)(bench_now_ns() - t0) / 1000.0 / ops;
}

static const struct subject *find_subject(const struct subject *subj,
					  int n, const char *name, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(subj[i].name) == len &&
		    !memcmp(subj[i].name, name, len))
			return &subj[i];
	return NULL;
}

/* The extra rows of "NAME:BASE" */
static int compare_rows(const struct subject *subj, int n,
			char *const *cmp, int ncmp)
{
	for (int i = 0; i < ncmp; i++) {
		const char *colon = strchr(cmp[i], ':');
		const struct subject *a, *b;
		char figure[96];

		a = colon ? find_subject(subj, n, cmp[i],
					 (size_t)(colon - cmp[i])) : NULL;
		b = colon ? find_subject(subj, n, colon + 1,
					 strlen(colon + 1)) : NULL;
		if (!a || !b) {
			fprintf(stderr, "bench_read: -c %s: no such files\n",
				cmp[i]);
			return -EINVAL;
		}
		snprintf(figure, sizeof(figure), "read %s", a->name);
		bench_row(figure, a->best_us, "us/op", b->name, b->best_us,
			  "-");
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_read [-c NAME:BASE ...] BASE=PATH "
		"[NAME[@TARGET]=PATH ...]\n");
}

int main(int argc, char **argv)
{
	struct subject subj[MAX_FILES];
	char *cmp[MAX_COMPARE];
	int n, ncmp = 0, ops = 200, rounds = 25, err = 0, opt;

	while ((opt = getopt(argc, argv, "c:")) != -1) {
		if (opt != 'c' || ncmp == MAX_COMPARE) {
			usage();
			return 2;
		}
		cmp[ncmp++] = optarg;
	}
	n = argc - optind;
	if (n < 1 || n > MAX_FILES) {
		usage();
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (parse_subject(argv[optind + i], &subj[i])) {
			fprintf(stderr, "bench_read: bad argument: %s\n",
				argv[optind + i]);
			return 2;
		}
	}
	if (bench_env_long("BENCH_QUICK", 0))
		rounds = 8;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			double us = time_batch(subj[i].path, ops, &err);

			if (err) {
				fprintf(stderr, "bench_read: %s: %s\n",
					subj[i].path, strerror(-err));
				return 1;
			}
			if (us < subj[i].best_us)
				subj[i].best_us = us;
		}
	}
	for (int i = 1; i < n; i++) {
		char figure[96];

		snprintf(figure, sizeof(figure), "read %s", subj[i].name);
		bench_row(figure, subj[i].best_us, "us/op", subj[0].name,
			  subj[0].best_us, subj[i].target);
	}
	return compare_rows(subj, n, cmp, ncmp) ? 2 : 0;
}
