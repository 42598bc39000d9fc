/*
 * test_notes.c - field notes (mmstats(5), Field notes): what the writer
 * puts in front of each value, what readers get back, and files whose
 * pad bytes hold anything but notes.
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
#include <unistd.h>

#include "mmstats.h"
#include "testdir.h"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF_NOTED("rx", MMSTATS_COUNTER, 0, "bytes", "Bytes received"),
	MMSTATS_DEF("plain", MMSTATS_COUNTER),
	MMSTATS_DEF("latency", MMSTATS_TIMER),
	MMSTATS_DEF_NOTED("temp", MMSTATS_DOUBLE, MMSTATS_METRIC_GAUGE,
			  "celsius", "Die temperature"),
	MMSTATS_DEF_NOTED("seen", MMSTATS_UINT64, MMSTATS_METRIC_COUNTER,
			  NULL, NULL),
	MMSTATS_DEF("state", MMSTATS_STRING),		/* 255: odd */
	MMSTATS_DEF_STATIC_S("version", MMSTATS_STATIC_TEXT, "1.2"),
	MMSTATS_DEF_STATIC_I("small", MMSTATS_INT16, -7),
	MMSTATS_DEF_STATIC_I("b", MMSTATS_BYTE, -3),
	MMSTATS_DEF_STATIC_U("ok", MMSTATS_BOOL, 1),
	MMSTATS_DEF_STATIC_D("f", MMSTATS_STATIC_FLOAT, 0.5),
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static struct mmstats *open_file(const struct mmstats_field_def *d, size_t n,
				 const char *name, unsigned flags)
{
	struct mmstats_options o = {
		.path = testdir_group, .filename = name, .flags = flags,
	};
	struct mmstats *s = NULL;
	int err = mmstats_open(d, n, &o, &s);

	if (err)
		fail_msg("mmstats_open: %s", mmstats_last_error());
	return s;
}

static const struct mmstats_stat *find(const struct mmstats_snapshot *sn,
				       const char *label)
{
	for (size_t i = 0; i < sn->nstats; i++)
		if (strcmp(sn->stats[i].label, label) == 0)
			return &sn->stats[i];
	fail_msg("no field %s", label);
	return NULL;
}

static void expect_notes(const struct mmstats_stat *st, enum mmstats_metric m,
			 const char *unit, const char *help)
{
	assert_int_equal(st->notes.metric, m);
	assert_string_equal(st->notes.unit, unit);
	assert_string_equal(st->notes.help, help);
}

/* Each def's notes, or its type's, come back; sys.* have none. */
static void test_written_and_read(void **state)
{
	struct mmstats *s = open_file(defs, NDEFS, "n.mmstats", 0);
	struct mmstats_snapshot sn;
	const struct mmstats_stat *st;

	(void)state;
	mmstats_incr(mmstats_field(s, 0), 42);
	mmstats_set_double(mmstats_field(s, 3), 61.5);
	mmstats_set_string(mmstats_field(s, 5), "busy");
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn), 0);
	st = find(&sn, "rx");
	expect_notes(st, MMSTATS_METRIC_COUNTER, "bytes", "Bytes received");
	assert_int_equal(st->value.v.u, 42);
	assert_string_equal(st->type, "48xQ");	/* 24 + 5 + 14, to 8 */
	expect_notes(find(&sn, "plain"), MMSTATS_METRIC_COUNTER, "", "");
	assert_string_equal(find(&sn, "plain")->type, "24xQ");
	expect_notes(find(&sn, "latency"), MMSTATS_METRIC_GAUGE, "seconds", "");
	st = find(&sn, "temp");
	expect_notes(st, MMSTATS_METRIC_GAUGE, "celsius", "Die temperature");
	assert_true(st->value.v.d == 61.5);
	expect_notes(find(&sn, "seen"), MMSTATS_METRIC_COUNTER, "", "");
	st = find(&sn, "state");
	expect_notes(st, MMSTATS_METRIC_INFO, "", "");
	assert_string_equal(st->type, "24x255s");
	assert_string_equal(st->value.v.str.ptr, "busy");
	assert_int_equal(st->value_size, 255);
	st = find(&sn, "version");
	expect_notes(st, MMSTATS_METRIC_INFO, "", "");
	assert_string_equal(st->value.v.str.ptr, "1.2");
	assert_int_equal(find(&sn, "small")->value.v.i, -7);
	assert_int_equal(find(&sn, "b")->value.v.i, -3);
	assert_true(find(&sn, "ok")->value.v.b);
	assert_true(find(&sn, "f")->value.v.d == 0.5);
	for (size_t i = 0; i < sn.nstats; i++) {
		st = &sn.stats[i];
		if (strncmp(st->label, "sys.", 4) == 0) {
			expect_notes(st, MMSTATS_METRIC_UNKNOWN, "", "");
			assert_null(strchr(st->type, 'x'));
			continue;
		}
		assert_int_equal(st->notes.metric != MMSTATS_METRIC_UNKNOWN, 1);
		/* The value itself, naturally aligned, past the notes. */
		if (st->value.kind != MMSTATS_KIND_STRING)
			assert_int_equal(st->value_offset % st->value_size, 0);
		assert_int_equal((st->offset + 0u) % 1, 0);
	}
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
}

