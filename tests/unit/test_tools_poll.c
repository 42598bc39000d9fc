/*
 * test_tools_poll.c - pollstats' sums, with files written by the real
 * library in this process: changes per sample, files that appear
 * (counted from when first seen), files that go (never negative),
 * replaced files (a new inode is a new file), what fields are (from the
 * first file with notes, maybe late), floats, filters, files of dead writers (left
 * out unless `all`), strings (their texts) and fields no file has.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/pollsample.h"
#include "reader_build.h"
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
	/* new after the first sample: its start, not a spike of its life */
	assert_true(sample(&f) == 0);
	assert_true(f.p.value[0] == 5);		/* but its value is there */
	mmstats_incr(jobs(a), 3);
	assert_true(sample(&f) == 3);		/* the change */
	assert_true(sample(&f) == 0);
	b = open_file("b.mmstats");
	mmstats_incr(jobs(b), 10);
	mmstats_incr(jobs(a), 1);
	assert_true(sample(&f) == 1);		/* b only starts */
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
	assert_true(sample(&f) == 0);		/* b's 22 are not c's */
	mmstats_incr(jobs(c), 4);
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
	assert_true(sample(&f) == 0);
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
	assert_true(f.p.failed);		/* but said, and the status says it */
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/junk.mmstats", testdir_group);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(mmstats_remove(a), 0);
	assert_int_equal(mmstats_remove(s), 0);
	fixture_free(&f);
}

/* Make the file's writer look gone: a pid no process can hold. */
static void bury(const char *name)
{
	struct mmstats_snapshot snap;
	const struct mmstats_stat *st;
	uint64_t dead = 1u << 30;
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", testdir_group, name);
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, &snap), 0);
	st = mmstats_snapshot_find(&snap, "sys.pid");
	assert_non_null(st);
	assert_int_equal(st->value.kind, MMSTATS_KIND_UINT);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &dead, sizeof(dead), st->value_offset),
			 sizeof(dead));
	close(fd);
	mmstats_snapshot_free(&snap);
}

static void test_dead_writers_and_strings(void **state)
{
	static const struct mmstats_field_def tdefs[] = {
		MMSTATS_DEF("jobs.count", MMSTATS_COUNTER),
		MMSTATS_DEF_SIZED("state", MMSTATS_STRING, 16),
	};
	struct mmstats_options o = { .path = testdir_group };
	struct mmstats *a = NULL, *b = NULL;
	char *fields[3] = { "jobs.count", "state", "none" };
	char *args[1] = { testdir_group };
	struct filter filter = FILTER_INIT;
	struct poller p;

	(void)state;
	o.filename = "a.mmstats";
	assert_int_equal(mmstats_open(tdefs, 2, &o, &a), 0);
	o.filename = "b.mmstats";
	assert_int_equal(mmstats_open(tdefs, 2, &o, &b), 0);
	mmstats_incr(mmstats_field(a, 0), 3);
	mmstats_incr(mmstats_field(b, 0), 40);
	mmstats_set_string(mmstats_field(a, 1), "idle");
	mmstats_set_string(mmstats_field(b, 1), "busy");
	bury("b.mmstats");
	assert_int_equal(filter_add(&filter, "jobs.count"), 0);
	assert_int_equal(poller_init(&p, fields, 3, &filter, args, 1), 0);
	assert_int_equal(poll_start(&p), 0);
	assert_false(p.failed);
	assert_int_equal(p.read, 2);
	assert_int_equal(p.counted, 1);		/* b's writer is gone */
	assert_true(p.delta[0] == 3);
	assert_true(p.found[0] && p.found[1] && !p.found[2]);
	assert_true(p.found_stale[0] && !p.found_stale[2]);
	assert_false(p.numeric[1]);
	assert_int_equal(p.texts[1].n, 1);
	assert_string_equal(p.texts[1].v[0], "idle");
	poller_free(&p);
	/* All: b counts, and its text joins a's. */
	assert_int_equal(poller_init(&p, fields, 3, &filter, args, 1), 0);
	p.all = true;
	assert_int_equal(poll_start(&p), 0);
	assert_int_equal(p.counted, 2);
	assert_true(p.delta[0] == 43);
	assert_int_equal(p.texts[1].n, 2);
	mmstats_set_string(mmstats_field(b, 1), "idle");
	assert_int_equal(poll_sample(&p), 0);
	assert_int_equal(p.texts[1].n, 1);	/* the same text, once */
	assert_true(p.delta[0] == 0);
	poller_free(&p);
	filter_free(&filter);
	assert_int_equal(mmstats_remove(a), 0);
	assert_int_equal(mmstats_remove(b), 0);
}

/*
 * Every file planting a text of its own: the poller keeps them only until
 * they are wider, joined, than the column, so that N such files do not
 * cost N searches through N texts every sample.
 */
