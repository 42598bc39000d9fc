/*
 * rel-trunc-reader - read rel-torn-writer -z's values while its file is cut.
 *
 *	rel-trunc-reader lib|map|mount [-t SECONDS] FILE|DIR
 *
 * lib: mmstats_read_fd() of FILE in a loop; map: mmstats_map_fd() of
 * FILE, then mmstats_map_value() of each torn.* field in a loop, made
 * again when mmstats_map_changed() says the file changed; mount: DIR is
 * the writer's /<pid> in an mmstatsfs mount, and each torn.* file of it
 * is opened, read and closed in turn.  Runs until SIGTERM/SIGINT (or
 * SECONDS, 600 by default), then prints its counts on stdout.
 *
 * Every value given must be one rel-torn-writer -z stored: all bytes equal,
 * from 1 to 254.  A 0, or bytes that differ, is a value no store made
 * (zeros from past the end of the cut file, or a torn load): "bad".  A
 * read that fails is not: a library read that fails while the file is
 * cut is the cut "reported" (counted by error), and through the mount a
 * file that is gone, or fails, while its source is cut is counted by
 * errno.  Exit 0 only if no value was bad and some were checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "rel-pattern.h"

#define NLABELS	(REL_NKINDS * 32)	/* rel-torn-writer -n 32 of the test */

static volatile sig_atomic_t stop;

struct tally {
	unsigned long long reads;	/* reads, snapshots or map passes */
	unsigned long long checked;	/* values checked */
	unsigned long long bad;		/* values no store made */
	unsigned long long stale;	/* -ESTALE: shrank while read */
	unsigned long long failed;	/* other errors (by errno: mount) */
	unsigned long long remaps;	/* maps made again (map) */
	unsigned long long err_by[256];	/* mount: failures by errno */
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* All bytes equal, and not 0 (nor 0xff: rel-pattern.h). */
static bool trunc_ok(int kind, double d, uint64_t u)
{
	switch (kind) {
	case REL_U64:
		return u != 0 && rel_check_u64(u);
	case REL_U32:
		return u != 0 && u <= UINT32_MAX && rel_check_u32((uint32_t)u);
	case REL_DOUBLE:
		return d != 0 && rel_check_double(d);
	default:
		return d != 0 && rel_check_float(d);
	}
}

static void check(struct tally *t, const char *label, int kind, double d,
		  uint64_t u)
{
	t->checked++;
	if (trunc_ok(kind, d, u))
		return;
	if (kind == REL_DOUBLE || kind == REL_FLOAT)
		memcpy(&u, &d, sizeof(u));
	if (t->bad++ < 10)
		fprintf(stderr, "BAD %s: %#018llx (%.17g)\n", label,
			(unsigned long long)u, d);
}

static void check_value(struct tally *t, const char *label,
			const struct mmstats_value *v)
{
	int kind = rel_kind_of(label);

	if (kind < 0)
		return;
	check(t, label, kind, v->v.d, v->v.u);
}

/* A failed library read: the cut reported. */
static void count_error(struct tally *t, int err)
{
	if (err == -ESTALE)
		t->stale++;
	else
		t->failed++;
}

/* ------------------------------------------------------------------ */

static int run_lib(const char *path, struct tally *t)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		perror(path);
		return -1;
	}
	while (!stop) {
		struct mmstats_snapshot snap;
		int err = mmstats_read_fd(fd, &snap);

		t->reads++;
		if (err < 0)
			count_error(t, err);
		/* The fields kept before an error are values given too. */
		for (size_t i = 0; i < snap.nstats; i++)
			check_value(t, snap.stats[i].label,
				    &snap.stats[i].value);
		mmstats_snapshot_free(&snap);
	}
	close(fd);
	return 0;
}

/* ------------------------------------------------------------------ */

/* A map of path, or NULL when it cannot be mapped now (counted). */
static struct mmstats_map *map_again(const char *path, struct tally *t)
{
	struct mmstats_map *m;
	int err = mmstats_map_at(AT_FDCWD, path, &m);

	t->remaps++;
	if (err < 0)
		count_error(t, err);
	return m;
}