/* Every field ends even, and every non-string slot starts 8-aligned. */
static void test_alignment(void **state)
{
	static const struct mmstats_field_def one[] = {
		MMSTATS_DEF_NOTED("u", MMSTATS_UINT16, 0, "x", NULL),
	};
	struct mmstats_snapshot sn;
	struct mmstats *s;

	(void)state;
	for (size_t len = 1; len < 20; len++) {
		char label[32], name[32];
		struct mmstats_field_def d[2] = { one[0],
			MMSTATS_DEF_SIZED(NULL, MMSTATS_STRING, 0) };

		memset(label, 'a', len);
		label[len] = '\0';
		d[0].label = label;
		d[1].label = "s";
		d[1].size = (uint32_t)(len | 1);
		snprintf(name, sizeof(name), "a%zu.mmstats", len);
		s = open_file(d, 2, name, MMSTATS_NO_DEFAULT_FIELDS);
		assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s),
						 &sn), 0);
		assert_int_equal(sn.nstats, 2);
		assert_int_equal(sn.stats[0].value_offset % 2, 0);
		/* slot 0 8-aligned: 32 bytes of notes, slot 1 at 32 + 2 */
		assert_int_equal((sn.stats[0].value_offset - 66) % 8, 0);
		assert_int_equal(sn.stats[1].offset % 2, 0);
		assert_int_equal((sn.stats[1].value_offset +
				  sn.stats[1].value_size) % 2, 0);
		assert_string_equal(sn.stats[1].value.v.str.ptr, "");
		mmstats_snapshot_free(&sn);
		mmstats_remove(s);
	}
}

static void test_limits(void **state)
{
	char unit[MMSTATS_UNIT_MAX + 2], help[MMSTATS_HELP_MAX + 2];
	struct mmstats_field_def d = MMSTATS_DEF("x", MMSTATS_COUNTER);
	struct mmstats_options o = { .path = testdir_group,
				     .filename = "lim.mmstats" };
	struct mmstats *s;

	(void)state;
	memset(unit, 'u', sizeof(unit) - 1);
	unit[sizeof(unit) - 1] = '\0';
	memset(help, 'h', sizeof(help) - 1);
	help[sizeof(help) - 1] = '\0';
	d.unit = unit;
	assert_int_equal(mmstats_open(&d, 1, &o, &s), -EINVAL);
	assert_non_null(strstr(mmstats_last_error(), "unit of 33 bytes"));
	unit[MMSTATS_UNIT_MAX] = '\0';
	d.help = help;
	assert_int_equal(mmstats_open(&d, 1, &o, &s), -EINVAL);
	assert_non_null(strstr(mmstats_last_error(), "help of 1025 bytes"));
	help[MMSTATS_HELP_MAX] = '\0';
	assert_int_equal(mmstats_open(&d, 1, &o, &s), 0);
	assert_int_equal(mmstats_add_field(s, &(struct mmstats_field_def)
		MMSTATS_DEF_NOTED("y", MMSTATS_COUNTER,
				  MMSTATS_METRIC_HISTOGRAM_SUM, NULL, NULL),
		NULL), -EINVAL);
	assert_non_null(strstr(mmstats_last_error(), "metric"));
	assert_int_equal(mmstats_add_field(s, &(struct mmstats_field_def)
		MMSTATS_DEF_NOTED("z", MMSTATS_COUNTER, 77, NULL, NULL),
		NULL), -EINVAL);
	mmstats_remove(s);
}

