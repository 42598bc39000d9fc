/*
 * test_fs_kept.c - what a program's kept counters (kept.h) may cost:
 * capped by the owner's budget, a label kept in O(1) whatever the order
 * labels come in, and a file made again by a live writer counted anew.
 *
 * This process writes the files and stays: each file removed leaves its
 * counters kept and a record of them (its writer runs: it may come back).
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

#define PROG		"test_fs_kept"
#define ROUNDS		40
#define PER_ROUND	5000	/* 200,000 labels in all */

static int setup(void **state)
{
	return fixture_setup(state, PROG);
}

static int teardown(void **state)
{
	return fixture_teardown(state);
}

/* A file of this process of n counters from labels[], each set to v. */
static struct mmstats *open_file(struct fixture *f, const char *tag,
				 char (*labels)[16], size_t n, uint64_t v)
{
	struct mmstats_field_def *defs = calloc(n, sizeof(*defs));
	char name[64];
	struct mmstats_options o = { .path = f->dir, .filename = name };
	struct mmstats *s;
	size_t i;

	assert_non_null(defs);
	for (i = 0; i < n; i++)
		defs[i] = (struct mmstats_field_def)MMSTATS_DEF(labels[i],
							       MMSTATS_COUNTER);
	snprintf(name, sizeof(name), "%s-{PID}.mmstats", tag);
	assert_int_equal(mmstats_open(defs, n, &o, &s), 0);
	free(defs);
	for (i = 0; i < n; i++)
		mmstats_incr(mmstats_field(s, i), v);
	fixture_refresh(f, strrchr(mmstats_filename(s), '/') + 1);
	return s;
}

/* Remove s, as its writer would, and let the daemon see it go. */
static void remove_file(struct fixture *f, struct mmstats *s)
{
	char name[256];

	snprintf(name, sizeof(name), "%s",
		 strrchr(mmstats_filename(s), '/') + 1);
	assert_int_equal(mmstats_remove(s), 0);
	fixture_refresh(f, name);
}

static const struct mfs_prog *prog(struct fixture *f)
{
	const struct mfs_proc *p = mfs_model_proc(&f->model, getpid());

	assert_non_null(p);
	assert_non_null(p->prog);
	return p->prog;
}

/* Kept labels and values recorded, over the program's sets. */
static size_t kept_labels(struct fixture *f)
{
	const struct mfs_prog *g = prog(f);
	size_t i, n = 0;

	for (i = 0; i < g->nretired; i++)
		n += g->retired[i].n;
	return n;
}

static size_t recorded(struct fixture *f)
{
	const struct mfs_prog *g = prog(f);
	size_t i, n = 0;

	for (i = 0; i < g->ngone; i++)
		n += g->gone[i].n;
	return n;
}

/*
 * ROUNDS files of PER_ROUND new labels each come and go, the labels in
 * descending order (each new one sorts first: a sorted array moves all
 * the others at each insert).  Returns the labels offered.
 */
static size_t churn(struct fixture *f)
{
	char (*labels)[16] = calloc(PER_ROUND, sizeof(*labels));
	unsigned next = ROUNDS * PER_ROUND;
	struct mmstats *s;
	size_t r, i;

	assert_non_null(labels);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < PER_ROUND; i++)
			snprintf(labels[i], sizeof(labels[i]), "c%07u",
				 next--);
		s = open_file(f, "worker", labels, PER_ROUND, 1);
		remove_file(f, s);
	}
	free(labels);
	return ROUNDS * PER_ROUND;
}

/* An anchor file keeps the program alive while workers' files go. */
static struct mmstats *anchor(struct fixture *f)
{
	char label[1][16] = { "anchor" };

	return open_file(f, "anchor", label, 1, 1);
}

/* With the default budget, 200,000 labels offered: the cap holds. */
static void test_cap_holds(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = anchor(f);
	const struct mfs_owner *o;
	size_t max = f->model.limits.owner_fields;

	assert_true(churn(f) > max);
	o = mfs_owner_find(&f->model.owners, geteuid());
	assert_non_null(o);
	assert_true(kept_labels(f) + recorded(f) <= max);
	assert_true(o->kept <= max);
	assert_int_equal(o->kept, kept_labels(f) + recorded(f));
	assert_true(kept_labels(f) > 0);	/* the first ones were kept */
	remove_file(f, a);
	/*
	 * Left without a file, the process would stay for its program's
	 * sake at the cost of one kept counter, which the full budget has
	 * no room for: it goes, the program with it, and so does the charge.
	 */
	assert_null(mfs_model_proc(&f->model, getpid()));
	o = mfs_owner_find(&f->model.owners, geteuid());
	assert_true(!o || (o->kept == 0 && o->kept_bytes == 0));
}

/*
 * Without a budget all 200,000 are kept, each at its value: with a
 * sorted array this takes minutes (about 2e12 bytes moved), with the
 * hash index a second or so.
 */
static void test_many_labels_not_quadratic(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a;
	const struct mfs_kept *k;
	size_t n;

	f->model.limits.owner_fields = 0;
	f->model.limits.owner_bytes = 0;
	a = anchor(f);
	n = churn(f);
	assert_int_equal(kept_labels(f), n);
	assert_int_equal(recorded(f), n);
	assert_int_equal(prog(f)->nretired, 1);
	k = mfs_retired_find(&prog(f)->retired[0], "c0000001");
	assert_non_null(k);
	assert_true(k->sum == 1);
	k = mfs_retired_find(&prog(f)->retired[0], "c0200000");
	assert_non_null(k);
	assert_true(k->sum == 1);
	assert_null(mfs_retired_find(&prog(f)->retired[0], "c0200001"));
	remove_file(f, a);
}

/*
 * A live writer makes a file, counts to 7, removes it, and again, 40
 * times: each file is another (its sys.created differs), so the program
 * keeps 7 of each, 280, and records each (its writer runs).
 */
static void test_made_again_counts_anew(void **state)
{
	struct fixture *f = *state;
	char label[1][16] = { "hits" };
	struct mmstats *a = anchor(f), *s;
	const struct mfs_owner *o;
	const struct mfs_kept *k;
	int i;

	for (i = 0; i < 40; i++) {
		s = open_file(f, "again", label, 1, 7);
		remove_file(f, s);
	}
	k = mfs_retired_find(&prog(f)->retired[0], "hits");
	assert_non_null(k);
	assert_true(k->sum == 40 * 7);
	assert_int_equal(prog(f)->ngone, 40);
	remove_file(f, a);
	/* without a file, the process stays for its program, charged one */
	o = mfs_owner_find(&f->model.owners, geteuid());
	assert_non_null(o);
	assert_int_equal(o->kept, kept_labels(f) + recorded(f) + 1);
	/* until it exits (this process's pidfd would say so): all goes */
	mfs_model_proc_exit(&f->model, getpid(), &f->ch);
	assert_null(mfs_model_proc(&f->model, getpid()));
	o = mfs_owner_find(&f->model.owners, geteuid());
	assert_true(!o || (o->kept == 0 && o->kept_bytes == 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cap_holds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_many_labels_not_quadratic,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_made_again_counts_anew,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
