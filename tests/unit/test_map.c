/*
 * test_map.c - mmstats_map: a file parsed once, its values loaded again
 * and again, and told when its shape changes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstats.h"
#include "reader_build.h"
#include "testdir.h"

static struct fbuild fb;

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
	MMSTATS_DEF("load", MMSTATS_DOUBLE),
	MMSTATS_DEF_SIZED("state", MMSTATS_STRING, 300),
	MMSTATS_DEF("small", MMSTATS_INT16),
};

static struct mmstats *writer(const char *name)
{
	struct mmstats_options o = {
		.path = testdir_group, .filename = name,
		.flags = MMSTATS_NO_DEFAULT_FIELDS,
	};
	struct mmstats *s;

	assert_int_equal(mmstats_open(defs, 4, &o, &s), 0);
	return s;
}

static struct mmstats_map *map_of(const char *path, int want)
{
	struct mmstats_map *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(mmstats_map_fd(fd, &m), want);
	assert_non_null(m);
	return m;
}

/* Values follow the writer's stores; the snapshot keeps those of the map. */
static void test_values_follow_the_writer(void **state)
{
	struct mmstats *s = writer("live.mmstats");
	struct mmstats_map *m;
	struct mmstats_value v;
	struct stat st;
	char buf[300];

	(void)state;
	mmstats_incr(mmstats_field(s, 0), 5);
	assert_int_equal(mmstats_map_at(AT_FDCWD, mmstats_filename(s), &m), 0);
	assert_int_equal(mmstats_map_fields(m)->nstats, 4);
	mmstats_incr(mmstats_field(s, 0), 2);
	mmstats_set_double(mmstats_field(s, 1), 0.25);
	mmstats_set_string(mmstats_field(s, 2), "busy");
	mmstats_set_i16(mmstats_field(s, 3), -7);
	assert_int_equal(mmstats_map_value(m, 0, &v, NULL, 0, &st), 0);
	assert_int_equal(v.v.u, 7);
	assert_int_equal(st.st_size, 4096);
	assert_int_equal(mmstats_map_value(m, 1, &v, NULL, 0, NULL), 0);
	assert_true(v.v.d == 0.25);
	assert_int_equal(mmstats_map_value(m, 3, &v, NULL, 0, NULL), 0);
	assert_int_equal(v.v.i, -7);
	assert_int_equal(mmstats_map_value(m, 2, &v, buf, sizeof(buf), NULL),
			 0);
	assert_int_equal(v.kind, MMSTATS_KIND_STRING);
	assert_int_equal(v.v.str.len, 4);
	assert_memory_equal(v.v.str.ptr, "busy", 4);
	/* a string needs room for its whole field */
	assert_int_equal(mmstats_map_value(m, 2, &v, buf, 299, NULL),
			 -ENOBUFS);
	assert_int_equal(mmstats_map_value(m, 4, &v, NULL, 0, NULL), -EINVAL);
	assert_int_equal(mmstats_map_fields(m)->stats[0].value.v.u, 5);
	assert_int_equal(mmstats_map_changed(m), 0);
	mmstats_map_close(m);
	mmstats_remove(s);
}

/* A field added, in the same page or past it: the map says so. */
static void test_added_fields_change_the_shape(void **state)
{
	struct mmstats *s = writer("adding.mmstats");
	struct mmstats_field_def def = { .type = MMSTATS_STATIC_UINT64 };
	struct mmstats_map *m, *again;
	char label[32];
	int i;

	(void)state;
	assert_int_equal(mmstats_map_at(AT_FDCWD, mmstats_filename(s), &m), 0);
	def.label = "late";
	def.value.u = 42;
	assert_int_equal(mmstats_add_field(s, &def, NULL), 0);
	assert_int_equal(mmstats_map_changed(m), 1);
	assert_int_equal(mmstats_map_at(AT_FDCWD, mmstats_filename(s),
					&again), 0);
	assert_int_equal(mmstats_map_fields(again)->nstats, 5);
	assert_int_equal(mmstats_map_fields(again)->stats[4].value.v.u, 42);
	assert_int_equal(mmstats_map_changed(again), 0);
	def.label = label;
	for (i = 0; i < 300; i++) {	/* the file grows */
		snprintf(label, sizeof(label), "grown.%03d", i);
		assert_int_equal(mmstats_add_field(s, &def, NULL), 0);
	}
	assert_int_equal(mmstats_map_changed(again), 1);
	mmstats_map_close(again);
	mmstats_map_close(m);
	mmstats_remove(s);
}

/*
 * The reference's packed files end anywhere, odd offsets too: a field
 * written after the end is seen there.
 */
