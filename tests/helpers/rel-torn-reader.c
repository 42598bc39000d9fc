/*
 * rel-torn-reader - read the values of rel-torn-writer and check each one.
 *
 *	rel-torn-reader lib   [-s] [-n MIN] [-t SECONDS] FILE
 *	rel-torn-reader mount [-s] [-n MIN] [-t SECONDS] [-k READS] DIR
 *
 * lib: reads FILE again and again with mmstats_read_fd() and checks every
 * torn.* value of each snapshot.  mount: DIR is the writer's directory in
 * an mmstatsfs mount; reads each torn.* file in turn with a pread at 0
 * and checks the value its text holds.  Each file is kept open for READS
 * preads (default 1: open, pread, close; a pread at 0 of a file kept open
 * renders the value again, as /proc does), then closed and opened again,
 * so the first pread of each open checks what open rendered.  One
 * checked value is one "read".
 *
 * Stops after MIN values (default 10^7) or SECONDS (default 60); with -s
 * runs for SECONDS whatever the count.  Exit 0
 * only if no value was torn or unparsable, at least MIN values were
 * checked, and the values changed while we read (else nothing raced).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "rel-pattern.h"

static bool for_time;	/* -s: read for the whole time given */
static unsigned long keep_reads = 1;	/* -k: preads per open */

struct tally {
	uint64_t checked;	/* values checked */
	uint64_t reads;		/* snapshots (lib) or opens (mount) */
	uint64_t torn;		/* values whose bytes differ */
	uint64_t bad;		/* missing fields, unparsable text, errors */
	uint64_t changes;	/* checked values that differed from the last */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Check one value given as the bits a reader got; report the first few. */
static void check(struct tally *t, const char *label, int kind, double d,
		  uint64_t u, uint64_t *last)
{
	bool ok;

	switch (kind) {
	case REL_U64: ok = rel_check_u64(u); break;
	case REL_U32: ok = u <= UINT32_MAX && rel_check_u32((uint32_t)u); break;
	case REL_DOUBLE: ok = rel_check_double(d); memcpy(&u, &d, 8); break;
	default: ok = rel_check_float(d); memcpy(&u, &d, 8); break;
	}
	t->checked++;
	if (!ok && t->torn++ < 10)
		fprintf(stderr, "TORN %s: %#018llx (%.17g)\n", label,
			(unsigned long long)u, d);
	if (u != *last)
		t->changes++;
	*last = u;
}

/* ------------------------------------------------------------------ */

static int read_lib_once(int fd, struct tally *t, uint64_t *last,
			 size_t *expect)
{
	struct mmstats_snapshot snap;
	size_t seen = 0;
	int err;

	memset(&snap, 0, sizeof(snap));
	err = mmstats_read_fd(fd, &snap);
	t->reads++;
	for (size_t i = 0; i < snap.nstats && seen < *expect; i++) {
		const struct mmstats_stat *st = &snap.stats[i];
		int kind = rel_kind_of(st->label);

		if (kind < 0)
			continue;
		check(t, st->label, kind, st->value.v.d, st->value.v.u,
		      &last[seen]);
		seen++;
	}
	if (err < 0 || seen != *expect) {
		if (t->bad++ < 10)
			fprintf(stderr, "read %llu: err %d (%s), %zu of %zu "
				"fields\n", (unsigned long long)t->reads, err,
				snap.errmsg, seen, *expect);
	}
	mmstats_snapshot_free(&snap);
	return 0;
}

/* How many torn.* fields the file holds: the writer never adds any. */
static size_t count_lib_fields(int fd)
{
	struct mmstats_snapshot snap;
	size_t n = 0;

	memset(&snap, 0, sizeof(snap));
	if (mmstats_read_fd(fd, &snap) < 0)
		fprintf(stderr, "first read: %s\n", mmstats_last_error());
	for (size_t i = 0; i < snap.nstats; i++)
		n += rel_kind_of(snap.stats[i].label) >= 0;
	mmstats_snapshot_free(&snap);
	return n;
}

static int run_lib(const char *path, struct tally *t, uint64_t min,
		   double deadline)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t *last;
	size_t n;

