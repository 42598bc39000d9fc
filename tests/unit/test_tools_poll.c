/*
 * test_tools_poll.c - pollstats' sums, with files written by the real
 * library in this process: changes per sample, files that appear
 * (counted whole), files that go (never negative), replaced files (a new
 * inode is a new file), floats, filters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/pollsample.h"
#include "testdir.h"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("jobs.count", MMSTATS_COUNTER),
	MMSTATS_DEF("load", MMSTATS_DOUBLE),
};

static struct mmstats *open_file(const char *name)
{
	struct mmstats_options o = { .path = testdir_group, .filename = name };
	struct mmstats *s = NULL;

	assert_int_equal(mmstats_open(defs, 2, &o, &s), 0);
	return s;
}

static void rename_in_dir(const char *from, const char *to)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/%s", testdir_group, from);
	snprintf(b, sizeof(b), "%s/%s", testdir_group, to);
	assert_int_equal(rename(a, b), 0);
}

static struct mmstats_field *jobs(struct mmstats *s)
{
	return mmstats_field_by_label(s, "jobs.count");
}

struct fixture {
	char *fields[2];
	char *args[1];
	struct filter filter;
	struct poller p;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->fields[0] = "jobs.count";
	f->fields[1] = "load";
	f->args[0] = testdir_group;
	assert_int_equal(filter_add(&f->filter, "jobs.count"), 0);
	assert_int_equal(poller_init(&f->p, f->fields, 2, &f->filter,
				     f->args, 1), 0);
}

static void fixture_free(struct fixture *f)
{
	poller_free(&f->p);
	filter_free(&f->filter);
}

static long double sample(struct fixture *f)
{
	assert_int_equal(poll_sample(&f->p), 0);
	return f->p.delta[0];
}

static void test_changes_and_files_that_come_and_go(void **state)
{
	struct mmstats *a, *b, *c;
	struct fixture f;

	(void)state;
	fixture_init(&f);
	assert_true(sample(&f) == 0);		/* nothing there yet */
	a = open_file("a.mmstats");
	mmstats_incr(jobs(a), 5);
	assert_true(sample(&f) == 5);		/* new: its whole value */
	mmstats_incr(jobs(a), 3);
	assert_true(sample(&f) == 3);		/* the change */
	assert_true(sample(&f) == 0);
	b = open_file("b.mmstats");
	mmstats_incr(jobs(b), 10);
	mmstats_incr(jobs(a), 1);
	assert_true(sample(&f) == 11);		/* summed over files */
	assert_int_equal(mmstats_remove(a), 0);
	mmstats_incr(jobs(b), 2);
	assert_true(sample(&f) == 2);		/* a's 9 do not go negative */
	/*
	 * A new file under an old name is a new file.  It takes the name
	 * while b is still open, so that it cannot get b's inode number
	 * (a removed file's number is soon reused on ext4).
	 */
	c = open_file("c.mmstats");
	mmstats_incr(jobs(c), 4);
	rename_in_dir("c.mmstats", "b.mmstats");
	mmstats_close(b);
	assert_true(sample(&f) == 4);
	assert_false(f.p.floating[0]);
	mmstats_set_double(mmstats_field_by_label(c, "load"), 2.5);
	sample(&f);
	assert_true(f.p.delta[1] == 2.5);
	assert_true(f.p.floating[1]);
	rename_in_dir("b.mmstats", "c.mmstats");
	assert_int_equal(mmstats_remove(c), 0);
	assert_true(sample(&f) == 0);
	fixture_free(&f);
}

static void test_filters_and_missing_fields(void **state)
{
	static const struct mmstats_field_def other[] = {
		MMSTATS_DEF("other.count", MMSTATS_COUNTER),
	};
	struct mmstats_options o = {
		.path = testdir_group, .filename = "o.mmstats",
	};
	struct mmstats *s = NULL, *a;
	struct fixture f;

	(void)state;
	fixture_init(&f);
	/* A file without the fields matches no filter and adds nothing. */
	assert_int_equal(mmstats_open(other, 1, &o, &s), 0);
	mmstats_incr(mmstats_field(s, 0), 7);
	assert_true(sample(&f) == 0);
	a = open_file("a.mmstats");
	mmstats_incr(jobs(a), 2);
	assert_true(sample(&f) == 2);
	/* An unreadable file in the directory is skipped, not fatal. */
	{
		char path[128];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/junk.mmstats", testdir_group);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs("not mmstats", fp);
		fclose(fp);
	}
	mmstats_incr(jobs(a), 1);
	assert_true(sample(&f) == 1);
	assert_int_equal(mmstats_remove(a), 0);
	assert_int_equal(mmstats_remove(s), 0);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_and_files_that_come_and_go),
		cmocka_unit_test(test_filters_and_missing_fields),
	};

	return testdir_run_group("test_tools_poll", tests);
}
