/*
 * test_writer.c - the writer: field layout, every setter's bytes in the
 * file, average, moving average and timer math, strings, dynamic fields
 * (with a concurrent reader), flush, close, remove and remove_all.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmstats.h"
#include "layout.h"
#include "test_writer_parse.h"
#include "testdir.h"

static struct mmstats *open_in_dir(const struct mmstats_field_def *defs,
				   size_t n, const char *prefix, unsigned flags)
{
	struct mmstats_options o = {
		.path = testdir_group, .filename = "t-{TID}.mmstats",
		.label_prefix = prefix, .flags = flags,
	};
	struct mmstats *s = NULL;
	int err = mmstats_open(defs, n, &o, &s);

	if (err)
		fail_msg("mmstats_open: %d %s", err, mmstats_last_error());
	return s;
}

/* ---- layout --------------------------------------------------------- */

static void test_layout_alignment(void **state)
{
	struct mms_layout l;
	uint32_t offsets[] = { 1, 2, 4, 6, 8, 10, 12, 14, 1000, 4094 };

	(void)state;
	for (int t = 0; t < MMSTATS_TYPE_COUNT; t++) {
		uint32_t vs = mms_type_value_size(t, 0);

		if (t == MMSTATS_HISTOGRAM)	/* several fields: slot.c */
			continue;
		uint32_t align = mms_type_is_string(t) ? 1 : vs;

		for (size_t o = 0; o < sizeof(offsets) / sizeof(*offsets); o++) {
			assert_int_equal(mms_layout_plan(t, 0, 0, offsets[o], 0, &l),
					 -EINVAL);
			for (size_t len = 1; len <= 20; len++) {
				size_t pad;

				assert_int_equal(mms_layout_plan(t, 0, len,
						 offsets[o], 0, &l), 0);
				assert_int_equal(l.value_off % align, 0);
				assert_int_equal(l.end % 2, 0);
				assert_true(l.end > l.value_off);
				pad = strspn(l.sig, " ");
				assert_true(pad < 9);
				assert_true(tsig_size(l.sig) == vs);
				/* the value follows the header directly */
				assert_int_equal(l.value_off - (l.buffered ? vs : 0),
						 offsets[o] + 2 + len + 2 +
						 l.sig_len + 1);
				assert_int_equal(l.end, l.value_off + vs);
			}
		}
	}
}

static void test_layout_signatures(void **state)
{
	struct mms_layout l;
	static const char *const want[MMSTATS_TYPE_COUNT] = {
		"Q", "d", "d", "d", "Q", "I", "i", "h", "H", "b", "f", "f",
		"d", "d", "?", "255s", "I", "q", "Q", "256s", NULL,
	};

	(void)state;
	for (int t = 0; t < MMSTATS_TYPE_COUNT; t++) {
		if (!want[t]) {
			assert_int_equal(mms_layout_plan(t, 0, 3, 2, 0, &l),
					 -EINVAL);
			continue;
		}
		assert_int_equal(mms_layout_plan(t, 0, 3, 2, 0, &l), 0);
		assert_string_equal(l.sig + strspn(l.sig, " "), want[t]);
	}
	assert_int_equal(mms_layout_plan(MMSTATS_STRING, 32, 3, 2, 0, &l), 0);
	assert_string_equal(l.sig + strspn(l.sig, " "), "32s");
	assert_int_equal(mms_layout_plan(MMSTATS_TYPE_COUNT, 0, 3, 2, 0, &l),
			 -EINVAL);
	assert_int_equal(mms_layout_plan(MMSTATS_STRING, MMS_STRING_MAX + 1,
					 3, 2, 0, &l), -EINVAL);
	assert_int_equal(mms_layout_plan(MMSTATS_BYTE, 0, 65536, 2, 0, &l),
			 -EINVAL);
}

/*
 * Our bytes are the reference's up to the type signature, which adds
 * the notes ("Nx", mmstats(5)) before the reference's "Q"; the write
 * buffer and the value read are the reference's.
 */
static void test_layout_matches_reference(void **state)
{
	static const struct mmstats_field_def defs[] = {
		MMSTATS_DEF_STATIC_U("counter", MMSTATS_COUNTER, 1005),
	};
	char path[512];
	const char *vec = getenv("MMSTATS_VECTORS");
	struct tfield fo, fr;
	unsigned char *ref, *ours;
	size_t rlen = 0, olen = 0;
	struct mmstats *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/all_types.mmstats",
		 vec ? vec : "tests/vectors");
	ref = tread(path, &rlen);
	if (!ref)
		skip();
	s = open_in_dir(defs, 1, "web.stats.", MMSTATS_NO_DEFAULT_FIELDS);
	ours = tread(mmstats_filename(s), &olen);
	assert_non_null(ours);
	assert_memory_equal(ours, ref, 0x14);	/* up to the type size */
	assert_int_equal(tparse(ours, olen, &fo, 1), 1);
	assert_int_equal(tparse(ref, rlen, &fr, 1), 1);
	assert_string_equal(fo.label, fr.label);
	assert_string_equal(tsig_base(fo.sig), tsig_base(fr.sig));
	assert_true(fo.notes >= 24 && fo.notes % 8 == 0);
	assert_int_equal(fo.value_off % 8, 0);
	assert_int_equal(fo.wb, fr.wb);
	assert_memory_equal(ours + fo.value_off, ref + fr.value_off, 8);
	assert_int_equal(olen, 4096);
	free(ref);
	free(ours);
	mmstats_remove(s);
}

