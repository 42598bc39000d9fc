/*
 * test_parse.c - the reader on good, bad, hostile and changing files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstats.h"
#include "reader_build.h"
#include "testdir.h"

static struct fbuild fb;


static void *load_vector(const char *name, size_t *len)
{
	const char *dir = getenv("MMSTATS_VECTORS");
	struct mmstats_snapshot s;
	char path[1024];
	void *copy;

	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir :
		 "tests/vectors", name);
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, &s), 0);
	copy = malloc(s.size);
	assert_non_null(copy);
	memcpy(copy, s.data, s.size);
	*len = s.size;
	mmstats_snapshot_free(&s);
	return copy;
}

static int parse_fb(struct mmstats_snapshot *s)
{
	return mmstats_parse(fb.buf, fb.len, s);
}

/* The error names the field and its offset, in the snapshot and the
 * thread's last error alike. */
static void assert_error_at(const struct mmstats_snapshot *s, int err,
			    const char *where)
{
	assert_int_equal(s->err, err);
	if (!strstr(s->errmsg, where))
		fail_msg("\"%s\" does not say \"%s\"", s->errmsg, where);
	assert_non_null(strstr(mmstats_last_error(), where));
}

/* ------------------------------------------------------------------ */

static void test_empty_and_tiny(void **state)
{
	struct mmstats_snapshot s;
	static const unsigned char one = 1, zero = 0, two = 2;

	(void)state;
	assert_int_equal(mmstats_parse("", 0, &s), -ENODATA);
	assert_int_equal(s.nstats, 0);
	assert_error_at(&s, -ENODATA, "empty");
	mmstats_snapshot_free(&s);

	/* A version byte alone is a file with no fields. */
	assert_int_equal(mmstats_parse(&one, 1, &s), 0);
	assert_int_equal(s.nstats, 0);
	mmstats_snapshot_free(&s);

	assert_int_equal(mmstats_parse(&zero, 1, &s), -EPROTONOSUPPORT);
	assert_error_at(&s, -EPROTONOSUPPORT, "0x00");
	mmstats_snapshot_free(&s);
	assert_int_equal(mmstats_parse(&two, 1, &s), -EPROTONOSUPPORT);
	assert_error_at(&s, -EPROTONOSUPPORT, "0x02");
	mmstats_snapshot_free(&s);
}

static void test_zero_page(void **state)
{
	static unsigned char page[4096];
	struct mmstats_snapshot s;

	(void)state;
	assert_int_equal(mmstats_parse(page, sizeof(page), &s),
			 -EPROTONOSUPPORT);
	assert_int_equal(s.nstats, 0);
	mmstats_snapshot_free(&s);
	/* Version 1 then zeros: the first label size of 0 ends it. */
	page[0] = 1;
	assert_int_equal(mmstats_parse(page, sizeof(page), &s), 0);
	assert_int_equal(s.nstats, 0);
	mmstats_snapshot_free(&s);
}

/* Fewer than 2 bytes left, or a zero label size, end the file cleanly. */
static void test_clean_ends(void **state)
{
	struct mmstats_snapshot s;

	(void)state;
	fb_init(&fb);
	fb_u64(&fb, "a", 7);
	fb.buf[fb.len++] = 0x05;	/* one stray byte: not a size */
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, 1);
	mmstats_snapshot_free(&s);

	fb.len--;
	fb_u16(&fb, 0);
	fb_u64(&fb, "hidden", 1);	/* after the end: never read */
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, 1);
	assert_int_equal(s.stats[0].value.v.u, 7);
	mmstats_snapshot_free(&s);
}

static void build_two_good_fields(void)
{
	fb_init(&fb);
	fb_u64(&fb, "good.one", 1);
	fb_u64(&fb, "good.two", 2);
}

static void expect_bad_third(const char *what)
{
	struct mmstats_snapshot s;
	char where[64];

	assert_int_equal(parse_fb(&s), -EBADMSG);
	assert_int_equal(s.nstats, 2);
	assert_string_equal(s.stats[1].label, "good.two");
	assert_int_equal(s.stats[1].value.v.u, 2);
	snprintf(where, sizeof(where), "field 2 at offset %u",
		 s.stats[1].value_offset + s.stats[1].value_size);
	assert_error_at(&s, -EBADMSG, where);
	assert_error_at(&s, -EBADMSG, what);
	mmstats_snapshot_free(&s);
}

