/*
 * rel-torn-reader - read the values of rel-torn-writer and check each one.
 *
 *	rel-torn-reader lib|map|parse [-s] [-n MIN] [-t SECONDS] FILE
 *	rel-torn-reader mount [-s] [-n MIN] [-t SECONDS] [-k READS] DIR
 *
 * The library's three ways to read a live file, each again and again,
 * checking every torn.* value it gives:
 *   lib:   mmstats_read_fd() of FILE (a "read" is one snapshot);
 *   map:   mmstats_map_fd() once, then mmstats_map_value() of each torn.*
 *          field in turn (a "read" is one value);
 *   parse: mmstats_parse() of the reader's own MAP_SHARED, PROT_READ
 *          mapping of FILE: page-aligned, as mmap() places it, the only
 *          alignment at which a caller can hold a live file, and where
 *          mmstats.h says values are never torn (a "read" is one snapshot).
 * mount: DIR is the writer's directory in an mmstatsfs mount; reads each
 * torn.* file in turn with a pread at 0 and checks the value its text
 * holds.  Each file is kept open for READS preads (default 1: open, pread,
 * close; a pread at 0 of a file kept open renders the value again, as
 * /proc does), then closed and opened again, so the first pread of each
 * open checks what open rendered.  One checked value is one "read".
 *
 * Stops after MIN values (default 10^7) or SECONDS (default 60); with -s
 * runs for SECONDS whatever the count.  Exit 0 only if no value was torn
 * or unparsable, at least MIN values were checked, and the values
 * changed while we read (else nothing raced).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "rel-pattern.h"

static bool for_time;	/* -s: read for the whole time given */
static unsigned long keep_reads = 1;	/* -k: preads per open */

struct tally {
	uint64_t checked;	/* values checked */
	uint64_t reads;		/* snapshots; map: values; mount: preads */
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
	bool ok = rel_check_value(kind, u, d);

	if (!rel_kind_is_int(kind))
		memcpy(&u, &d, 8);
	t->checked++;
	if (!ok && t->torn++ < 10)
		fprintf(stderr, "TORN %s: %#018llx (%.17g)\n", label,
			(unsigned long long)u, d);
	if (u != *last)
		t->changes++;
	*last = u;
}

/* A value the library decoded: of the kind the writer's type gives? */
static void check_decoded(struct tally *t, const char *label, int kind,
			  const struct mmstats_value *v, uint64_t *last)
{
	enum mmstats_kind want = rel_kind_is_int(kind) ? MMSTATS_KIND_UINT :
				 MMSTATS_KIND_FLOAT;

	if (v->kind != want) {
		if (t->bad++ < 10)
			fprintf(stderr, "%s: decoded as kind %d, not %d\n",
				label, (int)v->kind, (int)want);
		return;
	}
	check(t, label, kind, v->v.d, v->v.u, last);
}

/* ------------------------------------------------------------------ */

/* What lib and parse take snapshots of: fd, or the reader's own map. */
struct lib_source {
	int fd;
	const void *map;	/* NULL: mmstats_read_fd(fd) */
	size_t len;
};

static int take_snapshot(const struct lib_source *src,
			 struct mmstats_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
	if (src->map)
		return mmstats_parse(src->map, src->len, snap);
	return mmstats_read_fd(src->fd, snap);
}

static void read_snapshot_once(const struct lib_source *src, struct tally *t,
			       uint64_t *last, size_t expect)
{
	struct mmstats_snapshot snap;
	size_t seen = 0;
	int err;

	err = take_snapshot(src, &snap);
	t->reads++;
	for (size_t i = 0; i < snap.nstats && seen < expect; i++) {
		const struct mmstats_stat *st = &snap.stats[i];
		int kind = rel_kind_of(st->label);

		if (kind < 0)
			continue;
		check_decoded(t, st->label, kind, &st->value, &last[seen]);
		seen++;
	}
	if (err < 0 || seen != expect) {
		if (t->bad++ < 10)
			fprintf(stderr, "read %llu: err %d (%s), %zu of %zu "
				"fields\n", (unsigned long long)t->reads, err,
				snap.errmsg, seen, expect);
	}
	mmstats_snapshot_free(&snap);
}

/* How many torn.* fields the file holds: the writer never adds any. */
static size_t count_fields(const struct lib_source *src)
{
	struct mmstats_snapshot snap;
	size_t n = 0;

	if (take_snapshot(src, &snap) < 0)
		fprintf(stderr, "first read: %s\n", mmstats_last_error());
	for (size_t i = 0; i < snap.nstats; i++)
		n += rel_kind_of(snap.stats[i].label) >= 0;
	mmstats_snapshot_free(&snap);
	return n;
}