/* ---- setters -------------------------------------------------------- */

static const struct mmstats_field_def all_defs[] = {
	MMSTATS_DEF("counter", MMSTATS_COUNTER),
	MMSTATS_DEF("average", MMSTATS_AVERAGE),
	MMSTATS_DEF_SIZED("mavg", MMSTATS_MOVING_AVERAGE, 3),
	MMSTATS_DEF("timer", MMSTATS_TIMER),
	MMSTATS_DEF("u64", MMSTATS_UINT64),
	MMSTATS_DEF("u32", MMSTATS_UINT32),
	MMSTATS_DEF("i32", MMSTATS_INT32),
	MMSTATS_DEF("i16", MMSTATS_INT16),
	MMSTATS_DEF("u16", MMSTATS_UINT16),
	MMSTATS_DEF("byte", MMSTATS_BYTE),
	MMSTATS_DEF("float", MMSTATS_FLOAT),
	MMSTATS_DEF_STATIC_D("sfloat", MMSTATS_STATIC_FLOAT, 0.5),
	MMSTATS_DEF("double", MMSTATS_DOUBLE),
	MMSTATS_DEF_STATIC_D("sdouble", MMSTATS_STATIC_DOUBLE, -2.75),
	MMSTATS_DEF("bool", MMSTATS_BOOL),
	MMSTATS_DEF_SIZED("string", MMSTATS_STRING, 8),
	MMSTATS_DEF_STATIC_U("su32", MMSTATS_STATIC_UINT32, 4000000001u),
	MMSTATS_DEF_STATIC_I("si64", MMSTATS_STATIC_INT64, -9),
	MMSTATS_DEF_STATIC_U("su64", MMSTATS_STATIC_UINT64, UINT64_MAX - 1),
	MMSTATS_DEF_STATIC_S("text", MMSTATS_STATIC_TEXT, "r\xc3\xa9plica"),
};
#define NALL (sizeof(all_defs) / sizeof(all_defs[0]))

static void expect_bytes(struct mmstats *s, const char *label,
			 const void *want, size_t n)
{
	struct tfield f;
	unsigned char *d;

	if (tfind(mmstats_filename(s), label, &f, &d))
		fail_msg("no field %s", label);
	assert_int_equal(f.value_size, n);
	assert_memory_equal(d + f.value_off, want, n);
	free(d);
}

#define EXPECT(s, label, type, v) do {			\
	type v_ = (v);					\
	expect_bytes((s), (label), &v_, sizeof(v_));	\
} while (0)

static void test_setters_bytes(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "p.", 0);

	(void)state;
	mmstats_incr(mmstats_field_by_label(s, "p.counter"), 7);
	mmstats_incr(mmstats_field_by_label(s, "p.counter"), 3);
	mmstats_set_u64(mmstats_field_by_label(s, "p.u64"), UINT64_MAX - 5);
	mmstats_set_u32(mmstats_field_by_label(s, "p.u32"), 4294967291u);
	mmstats_set_i32(mmstats_field_by_label(s, "p.i32"), -2147483601);
	mmstats_set_i16(mmstats_field_by_label(s, "p.i16"), -32001);
	mmstats_set_u16(mmstats_field_by_label(s, "p.u16"), 65001);
	mmstats_set_byte(mmstats_field_by_label(s, "p.byte"), -101);
	mmstats_set_float(mmstats_field_by_label(s, "p.float"), 0.1f);
	mmstats_set_double(mmstats_field_by_label(s, "p.double"), M_PI);
	mmstats_set_bool(mmstats_field_by_label(s, "p.bool"), true);
	mmstats_set_string(mmstats_field_by_label(s, "p.string"), "abc");

	EXPECT(s, "p.counter", uint64_t, 10);
	assert_int_equal(mmstats_get_u64(mmstats_field_by_label(s, "p.counter")),
			 10);
	EXPECT(s, "p.u64", uint64_t, UINT64_MAX - 5);
	EXPECT(s, "p.u32", uint32_t, 4294967291u);
	EXPECT(s, "p.i32", int32_t, -2147483601);
	EXPECT(s, "p.i16", int16_t, -32001);
	EXPECT(s, "p.u16", uint16_t, 65001);
	EXPECT(s, "p.byte", int8_t, -101);
	EXPECT(s, "p.float", float, 0.1f);
	EXPECT(s, "p.sfloat", float, 0.5f);
	EXPECT(s, "p.double", double, M_PI);
	EXPECT(s, "p.sdouble", double, -2.75);
	EXPECT(s, "p.bool", uint8_t, 1);
	expect_bytes(s, "p.string", "abc\0\0\0\0\0", 8);
	EXPECT(s, "p.su32", uint32_t, 4000000001u);
	EXPECT(s, "p.si64", int64_t, -9);
	EXPECT(s, "p.su64", uint64_t, UINT64_MAX - 1);
	mmstats_set_bool(mmstats_field_by_label(s, "p.bool"), false);
	EXPECT(s, "p.bool", uint8_t, 0);
	assert_int_equal(mmstats_remove(s), 0);
}

