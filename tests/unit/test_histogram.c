/*
 * test_histogram.c - histograms: their fields and bounds, the bucket of
 * a value (log-linear from its bits, against a plain search), what
 * readers find, and quantiles computed by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmstats.h"
#include "testdir.h"

static const double explicit_bounds[] = { 0.1, 0.5, 1 };

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("before", MMSTATS_COUNTER),
	MMSTATS_DEF_HISTOGRAM("lat", 1, 8, 2, "seconds", "Request latency"),
	MMSTATS_DEF_HISTOGRAM_BOUNDS("size", explicit_bounds, 3, "bytes",
				     NULL),
	MMSTATS_DEF("after", MMSTATS_COUNTER),
};

static struct mmstats *open_file(const struct mmstats_field_def *d, size_t n,
				 const char *name)
{
	struct mmstats_options o = {
		.path = testdir_group, .filename = name,
		.flags = MMSTATS_NO_DEFAULT_FIELDS,
	};
	struct mmstats *s = NULL;

	if (mmstats_open(d, n, &o, &s))
		fail_msg("mmstats_open: %s", mmstats_last_error());
	return s;
}

static size_t index_of(const struct mmstats_snapshot *sn, const char *label)
{
	for (size_t i = 0; i < sn->nstats; i++)
		if (strcmp(sn->stats[i].label, label) == 0)
			return i;
	fail_msg("no field %s", label);
	return 0;
}

/* The buckets of sum field `label`: their bounds and counts. */
static size_t read_hist(const struct mmstats_snapshot *sn, const char *label,
			double *bounds, uint64_t *counts)
{
	size_t idx[64];
	ssize_t n = mmstats_histogram_buckets(sn, index_of(sn, label), idx, 64);

	assert_true(n > 0 && n <= 64);
	for (ssize_t i = 0; i < n; i++) {
		bounds[i] = sn->stats[idx[i]].notes.bound;
		counts[i] = sn->stats[idx[i]].value.v.u;
	}
	return (size_t)n;
}

static void test_fields(void **state)
{
	static const char *const want[] = {
		"before", "lat.sum", "lat.le.1.0", "lat.le.1.5", "lat.le.2.0",
		"lat.le.3.0", "lat.le.4.0", "lat.le.6.0", "lat.le.8.0",
		"lat.le.inf", "size.sum", "size.le.0.1", "size.le.0.5",
		"size.le.1.0", "size.le.inf", "after",
	};
	struct mmstats *s = open_file(defs, 4, "f.mmstats");
	struct mmstats_snapshot sn;
	const struct mmstats_stat *st;

	(void)state;
	assert_int_equal(mmstats_field_count(s), 4);
	assert_int_equal(mmstats_field(s, 1)->type, MMSTATS_HISTOGRAM);
	assert_ptr_equal(mmstats_field_by_label(s, "lat"), mmstats_field(s, 1));
	assert_int_equal(mmstats_field(s, 1)->state.hist.n, 8);
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn), 0);
	assert_int_equal(sn.nstats, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < sn.nstats; i++)
		assert_string_equal(sn.stats[i].label, want[i]);
	st = &sn.stats[1];
	assert_int_equal(st->notes.metric, MMSTATS_METRIC_HISTOGRAM_SUM);
	assert_string_equal(st->notes.unit, "seconds");
	assert_string_equal(st->notes.help, "Request latency");
	assert_int_equal(st->notes.name_len, 3);
	assert_string_equal(st->type + strspn(st->type, "0123456789x"), "d");
	st = &sn.stats[9];
	assert_int_equal(st->notes.metric, MMSTATS_METRIC_HISTOGRAM_BUCKET);
	assert_true(isinf(st->notes.bound));
	assert_string_equal(st->notes.unit, "");
	assert_string_equal(st->type, "24xQ");
	assert_true(sn.stats[3].notes.bound == 1.5);
	assert_int_equal(mmstats_histogram_buckets(&sn, 0, NULL, 0), -EINVAL);
	assert_int_equal(mmstats_histogram_buckets(&sn, 2, NULL, 0), -EINVAL);
	assert_int_equal(mmstats_histogram_buckets(&sn, 1, NULL, 0), 8);
	assert_int_equal(mmstats_histogram_buckets(&sn, 10, NULL, 0), 4);
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
}