/* One pass over the torn.* fields of m; false when m should be made again. */
static bool map_pass(struct mmstats_map *m, struct tally *t)
{
	const struct mmstats_snapshot *f = mmstats_map_fields(m);
	bool fresh = true;

	for (size_t i = 0; i < f->nstats; i++) {
		struct mmstats_value v;
		unsigned char buf[8];	/* torn.* fields are numbers */
		int err;

		if (rel_kind_of(f->stats[i].label) < 0)
			continue;
		err = mmstats_map_value(m, i, &v, buf, sizeof(buf), NULL);
		if (err < 0) {
			count_error(t, err);
			fresh = false;
			continue;
		}
		check_value(t, f->stats[i].label, &v);
	}
	t->reads++;
	return fresh && mmstats_map_changed(m) == 0;
}

static int run_map(const char *path, struct tally *t)
{
	struct mmstats_map *m = map_again(path, t);

	if (!m) {
		fprintf(stderr, "%s: %s\n", path, mmstats_last_error());
		return -1;
	}
	while (!stop) {
		if (map_pass(m, t))
			continue;
		mmstats_map_close(m);
		m = NULL;
		while (!stop && !(m = map_again(path, t)))
			;
	}
	mmstats_map_close(m);
	return 0;
}

/* ------------------------------------------------------------------ */

static void read_mount_file(const char *dir, const char *label,
			    struct tally *t)
{
	char path[4096], buf[128];
	ssize_t len = -1;
	double d = 0;
	uint64_t u = 0;
	int fd, kind = rel_kind_of(label);

	snprintf(path, sizeof(path), "%s/%s", dir, label);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = pread(fd, buf, sizeof(buf) - 1, 0);
		if (len < 0)
			len = -errno;
		close(fd);
	} else {
		len = -errno;
	}
	t->reads++;
	if (len < 0) {
		t->failed++;
		t->err_by[-len < 256 ? -len : 255]++;
		return;
	}
	if (!rel_parse_text(buf, len, kind, &d, &u)) {
		if (t->bad++ < 10)
			fprintf(stderr, "BAD %s: text \"%.*s\"\n", label,
				(int)len, buf);
		t->checked++;
		return;
	}
	check(t, label, kind, d, u);
}

static int run_mount(const char *dir, struct tally *t)
{
	char *labels[NLABELS];

	for (int k = 0; k < REL_NKINDS; k++)
		for (int j = 0; j < NLABELS / REL_NKINDS; j++)
			if (asprintf(&labels[k * NLABELS / REL_NKINDS + j],
				     "%s%03d", rel_kind_prefix[k], j) < 0)
				return -1;
	while (!stop)
		for (int i = 0; i < NLABELS && !stop; i++)
			read_mount_file(dir, labels[i], t);
	for (int i = 0; i < NLABELS; i++)
		free(labels[i]);
	return 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr, "usage: rel-trunc-reader lib|map|mount [-t SECONDS] "
		"FILE|DIR\n");
	exit(2);
}

static void report(const char *mode, const struct tally *t)
{
	printf("%s: %llu reads, %llu values checked, %llu bad; reports: "
	       "%llu ESTALE, %llu other", mode, t->reads, t->checked, t->bad,
	       t->stale, t->failed);
	if (t->remaps)
		printf(", %llu maps made", t->remaps);
	for (int e = 1; e < 256; e++)
		if (t->err_by[e])
			printf(", %s: %llu", strerror(e), t->err_by[e]);
	printf("\n");
}

int main(int argc, char **argv)
{
	static struct tally t;
	unsigned secs = 600;
	const char *mode;
	int c, err;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "t:")) != -1) {
		switch (c) {
		case 't': secs = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGALRM, on_signal);
	alarm(secs);

	if (!strcmp(mode, "lib"))
		err = run_lib(argv[optind], &t);
	else if (!strcmp(mode, "map"))
		err = run_map(argv[optind], &t);
	else if (!strcmp(mode, "mount"))
		err = run_mount(argv[optind], &t);
	else
		usage();
	report(mode, &t);
	return err == 0 && t.bad == 0 && t.checked > 0 ? 0 : 1;
}