/* Buffered fields: write buffer 0, slot 0 never written. */
static void test_buffered_slots(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "", 0);
	struct tfield f;
	unsigned char *d;
	uint64_t zero = 0;

	(void)state;
	mmstats_incr(mmstats_field_by_label(s, "counter"), 42);
	assert_int_equal(tfind(mmstats_filename(s), "counter", &f, &d), 0);
	assert_int_equal(f.wb, 0);
	assert_memory_equal(d + f.value_off - 8, &zero, 8);
	free(d);
	assert_int_equal(tfind(mmstats_filename(s), "byte", &f, &d), 0);
	assert_int_equal(f.wb, 0xff);
	free(d);
	mmstats_remove(s);
}

/* ---- math ------------------------------------------------------------ */

static double field_double(struct mmstats_field *f)
{
	double d;

	memcpy(&d, f->value, sizeof(d));
	return d;
}

static void test_average(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "", 0);
	struct mmstats_field *f = mmstats_field_by_label(s, "average");

	(void)state;
	assert_true(field_double(f) == 0.0);
	mmstats_average_add(f, 1);
	assert_true(field_double(f) == 1.0);
	mmstats_average_add(f, 2);
	mmstats_average_add(f, 3);
	mmstats_average_add(f, 4);
	assert_true(field_double(f) == 2.5);
	EXPECT(s, "average", double, 2.5);
	mmstats_remove(s);
}

static void test_moving_average_small(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "", 0);
	struct mmstats_field *f = mmstats_field_by_label(s, "mavg");

	(void)state;
	mmstats_moving_average_add(f, 1);
	assert_true(field_double(f) == 1.0);
	mmstats_moving_average_add(f, 2);
	assert_true(field_double(f) == 1.5);
	mmstats_moving_average_add(f, 3);
	assert_true(field_double(f) == 2.0);
	mmstats_moving_average_add(f, 4);	/* 1 leaves the window */
	assert_true(field_double(f) == 3.0);
	mmstats_moving_average_add(f, 11);
	assert_true(field_double(f) == 6.0);
	EXPECT(s, "mavg", double, 6.0);
	mmstats_remove(s);
}