static void test_truncated_parts(void **state)
{
	uint64_t v = 3;

	(void)state;
	build_two_good_fields();
	fb_u16(&fb, 50);		/* label past the end */
	fb_bytes(&fb, "short", 5);
	expect_bad_third("label");

	build_two_good_fields();
	fb_u16(&fb, 3);
	fb_bytes(&fb, "abc", 3);
	fb.buf[fb.len++] = 1;		/* half a type size */
	expect_bad_third("type size");

	build_two_good_fields();
	fb_u16(&fb, 3);
	fb_bytes(&fb, "abc", 3);
	fb_u16(&fb, 9);			/* type signature past the end */
	fb_bytes(&fb, "Q", 1);
	expect_bad_third("type signature");

	build_two_good_fields();
	fb_u16(&fb, 3);
	fb_bytes(&fb, "abc", 3);
	fb_u16(&fb, 1);
	fb_bytes(&fb, "Q", 1);		/* no write-buffer byte */
	expect_bad_third("write buffer");

	build_two_good_fields();
	fb_field(&fb, "abc", "Q", 0xff, &v, 5);	/* value cut short */
	expect_bad_third("value");

	/* Buffered: both slots must be there, even the one not read. */
	build_two_good_fields();
	fb_field(&fb, "abc", "Q", 1, &v, 8);
	expect_bad_third("value");
}

static void test_bad_type_signatures(void **state)
{
	static const char *bad[] = {
		"Z", "3", "<n", "=P", "3 s", " <Q", "99999999999999999999s",
		"1099511627777s", "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
	};
	uint64_t v[64] = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_two_good_fields();
		fb_field(&fb, "abc", bad[i], 0xff, v, sizeof(v));
		expect_bad_third("type signature");
	}
	/* Control bytes never reach the message. */
	build_two_good_fields();
	fb_field(&fb, "abc", "Q\033[2J", 0xff, v, sizeof(v));
	expect_bad_third("\"Q?[2J\"");
	/* A NUL in the signature: CPython refuses it too. */
	build_two_good_fields();
	fb_u16(&fb, 3);
	fb_bytes(&fb, "abc", 3);
	fb_u16(&fb, 2);
	fb_bytes(&fb, "Q\0", 2);
	fb.buf[fb.len++] = 0xff;
	fb_bytes(&fb, v, 8);
	expect_bad_third("type signature");
}

static void test_write_buffer_index(void **state)
{
	uint64_t slots[2] = { 100, 200 };
	struct mmstats_snapshot s;

	(void)state;
	fb_init(&fb);
	fb_field(&fb, "wb0", "Q", 0, slots, sizeof(slots));
	fb_field(&fb, "wb1", "Q", 1, slots, sizeof(slots));
	fb_field(&fb, "unbuffered", "Q", 0xff, slots, 8);
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, 3);
	assert_true(s.stats[0].buffered);
	assert_int_equal(s.stats[0].value.v.u, 200);	/* index 0 ^ 1 */
	assert_int_equal(s.stats[1].value.v.u, 100);
	assert_false(s.stats[2].buffered);
	assert_int_equal(s.stats[2].value.v.u, 100);
	assert_int_equal(s.stats[1].value_offset, s.stats[1].offset + 2 + 3 +
			 2 + 1 + 1);
	assert_int_equal(s.stats[1].value_size, 8);
	mmstats_snapshot_free(&s);

	build_two_good_fields();
	fb_field(&fb, "wb2", "Q", 2, slots, sizeof(slots));
	expect_bad_third("write buffer index 2");
	build_two_good_fields();
	fb_field(&fb, "wb254", "Q", 254, slots, sizeof(slots));
	expect_bad_third("write buffer index 254");
}