/* A unit or a help is one line of UTF-8: anything else is refused. */
static void test_text_refused(void **state)
{
	static const char *const bad[] = {
		"line1\nline2", "tab\there", "del\x7f", "\x01",
		"bad \xff utf-8", "cut \xc3", "overlong \xc0\xaf",
		"surrogate \xed\xa0\x80",
	};
	struct mmstats_field_def d = MMSTATS_DEF("x", MMSTATS_COUNTER);
	struct mmstats_options o = { .path = testdir_group,
				     .filename = "text.mmstats" };
	struct mmstats_snapshot sn;
	struct mmstats *s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		d.unit = NULL;
		d.help = bad[i];
		assert_int_equal(mmstats_open(&d, 1, &o, &s), -EINVAL);
		assert_null(s);
		assert_non_null(strstr(mmstats_last_error(), "help has a "
				       "control byte or bad UTF-8"));
		d.unit = bad[i];
		d.help = NULL;
		assert_int_equal(mmstats_open(&d, 1, &o, &s), -EINVAL);
		assert_non_null(strstr(mmstats_last_error(), "unit has"));
	}
	d.unit = "\xc2\xb0" "C";			/* °C */
	d.help = "Temp\xc3\xa9rature, \xe2\x82\xac \xf0\x9f\x98\x80";
	assert_int_equal(mmstats_open(&d, 1, &o, &s), 0);
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn),
			 0);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_COUNTER, d.unit, d.help);
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
}

/* Notes of an added field, through the map that fs uses. */
static void test_added_and_mapped(void **state)
{
	struct mmstats *s = open_file(defs, 1, "m.mmstats", 0);
	struct mmstats_field_def d = MMSTATS_DEF_NOTED("late", MMSTATS_UINT32,
		MMSTATS_METRIC_GAUGE, "requests", "In flight");
	const struct mmstats_snapshot *sn;
	const struct mmstats_stat *st;
	struct mmstats_field *f;
	struct mmstats_value v;
	struct mmstats_map *m;
	size_t i;

	(void)state;
	assert_int_equal(mmstats_add_field(s, &d, &f), 0);
	mmstats_set_u32(f, 4000000001u);
	assert_int_equal(mmstats_map_at(AT_FDCWD, mmstats_filename(s), &m), 0);
	sn = mmstats_map_fields(m);
	st = find(sn, "late");
	i = (size_t)(st - sn->stats);
	expect_notes(st, MMSTATS_METRIC_GAUGE, "requests", "In flight");
	assert_int_equal(st->value_offset % 4, 0);
	mmstats_set_u32(f, 7);
	assert_int_equal(mmstats_map_value(m, i, &v, NULL, 0, NULL), 0);
	assert_int_equal(v.v.u, 7);
	mmstats_map_close(m);
	mmstats_remove(s);
}

/* A hand-made field "<npad>xQ": value 5, its npad pad bytes given. */
static size_t build(unsigned char *buf, size_t cap, const unsigned char *pad,
		    size_t npad)
{
	char sig[16];
	uint16_t n;
	uint64_t v = 5;
	size_t at = 1;

	memset(buf, 0, cap);
	buf[0] = 1;
	n = 1;
	memcpy(buf + at, &n, 2);
	buf[at + 2] = 'g';
	at += 3;
	n = (uint16_t)snprintf(sig, sizeof(sig), "%zuxQ", npad);
	memcpy(buf + at, &n, 2);
	memcpy(buf + at + 2, sig, n);
	at += 2 + n;
	buf[at++] = 0xff;
	memcpy(buf + at, pad, npad);
	memcpy(buf + at + npad, &v, 8);
	return cap;
}

static void parse_padded(const unsigned char *pad, size_t npad,
			 struct mmstats_snapshot *sn)
{
	static unsigned char buf[4096];
	size_t len = build(buf, sizeof(buf), pad, npad);
	char sig[16];