static void test_packed_file_ends_at_odd_offsets(void **state)
{
	const char *path = tmp_path("packed.mmstats");
	struct mmstats_map *m;
	struct fbuild more;
	size_t end;
	int fd;

	(void)state;
	fb_init(&fb);
	fb_u64(&fb, "a", 1);		/* 1 + 2+1+2+1+1+8: ends at 16 */
	fb_u64(&fb, "bcd", 2);		/* then at 33 */
	end = fb.len;
	assert_true(end % 2 == 1);
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	m = map_of(path, 0);
	assert_int_equal(mmstats_map_changed(m), 0);
	fb_init(&more);
	more.len = 0;
	fb_u64(&more, "late", 3);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_int_equal(pwrite(fd, more.buf, more.len, (off_t)end),
			 (ssize_t)more.len);
	close(fd);
	assert_int_equal(mmstats_map_changed(m), 1);
	mmstats_map_close(m);
	m = map_of(path, 0);
	assert_int_equal(mmstats_map_fields(m)->nstats, 3);
	mmstats_map_close(m);
}

/*
 * Touched, written past its end, a value changed: the same fields.
 * Rewritten in place with another label of the same size: not.
 */
static void test_what_changes_the_shape(void **state)
{
	const char *path = tmp_path("shape.mmstats");
	struct mmstats_map *m;
	struct mmstats_value v;
	uint64_t val = 77;
	int fd;

	(void)state;
	fb_init(&fb);
	fb_u64(&fb, "alpha", 1);
	fb_u64(&fb, "beta", 2);
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	m = map_of(path, 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, NULL), 0);
	assert_int_equal(mmstats_map_changed(m), 0);
	assert_int_equal(pwrite(fd, "\0\0\0\0", 4, (off_t)fb.len), 4);
	assert_int_equal(mmstats_map_changed(m), 0);
	assert_int_equal(pwrite(fd, &val, 8, (off_t)
			 mmstats_map_fields(m)->stats[1].value_offset), 8);
	assert_int_equal(mmstats_map_changed(m), 0);
	/* the value was written with write(): read again, and right */
	assert_int_equal(mmstats_map_value(m, 1, &v, NULL, 0, NULL), 0);
	assert_int_equal(v.v.u, 77);
	assert_int_equal(pwrite(fd, "gamma", 5, 3), 5);	/* alpha's label */
	assert_int_equal(mmstats_map_changed(m), 1);
	close(fd);
	mmstats_map_close(m);
}

/*
 * Grown past what a reader accepts after it was mapped (as `truncate -s`
 * does to a good file): changed, so that a new map, which refuses it,
 * is made; until then the old map still reads the fields it found.
 */
static void test_grown_past_the_limit(void **state)
{
	const char *path = tmp_path("grown.mmstats");
	struct mmstats_map *m, *again;
	struct mmstats_value v;

	(void)state;
	fb_init(&fb);
	fb_u64(&fb, "alpha", 1);
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	m = map_of(path, 0);
	assert_int_equal(truncate(path, MMSTATS_MAX_FILE_SIZE), 0);
	assert_int_equal(mmstats_map_changed(m), 0);	/* zeros appended */
	assert_int_equal(truncate(path, MMSTATS_MAX_FILE_SIZE + 1), 0);
	assert_int_equal(mmstats_map_changed(m), 1);
	assert_int_equal(mmstats_map_value(m, 0, &v, NULL, 0, NULL), 0);
	assert_int_equal(v.v.u, 1);
	again = map_of(path, -EFBIG);
	assert_int_equal(mmstats_map_fields(again)->nstats, 0);
	mmstats_map_close(again);
	mmstats_map_close(m);
}

/* A bad field: the fields before it, and the map is always "changed". */
static void test_bad_field_keeps_what_is_before(void **state)
{
	const char *path = tmp_path("bad.mmstats");
	struct mmstats_map *m;
	uint64_t v = 9;

	(void)state;
	fb_init(&fb);
	fb_u64(&fb, "good", 7);
	fb_field(&fb, "bad", "Z", 0xff, &v, sizeof(v));
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	m = map_of(path, -EBADMSG);
	assert_int_equal(mmstats_map_fields(m)->nstats, 1);
	assert_non_null(strstr(mmstats_map_fields(m)->errmsg, "Z"));
	assert_int_equal(mmstats_map_changed(m), 1);
	mmstats_map_close(m);
}

/* Empty and too big: described, not mapped; a pipe cannot be mapped. */
static void test_files_that_are_not_mapped(void **state)
{
	const char *path = tmp_path("empty.mmstats");
	struct mmstats_map *m;
	int fd, p[2];

	(void)state;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(mmstats_map_fd(fd, &m), -ENODATA);
	assert_non_null(m);
	assert_int_equal(mmstats_map_fields(m)->nstats, 0);
	assert_int_equal(mmstats_map_changed(m), 1);
	mmstats_map_close(m);	/* and fd with it */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(mmstats_map_fd(p[0], &m), -EINVAL);
	assert_null(m);
	close(p[0]);		/* still ours */
	close(p[1]);
	assert_int_equal(mmstats_map_at(AT_FDCWD, testdir_group, &m), -EISDIR);
	assert_null(m);
}