	if (fd < 0) {
		perror(path);
		return -1;
	}
	n = count_lib_fields(fd);
	last = calloc(n + 1, sizeof(*last));
	if (n == 0 || !last) {
		fprintf(stderr, "%s: no torn.* fields\n", path);
		return -1;
	}
	while ((for_time || t->checked < min) && now() < deadline)
		read_lib_once(fd, t, last, &n);
	free(last);
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------ */

struct mount_file {
	char *name;
	int kind;
	uint64_t last;
	int fd;			/* -1: not open */
	unsigned long reads;	/* since it was opened */
};

static size_t list_mount(const char *dir, struct mount_file **out)
{
	DIR *d = opendir(dir);
	struct mount_file *f = NULL;
	struct dirent *de;
	size_t n = 0;

	if (!d) {
		perror(dir);
		return 0;
	}
	while ((de = readdir(d))) {
		int kind = rel_kind_of(de->d_name);

		if (kind < 0)
			continue;
		f = realloc(f, (n + 1) * sizeof(*f));
		if (!f)
			abort();
		f[n].name = strdup(de->d_name);
		f[n].kind = kind;
		f[n].last = 0;
		f[n].fd = -1;
		f[n].reads = 0;
		n++;
	}
	closedir(d);
	*out = f;
	return n;
}

/* Parse "VALUE\n" as the daemon renders it: the whole text or nothing. */
static bool parse_text(const char *buf, ssize_t len, int kind, double *d,
		       uint64_t *u)
{
	char *end;

	if (len < 2 || buf[len - 1] != '\n')
		return false;
	errno = 0;
	if (kind == REL_U64 || kind == REL_U32)
		*u = strtoull(buf, &end, 10);
	else
		*d = strtod(buf, &end);
	return errno == 0 && end == buf + len - 1;
}

static void close_mount_file(struct mount_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->reads = 0;
}

static void read_mount_file(int dirfd, struct mount_file *f, struct tally *t)
{
	char buf[128];
	ssize_t len = -1;
	double d = 0;
	uint64_t u = 0;

	if (f->fd < 0)
		f->fd = openat(dirfd, f->name,
			       O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f->fd >= 0)
		len = pread(f->fd, buf, sizeof(buf) - 1, 0);
	if (len < 0 || ++f->reads >= keep_reads)
		close_mount_file(f);
	t->reads++;
	if (len < 0 || !parse_text(buf, len, f->kind, &d, &u)) {
		if (t->bad++ < 10)
			fprintf(stderr, "%s: %s\n", f->name, len < 0 ?
				strerror(errno) : "unparsable text");
		return;
	}
	check(t, f->name, f->kind, d, u, &f->last);
}

static int run_mount(const char *dir, struct tally *t, uint64_t min,
		     double deadline)
{
	struct mount_file *f;
	size_t n = list_mount(dir, &f);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (n == 0 || dirfd < 0) {
		fprintf(stderr, "%s: no torn.* files\n", dir);
		return -1;
	}
	while ((for_time || t->checked < min) && now() < deadline)
		for (size_t i = 0; i < n; i++)
			read_mount_file(dirfd, &f[i], t);
	close(dirfd);
	for (size_t i = 0; i < n; i++) {
		close_mount_file(&f[i]);
		free(f[i].name);
	}
	free(f);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: rel-torn-reader lib|mount [-s] [-n MIN] "
		"[-t SECONDS] [-k READS] FILE|DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct tally t = { 0 };
	uint64_t min = 10000000;
	double secs = 60, start, secs_taken;
	const char *mode;
	int c, err;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "sn:t:k:")) != -1) {
		switch (c) {
		case 's': for_time = true; break;
		case 'n': min = strtoull(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		case 'k': keep_reads = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();

	start = now();
	if (strcmp(mode, "lib") == 0)
		err = run_lib(argv[optind], &t, min, start + secs);
	else if (strcmp(mode, "mount") == 0)
		err = run_mount(argv[optind], &t, min, start + secs);
	else
		usage();

	secs_taken = now() - start;
	printf("%s: checked %llu values in %llu reads, %.1f s (%.0f/s): "
	       "%llu torn, %llu bad, %llu changes seen\n", mode,
	       (unsigned long long)t.checked, (unsigned long long)t.reads,
	       secs_taken, t.checked / (secs_taken > 0 ? secs_taken : 1),
	       (unsigned long long)t.torn, (unsigned long long)t.bad,
	       (unsigned long long)t.changes);
	if (err < 0 || t.torn || t.bad)
		return 1;
	if (t.checked < min) {
		printf("FAIL: fewer than %llu values checked in %.0f s\n",
		       (unsigned long long)min, secs);
		return 1;
	}
	if (t.changes < t.checked / 1000) {
		printf("FAIL: values hardly changed: the writer did not race "
		       "the reader\n");
		return 1;
	}
	return 0;
}
