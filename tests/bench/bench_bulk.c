/*
 * bench_bulk - what a collector pays to read every value of N processes
 * of 50 labels through mmstatsfs: one file per label, against the bulk
 * files (/<pid>/%all, and /programs/<name>/%all for all of them at once).
 *
 *	bench_bulk -s SOURCE_DIR -m MOUNT [N]	(N: 1000)
 *
 * Every writer is a real process, a child that opens one file with
 * mmstats_open() (42 counters and the 8 default fields: 50 labels, under
 * the program name "bench.bulk") and sleeps until its lifeline pipe
 * closes.  The collector lists the processes once; then, per label, it
 * lists each /<pid>/ and opens, reads to EOF and closes each label file;
 * per pid, it opens, reads to EOF and closes /<pid>/%all; per program,
 * the same of /programs/bench.bulk@<uid>/%all.  Round trips are the
 * collector's opens, reads and directory reads (each at least one FUSE
 * request);
 * the time is the best of 3 runs.  Both ways must read the same number
 * of values (the program's %all holds its 50 sums).
 *
 * Then one process of BIG_FILES files of BIG_LABELS labels each, every
 * label its own (40,000 in /<pid>/: what a bulk file costs is linear in
 * the fields, fs/bulkgroup.c): the time of one read of its /<pid>/%all,
 * best of 3, against reading 1,000 of its label files one by one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstats.h"
#include "bench.h"

#define EXTRA		42	/* counters; with the 8 default fields, 50 */
#define PROGRAM		"bench.bulk"
#define BIG_FILES	1000
#define BIG_LABELS	40

struct cost {
	unsigned long trips;	/* opens, reads, directory reads */
	unsigned long values;	/* values read */
	double secs;
};

static const char *src, *mnt;
static int lifeline[2], ready[2];

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_bulk: %s: %s\n", what, strerror(err));
	exit(1);
}

static __attribute__((noreturn)) void writer_main(void)
{
	struct mmstats_field_def defs[EXTRA];
	char labels[EXTRA][16];
	struct mmstats_options opts = { .path = src, .program = PROGRAM };
	struct mmstats *s = NULL;
	int err;
	char c;

	close(lifeline[1]);
	close(ready[0]);
	for (unsigned i = 0; i < EXTRA; i++) {
		snprintf(labels[i], sizeof(labels[i]), "bench.c%02u", i);
		defs[i] = (struct mmstats_field_def)
			MMSTATS_DEF(labels[i], MMSTATS_COUNTER);
	}
	err = mmstats_open(defs, EXTRA, &opts, &s);
	if (write(ready[1], &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	while (read(lifeline[0], &c, 1) < 0 && errno == EINTR)
		;
	mmstats_remove(s);
	_exit(0);
}

static void start_writers(unsigned n)
{
	unsigned i;
	int err;

	if (pipe2(lifeline, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		die("pipe", errno);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork", errno);
		if (pid == 0)
			writer_main();
	}
	close(ready[1]);
	for (i = 0; i < n; i++)
		if (read(ready[0], &err, sizeof(err)) != sizeof(err) || err)
			die("a writer did not start", err ? -err : EPIPE);
}

/* Read path to EOF; counts the open and every read, and its lines. */
static void read_file(const char *path, struct cost *c, bool bulk)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	c->trips++;
	if (fd < 0)
		return;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		c->trips++;
		if (n <= 0)
			break;
		if (!bulk) {
			c->values++;
			continue;
		}
		/* slurpstats text: "  label value" lines */
		for (ssize_t i = 0; i + 1 < n; i++)
			if (buf[i] == '\n' && buf[i + 1] == ' ')
				c->values++;
	}
	close(fd);
}

/* One process of BIG_FILES files of BIG_LABELS labels of its own each. */
static __attribute__((noreturn)) void big_main(void)
{
	struct mmstats_field_def defs[BIG_LABELS];
	char labels[BIG_LABELS][16], name[64];
	struct mmstats_options opts = { .path = src, .filename = name };
	struct mmstats **s = calloc(BIG_FILES, sizeof(*s));
	int err = s ? 0 : -ENOMEM;
	char c;

	close(lifeline[1]);
	close(ready[0]);
	for (unsigned f = 0; f < BIG_FILES && !err; f++) {
		for (unsigned i = 0; i < BIG_LABELS; i++) {
			snprintf(labels[i], sizeof(labels[i]), "b%04u.l%02u",
				 f, i);
			defs[i] = (struct mmstats_field_def)
				MMSTATS_DEF(labels[i], MMSTATS_COUNTER);
		}
		snprintf(name, sizeof(name), "big-%04u-{PID}.mmstats", f);
		err = mmstats_open(defs, BIG_LABELS, &opts, &s[f]);
	}
	if (write(ready[1], &err, sizeof(err)) != sizeof(err) || err)
		_exit(1);
	while (read(lifeline[0], &c, 1) < 0 && errno == EINTR)
		;
	for (unsigned f = 0; f < BIG_FILES; f++)
		mmstats_remove(s[f]);
	_exit(0);
}

static size_t entries(const char *path)
{
	struct dirent *e;
	size_t k = 0;
	DIR *d = opendir(path);

	if (!d)
		return 0;
	while ((e = readdir(d)))
		k++;
	closedir(d);
	return k;
}

/* The big process's %all, against 1,000 of its label files one by one. */
static void big_figures(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], fig[128];
	struct cost c;
	double best = 1e9, one;
	uint64_t t0;
	pid_t pid;
	int err, i;

	if (pipe2(ready, O_CLOEXEC))
		die("pipe", errno);
	if ((pid = fork()) < 0)
		die("fork", errno);
	if (pid == 0)
		big_main();
	close(ready[1]);
	if (read(ready[0], &err, sizeof(err)) != sizeof(err) || err)
		die("the big writer did not start", err ? -err : EPIPE);
	snprintf(dir, sizeof(dir), "%s/%d", mnt, (int)pid);
	for (i = 0; i < 6000 && entries(dir) < BIG_FILES * BIG_LABELS; i++)
		usleep(10000);
	snprintf(path, sizeof(path), "%s/%%all", dir);
	for (int r = 0; r < 3; r++) {
		memset(&c, 0, sizeof(c));
		t0 = bench_now_ns();
		read_file(path, &c, true);
		one = (double)(bench_now_ns() - t0) / 1e9;
		best = one < best ? one : best;
	}
	if (c.values < BIG_FILES * BIG_LABELS)
		fprintf(stderr, "bench_bulk: %lu values in the big %%all\n",
			c.values);
	memset(&c, 0, sizeof(c));
	t0 = bench_now_ns();
	for (unsigned f = 0; f < 1000; f++) {
		snprintf(path, sizeof(path), "%s/b%04u.l00", dir, f);
		read_file(path, &c, false);
	}
	one = (double)(bench_now_ns() - t0) / 1e9;
	snprintf(fig, sizeof(fig), "bulk 1 process %ux%u: time, /<pid>/%%all",
		 BIG_FILES, BIG_LABELS);
	bench_row(fig, best, "s", "1000 label files", one, "-");
}