/* The map of `path` within `lim`, which returns `want`. */
static struct mmstats_map *map_within(const char *path,
				      const struct mmstats_limits *lim,
				      int want)
{
	struct mmstats_map *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(mmstats_map_fd_within(fd, lim, &m), want);
	assert_non_null(m);
	return m;
}

/* n fields "f.000"... holding 10 times their index; its path. */
static const char *many_fields(const char *name, int n)
{
	const char *path = tmp_path(name);
	char label[16];
	int i;

	fb_init(&fb);
	for (i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "f.%03d", i);
		fb_u64(&fb, label, 10 * (uint64_t)i);
	}
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	return path;
}

/* Each field of many_fields() takes 2+5+2+1+1+8 bytes after the version. */
#define MANY_FIELD_SIZE	19

/* 100 fields, 10 read: those whole and right, the rest said to be left. */
static void test_limit_of_fields(void **state)
{
	const struct mmstats_limits lim = { .max_fields = 10 };
	const struct mmstats_snapshot *f;
	struct mmstats_map *m;
	struct mmstats_value v;
	char want[160];
	size_t i;

	(void)state;
	m = map_within(many_fields("hundred.mmstats", 100), &lim, -E2BIG);
	f = mmstats_map_fields(m);
	assert_int_equal(f->nstats, 10);
	assert_int_equal(f->err, -E2BIG);
	snprintf(want, sizeof(want), "more than 10 fields: fields from offset "
		 "%d on are not read", 1 + 10 * MANY_FIELD_SIZE);
	assert_string_equal(f->errmsg, want);
	for (i = 0; i < 10; i++) {
		assert_int_equal(f->stats[i].value.v.u, 10 * i);
		assert_int_equal(mmstats_map_value(m, i, &v, NULL, 0, NULL),
				 0);
		assert_int_equal(v.kind, MMSTATS_KIND_UINT);
		assert_int_equal(v.v.u, 10 * i);
	}
	assert_string_equal(f->stats[9].label, "f.009");
	assert_int_equal(mmstats_map_value(m, 10, &v, NULL, 0, NULL),
			 -EINVAL);
	mmstats_map_close(m);
}

/*
 * Labels of 1, 2, 3, ... 9 bytes (sums 1, 3, 6, 10, 15, ...): a limit
 * of 12 bytes keeps the four that fit, one of 10 the same four.
 */
static void test_limit_of_label_bytes(void **state)
{
	const char *path = tmp_path("labels.mmstats");
	struct mmstats_limits lim = { .max_label_bytes = 12 };
	const struct mmstats_snapshot *f;
	struct mmstats_map *m;
	char label[16], want[160];
	size_t off = 0;
	int i;

	(void)state;
	fb_init(&fb);
	for (i = 1; i <= 9; i++) {
		memset(label, 'a' + i - 1, (size_t)i);
		label[i] = '\0';
		if (i == 5)
			off = fb.len;
		fb_u64(&fb, label, (uint64_t)i);
	}
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, path), 0);
	m = map_within(path, &lim, -E2BIG);
	f = mmstats_map_fields(m);
	assert_int_equal(f->nstats, 4);
	assert_string_equal(f->stats[3].label, "dddd");
	assert_int_equal(f->stats[3].value.v.u, 4);
	snprintf(want, sizeof(want), "labels of more than 12 bytes: fields "
		 "from offset %zu on are not read", off);
	assert_string_equal(f->errmsg, want);
	mmstats_map_close(m);
	lim.max_label_bytes = 10;	/* the four fill it exactly */
	m = map_within(path, &lim, -E2BIG);
	assert_int_equal(mmstats_map_fields(m)->nstats, 4);
	mmstats_map_close(m);
	lim.max_label_bytes = 9;
	m = map_within(path, &lim, -E2BIG);
	assert_int_equal(mmstats_map_fields(m)->nstats, 3);
	mmstats_map_close(m);
	lim.max_label_bytes = 45;	/* all nine, 1 + 2 + ... + 9 */
	m = map_within(path, &lim, 0);
	assert_int_equal(mmstats_map_fields(m)->nstats, 9);
	assert_int_equal(mmstats_map_fields(m)->err, 0);
	mmstats_map_close(m);
}

/*
 * A map stopped at its limit: fields added past it and bytes appended
 * are no change, a covered label rewritten in place or the file cut
 * are.
 */