static void test_type_whitespace_and_unsupported(void **state)
{
	uint64_t v = 42;
	char c[16] = "xyz";
	struct mmstats_snapshot s;

	(void)state;
	fb_init(&fb);
	fb_field(&fb, "padded", "   Q", 0xff, &v, 8);
	fb_field(&fb, "char", "c", 0xff, c, 1);
	fb_field(&fb, "pascal", "10p", 0xff, c, 10);
	fb_field(&fb, "pointer", "P", 0xff, &v, 8);
	fb_field(&fb, "nothing", "4x", 0xff, c, 4);
	fb_field(&fb, "empty", "", 0xff, c, 0);
	fb_field(&fb, "last", "Q", 0xff, &v, 8);
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, 7);
	assert_string_equal(s.stats[0].type, "Q");
	assert_int_equal(s.stats[0].value.v.u, 42);
	assert_int_equal(s.stats[1].value.kind, MMSTATS_KIND_UNSUPPORTED);
	assert_int_equal(s.stats[2].value.kind, MMSTATS_KIND_UNSUPPORTED);
	assert_int_equal(s.stats[2].value_size, 10);
	assert_int_equal(s.stats[3].value.kind, MMSTATS_KIND_UNSUPPORTED);
	assert_int_equal(s.stats[4].value.kind, MMSTATS_KIND_UNSUPPORTED);
	assert_int_equal(s.stats[5].value.kind, MMSTATS_KIND_UNSUPPORTED);
	assert_string_equal(s.stats[5].type, "");
	assert_string_equal(s.stats[6].label, "last");
	assert_int_equal(s.stats[6].value.v.u, 42);
	mmstats_snapshot_free(&s);
}

/*
 * value_offset is where the first item is, past the leading pad and the
 * alignment after it, as struct lays it out; value_size runs from there
 * to the end of the slot.
 */
static void test_value_offset(void **state)
{
	static const struct { const char *type; size_t item, size; } f[] = {
		{ "25xQ", 32, 40 }, { "24x4xQ", 32, 40 }, { "<24x4xQ", 28, 36 },
		{ "  3xi", 4, 8 }, { "24x5s", 24, 29 }, { "4x", 0, 4 },
	};
	uint64_t v = 0x0102030405060708ull;
	unsigned char slot[64];
	struct mmstats_snapshot s;
	size_t n = sizeof(f) / sizeof(*f);

	(void)state;
	fb_init(&fb);
	for (size_t i = 0; i < n; i++) {
		memset(slot, 0xee, sizeof(slot));
		memcpy(slot, "mmN1\x02\0\0\0", 8);	/* gauge */
		memset(slot + 8, 0, 16);
		memcpy(slot + f[i].item, &v, 8);
		fb_field(&fb, f[i].type, f[i].type, 0xff, slot, f[i].size);
	}
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, n);
	for (size_t i = 0; i < n; i++) {
		const struct mmstats_stat *st = &s.stats[i];
		size_t at = st->offset + 2 + strlen(f[i].type) + 2 +
			    strlen(f[i].type) + 1;

		assert_int_equal(st->value_offset, at + f[i].item);
		assert_int_equal(st->value_size, f[i].size - f[i].item);
		if (f[i].item)
			assert_memory_equal(s.data + st->value_offset, &v,
					    st->value_size < 8 ?
					    st->value_size : 8);
		assert_int_equal(st->notes.metric, f[i].item >= 24 ?
				 MMSTATS_METRIC_GAUGE : MMSTATS_METRIC_UNKNOWN);
	}
	assert_int_equal(s.stats[0].value.v.u, v);
	assert_int_equal(s.stats[1].value.v.u, v);
	assert_int_equal(s.stats[2].value.v.u, v);
	assert_int_equal(s.stats[3].value.v.i, (int32_t)v);
	assert_int_equal(s.stats[4].value.v.str.len, 5);
	mmstats_snapshot_free(&s);
}

/* Embedded NULs are dropped from stat.label (kept in raw_label), so the
 * label stays one C string; bad UTF-8 is dropped as Python's 'ignore'. */
static void test_labels(void **state)
{
	static const char nul_label[] = { 'a', '\0', 'b' };
	static const char bad_utf8[] = "caf\xc3\xa9\xff.x\xc3";
	struct mmstats_snapshot s;
	uint64_t v = 1;

	(void)state;
	fb_init(&fb);
	fb_field_raw(&fb, nul_label, 3, "Q", 0xff, &v, 8);
	fb_field_raw(&fb, bad_utf8, sizeof(bad_utf8) - 1, "Q", 0xff, &v, 8);
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, 2);
	assert_string_equal(s.stats[0].label, "ab");
	assert_int_equal(s.stats[0].raw_label_len, 3);
	assert_memory_equal(s.stats[0].raw_label, nul_label, 3);
	assert_string_equal(s.stats[1].label, "caf\xc3\xa9.x");
	assert_int_equal(s.stats[1].raw_label_len, sizeof(bad_utf8) - 1);
	assert_ptr_equal(mmstats_snapshot_find(&s, "b"), &s.stats[0]);
	assert_ptr_equal(mmstats_snapshot_find(&s, ".x"), &s.stats[1]);
	assert_null(mmstats_snapshot_find(&s, "nope"));
	mmstats_snapshot_free(&s);
}

