/*
 * test_fs_program.c - a program's kept counters (kept.h): a file that
 * leaves its process and comes back while its writer runs (renamed, or
 * judged not to be its process's for a while) is counted live or kept,
 * never both, and kept at most once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "mmstats.h"

#define PROG	"test_fs_program"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
};

static int setup(void **state)
{
	return fixture_setup(state, PROG);
}

static int teardown(void **state)
{
	return fixture_teardown(state);
}

/* Files of this process, named apart by `tag`. */
static struct mmstats *open_stats(struct fixture *f, const char *tag,
				  uint64_t hits)
{
	char name[64];
	struct mmstats_options o = { .path = f->dir, .filename = name };
	struct mmstats *s;

	snprintf(name, sizeof(name), "%s-{PID}.mmstats", tag);
	assert_int_equal(mmstats_open(defs, 1, &o, &s), 0);
	mmstats_incr(mmstats_field(s, 0), hits);
	return s;
}

static const char *base(const struct mmstats *s)
{
	return strrchr(mmstats_filename(s), '/') + 1;
}

/* This process's program: its name and uid (program.h). */
static const struct mfs_prog *prog(struct fixture *f)
{
	char name[64];

	snprintf(name, sizeof(name), "%s@%u", PROG, (unsigned)getuid());
	return mfs_prog_find(&f->model, name);
}

/* The kept sum of "hits" over the program's kept sets. */
static long long kept_hits(struct fixture *f)
{
	const struct mfs_prog *g = prog(f);
	const struct mfs_kept *k;
	long long sum = 0;
	size_t i;

	assert_non_null(g);
	for (i = 0; i < g->nretired; i++)
		if ((k = mfs_retired_find(&g->retired[i], "hits")))
			sum += (long long)k->sum;
	return sum;
}

static size_t live_files(struct fixture *f)
{
	const struct mfs_proc *p = mfs_model_proc(&f->model, getpid());
	const struct mfs_src *s;
	size_t n = 0;

	for (s = p ? p->srcs : NULL; s; s = s->proc_next)
		n++;
	return n;
}

/*
 * Two files of this process (the first keeps it in its program while the
 * second comes and goes); the second is renamed: its old name goes first
 * (kept), then its new one is found (live: no longer kept), and renamed
 * back with the new name found first (never kept).
 */
static void test_renamed_file(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = open_stats(f, "a", 3), *b = open_stats(f, "b", 5);
	char old[256], tmp[300];

	snprintf(old, sizeof(old), "%s", base(b));
	snprintf(tmp, sizeof(tmp), "moved-%s", old);
	fixture_refresh(f, base(a));
	fixture_refresh(f, old);
	assert_int_equal(live_files(f), 2);
	assert_int_equal(kept_hits(f), 0);

	assert_int_equal(renameat(f->dirfd, old, f->dirfd, tmp), 0);
	fixture_refresh(f, old);		/* gone: kept */
	assert_int_equal(live_files(f), 1);
	assert_int_equal(kept_hits(f), 5);
	mmstats_incr(mmstats_field(b, 0), 1);
	fixture_refresh(f, tmp);		/* back: live, not kept */
	assert_int_equal(live_files(f), 2);
	assert_int_equal(kept_hits(f), 0);

	assert_int_equal(renameat(f->dirfd, tmp, f->dirfd, old), 0);
	fixture_refresh(f, old);		/* both names live a moment */
	fixture_refresh(f, tmp);		/* one goes: still live */
	assert_int_equal(live_files(f), 1 + 1);
	assert_int_equal(kept_hits(f), 0);

	/* it goes for good: kept once, at its last value */
	assert_int_equal(unlinkat(f->dirfd, old, 0), 0);
	fixture_refresh(f, old);
	assert_int_equal(live_files(f), 1);
	assert_int_equal(kept_hits(f), 6);
	/* remembered while its writer runs, in case it comes back */
	assert_int_equal(prog(f)->ngone, 1);
	mmstats_close(b);
	mmstats_remove(a);
}

/*
 * The second file is judged another user's for a while (its owner
 * changed: shown under /files only), then given back.
 */
static void test_flapping_owner(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = open_stats(f, "a", 3), *b = open_stats(f, "b", 5);

	if (geteuid() != 0) {
		mmstats_remove(b);
		mmstats_remove(a);
		skip();
	}
	fixture_refresh(f, base(a));
	fixture_refresh(f, base(b));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fchownat(f->dirfd, base(b), 65534, 65534, 0),
				 0);
		fixture_refresh(f, base(b));
		assert_int_equal(live_files(f), 1);
		assert_int_equal(kept_hits(f), 5 + i);
		mmstats_incr(mmstats_field(b, 0), 1);
		assert_int_equal(fchownat(f->dirfd, base(b), 0, 0, 0), 0);
		fixture_refresh(f, base(b));
		assert_int_equal(live_files(f), 2);
		assert_int_equal(kept_hits(f), 0);
	}
	assert_int_equal(prog(f)->ngone, 0);
	mmstats_remove(b);
	mmstats_remove(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_renamed_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flapping_owner, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