static void test_limited_map_changes(void **state)
{
	const struct mmstats_limits lim = { .max_fields = 2 };
	struct mmstats *s = writer("limited.mmstats");
	struct mmstats_field_def def = { .type = MMSTATS_STATIC_UINT64 };
	struct mmstats_map *m;
	struct mmstats_value v;
	char label[32];
	int fd, i;

	(void)state;
	mmstats_incr(mmstats_field(s, 0), 3);
	m = map_within(mmstats_filename(s), &lim, -E2BIG);
	assert_int_equal(mmstats_map_fields(m)->nstats, 2);
	assert_int_equal(mmstats_map_changed(m), 0);
	def.label = "late";
	assert_int_equal(mmstats_add_field(s, &def, NULL), 0);
	assert_int_equal(mmstats_map_changed(m), 0);
	def.label = label;
	for (i = 0; i < 300; i++) {	/* the file grows past the mapping */
		snprintf(label, sizeof(label), "grown.%03d", i);
		assert_int_equal(mmstats_add_field(s, &def, NULL), 0);
	}
	assert_int_equal(mmstats_map_changed(m), 0);
	mmstats_incr(mmstats_field(s, 0), 4);
	assert_int_equal(mmstats_map_value(m, 0, &v, NULL, 0, NULL), 0);
	assert_int_equal(v.v.u, 7);
	fd = open(mmstats_filename(s), O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "x", 1, 1 << 20), 1);	/* appended */
	assert_int_equal(mmstats_map_changed(m), 0);
	assert_int_equal(pwrite(fd, "HITS", 4, 3), 4);	/* field 0's label */
	assert_int_equal(mmstats_map_changed(m), 1);
	assert_int_equal(pwrite(fd, "hits", 4, 3), 4);
	assert_int_equal(mmstats_map_changed(m), 0);
	assert_int_equal(ftruncate(fd, 100), 0);	/* cut in the mapping */
	assert_int_equal(mmstats_map_changed(m), 1);
	close(fd);
	mmstats_map_close(m);
	mmstats_remove(s);
}

/*
 * The label size of the field the parse stopped before is all it read
 * of it: another one there is a file rewritten in place.
 */
static void test_limited_map_stopping_field(void **state)
{
	const struct mmstats_limits lim = { .max_fields = 10 };
	const char *path = many_fields("stop.mmstats", 12);
	struct mmstats_map *m;
	uint16_t n = 4;
	int fd;

	(void)state;
	m = map_within(path, &lim, -E2BIG);
	assert_int_equal(mmstats_map_changed(m), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &n, 2, 1 + 10 * MANY_FIELD_SIZE), 2);
	assert_int_equal(mmstats_map_changed(m), 1);
	n = 5;
	assert_int_equal(pwrite(fd, &n, 2, 1 + 10 * MANY_FIELD_SIZE), 2);
	assert_int_equal(mmstats_map_changed(m), 0);
	assert_int_equal(pwrite(fd, "\2", 1, 0), 1);	/* version byte */
	assert_int_equal(mmstats_map_changed(m), 1);
	close(fd);
	mmstats_map_close(m);
}

/* Limits of 0, or above what the file holds, or just at it: no error. */
static void test_limits_that_do_not_bind(void **state)
{
	const struct mmstats_limits none = { 0 }, above = {
		.max_fields = 1000, .max_label_bytes = 100000,
	}, at = { .max_fields = 100, .max_label_bytes = 500 };
	const struct mmstats_limits *lims[] = { NULL, &none, &above, &at };
	const char *path = many_fields("loose.mmstats", 100);
	const struct mmstats_snapshot *f;
	struct mmstats_map *m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		m = map_within(path, lims[i], 0);
		f = mmstats_map_fields(m);
		assert_int_equal(f->nstats, 100);
		assert_int_equal(f->err, 0);
		assert_string_equal(f->errmsg, "");
		assert_int_equal(f->stats[99].value.v.u, 990);
		assert_int_equal(mmstats_map_changed(m), 0);
		mmstats_map_close(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_follow_the_writer),
		cmocka_unit_test(test_added_fields_change_the_shape),
		cmocka_unit_test(test_packed_file_ends_at_odd_offsets),
		cmocka_unit_test(test_what_changes_the_shape),
		cmocka_unit_test(test_grown_past_the_limit),
		cmocka_unit_test(test_bad_field_keeps_what_is_before),
		cmocka_unit_test(test_files_that_are_not_mapped),
		cmocka_unit_test(test_limit_of_fields),
		cmocka_unit_test(test_limit_of_label_bytes),
		cmocka_unit_test(test_limited_map_changes),
		cmocka_unit_test(test_limited_map_stopping_field),
		cmocka_unit_test(test_limits_that_do_not_bind),
	};

	return testdir_run_group("test_map", tests);
}