static int run_snapshots(const struct lib_source *src, const char *path,
			 struct tally *t, uint64_t min, double deadline)
{
	size_t n = count_fields(src);
	uint64_t *last = calloc(n + 1, sizeof(*last));

	if (n == 0 || !last) {
		fprintf(stderr, "%s: no torn.* fields\n", path);
		free(last);
		return -1;
	}
	while ((for_time || t->checked < min) && now() < deadline)
		read_snapshot_once(src, t, last, n);
	free(last);
	return 0;
}

static int run_lib(const char *path, struct tally *t, uint64_t min,
		   double deadline)
{
	struct lib_source src = { .fd = open(path, O_RDONLY | O_CLOEXEC) };
	int err;

	if (src.fd < 0) {
		perror(path);
		return -1;
	}
	err = run_snapshots(&src, path, t, min, deadline);
	close(src.fd);
	return err;
}

/*
 * The caller's own live mapping, as mmstats.h allows: mmstats_parse()
 * of a MAP_SHARED, PROT_READ mapping.  The writer never shrinks its
 * file, so no SIGBUS can come (mmstats_read_fd() guards against that).
 */
static int run_parse(const char *path, struct tally *t, uint64_t min,
		     double deadline)
{
	struct lib_source src = { .fd = open(path, O_RDONLY | O_CLOEXEC) };
	struct stat st;
	void *map;
	int err;

	if (src.fd < 0 || fstat(src.fd, &st) < 0 || st.st_size == 0) {
		perror(path);
		err = -1;
		goto out;
	}
	src.len = (size_t)st.st_size;
	map = mmap(NULL, src.len, PROT_READ, MAP_SHARED, src.fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		err = -1;
		goto out;
	}
	src.map = map;
	err = run_snapshots(&src, path, t, min, deadline);
	munmap(map, src.len);
out:
	if (src.fd >= 0)
		close(src.fd);
	return err;
}

/* ------------------------------------------------------------------ */

struct map_field {
	size_t index;		/* in the map */
	int kind;
	uint64_t last;
};

static void read_map_value(const struct mmstats_map *m,
			   const struct mmstats_snapshot *fields,
			   struct map_field *f, struct tally *t)
{
	const char *label = fields->stats[f->index].label;
	struct mmstats_value val;
	unsigned char buf[8];	/* torn.* fields are numbers */
	int err;

	err = mmstats_map_value(m, f->index, &val, buf, sizeof(buf), NULL);
	t->reads++;
	if (err < 0) {
		if (t->bad++ < 10)
			fprintf(stderr, "%s: %s\n", label,
				mmstats_last_error());
		return;
	}
	check_decoded(t, label, f->kind, &val, &f->last);
}

/* mmstats_map_fd() once, then each torn.* value again and again. */
static int run_map(const char *path, struct tally *t, uint64_t min,
		   double deadline)
{
	const struct mmstats_snapshot *fields;
	struct map_field *f = NULL;
	struct mmstats_map *m;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		perror(path);
		return -1;
	}
	err = mmstats_map_fd(fd, &m);
	if (err < 0) {
		fprintf(stderr, "%s: %s\n", path, mmstats_last_error());
		if (m)
			mmstats_map_close(m);
		else
			close(fd);
		return -1;
	}
	fields = mmstats_map_fields(m);
	f = calloc(fields->nstats + 1, sizeof(*f));
	for (size_t i = 0; f && i < fields->nstats; i++) {
		f[n].kind = rel_kind_of(fields->stats[i].label);
		f[n].index = i;
		n += f[n].kind >= 0;
	}
	if (n == 0) {
		fprintf(stderr, "%s: no torn.* fields\n", path);
		err = -1;
	}
	while (n && (for_time || t->checked < min) && now() < deadline)
		for (size_t j = 0; j < n; j++)
			read_map_value(m, fields, &f[j], t);
	free(f);
	mmstats_map_close(m);	/* closes fd */
	return err;
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
	if (len < 0 || !rel_parse_text(buf, len, f->kind, &d, &u)) {
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
	fprintf(stderr, "usage: rel-torn-reader lib|map|parse|mount [-s] "
		"[-n MIN] [-t SECONDS] [-k READS] FILE|DIR\n");
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
	else if (strcmp(mode, "map") == 0)
		err = run_map(argv[optind], &t, min, start + secs);
	else if (strcmp(mode, "parse") == 0)
		err = run_parse(argv[optind], &t, min, start + secs);
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