/* Bucket i holds (bound[i-1], bound[i]]; NaN goes to +Inf. */
static void test_observe(void **state)
{
	static const double v[] = { 0.5, 1, -3, 0, 1.2, 1.5, 1.6, 8,
				    8.0001, NAN, INFINITY, -INFINITY, 2.5 };
	static const uint64_t want[] = { 5, 2, 1, 1, 0, 0, 1, 3 };
	struct mmstats *s = open_file(defs, 4, "o.mmstats");
	struct mmstats_field *h = mmstats_field(s, 1), *e = mmstats_field(s, 2);
	struct mmstats_snapshot sn;
	double bounds[64];
	uint64_t counts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		if (!isnan(v[i]) && !isinf(v[i]))
			mmstats_observe(h, v[i]);
	mmstats_observe(h, NAN);
	mmstats_observe(h, INFINITY);
	mmstats_observe(h, -INFINITY);
	mmstats_observe(e, 0.1);
	mmstats_observe(e, 0.25);
	mmstats_observe(e, 7);
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn), 0);
	assert_int_equal(read_hist(&sn, "lat.sum", bounds, counts), 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(counts[i], want[i]);
	assert_true(isnan(sn.stats[index_of(&sn, "lat.sum")].value.v.d));
	assert_int_equal(read_hist(&sn, "size.sum", bounds, counts), 4);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 0);
	assert_int_equal(counts[3], 1);
	assert_true(sn.stats[index_of(&sn, "size.sum")].value.v.d ==
		    0.1 + 0.25 + 7);
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
}

/* The bits of a double give the bucket a search of the bounds gives. */
static void test_loglin_matches_search(void **state)
{
	static const struct { double lo, hi; uint32_t per2; } h[] = {
		{ 1e-6, 100, 4 }, { 1, 2, 1 }, { 0.3, 1e6, 16 },
		{ 1, 1024, 8 }, { 3, 5, 2 },
	};
	struct mmstats_field_def d = MMSTATS_DEF_HISTOGRAM("h", 1, 2, 1,
							   NULL, NULL);
	uint64_t seed = 88172645463325252u;

	(void)state;
	for (size_t k = 0; k < sizeof(h) / sizeof(*h); k++) {
		struct mmstats *s;
		struct mmstats_field *f;
		char name[32];

		d.hist.lo = h[k].lo;
		d.hist.hi = h[k].hi;
		d.size = h[k].per2;
		snprintf(name, sizeof(name), "l%zu.mmstats", k);
		s = open_file(&d, 1, name);
		f = mmstats_field(s, 0);
		assert_true(f->state.hist.loglin);
		for (uint32_t b = 0; b + 1 < f->state.hist.n; b++) {
			double x = f->state.hist.bounds[b];

			assert_int_equal(mmstats_loglin_bucket_(f, x), b);
			assert_int_equal(mmstats_loglin_bucket_(f,
					 nextafter(x, INFINITY)), b + 1);
			assert_int_equal(mmstats_histogram_bucket_(f, x), b);
		}
		for (int i = 0; i < 200000; i++) {
			double x;

			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
			/* log-uniform over the range and a bit beyond */
			x = h[k].lo / 4 * pow(h[k].hi * 4 / (h[k].lo / 4),
					      (double)(seed >> 11) * 0x1p-53);
			assert_int_equal(mmstats_loglin_bucket_(f, x),
					 mmstats_histogram_bucket_(f, x));
		}
		mmstats_remove(s);
	}
}

static void expect_einval(struct mmstats_field_def d, const char *why)
{
	struct mmstats_options o = { .path = testdir_group,
				     .filename = "bad.mmstats" };
	struct mmstats *s;

	assert_int_equal(mmstats_open(&d, 1, &o, &s), -EINVAL);
	assert_non_null(strstr(mmstats_last_error(), why));
}

static void test_bad_defs(void **state)
{
	static const double down[] = { 1, 0.5 }, inf[] = { 1, INFINITY };

	(void)state;
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 1, 2, 3, NULL, NULL), "per power");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 0, 2, 4, NULL, NULL), "0 < lo < hi");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 2, 2, 4, NULL, NULL), "0 < lo < hi");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 1e-300, 1e300, 16, NULL, NULL),
		"more than 512");
	/* The limits of a double, each said as it is. */
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 0x1p1000, DBL_MAX, 1, NULL, NULL),
		"hi 1.79769e+308 is above 2^1023");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 0x1p-1030, 1, 1, NULL, NULL),
		"is below 2^-1022 (DBL_MIN)");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM("h", 1, NAN, 1, NULL, NULL),
		"0 < lo < hi");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM_BOUNDS("h", down, 2, NULL, NULL),
		"not above");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM_BOUNDS("h", inf, 2, NULL, NULL),
		"not finite");
	expect_einval((struct mmstats_field_def)
		MMSTATS_DEF_HISTOGRAM_BOUNDS("h", down, 0, NULL, NULL),
		"bounds");
}