/* Default window 100, long runs: no drift, an inf that left is gone. */
static void test_moving_average_window(void **state)
{
	static const struct mmstats_field_def d[] = {
		MMSTATS_DEF("m", MMSTATS_MOVING_AVERAGE),
	};
	struct mmstats *s = open_in_dir(d, 1, "", MMSTATS_NO_DEFAULT_FIELDS);
	struct mmstats_field *f = mmstats_field(s, 0);
	double v[100000];
	int n = 100000;

	(void)state;
	assert_int_equal(f->state.mavg.len, 100);
	srand(7);
	for (int i = 0; i < n; i++) {
		v[i] = (double)rand() / RAND_MAX * 1e6 - 3e5;
		mmstats_moving_average_add(f, i == 500 ? INFINITY : v[i]);
		if (i == 500)
			assert_true(isinf(field_double(f)));
		if (i < 99)
			continue;
		double sum = 0;

		for (int k = i - 99; k <= i; k++)
			sum += k == 500 ? INFINITY : v[k];
		if (i >= 500 && i < 600)
			assert_true(isinf(field_double(f)) || isnan(field_double(f)));
		else if (i >= 700)
			assert_true(fabs(field_double(f) - sum / 100) < 1e-6);
	}
	mmstats_remove(s);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

static void test_timer(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "", 0);
	struct mmstats_field *f = mmstats_field_by_label(s, "timer");
	double first;

	(void)state;
	mmstats_timer_stop(f);		/* never started: no sample */
	assert_true(field_double(f) == 0.0);
	mmstats_timer_start(f);
	sleep_ms(20);
	mmstats_timer_stop(f);
	first = field_double(f);
	assert_true(first >= 0.019 && first < 10.0);
	mmstats_timer_stop(f);		/* stopped twice: still one sample */
	assert_true(field_double(f) == first);
	/* a second sample: the mean of both, the second within a bracket */
	struct timespec t0, t1;
	double second, bracket;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	mmstats_timer_start(f);
	mmstats_timer_stop(f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	bracket = (double)(t1.tv_sec - t0.tv_sec) +
		  (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	second = 2 * field_double(f) - first;
	assert_true(second >= -1e-9 && second <= bracket + 1e-9);
	mmstats_remove(s);
}

/* ---- strings ----------------------------------------------------------- */

static void test_string_utf8(void **state)
{
	static const struct mmstats_field_def d[] = {
		MMSTATS_DEF_SIZED("s5", MMSTATS_STRING, 5),
		MMSTATS_DEF_SIZED("s4", MMSTATS_STRING, 4),
		MMSTATS_DEF("s", MMSTATS_STRING),
	};
	struct mmstats *s = open_in_dir(d, 3, "", MMSTATS_NO_DEFAULT_FIELDS);
	struct mmstats_field *s5 = mmstats_field(s, 0), *s4 = mmstats_field(s, 1);
	char big[300];

	(void)state;
	assert_int_equal(mmstats_field(s, 2)->size, 255);
	mmstats_set_string(s5, "h\xc3\xa9\xc3\xa9llo");	/* hééllo */
	expect_bytes(s, "s5", "h\xc3\xa9\xc3\xa9", 5);
	mmstats_set_string(s4, "h\xc3\xa9\xc3\xa9llo");	/* é cut: hé */
	expect_bytes(s, "s4", "h\xc3\xa9\0", 4);
	mmstats_set_string(s4, "a\xf0\x9f\x98\x80");	/* emoji cut */
	expect_bytes(s, "s4", "a\0\0\0", 4);
	mmstats_set_string(s4, "\xf0\x9f\x98\x80");	/* fits exactly */
	expect_bytes(s, "s4", "\xf0\x9f\x98\x80", 4);
	mmstats_set_string(s5, "abcdefgh");
	expect_bytes(s, "s5", "abcde", 5);
	mmstats_set_string(s5, "x");			/* tail cleared */
	expect_bytes(s, "s5", "x\0\0\0\0", 5);
	mmstats_set_string(s5, NULL);
	expect_bytes(s, "s5", "\0\0\0\0\0", 5);
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mmstats_set_string(mmstats_field(s, 2), big);
	expect_bytes(s, "s", big, 255);
	mmstats_remove(s);
}

/*
 * The writer clears only what the previous text covered (text.c): every
 * way a text can replace another must still leave text, then zeros.
 */
static void test_string_replaced(void **state)
{
	static const struct mmstats_field_def d[] = {
		MMSTATS_DEF_SIZED("s5", MMSTATS_STRING, 5),
		MMSTATS_DEF_SIZED("s16", MMSTATS_STRING, 16),
		{ .label = "init", .type = MMSTATS_STRING, .size = 8,
		  .value.s = "initial" },
		{ .label = "text", .type = MMSTATS_STATIC_TEXT, .size = 8,
		  .value.s = "static" },
	};
	struct mmstats *s = open_in_dir(d, 4, "", MMSTATS_NO_DEFAULT_FIELDS);
	struct mmstats_field *s5 = mmstats_field(s, 0);
	struct mmstats_field *s16 = mmstats_field(s, 1);

	(void)state;
	mmstats_set_string(s5, "abcde");		/* exact fit */
	expect_bytes(s, "s5", "abcde", 5);
	mmstats_set_string(s5, "");
	expect_bytes(s, "s5", "\0\0\0\0\0", 5);
	mmstats_set_string(s5, "ab\xc3\xa9");		/* abé */
	mmstats_set_string(s5, "abcd\xc3\xa9");		/* é cut: abcd */
	expect_bytes(s, "s5", "abcd\0", 5);
	mmstats_set_string(s5, "\xc3\xa9");
	expect_bytes(s, "s5", "\xc3\xa9\0\0\0", 5);
	mmstats_set_string(s16, "0123456789abcdef");
	mmstats_set_string(s16, "0123456789");
	expect_bytes(s, "s16", "0123456789\0\0\0\0\0\0", 16);
	mmstats_set_string(s16, "01234567");
	mmstats_set_string(s16, "012");
	expect_bytes(s, "s16", "012\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	/* An initial value is the first text, and is cleared as one. */
	expect_bytes(s, "init", "initial\0", 8);
	mmstats_set_string(mmstats_field(s, 2), "in");
	expect_bytes(s, "init", "in\0\0\0\0\0\0", 8);
	mmstats_set_string(mmstats_field(s, 3), "st");
	expect_bytes(s, "text", "st\0\0\0\0\0\0", 8);
	mmstats_remove(s);
}

/* xorshift32: the same texts on every run. */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* One character of 1 to 4 bytes, mostly ASCII, at text; its length. */
static size_t random_char(uint32_t *seed, char *text)
{
	static const char *const wide[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
	};
	uint32_t r = next_rand(seed);

	if (r % 8 < 5) {
		*text = (char)('a' + r / 8 % 26);
		return 1;
	}
	memcpy(text, wide[r % 8 - 5], strlen(wide[r % 8 - 5]));
	return strlen(wide[r % 8 - 5]);
}

/*
 * A random text (short half the time, else up to 8 bytes past the
 * field), and in want the `size` bytes the field must then hold: the
 * whole characters that fit, then zeros.
 */
static void random_text(uint32_t *seed, size_t size, char *text,
			unsigned char *want)
{
	uint32_t r = next_rand(seed);
	size_t goal = r % 2 ? r / 2 % (size + 9) : r / 2 % 40;
	size_t len = 0, fit = 0;

	while (len < goal) {
		len += random_char(seed, text + len);
		if (len <= size)
			fit = len;
	}
	text[len] = '\0';
	memset(want, 0, size);
	memcpy(want, text, fit);
}

static const uint32_t model_sizes[] = {
	1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 34, 64, 255,
};

#define NMODEL	(sizeof(model_sizes) / sizeof(model_sizes[0]))

/* Many texts into each field: after each, the mapping holds want. */
static void update_all(struct mmstats *s, uint32_t *seed, int rounds)
{
	char text[255 + 8 + 4], label[16];
	unsigned char want[255];

	for (size_t i = 0; i < NMODEL; i++) {
		struct mmstats_field *f = mmstats_field(s, i);

		for (int r = 0; r < rounds; r++) {
			random_text(seed, f->size, text, want);
			mmstats_set_string(f, text);
			assert_memory_equal(f->value, want, f->size);
		}
		snprintf(label, sizeof(label), "s%u", model_sizes[i]);
		expect_bytes(s, label, want, f->size);
	}
}

/*
 * Texts of every length against fields around each copy size of text.c:
 * shorter after longer, exact fits, cut characters, empty texts; then
 * the same after the file grew and was mapped again.
 */
static void test_string_model(void **state)
{
	struct mmstats_field_def d[NMODEL];
	char labels[NMODEL][16];
	struct mmstats *s;
	uint32_t seed = 2463534242u;

	(void)state;
	for (size_t i = 0; i < NMODEL; i++) {
		snprintf(labels[i], sizeof(labels[i]), "s%u", model_sizes[i]);
		d[i] = (struct mmstats_field_def)MMSTATS_DEF_SIZED(labels[i],
				MMSTATS_STRING, model_sizes[i]);
	}
	s = open_in_dir(d, NMODEL, "", MMSTATS_NO_DEFAULT_FIELDS);
	update_all(s, &seed, 2000);
	for (int i = 0; i < 300; i++) {
		char label[16];
		struct mmstats_field_def nd = MMSTATS_DEF_SIZED(label,
				MMSTATS_STRING, 64);

		snprintf(label, sizeof(label), "grow.%d", i);
		assert_int_equal(mmstats_add_field(s, &nd, NULL), 0);
	}
	update_all(s, &seed, 200);
	mmstats_remove(s);
}

/* ---- instances ------------------------------------------------------- */

static void test_fields_and_defaults(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "web.stats.", 0);
	unsigned long long start;
	char want[256];
	FILE *fp;

	(void)state;
	assert_int_equal(mmstats_field_count(s), NALL + 8);
	assert_ptr_equal(mmstats_field(s, 0),
			 mmstats_field_by_label(s, "web.stats.counter"));
	assert_null(mmstats_field(s, NALL + 8));
	assert_null(mmstats_field_by_label(s, "counter"));
	assert_int_equal(mmstats_field(s, NALL)->type, MMSTATS_STATIC_UINT32);
	EXPECT(s, "web.stats.sys.pid", uint32_t, (uint32_t)getpid());
	EXPECT(s, "web.stats.sys.tid", int64_t, gettid());
	EXPECT(s, "web.stats.sys.uid", uint64_t, getuid());
	EXPECT(s, "web.stats.sys.gid", uint64_t, getgid());
	fp = fopen("/proc/self/stat", "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%*d (%*[^)]) %*c %*d %*d %*d %*d %*d %*u "
				"%*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
				"%*d %llu", &start), 1);
	fclose(fp);
	EXPECT(s, "web.stats.sys.starttime", uint64_t, start);
	double created = field_double(mmstats_field_by_label(s,
					"web.stats.sys.created"));
	assert_true(fabs(created - (double)time(NULL)) < 5);
	snprintf(want, sizeof(want), "%s/t-%d.mmstats", testdir_group,
		 gettid());
	assert_string_equal(mmstats_filename(s), want);
	mmstats_remove(s);

	s = open_in_dir(all_defs, NALL, NULL, MMSTATS_NO_DEFAULT_FIELDS);
	assert_int_equal(mmstats_field_count(s), NALL);
	assert_non_null(mmstats_field_by_label(s, "counter"));
	mmstats_remove(s);
}

static void test_bad_defs(void **state)
{
	struct mmstats_field_def dup[] = {
		MMSTATS_DEF("a", MMSTATS_COUNTER),
		MMSTATS_DEF("a", MMSTATS_BYTE),
	};
	struct mmstats_field_def bad[] = {
		{ .label = "x", .type = (enum mmstats_type)99 },
	};
	struct mmstats_field_def empty[] = { MMSTATS_DEF("", MMSTATS_BYTE) };
	struct mmstats_options o = {
		.path = testdir_group, .filename = "bad.mmstats",
	};
	struct mmstats *s;

	(void)state;
	assert_int_equal(mmstats_open(dup, 2, &o, &s), -EEXIST);
	assert_null(s);
	assert_non_null(strstr(mmstats_last_error(), "duplicate"));
	assert_int_equal(mmstats_open(bad, 1, &o, &s), -EINVAL);
	assert_int_equal(mmstats_open(empty, 1, &o, &s), -EINVAL);
	assert_int_equal(access("/tmp/bad.mmstats", F_OK), -1);
}

/* The label named is the one that collided, of whichever def made it. */
static void test_duplicate_named(void **state)
{
	struct mmstats_field_def first[] = {
		MMSTATS_DEF("x", MMSTATS_COUNTER),
		MMSTATS_DEF_HISTOGRAM("x", 1, 2, 1, NULL, NULL),
	};
	struct mmstats_field_def second[] = {
		MMSTATS_DEF_HISTOGRAM("h", 1, 2, 1, NULL, NULL),
		MMSTATS_DEF("h.le.2.0", MMSTATS_COUNTER),
	};
	struct mmstats_options o = {
		.path = testdir_group, .filename = "dupn.mmstats",
	};
	struct mmstats_field_def late = MMSTATS_DEF("h.sum", MMSTATS_BYTE);
	struct mmstats *s;

	(void)state;
	assert_int_equal(mmstats_open(first, 2, &o, &s), -EEXIST);
	assert_string_equal(mmstats_last_error(),
			    "duplicate field label \"x\"");
	assert_int_equal(mmstats_open(second, 2, &o, &s), -EEXIST);
	assert_string_equal(mmstats_last_error(),
			    "duplicate field label \"h.le.2.0\"");
	s = open_in_dir(second, 1, NULL, 0);
	assert_int_equal(mmstats_add_field(s, &late, NULL), -EEXIST);
	assert_string_equal(mmstats_last_error(),
			    "duplicate field label \"h.sum\"");
	late.label = "h";
	assert_int_equal(mmstats_add_field(s, &late, NULL), -EEXIST);
	late.label = "h.";
	assert_int_equal(mmstats_add_field(s, &late, NULL), 0);
	assert_ptr_equal(mmstats_field_by_label(s, "h"), mmstats_field(s, 0));
	assert_null(mmstats_field_by_label(s, "h.sum"));
	mmstats_remove(s);
}

/*
 * Many fields: every label is checked against all the others (by a
 * hash, so opening stays linear; tests/bench times it, not this).
 */
static void test_many_fields(void **state)
{
	enum { N = 20000 };
	struct mmstats_field_def *d = calloc(N, sizeof(*d));
	char (*labels)[16] = calloc(N, sizeof(*labels));
	struct mmstats_snapshot sn;
	struct mmstats *s;

	(void)state;
	assert_non_null(d);
	assert_non_null(labels);
	for (size_t i = 0; i < N; i++) {
		snprintf(labels[i], sizeof(labels[i]), "c%zu", i);
		d[i] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
			labels[i], MMSTATS_UINT64, i);
	}
	s = open_in_dir(d, N, "m.", MMSTATS_NO_DEFAULT_FIELDS);
	assert_int_equal(mmstats_field_count(s), N);
	assert_ptr_equal(mmstats_field_by_label(s, "m.c12345"),
			 mmstats_field(s, 12345));
	assert_int_equal(mmstats_add_field(s, &d[N - 1], NULL), -EEXIST);
	assert_string_equal(mmstats_last_error(),
			    "duplicate field label \"m.c19999\"");
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn),
			 0);
	assert_int_equal(sn.nstats, N);
	assert_string_equal(sn.stats[N - 1].label, "m.c19999");
	assert_int_equal(sn.stats[N - 1].value.v.u, N - 1);
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
	free(labels);
	free(d);
}