static bool is_pid(const char *s)
{
	return s[0] >= '1' && s[0] <= '9';
}

/* The process directories, listed once for both ways. */
static char **list_pids(size_t *n)
{
	DIR *d = opendir(mnt);
	struct dirent *e;
	char **v = NULL;

	*n = 0;
	if (!d)
		die(mnt, errno);
	while ((e = readdir(d)))
		if (is_pid(e->d_name)) {
			v = realloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = strdup(e->d_name);
		}
	closedir(d);
	return v;
}

static void per_label(char **pids, size_t n, struct cost *c)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", mnt, pids[i]);
		c->trips += 2;		/* opendir, one getdents at least */
		if (!(d = opendir(path)))
			continue;
		while ((e = readdir(d))) {
			if (e->d_type != DT_REG || e->d_name[0] == '%')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", mnt, pids[i],
				 e->d_name);
			read_file(path, c, false);
		}
		closedir(d);
	}
}

static void per_pid_bulk(char **pids, size_t n, struct cost *c)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s/%%all", mnt, pids[i]);
		read_file(path, c, true);
	}
}

static void program_bulk(char **pids, size_t n, struct cost *c)
{
	char path[PATH_MAX];

	(void)pids, (void)n;
	snprintf(path, sizeof(path), "%s/programs/%s@%u/%%all", mnt, PROGRAM,
		 (unsigned)geteuid());
	read_file(path, c, true);
}

/* The best of 3 runs; trips and values of the last. */
static struct cost measure(void (*way)(char **, size_t, struct cost *),
			   char **pids, size_t n)
{
	struct cost c, best = { .secs = 1e9 };

	for (int r = 0; r < 3; r++) {
		uint64_t t0 = bench_now_ns();

		memset(&c, 0, sizeof(c));
		way(pids, n, &c);
		c.secs = (double)(bench_now_ns() - t0) / 1e9;
		if (c.secs < best.secs)
			best.secs = c.secs;
		best.trips = c.trips;
		best.values = c.values;
	}
	return best;
}

static size_t program_procs(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t k = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/programs/%s@%u/task", mnt, PROGRAM,
		 (unsigned)geteuid());
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)))
		k += is_pid(e->d_name);
	closedir(d);
	return k;
}

int main(int argc, char **argv)
{
	unsigned n = 1000;
	struct cost a, b, p;
	char fig[128], **pids;
	size_t np;
	int opt, i;

	while ((opt = getopt(argc, argv, "s:m:")) != -1) {
		if (opt == 's')
			src = optarg;
		else if (opt == 'm')
			mnt = optarg;
		else
			return 2;
	}
	if (!src || !mnt)
		return 2;
	if (optind < argc)
		n = (unsigned)atoi(argv[optind]);
	start_writers(n);
	for (i = 0; i < 3000 && program_procs() < n; i++)
		usleep(10000);
	if (program_procs() < n)
		die("the mount did not show every writer", ETIMEDOUT);
	pids = list_pids(&np);
	a = measure(per_label, pids, np);
	b = measure(per_pid_bulk, pids, np);
	p = measure(program_bulk, pids, np);
	/* the program's %all holds its 50 sums, not every process's */
	if (a.values != b.values || p.values != 50)
		fprintf(stderr, "bench_bulk: values read: %lu per label, %lu "
			"through /<pid>/%%all, %lu sums of the program\n",
			a.values, b.values, p.values);
	snprintf(fig, sizeof(fig), "bulk %ux50: round trips, /<pid>/%%all", n);
	bench_row(fig, (double)b.trips, "calls", "one file per label",
		  (double)a.trips, "0.05");
	snprintf(fig, sizeof(fig), "bulk %ux50: time, /<pid>/%%all", n);
	bench_row(fig, b.secs, "s", "one file per label", a.secs, "-");
	snprintf(fig, sizeof(fig), "bulk %ux50: round trips, program %%all", n);
	bench_row(fig, (double)p.trips, "calls", "one file per label",
		  (double)a.trips, "0.05");
	snprintf(fig, sizeof(fig), "bulk %ux50: time, program %%all", n);
	bench_row(fig, p.secs, "s", "one file per label", a.secs, "-");
	big_figures();
	close(lifeline[1]);
	return 0;
}