/* The extremes the limits allow work, and the bucket of a value too. */
static void test_extreme_ranges(void **state)
{
	static const struct mmstats_field_def d[] = {
		MMSTATS_DEF_HISTOGRAM("tiny", DBL_MIN, 0x1p-1000, 1, NULL,
				      NULL),
		MMSTATS_DEF_HISTOGRAM("huge", 0x1p1000, 0x1p1023, 2, NULL,
				      NULL),
	};
	struct mmstats *s = open_file(d, 2, "x.mmstats");
	struct mmstats_field *tiny = mmstats_field(s, 0);
	struct mmstats_field *huge = mmstats_field(s, 1);

	(void)state;
	assert_int_equal(tiny->state.hist.n, 22 + 2);
	assert_true(tiny->state.hist.bounds[0] == DBL_MIN);
	assert_int_equal(mmstats_loglin_bucket_(tiny, DBL_MIN), 0);
	assert_int_equal(mmstats_loglin_bucket_(tiny, 0x1p-1000), 22);
	assert_int_equal(mmstats_loglin_bucket_(tiny, 0x1p-999), 23);
	assert_int_equal(huge->state.hist.n, 23 * 2 + 2);
	assert_true(huge->state.hist.bounds[46] == 0x1p1023);
	assert_int_equal(mmstats_loglin_bucket_(huge, 0x1p1023), 46);
	assert_int_equal(mmstats_loglin_bucket_(huge, DBL_MAX), 47);
	assert_int_equal(mmstats_loglin_bucket_(huge, INFINITY), 47);
	mmstats_remove(s);
}

/*
 * A histogram whose buckets stop before +Inf is no histogram: readers
 * would take its last bucket for the +Inf one and its count for all.
 */
static void test_cut_short(void **state)
{
	static const struct mmstats_field_def d[] = {
		MMSTATS_DEF_HISTOGRAM("h", 1, 16, 1, "s", "help"),
	};
	struct mmstats *s = open_file(d, 1, "cut.mmstats");
	struct mmstats_limits lim = { .max_fields = 3 };
	const struct mmstats_snapshot *msn;
	struct mmstats_snapshot sn, part;
	struct mmstats_map *m;
	size_t idx[8];
	int fd;

	(void)state;
	for (double v = 0.5; v < 40; v *= 1.7)
		mmstats_observe(mmstats_field(s, 0), v);
	fd = open(mmstats_filename(s), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(mmstats_map_fd_within(fd, &lim, &m), -E2BIG);
	msn = mmstats_map_fields(m);
	assert_int_equal(msn->nstats, 3);
	assert_int_equal(mmstats_histogram_buckets(msn, 0, idx, 8), -ENODATA);
	assert_non_null(strstr(mmstats_last_error(), "histogram \"h\": 2 "
			       "buckets up to 2, none +Inf"));
	assert_non_null(strstr(mmstats_last_error(), "not read"));
	mmstats_map_close(m);

	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn), 0);
	assert_int_equal(sn.nstats, 7);
	assert_int_equal(mmstats_histogram_buckets(&sn, 0, idx, 8), 6);
	sn.stats[3].notes.bound = 1.5;		/* as a file may say */
	assert_int_equal(mmstats_histogram_buckets(&sn, 0, idx, 8), -ENODATA);
	assert_non_null(strstr(mmstats_last_error(), "2 buckets up to 2, "
			       "none +Inf: field 3 (h.le.4.0) is not its "
			       "next bucket"));
	/* The file as it was when only its first fields were there. */
	assert_int_equal(mmstats_parse(sn.data, sn.stats[4].offset, &part), 0);
	assert_int_equal(part.nstats, 4);
	assert_int_equal(mmstats_histogram_buckets(&part, 0, idx, 8),
			 -ENODATA);
	assert_non_null(strstr(mmstats_last_error(), "3 buckets up to 4, "
			       "none +Inf: the file ends there"));
	mmstats_snapshot_free(&part);
	assert_int_equal(mmstats_parse(sn.data, sn.stats[1].offset, &part), 0);
	assert_int_equal(mmstats_histogram_buckets(&part, 0, NULL, 0),
			 -ENODATA);
	assert_non_null(strstr(mmstats_last_error(), "no buckets"));
	mmstats_snapshot_free(&part);
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
}