static void test_texts_stop_at_column_width(void **state)
{
	static const struct mmstats_field_def sdefs[] = {
		MMSTATS_DEF_SIZED("state", MMSTATS_STRING, 16),
	};
	struct mmstats_options o = { .path = testdir_group };
	struct mmstats *s[10] = { NULL };
	char *fields[1] = { "state" };
	char *args[1] = { testdir_group };
	struct filter filter = FILTER_INIT;
	size_t limit[1] = { 5 }, i;
	char name[32];
	struct poller p;

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "s%zu.mmstats", i);
		o.filename = name;
		assert_int_equal(mmstats_open(sdefs, 1, &o, &s[i]), 0);
		snprintf(name, sizeof(name), "s%zu", i);
		mmstats_set_string(mmstats_field(s[i], 0), name);
	}
	assert_int_equal(filter_add(&filter, "state"), 0);
	assert_int_equal(poller_init(&p, fields, 1, &filter, args, 1), 0);
	p.text_limits = limit;
	assert_int_equal(poll_start(&p), 0);
	assert_int_equal(p.counted, 10);
	/* "s0,s1" fits in 5; "s0,s1,s2" does not, and ends the list. */
	assert_int_equal(p.texts[0].n, 3);
	assert_string_equal(p.texts[0].v[2], "s2");
	assert_int_equal(p.texts_width[0], 8);
	/* Each sample starts again: the same, not more. */
	assert_int_equal(poll_sample(&p), 0);
	assert_int_equal(p.texts[0].n, 3);
	poller_free(&p);
	/* Without a limit, every distinct text, once. */
	assert_int_equal(poller_init(&p, fields, 1, &filter, args, 1), 0);
	assert_int_equal(poll_start(&p), 0);
	assert_int_equal(p.texts[0].n, 10);
	assert_int_equal(p.texts_width[0], 10 * 2 + 9);
	poller_free(&p);
	filter_free(&filter);
	for (i = 0; i < 10; i++)
		assert_int_equal(mmstats_remove(s[i]), 0);
}

/*
 * A field learned late: the reference's file says nothing of jobs.count;
 * when a file with notes comes, the poller says so, and its title
 * changes with its meaning.
 */
static void test_metric_learned_late(void **state)
{
	struct fbuild *fb = malloc(sizeof(*fb));
	uint64_t slots[2] = { 0, 3 };
	struct mmstats *a;
	struct fixture f;
	char path[128], *t;

	(void)state;
	assert_non_null(fb);
	fb_init(fb);
	fb_field(fb, "jobs.count", "Q", 0, slots, sizeof(slots));
	fb_pad(fb);
	snprintf(path, sizeof(path), "%s/ref.mmstats", testdir_group);
	assert_int_equal(fb_write(fb, path), 0);
	free(fb);
	fixture_init(&f);
	assert_int_equal(poll_start(&f.p), 0);
	assert_true(f.p.delta[0] == 3);
	assert_false(f.p.learned);
	assert_false(poll_is_rate(&f.p, 0));
	t = poll_title(&f.p, 0, "jobs.count");
	assert_string_equal(t, "jobs.count");
	free(t);
	a = open_file("a.mmstats");
	assert_true(sample(&f) == 0);
	assert_true(f.p.learned);
	assert_true(poll_is_rate(&f.p, 0));
	t = poll_title(&f.p, 0, "jobs.count");
	assert_string_equal(t, "jobs.count/s");
	free(t);
	assert_true(sample(&f) == 0);
	assert_false(f.p.learned);		/* said once */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mmstats_remove(a), 0);
	fixture_free(&f);
}

static void test_start_says_what_is_missing(void **state)
{
	char *fields[1] = { "jobs.count" };
	char *args[1] = { "/nonexistent.dir/x.mmstats" };
	struct filter filter = FILTER_INIT;
	struct poller p;

	(void)state;
	assert_int_equal(filter_add(&filter, "jobs.count"), 0);
	assert_int_equal(poller_init(&p, fields, 1, &filter, args, 1), 0);
	assert_int_equal(poll_start(&p), 0);
	assert_true(p.failed);			/* said on stderr */
	assert_int_equal(p.read, 0);
	poller_free(&p);
	/* Later, a file that went is no error: writers exit. */
	assert_int_equal(poller_init(&p, fields, 1, &filter, args, 1), 0);
	assert_int_equal(poll_sample(&p), 0);
	assert_false(p.failed);
	poller_free(&p);
	filter_free(&filter);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_and_files_that_come_and_go),
		cmocka_unit_test(test_filters_and_missing_fields),
		cmocka_unit_test(test_dead_writers_and_strings),
		cmocka_unit_test(test_texts_stop_at_column_width),
		cmocka_unit_test(test_metric_learned_late),
		cmocka_unit_test(test_start_says_what_is_missing),
	};

	return testdir_run_group("test_tools_poll", tests);
}