/* Two labels end in "sys.pid": the last one counts, as in the reference. */
static void test_find_last(void **state)
{
	struct mmstats_snapshot s;
	uint64_t a = 1, b = 2;

	(void)state;
	fb_init(&fb);
	fb_field_raw(&fb, "app.sys.pid", 11, "Q", 0xff, &a, 8);
	fb_field_raw(&fb, "sys.pid", 7, "Q", 0xff, &b, 8);
	fb_field_raw(&fb, "other", 5, "Q", 0xff, &a, 8);
	assert_int_equal(parse_fb(&s), 0);
	assert_int_equal(s.nstats, 3);
	assert_ptr_equal(mmstats_snapshot_find(&s, "sys.pid"), &s.stats[1]);
	assert_ptr_equal(mmstats_snapshot_find(&s, "app.sys.pid"),
			 &s.stats[0]);
	mmstats_snapshot_free(&s);
}

static void test_strings(void **state)
{
	static const char val[8] = { 'h', 'i', '\0', 'x', '\xff', 0, 0, 0 };
	static const char bad[4] = { 'o', '\xff', 'k', '\xc3' };
	struct mmstats_snapshot s;
	const void *buf;

	(void)state;
	fb_init(&fb);
	fb_field(&fb, "s", "8s", 0xff, val, 8);
	fb_field(&fb, "bad", "4s", 0xff, bad, 4);
	fb_field(&fb, "none", "0s", 0xff, "", 0);
	buf = fb.buf;
	assert_int_equal(mmstats_parse(buf, fb.len, &s), 0);
	/* Strings live in the snapshot, not in the caller's buffer. */
	memset(fb.buf, 0, fb.len);
	assert_int_equal(s.stats[0].value.kind, MMSTATS_KIND_STRING);
	assert_int_equal(s.stats[0].value.v.str.len, 2);
	assert_string_equal(s.stats[0].value.v.str.ptr, "hi");
	assert_string_equal(s.stats[1].value.v.str.ptr, "ok");
	assert_int_equal(s.stats[2].value.v.str.len, 0);
	mmstats_snapshot_free(&s);
}