	snprintf(sig, sizeof(sig), "%zuxQ", npad);
	assert_int_equal(mmstats_parse(buf, len, sn), 0);
	assert_int_equal(sn->nstats, 1);
	assert_int_equal(sn->stats[0].value.v.u, 5);
	assert_string_equal(sn->stats[0].type, sig);
	assert_int_equal(sn->stats[0].value_offset,
			 1 + 3 + 2 + strlen(sig) + 1 + npad);
	assert_int_equal(sn->stats[0].value_size, 8);
}

static void parse_pad(const unsigned char *pad, struct mmstats_snapshot *sn)
{
	parse_padded(pad, 48, sn);
}

static void head(unsigned char *p, int metric, int u, uint16_t h)
{
	memset(p, 0, 48);
	memcpy(p, "mmN1", 4);
	p[4] = (unsigned char)metric;
	p[5] = (unsigned char)u;
	memcpy(p + 6, &h, 2);
}

/* Anything but notes in the pad: no notes, never an error. */
static void test_garbage_ignored(void **state)
{
	unsigned char pad[48];
	struct mmstats_snapshot sn;

	(void)state;
	head(pad, 2, 3, 5);
	memcpy(pad + 24, "ms\x01" "a\xff" "b\x7f" "c", 8);
	parse_pad(pad, &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_GAUGE, "ms", "abc");
	mmstats_snapshot_free(&sn);

	memset(pad, 0xa5, sizeof(pad));
	parse_pad(pad, &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_UNKNOWN, "", "");
	mmstats_snapshot_free(&sn);

	head(pad, 6, 0, 0);			/* metric out of range */
	parse_pad(pad, &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_UNKNOWN, "", "");
	mmstats_snapshot_free(&sn);

	head(pad, 0, 0, 0);
	parse_pad(pad, &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_UNKNOWN, "", "");
	mmstats_snapshot_free(&sn);

	head(pad, 1, 20, 5);			/* 24 + 25 > 48 */
	parse_pad(pad, &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_UNKNOWN, "", "");
	mmstats_snapshot_free(&sn);

	head(pad, 1, 20, 4);			/* 24 + 24 = 48: fits */
	parse_pad(pad, &sn);
	assert_int_equal(sn.stats[0].notes.metric, MMSTATS_METRIC_COUNTER);
	mmstats_snapshot_free(&sn);
}

/*
 * Notes past the limits no writer passes (MMSTATS_UNIT_MAX,
 * MMSTATS_HELP_MAX) are garbage, though they fit their pad: readers copy
 * units and helps into buffers of those sizes.
 */
static void test_reader_limits(void **state)
{
	static unsigned char pad[1056];
	struct mmstats_snapshot sn;

	(void)state;
	memset(pad, 0, sizeof(pad));
	head(pad, 2, MMSTATS_UNIT_MAX, 0);
	memset(pad + 24, 'u', MMSTATS_UNIT_MAX);
	parse_padded(pad, 56, &sn);
	assert_int_equal(strlen(sn.stats[0].notes.unit), MMSTATS_UNIT_MAX);
	mmstats_snapshot_free(&sn);

	head(pad, 2, MMSTATS_UNIT_MAX + 1, 0);
	memset(pad + 24, 'u', MMSTATS_UNIT_MAX + 1);
	parse_padded(pad, 64, &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_UNKNOWN, "", "");
	mmstats_snapshot_free(&sn);

	memset(pad, 0, sizeof(pad));
	head(pad, 1, 0, MMSTATS_HELP_MAX);
	memset(pad + 24, 'h', MMSTATS_HELP_MAX);
	parse_padded(pad, 24 + MMSTATS_HELP_MAX, &sn);
	assert_int_equal(strlen(sn.stats[0].notes.help), MMSTATS_HELP_MAX);
	mmstats_snapshot_free(&sn);

	head(pad, 1, 0, MMSTATS_HELP_MAX + 1);
	memset(pad + 24, 'h', MMSTATS_HELP_MAX + 1);
	parse_padded(pad, sizeof(pad), &sn);
	expect_notes(&sn.stats[0], MMSTATS_METRIC_UNKNOWN, "", "");
	mmstats_snapshot_free(&sn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_written_and_read),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_text_refused),
		cmocka_unit_test(test_added_and_mapped),
		cmocka_unit_test(test_garbage_ignored),
		cmocka_unit_test(test_reader_limits),
	};

	return testdir_run_group("test_notes", tests);
}