/* Past what readers accept (64 MiB), at open or when adding. */
static void test_too_big(void **state)
{
	struct mmstats_field_def big[70];
	char labels[70][8];
	struct mmstats *s;
	size_t n;

	(void)state;
	for (int i = 0; i < 70; i++) {
		snprintf(labels[i], sizeof(labels[i]), "s%d", i);
		big[i] = (struct mmstats_field_def)MMSTATS_DEF_SIZED(labels[i],
				MMSTATS_STRING, MMS_STRING_MAX);
	}
	s = open_in_dir(big, 60, "", 0);
	n = mmstats_field_count(s);	/* with the default fields */
	assert_int_equal(mmstats_add_field(s, &big[60], NULL), 0);
	for (int i = 61; i < 70; i++)
		if (mmstats_add_field(s, &big[i], NULL) == -EFBIG)
			break;
	assert_non_null(strstr(mmstats_last_error(), "64 MiB"));
	assert_true(mmstats_field_count(s) < n + 10);
	assert_int_equal(mmstats_add_field(s, NULL, NULL), -EINVAL);
	mmstats_remove(s);
	assert_int_equal(mmstats_open(big, 70, NULL, &s), -EFBIG);
	assert_null(s);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void test_add_field_grows(void **state)
{
	static const struct mmstats_field_def d[] = {
		MMSTATS_DEF("first", MMSTATS_COUNTER),
	};
	struct mmstats *s = open_in_dir(d, 1, "g.", 0);
	struct mmstats_field *first = mmstats_field(s, 0), *f;
	struct mmstats_field_def def = MMSTATS_DEF("x", MMSTATS_BYTE);
	size_t n0 = mmstats_field_count(s);	/* 1 + the default fields */
	char label[32];
	struct stat st;

	(void)state;
	mmstats_incr(first, 5);
	for (int i = 0; i < 400; i++) {
		snprintf(label, sizeof(label), "dyn.%d", i);
		struct mmstats_field_def nd = MMSTATS_DEF_STATIC_U(label,
				MMSTATS_STATIC_UINT64, (uint64_t)i * 3);

		assert_int_equal(mmstats_add_field(s, &nd, &f), 0);
		assert_ptr_equal(mmstats_field_by_label(s, "g.dyn.0"),
				 mmstats_field(s, n0));
	}
	assert_int_equal(stat(mmstats_filename(s), &st), 0);
	assert_true(st.st_size > 4096 && st.st_size % 4096 == 0);
	/* the handle of a field made before the file grew still works */
	mmstats_incr(first, 1);
	EXPECT(s, "g.first", uint64_t, 6);
	EXPECT(s, "g.dyn.399", uint64_t, 399 * 3);
	assert_int_equal(mmstats_field_count(s), n0 + 400);
	assert_int_equal(mmstats_add_field(s, &def, NULL), 0);
	assert_int_equal(mmstats_add_field(s, &def, &f), -EEXIST);
	assert_null(f);
	mmstats_remove(s);
}

/* A field added to an instance without fields starts at offset 1. */
static void test_add_field_first(void **state)
{
	struct mmstats *s = open_in_dir(NULL, 0, "", MMSTATS_NO_DEFAULT_FIELDS);
	struct mmstats_field_def def = MMSTATS_DEF("c", MMSTATS_COUNTER);
	struct mmstats_field *f;
	struct tfield tf;
	unsigned char *d;
	size_t len = 0;

	(void)state;
	d = tread(mmstats_filename(s), &len);
	assert_int_equal(len, 4096);
	assert_int_equal(tparse(d, len, &tf, 1), 0);
	free(d);
	assert_int_equal(mmstats_add_field(s, &def, &f), 0);
	mmstats_incr(f, 9);
	EXPECT(s, "c", uint64_t, 9);
	mmstats_remove(s);
}

/* ---- readers racing mmstats_add_field() ------------------------------ */

#define RACE_FIELDS 3000

struct race {
	const char *path;
	int done;
	int reads, max_seen;
	char error[200];
};

/* Every field seen must be dyn.<i> = i * 7, in order, and none may go. */
static void race_check(struct race *r, const unsigned char *d,
		       const struct tfield *f, int n)
{
	char want[32];

	if (n < 0) {
		snprintf(r->error, sizeof(r->error),
			 "malformed after %d fields", -1 - n);
		return;
	}
	for (int i = 0; i < n && !r->error[0]; i++) {
		uint64_t v;

		snprintf(want, sizeof(want), "dyn.%d", i);
		memcpy(&v, d + f[i].value_off, 8);
		if (strcmp(f[i].label, want) || v != (uint64_t)i * 7 ||
		    strcmp(tsig_base(f[i].sig), "Q"))
			snprintf(r->error, sizeof(r->error),
				 "half field %d: %.40s", i, f[i].label);
	}
	if (n < r->max_seen)
		snprintf(r->error, sizeof(r->error), "fields vanished");
	if (n > r->max_seen)
		r->max_seen = n;
	r->reads++;
}

static bool writer_done(struct race *r)
{
	return __atomic_load_n(&r->done, __ATOMIC_ACQUIRE);
}

/*
 * A reader of the mapping, loading each label size with acquire as the
 * writer publishes it with release: it must never see part of a field.
 */
static int parse_mapping(const unsigned char *m, size_t len,
			 struct tfield *f, int max)
{
	uint32_t off = 1;
	int n = 0;

	while (off + 2 <= len && n < max) {
		uint16_t ll;

		if (off == 1) {
			uint32_t w = __atomic_load_n((const uint32_t *)(const void *)m,
						     __ATOMIC_ACQUIRE);

			memcpy(&ll, (unsigned char *)&w + 1, 2);
		} else {
			ll = __atomic_load_n((const uint16_t *)(const void *)(m + off),
					     __ATOMIC_ACQUIRE);
		}
		if (ll == 0)
			break;
		/* Parse the one field; past our mapping it is not seen yet. */
		unsigned char one[1024];
		size_t room = len - off + 1 < sizeof(one) ? len - off + 1
							  : sizeof(one);
		int k;

		one[0] = 1;
		memcpy(one + 1, m + off, room - 1);
		k = tparse(one, room, &f[n], 1);
		if (k != 1)
			break;
		f[n].value_off += off - 1;
		off = f[n].end + off - 1;
		n++;
	}
	return n;
}

static void *race_mapping_reader(void *arg)
{
	static struct tfield f[RACE_FIELDS + 8];
	struct race *r = arg;
	int fd = open(r->path, O_RDONLY | O_CLOEXEC);

	/* until a read that began after the writer was done */
	for (bool last = false; fd >= 0 && !last && !r->error[0];) {
		struct stat st;
		void *m;

		last = writer_done(r);
		if (fstat(fd, &st) < 0)
			break;
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED)
			break;
		race_check(r, m, f, parse_mapping(m, (size_t)st.st_size, f,
						   RACE_FIELDS + 8));
		munmap(m, (size_t)st.st_size);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * A reader with pread(), like mmstats_read_fd().  The kernel's copy is
 * not ordered (rep movsb), so one copy may hold a new label size with
 * older bytes after it; two copies in a row that agree are consistent.
 */
static void *race_pread_reader(void *arg)
{
	static struct tfield f[RACE_FIELDS + 8];
	struct race *r = arg;
	unsigned char *prev = NULL;
	size_t prev_len = 0;

	/* until two agreeing copies read after the writer was done */
	for (int last = 0; last < 2 && !r->error[0];) {
		size_t len = 0;
		unsigned char *d;

		last = writer_done(r) ? last + 1 : 0;
		d = tread(r->path, &len);
		if (d && prev && len == prev_len && !memcmp(d, prev, len))
			race_check(r, d, f, tparse(d, len, f, RACE_FIELDS + 8));
		else
			last = 0;
		free(prev);
		prev = d;
		prev_len = len;
	}
	free(prev);
	return NULL;
}

static void race(void *(*reader)(void *))
{
	struct mmstats *s = open_in_dir(NULL, 0, "", MMSTATS_NO_DEFAULT_FIELDS);
	struct race r = { .path = mmstats_filename(s) };
	pthread_t t;
	char label[32];

	assert_int_equal(pthread_create(&t, NULL, reader, &r), 0);
	for (int i = 0; i < RACE_FIELDS && !r.error[0]; i++) {
		struct mmstats_field_def def = MMSTATS_DEF_STATIC_U(label,
				MMSTATS_STATIC_UINT64, (uint64_t)i * 7);

		snprintf(label, sizeof(label), "dyn.%d", i);
		assert_int_equal(mmstats_add_field(s, &def, NULL), 0);
		/* pauses, so that the pread reader gets agreeing copies */
		if (i % 64 == 0)
			nanosleep(&(struct timespec){ 0, 300000 }, NULL);
	}
	__atomic_store_n(&r.done, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	mmstats_remove(s);
	if (r.error[0])
		fail_msg("reader: %s", r.error);
	print_message("reader: %d consistent reads, up to %d fields seen\n",
		      r.reads, r.max_seen);
	assert_true(r.reads >= 1);
	assert_int_equal(r.max_seen, RACE_FIELDS);
}

static void test_add_field_mapping_reader(void **state)
{
	(void)state;
	race(race_mapping_reader);
}

static void test_add_field_pread_reader(void **state)
{
	(void)state;
	race(race_pread_reader);
}

/* ---- flush, close, remove --------------------------------------------- */

static void test_flush_close_remove(void **state)
{
	struct mmstats *s = open_in_dir(all_defs, NALL, "", 0);
	char path[256];

	(void)state;
	mmstats_incr(mmstats_field(s, 0), 1);
	assert_int_equal(mmstats_flush(s, false), 0);
	assert_int_equal(mmstats_flush(s, true), 0);
	snprintf(path, sizeof(path), "%s", mmstats_filename(s));
	mmstats_close(s);
	assert_true(exists(path));		/* close keeps the file */
	EXPECT(s = open_in_dir(all_defs, NALL, "", 0), "counter", uint64_t, 0);
	assert_string_equal(mmstats_filename(s), path);	/* replaced */
	assert_int_equal(mmstats_remove(s), 0);
	assert_false(exists(path));
}

/* remove() never deletes a file that took our name meanwhile. */
static void test_remove_replaced(void **state)
{
	struct mmstats *s = open_in_dir(NULL, 0, "", 0);
	char path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s", mmstats_filename(s));
	assert_int_equal(unlink(path), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(mmstats_remove(s), -ESTALE);
	assert_true(exists(path));
	unlink(path);
}

static void test_remove_all(void **state)
{
	struct mmstats_options o1 = {
		.path = testdir_group, .filename = "one.mmstats",
	};
	struct mmstats_options o2 = {
		.path = testdir_group, .filename = "two.mmstats",
		.flags = MMSTATS_KEEP_AT_EXIT,
	};
	struct mmstats *a, *b;
	char pa[256], pb[256];

	(void)state;
	assert_int_equal(mmstats_open(all_defs, NALL, &o1, &a), 0);
	assert_int_equal(mmstats_open(all_defs, NALL, &o2, &b), 0);
	snprintf(pa, sizeof(pa), "%s", mmstats_filename(a));
	snprintf(pb, sizeof(pb), "%s", mmstats_filename(b));
	assert_true(exists(pa) && exists(pb));
	assert_int_equal(mmstats_remove_all(), 0);
	assert_false(exists(pa));
	assert_false(exists(pb));
	/* the mappings stay usable: other threads may still be writing */
	mmstats_incr(mmstats_field(a, 0), 1);
	assert_int_equal(mmstats_remove_all(), 0);
	assert_int_equal(mmstats_remove(a), 0);
	mmstats_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_alignment),
		cmocka_unit_test(test_layout_signatures),
		cmocka_unit_test(test_layout_matches_reference),
		cmocka_unit_test(test_setters_bytes),
		cmocka_unit_test(test_buffered_slots),
		cmocka_unit_test(test_average),
		cmocka_unit_test(test_moving_average_small),
		cmocka_unit_test(test_moving_average_window),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_string_utf8),
		cmocka_unit_test(test_string_replaced),
		cmocka_unit_test(test_string_model),
		cmocka_unit_test(test_fields_and_defaults),
		cmocka_unit_test(test_bad_defs),
		cmocka_unit_test(test_duplicate_named),
		cmocka_unit_test(test_many_fields),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_add_field_grows),
		cmocka_unit_test(test_add_field_first),
		cmocka_unit_test(test_add_field_mapping_reader),
		cmocka_unit_test(test_add_field_pread_reader),
		cmocka_unit_test(test_flush_close_remove),
		cmocka_unit_test(test_remove_replaced),
		cmocka_unit_test(test_remove_all),
	};

	return testdir_run_group("test_writer", tests);
}