static void test_free_is_idempotent(void **state)
{
	struct mmstats_snapshot s;

	(void)state;
	memset(&s, 0, sizeof(s));
	mmstats_snapshot_free(&s);
	mmstats_snapshot_free(&s);
	mmstats_snapshot_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Hostile input: every truncation point, and random corruption.       */
/* ------------------------------------------------------------------ */

static void assert_prefix_of(const struct mmstats_snapshot *part,
			     const struct mmstats_snapshot *full)
{
	size_t i;

	assert_true(part->nstats <= full->nstats);
	for (i = 0; i < part->nstats; i++) {
		assert_string_equal(part->stats[i].label, full->stats[i].label);
		assert_int_equal(part->stats[i].value_offset,
				 full->stats[i].value_offset);
	}
}

static void truncate_everywhere(const char *name)
{
	struct mmstats_snapshot full, part;
	size_t len, cut;
	unsigned char *data = load_vector(name, &len);
	unsigned char *piece;
	int err;

	assert_int_equal(mmstats_parse(data, len, &full), 0);
	for (cut = 0; cut <= len; cut++) {
		/* An exact-size copy, so ASan sees any read past it. */
		piece = malloc(cut ? cut : 1);
		assert_non_null(piece);
		memcpy(piece, data, cut);
		err = mmstats_parse(piece, cut, &part);
		free(piece);
		if (cut == 0)
			assert_int_equal(err, -ENODATA);
		else
			assert_true(err == 0 || err == -EBADMSG);
		assert_prefix_of(&part, &full);
		/* A clean end short of the whole file only where fewer
		 * than 2 bytes of the next field are left. */
		if (err == 0 && part.nstats < full.nstats)
			assert_true(cut < full.stats[part.nstats].offset + 2);
		if (err == -EBADMSG)
			assert_true(part.nstats < full.nstats);
		mmstats_snapshot_free(&part);
	}
	mmstats_snapshot_free(&full);
	free(data);
}

static void test_every_truncation_point(void **state)
{
	(void)state;
	truncate_everywhere("all_types.mmstats");
	truncate_everywhere("buffered_flip_states.mmstats");
	truncate_everywhere("many_fields.mmstats");
}

/* Deterministic, so a failure can be replayed. */
static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void test_random_corruption(void **state)
{
	struct mmstats_snapshot s;
	size_t len, i, at;
	unsigned char *orig = load_vector("all_types.mmstats", &len);
	unsigned char *data = malloc(len);
	char out[512];
	int round, flips;

	(void)state;
	assert_non_null(data);
	for (round = 0; round < 20000; round++) {
		memcpy(data, orig, len);
		data[0] = 1;
		for (flips = 1 + (int)(rng() % 4); flips > 0; flips--) {
			/* Most of what matters is in the first kilobyte. */
			at = rng() % (rng() % 2 ? 1024 : len);
			data[at] = (unsigned char)rng();
		}
		mmstats_parse(data, len, &s);
		for (i = 0; i < s.nstats; i++) {
			assert_true(s.stats[i].value_offset +
				    (size_t)s.stats[i].value_size <= len);
			mmstats_render(&s.stats[i].value, out, sizeof(out));
		}
		mmstats_snapshot_free(&s);
	}
	free(data);
	free(orig);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static void on_alarm(int sig)
{
	(void)sig;
	fprintf(stderr, "read_at blocked: it opened a FIFO\n");
	_exit(1);
}

static void test_read_at_only_regular_files(void **state)
{
	struct mmstats_snapshot s;
	int dirfd;

	(void)state;
	fb_init(&fb);
	fb_u64(&fb, "x", 5);
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, tmp_path("real.mmstats")), 0);
	assert_int_equal(symlink("real.mmstats", tmp_path("link.mmstats")), 0);
	assert_int_equal(mkfifo(tmp_path("fifo.mmstats"), 0600), 0);
	assert_int_equal(mkdir(tmp_path("dir.mmstats"), 0700), 0);
	dirfd = open(testdir_group, O_RDONLY | O_DIRECTORY);
	assert_true(dirfd >= 0);

	assert_int_equal(mmstats_read_at(dirfd, "real.mmstats", &s), 0);
	assert_int_equal(s.nstats, 1);
	assert_int_equal(s.size, 4096);
	mmstats_snapshot_free(&s);

	assert_int_equal(mmstats_read_at(dirfd, "link.mmstats", &s), -ELOOP);
	assert_int_equal(s.err, -ELOOP);
	assert_non_null(strstr(mmstats_last_error(), "link.mmstats"));
	mmstats_snapshot_free(&s);

	/* Opening a FIFO without a writer would block: it must not be
	 * opened at all. */
	signal(SIGALRM, on_alarm);
	alarm(10);
	assert_int_equal(mmstats_read_at(dirfd, "fifo.mmstats", &s), -EINVAL);
	alarm(0);
	mmstats_snapshot_free(&s);

	assert_int_equal(mmstats_read_at(dirfd, "dir.mmstats", &s), -EISDIR);
	mmstats_snapshot_free(&s);
	assert_int_equal(mmstats_read_at(dirfd, "missing.mmstats", &s),
			 -ENOENT);
	mmstats_snapshot_free(&s);
	assert_int_equal(mmstats_read_at(AT_FDCWD, "/dev/null", &s), -EINVAL);
	mmstats_snapshot_free(&s);
	close(dirfd);
}