/* Added to a live file, then moved by the growth of the mapping. */
static void test_added_and_moved(void **state)
{
	struct mmstats *s = open_file(defs, 1, "a.mmstats");
	struct mmstats_field *h;
	struct mmstats_snapshot sn;
	double bounds[64];
	uint64_t counts[64];
	char label[32];

	(void)state;
	assert_int_equal(mmstats_add_field(s, &defs[2], &h), 0);
	assert_int_equal(mmstats_add_field(s, &defs[2], NULL), -EEXIST);
	mmstats_observe(h, 0.3);
	for (int i = 0; i < 300; i++) {
		snprintf(label, sizeof(label), "pad.%d", i);
		struct mmstats_field_def d = MMSTATS_DEF(label, MMSTATS_COUNTER);

		assert_int_equal(mmstats_add_field(s, &d, NULL), 0);
	}
	mmstats_observe(h, 0.4);
	mmstats_observe(h, 2);
	assert_int_equal(mmstats_read_at(AT_FDCWD, mmstats_filename(s), &sn), 0);
	assert_true(sn.size > 4096);
	assert_int_equal(read_hist(&sn, "size.sum", bounds, counts), 4);
	assert_int_equal(counts[1], 2);
	assert_int_equal(counts[3], 1);
	mmstats_snapshot_free(&sn);
	mmstats_remove(s);
}

static void expect_q(const double *b, const uint64_t *c, size_t n, double q,
		     double want)
{
	double got = mmstats_histogram_quantile(b, c, n, q);

	if (isnan(want))
		assert_true(isnan(got));
	else if (fabs(got - want) > 1e-12)
		fail_msg("q %g: %.17g, not %.17g", q, got, want);
}

static void test_quantile(void **state)
{
	static const double b[] = { 1, 2, 4, INFINITY };
	static const uint64_t c[] = { 2, 2, 4, 0 }, top[] = { 1, 0, 0, 1 },
			      none[] = { 0, 0, 0, 0 };
	static const double neg[] = { -1, 0, INFINITY }, fin[] = { 1, 2 };
	static const uint64_t cneg[] = { 3, 1, 0 }, cfin[] = { 1, 1 };

	(void)state;
	expect_q(b, c, 4, 0.5, 2);	/* rank 4: the end of bucket 1 */
	expect_q(b, c, 4, 0.25, 1);	/* rank 2: from 0, bucket 0 full */
	expect_q(b, c, 4, 0.1, 0.4);	/* rank 0.8 of 2 in [0, 1] */
	expect_q(b, c, 4, 0.75, 3);	/* rank 6: 2 of 4 in [2, 4] */
	expect_q(b, c, 4, 1, 4);
	expect_q(b, top, 4, 1, 4);	/* in +Inf: the last finite bound */
	expect_q(b, top, 4, 0.5, 1);
	expect_q(b, none, 4, 0.5, NAN);
	expect_q(neg, cneg, 3, 0.5, -1);	/* lowest bound <= 0 */
	expect_q(neg, cneg, 3, 0.9, -0.4);	/* rank 3.6: 0.6 in [-1, 0] */
	expect_q(fin, cfin, 2, 0.5, NAN);	/* no +Inf bucket */
	expect_q(b, c, 1, 0.5, NAN);
	expect_q(b, c, 4, NAN, NAN);
	assert_true(mmstats_histogram_quantile(b, c, 4, -0.1) == -INFINITY);
	assert_true(mmstats_histogram_quantile(b, c, 4, 1.1) == INFINITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_observe),
		cmocka_unit_test(test_loglin_matches_search),
		cmocka_unit_test(test_bad_defs),
		cmocka_unit_test(test_extreme_ranges),
		cmocka_unit_test(test_cut_short),
		cmocka_unit_test(test_added_and_moved),
		cmocka_unit_test(test_quantile),
	};

	return testdir_run_group("test_histogram", tests);
}
