/*
 * rel-trunc-cut - cut a live writer's file again and again, and restore it.
 *
 *	rel-trunc-cut -p WRITER -l LOG -m FILESDIR [-n CUTS] [-w SECONDS] FILE
 *
 * FILE is the file of rel-torn-writer -z WRITER, shown by an mmstatsfs whose
 * stderr is LOG as FILESDIR (MOUNT/files/NAME).  CUTS times (1,000 by
 * default) it cuts FILE with ftruncate(), to 0 bytes, to 1 byte and to
 * the middle of a value in turn (the values of a different field each
 * time, over both pages of the file), and each time:
 *
 *  1. stops the writer (SIGSTOP, until /proc says it is stopped) and
 *     takes the file's bytes, which hold still: the restore then writes
 *     back what is there and nothing else.  A writer storing while the
 *     file is cut would fault on the pages gone, and its stores into the
 *     zeroed tail of the last page would race the restore's copy;
 *  2. cuts the file;
 *  3. waits (polling LOG every 1 ms, at most SECONDS, 10 by default) for
 *     the daemon's "NAME: shrank from A to B bytes" line of this cut (B
 *     its size: consecutive cuts differ in size), and for the cut to
 *     show in FILESDIR (its last label gone): the daemon has applied a
 *     reading of the cut file;
 *  4. restores the file with pwrite() (same inode, same size, same
 *     bytes) and lets the writer go on (SIGCONT);
 *  5. waits until FILESDIR shows the last label again: the daemon has
 *     applied a reading of the whole file, taken after those of the cut
 *     one.  Then the next cut is smaller than what the daemon last read
 *     (provided it applies readings in the order it took them), so each
 *     cut is one more line in LOG, deterministically.
 *
 * Any other such line (a cut reported twice, or a cut to a size that
 * was never cut to) is one too many.  Prints the counts and the time
 * from each cut to its line in LOG.  Exit 1 if a cut was not reported in
 * time, or a line was one too many.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"

struct cutter {
	int fd;			/* the writer's file, read-write */
	pid_t writer;
	const char *log;
	char needle[512];	/* "NAME: shrank from " */
	char last[4096];	/* FILESDIR/LAST-LABEL */
	unsigned char *orig;
	size_t size;
	uint32_t *mids;		/* offsets in the middle of values */
	size_t nmids;
	double timeout;
	off_t log_off;		/* of the log read so far */
	unsigned long lines;	/* with the needle, so far */
	unsigned long extra;	/* of them, not the report of a cut */
	bool waiting;		/* for the report of the cut to `want` */
	size_t want;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_1ms(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

static void die(const char *what)
{
	fprintf(stderr, "rel-trunc-cut: %s\n", what);
	exit(1);
}

/*
 * Read the log on from where the last call stopped (a line the daemon is
 * still writing is left for the next): a "NAME: shrank from A to B bytes"
 * line with B the size of the cut being waited for is its report, any
 * other is one too many (a cut reported twice, or a cut that never was).
 */
static void read_log(struct cutter *c)
{
	char line[4096], *at;
	size_t to;
	FILE *f;

	if (!(f = fopen(c->log, "r")))
		return;
	fseeko(f, c->log_off, SEEK_SET);
	while (fgets(line, sizeof(line), f) && strchr(line, '\n')) {
		c->log_off = ftello(f);
		if (!(at = strstr(line, c->needle)))
			continue;
		c->lines++;
		at = strstr(at, " to ");
		if (c->waiting && at && sscanf(at, " to %zu bytes", &to) == 1 &&
		    to == c->want) {
			c->waiting = false;
			continue;
		}
		if (c->extra++ < 10)
			fprintf(stderr, "rel-trunc-cut: one line too many: %s",
				line);
	}
	fclose(f);
}

/* The writer's state letter in /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static bool writer_stopped(const struct cutter *c)
{
	return proc_state(c->writer) == 'T';
}

static bool shows_last(const struct cutter *c)
{
	struct stat st;

	return stat(c->last, &st) == 0;
}

static bool hides_last(const struct cutter *c)
{
	struct stat st;

	return stat(c->last, &st) < 0 && errno == ENOENT;
}

/* Poll `cond` every 1 ms for at most the timeout. */
static bool wait_for(const struct cutter *c,
		     bool (*cond)(const struct cutter *))
{
	double deadline = now() + c->timeout;

	while (!cond(c)) {
		if (now() > deadline)
			return false;
		pause_1ms();
	}
	return true;
}

/*
 * Wait for the report of the cut being made; false on timeout, or as soon
 * as a line is one too many (the test has failed: say so at once).
 */
static bool wait_report(struct cutter *c)
{
	double deadline = now() + c->timeout;

	for (read_log(c); c->waiting; read_log(c)) {
		if (now() > deadline || c->extra)
			return false;
		pause_1ms();
	}
	return true;
}

/* The file's shape: the middle of each torn.* value, and the last label. */
static void learn(struct cutter *c, const char *filesdir)
{
	struct mmstats_snapshot snap;
	struct stat st;

	if (fstat(c->fd, &st) < 0 || mmstats_read_fd(c->fd, &snap) < 0)
		die("cannot read the file");
	c->size = (size_t)st.st_size;
	c->orig = malloc(c->size);
	c->mids = calloc(snap.nstats, sizeof(*c->mids));
	if (!c->orig || !c->mids || snap.nstats == 0)
		die("out of memory, or no fields");
	for (size_t i = 0; i < snap.nstats; i++)
		if (!strncmp(snap.stats[i].label, "torn.", 5))
			c->mids[c->nmids++] = snap.stats[i].value_offset +
					      snap.stats[i].value_size / 2;
	snprintf(c->last, sizeof(c->last), "%s/%s", filesdir,
		 snap.stats[snap.nstats - 1].label);
	mmstats_snapshot_free(&snap);
	if (c->nmids < 2)
		die("no torn.* fields");
}

/* The size of cut i: 0, 1, mid-value, in turn; spread over the fields. */
static size_t cut_size(const struct cutter *c, unsigned long i)
{
	switch (i % 3) {
	case 0: return 0;
	case 1: return 1;
	default: return c->mids[(i / 3 * 37) % c->nmids];
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(void)
{
	fprintf(stderr, "usage: rel-trunc-cut -p WRITER -l LOG -m FILESDIR "
		"[-n CUTS] [-w SECONDS] FILE\n");
	exit(2);
}

/*
 * Cut i: stop, cut, wait for its report and for the daemon to show it,
 * restore, go on, wait for the daemon to show the whole file again.
 * Its report's delay into *ms; false (said why) if a step failed.
 */
static bool cut_once(struct cutter *c, unsigned long i, double *ms)
{
	size_t to = cut_size(c, i);
	double t0;

	if (kill(c->writer, SIGSTOP) < 0 || !wait_for(c, writer_stopped))
		die("cannot stop the writer");
	if (pread(c->fd, c->orig, c->size, 0) != (ssize_t)c->size)
		die("short pread");
	read_log(c);
	c->want = to;
	c->waiting = true;
	t0 = now();
	if (ftruncate(c->fd, (off_t)to) < 0)
		die(strerror(errno));
	if (!wait_report(c)) {
		if (!c->extra)
			fprintf(stderr, "rel-trunc-cut: cut %lu (to %zu bytes) "
				"not reported %.0f s after it (%lu lines for "
				"the %lu cuts before)\n", i + 1, to,
				c->timeout, c->lines, i);
		return false;
	}
	*ms = (now() - t0) * 1000;
	if (!wait_for(c, hides_last)) {
		fprintf(stderr, "rel-trunc-cut: cut %lu (to %zu bytes) not "
			"shown: %s still there\n", i + 1, to, c->last);
		return false;
	}
	if (pwrite(c->fd, c->orig, c->size, 0) != (ssize_t)c->size)
		die("short pwrite");
	if (kill(c->writer, SIGCONT) < 0)
		die("cannot continue the writer");
	if (!wait_for(c, shows_last)) {
		fprintf(stderr, "rel-trunc-cut: after cut %lu (to %zu bytes), "
			"the restored %s is not shown\n", i + 1, to, c->last);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	struct cutter c = { .timeout = 10 };
	const char *filesdir = NULL, *name;
	unsigned long cuts = 1000, i, kinds[3] = { 0 };
	double *lat;
	int opt;

	while ((opt = getopt(argc, argv, "p:l:m:n:w:")) != -1) {
		switch (opt) {
		case 'p': c.writer = (pid_t)atoi(optarg); break;
		case 'l': c.log = optarg; break;
		case 'm': filesdir = optarg; break;
		case 'n': cuts = strtoul(optarg, NULL, 10); break;
		case 'w': c.timeout = atof(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || c.writer <= 0 || !c.log || !filesdir ||
	    cuts == 0)
		usage();
	name = strrchr(argv[optind], '/');
	name = name ? name + 1 : argv[optind];
	snprintf(c.needle, sizeof(c.needle), "%s: shrank from ", name);
	c.fd = open(argv[optind], O_RDWR | O_CLOEXEC);
	if (c.fd < 0)
		die(strerror(errno));
	learn(&c, filesdir);
	if (!(lat = calloc(cuts, sizeof(*lat))))
		die("out of memory");
	if (!wait_for(&c, shows_last))
		die("the last label is not shown before the first cut");
	read_log(&c);
	c.lines = c.extra = 0;	/* whatever came before is not ours */

	for (i = 0; i < cuts && cut_once(&c, i, &lat[i]); i++)
		kinds[i % 3]++;
	kill(c.writer, SIGCONT);	/* whatever happened */
	read_log(&c);
	if (i == cuts) {
		qsort(lat, cuts, sizeof(*lat), cmp_double);
		printf("cuts: %lu (to 0 bytes: %lu, to 1 byte: %lu, mid-value:"
		       " %lu over %zu values), %lu lines \"%s...\" logged; "
		       "cut to line: median %.1f ms, worst %.1f ms\n", cuts,
		       kinds[0], kinds[1], kinds[2], c.nmids, c.lines,
		       c.needle, lat[cuts / 2], lat[cuts - 1]);
	}
	if (c.extra)
		fprintf(stderr, "rel-trunc-cut: %lu cuts, %lu lines: %lu too "
			"many\n", i, c.lines, c.extra);
	free(lat);
	free(c.orig);
	free(c.mids);
	close(c.fd);
	return i == cuts && !c.extra ? 0 : 1;
}