static void test_too_big(void **state)
{
	struct mmstats_snapshot s;
	int fd;

	(void)state;
	/* The size is checked before the buffer is touched. */
	assert_int_equal(mmstats_parse(fb.buf, (size_t)MMSTATS_MAX_FILE_SIZE +
				       1, &s), -EFBIG);
	assert_int_equal(s.nstats, 0);
	assert_null(s.data);
	mmstats_snapshot_free(&s);

	/* A sparse file one byte past the limit. */
	fd = open(tmp_path("big.mmstats"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\1", 1, 0), 1);
	assert_int_equal(ftruncate(fd, (off_t)MMSTATS_MAX_FILE_SIZE + 1), 0);
	assert_int_equal(mmstats_read_fd(fd, &s), -EFBIG);
	assert_int_equal(s.err, -EFBIG);
	mmstats_snapshot_free(&s);
	/* At the limit it is read (and all zeros after the version). */
	assert_int_equal(ftruncate(fd, (off_t)MMSTATS_MAX_FILE_SIZE), 0);
	assert_int_equal(mmstats_read_fd(fd, &s), 0);
	assert_int_equal(s.size, MMSTATS_MAX_FILE_SIZE);
	mmstats_snapshot_free(&s);
	close(fd);
	unlink(tmp_path("big.mmstats"));
}

static void test_read_fd_errors(void **state)
{
	struct mmstats_snapshot s;
	int fd;

	(void)state;
	assert_int_equal(mmstats_read_fd(-1, &s), -EBADF);
	assert_int_equal(s.err, -EBADF);
	mmstats_snapshot_free(&s);
	fd = open(tmp_path("empty.mmstats"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(mmstats_read_fd(fd, &s), -ENODATA);
	mmstats_snapshot_free(&s);
	close(fd);
}

/* ------------------------------------------------------------------ */
/* Files that change while read                                        */
/* ------------------------------------------------------------------ */

struct churn {
	const char *path;
	volatile int stop;
};

/* Shrink, grow and rewrite the file as fast as possible. */
static void *shrink_loop(void *arg)
{
	struct churn *c = arg;
	int fd = open(c->path, O_RDWR);
	uint32_t r = 1;

	while (!c->stop) {
		r = r * 1103515245u + 12345u;
		if (ftruncate(fd, (off_t)(r >> 8) % (off_t)(fb.len + 1)) < 0)
			break;
		if (pwrite(fd, fb.buf, fb.len, 0) != (ssize_t)fb.len)
			break;
	}
	close(fd);
	return NULL;
}

static void test_file_shrinking_while_read(void **state)
{
	struct mmstats_snapshot s;
	struct churn c = { .path = tmp_path("shrink.mmstats") };
	pthread_t t;
	int i, fd, err, ok = 0;
	size_t n;
	char name[32];

	(void)state;
	fb_init(&fb);
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "churn.field.%03d", i);
		fb_u64(&fb, name, (uint64_t)i);
	}
	fb_pad(&fb);
	assert_int_equal(fb_write(&fb, c.path), 0);
	fd = open(c.path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pthread_create(&t, NULL, shrink_loop, &c), 0);
	for (i = 0; i < 3000; i++) {
		err = mmstats_read_fd(fd, &s);
		assert_true(err == 0 || err == -EBADMSG || err == -ENODATA ||
			    err == -ESTALE);
		/* Whatever raced the read, what was parsed lies inside
		 * what was read. */
		assert_true(s.nstats <= 200);
		for (n = 0; n < s.nstats; n++)
			assert_true(s.stats[n].value_offset +
				    (size_t)s.stats[n].value_size <= s.size);
		ok += err == 0;
		mmstats_snapshot_free(&s);
	}
	c.stop = 1;
	pthread_join(t, NULL);
	close(fd);
	print_message("%d of 3000 reads saw a whole file\n", ok);
}

/*
 * A string rewritten byte by byte now and then, as a writer sets a
 * string field.  Reads compare the string with a second read and read
 * again on a difference, so most reads see one whole value; a mix when
 * it lost the race on every attempt, or the writer stopped mid-string.
 */
static void *string_loop(void *arg)
{
	struct churn *c = arg;
	int fd = open(c->path, O_RDWR);
	size_t at = fb.len - 64, i;
	volatile char *p;
	char ch = 'a';

	/* through a mapping, as writers store: write() would move the
	 * file's change time, and readers would read it again */
	p = mmap(NULL, fb.len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	while (!c->stop) {
		ch = ch == 'a' ? 'b' : 'a';
		for (i = 0; i < 64; i++)
			p[at + i] = ch;
		usleep(500);
	}
	munmap((void *)p, fb.len);
	close(fd);
	return NULL;
}

static void test_string_rewritten_while_read(void **state)
{
	struct mmstats_snapshot s;
	struct churn c = { .path = tmp_path("string.mmstats") };
	char val[64];
	pthread_t t;
	int i, fd, whole = 0;
	size_t k;

	(void)state;
	memset(val, 'a', sizeof(val));
	fb_init(&fb);
	fb_field(&fb, "text", "64s", 0xff, val, sizeof(val));
	assert_int_equal(fb_write(&fb, c.path), 0);
	fd = open(c.path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pthread_create(&t, NULL, string_loop, &c), 0);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(mmstats_read_fd(fd, &s), 0);
		assert_int_equal(s.stats[0].value.v.str.len, 64);
		for (k = 1; k < 64; k++)
			if (s.stats[0].value.v.str.ptr[k] !=
			    s.stats[0].value.v.str.ptr[0])
				break;
		whole += k == 64;
		mmstats_snapshot_free(&s);
	}
	c.stop = 1;
	pthread_join(t, NULL);
	close(fd);
	print_message("%d of 2000 reads saw a whole string\n", whole);
	/* A writer preempted mid-string leaves a torn string that stays
	 * still, and rereads cannot see that: only a loose bound holds
	 * on a loaded machine. */
	assert_true(whole > 1000);
}

/*
 * The library's own writer adding fields to a live file while we read
 * it: every read sees whole fields, in order, and never fewer than the
 * read before.
 */
#define ADDED_FIELDS	1500

static void *add_fields(void *arg)
{
	struct mmstats *m = arg;
	struct mmstats_field_def def = { .type = MMSTATS_STATIC_UINT64 };
	char label[32];
	int i;

	def.label = label;
	for (i = 0; i < ADDED_FIELDS; i++) {
		snprintf(label, sizeof(label), "added.%04d", i);
		def.value.u = (uint64_t)i * 3;
		if (mmstats_add_field(m, &def, NULL) < 0)
			break;
	}
	return NULL;
}

/* Every field read is one the writer added, whole, in order. */
static void check_added(const struct mmstats_snapshot *s)
{
	char label[32];
	size_t n;

	for (n = 0; n < s->nstats; n++) {
		snprintf(label, sizeof(label), "added.%04zu", n);
		assert_string_equal(s->stats[n].label, label);
		assert_int_equal(s->stats[n].value.v.u, n * 3);
	}
}

/*
 * Each field the writer adds past a page grows the file, which moves its
 * change time: a read that overlaps a growth is told so (-ESTALE, after
 * its attempts) rather than vouched for, however often that happens on a
 * slow machine.  What a read returns must be right either way, and once
 * the writer is done the file stops changing, so a read then must succeed
 * and see every field.
 */
static void test_live_writer_adding_fields(void **state)
{
	struct mmstats_options opts = {
		.path = testdir_group, .filename = "adding.mmstats",
		.flags = MMSTATS_NO_DEFAULT_FIELDS | MMSTATS_KEEP_AT_EXIT,
	};
	struct mmstats_snapshot s;
	struct mmstats *m;
	pthread_t t;
	size_t seen = 0, reads = 0, stale = 0;
	int err;

	(void)state;
	if (mmstats_open(NULL, 0, &opts, &m) < 0)
		fail_msg("mmstats_open: %s", mmstats_last_error());
	assert_int_equal(pthread_create(&t, NULL, add_fields, m), 0);
	while (seen < ADDED_FIELDS) {
		err = mmstats_read_at(AT_FDCWD, mmstats_filename(m), &s);
		if (err == -ESTALE) {
			assert_non_null(strstr(s.errmsg, "changed while"));
			stale++;
		} else if (err < 0) {
			fail_msg("read %zu: %s", reads, mmstats_last_error());
		} else {
			assert_true(s.nstats >= seen);
			seen = s.nstats;
		}
		check_added(&s);
		reads++;
		mmstats_snapshot_free(&s);
	}
	pthread_join(t, NULL);
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(m), &s), 0);
	assert_int_equal(s.nstats, ADDED_FIELDS);
	check_added(&s);
	mmstats_snapshot_free(&s);
	print_message("%zu reads while %d fields were added, %zu told it "
		      "changed\n", reads, ADDED_FIELDS, stale);
	assert_int_equal(mmstats_remove(m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_tiny),
		cmocka_unit_test(test_find_last),
		cmocka_unit_test(test_zero_page),
		cmocka_unit_test(test_clean_ends),
		cmocka_unit_test(test_truncated_parts),
		cmocka_unit_test(test_bad_type_signatures),
		cmocka_unit_test(test_write_buffer_index),
		cmocka_unit_test(test_type_whitespace_and_unsupported),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_value_offset),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_free_is_idempotent),
		cmocka_unit_test(test_every_truncation_point),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_read_at_only_regular_files),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_read_fd_errors),
		cmocka_unit_test(test_file_shrinking_while_read),
		cmocka_unit_test(test_string_rewritten_while_read),
		cmocka_unit_test(test_live_writer_adding_fields),
	};

	return testdir_run_group("test_parse", tests);
}
