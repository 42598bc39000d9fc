/*
 * test_fs_histfile.c - mmstatsfs's histogram files: the text (count,
 * sum, quantiles, cumulative buckets), the sum over a process's files,
 * which fields name a histogram, and the names they get beside the
 * fields' (a label of the file wins).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/aggregate.h"
#include "../../fs/fieldnames.h"
#include "../../fs/histfile.h"

static struct mfs_hist *hist4(uint64_t a, uint64_t b, uint64_t c,
			      uint64_t d, double sum)
{
	static struct mfs_hist h[2];
	static int which;
	struct mfs_hist *p = &h[which++ & 1];

	memset(p, 0, sizeof(*p));
	p->n = 4;
	p->bounds[0] = 1;
	p->bounds[1] = 2;
	p->bounds[2] = 4;
	p->bounds[3] = INFINITY;
	p->counts[0] = a;
	p->counts[1] = b;
	p->counts[2] = c;
	p->counts[3] = d;
	p->sum = sum;
	return p;
}

static void test_render(void **state)
{
	char buf[512];
	int n;

	(void)state;
	/* p50: rank 2 falls in (1, 2], half-way: 1.5; p90, p99: rank past
	 * the last finite bucket: its bound, 4.0 */
	n = mfs_hist_render(hist4(1, 2, 0, 1, 12.5), buf, sizeof(buf));
	assert_string_equal(buf,
			    "count 4\nsum 12.5\np50 1.5\np90 4.0\np99 4.0\n"
			    "le=1.0 1\nle=2.0 3\nle=4.0 3\nle=+Inf 4");
	assert_int_equal(n, (int)strlen(buf));
}

static void test_render_empty(void **state)
{
	char buf[512];

	(void)state;
	mfs_hist_render(hist4(0, 0, 0, 0, 0), buf, sizeof(buf));
	assert_string_equal(buf,
			    "count 0\nsum 0.0\np50 nan\np90 nan\np99 nan\n"
			    "le=1.0 0\nle=2.0 0\nle=4.0 0\nle=+Inf 0");
}

static void test_render_short_buffer(void **state)
{
	const struct mfs_hist *h = hist4(1, 2, 0, 1, 12.5);
	char full[512], buf[20];
	int n = mfs_hist_render(h, full, sizeof(full));
	size_t len;

	(void)state;
	/* as snprintf: the length it needs, and a terminated prefix */
	for (len = 1; len <= sizeof(buf); len++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(mfs_hist_render(h, buf, len), n);
		assert_int_equal(strlen(buf), len - 1);
		assert_memory_equal(buf, full, len - 1);
	}
}

static void test_add(void **state)
{
	struct mfs_hist *a = hist4(1, 2, 0, 1, 12.5);
	struct mfs_hist *b = hist4(0, 1, 5, 0, 20);
	char buf[512];

	(void)state;
	assert_true(mfs_hist_add(a, b));
	mfs_hist_render(a, buf, sizeof(buf));
	assert_non_null(strstr(buf, "count 10\nsum 32.5\n"));
	assert_non_null(strstr(buf, "le=1.0 1\nle=2.0 4\nle=4.0 9\n"
				    "le=+Inf 10"));
	b->bounds[2] = 8;	/* other bounds: not added */
	assert_false(mfs_hist_add(a, b));
	mfs_hist_render(a, buf, sizeof(buf));
	assert_non_null(strstr(buf, "count 10\n"));
}

static struct mmstats_stat field(const char *label, enum mmstats_metric m,
				 uint16_t name_len)
{
	struct mmstats_stat st = { .label = label };

	st.raw_label = (const unsigned char *)label;
	st.raw_label_len = strlen(label);
	st.notes.metric = m;
	st.notes.name_len = name_len;
	return st;
}

static void test_named(void **state)
{
	struct mmstats_stat s = field("a/lat.sum", MMSTATS_METRIC_HISTOGRAM_SUM,
				      5);

	(void)state;
	assert_true(mfs_hist_named(&s, "a%2Flat"));
	assert_false(mfs_hist_named(&s, "a/lat"));
	assert_false(mfs_hist_named(&s, "a%2Flat.sum"));
	s.notes.metric = MMSTATS_METRIC_HISTOGRAM_BUCKET;
	assert_false(mfs_hist_named(&s, "a%2Flat"));
	s.notes.metric = MMSTATS_METRIC_HISTOGRAM_SUM;
	/* a name as long as the label (notes of no writer) names nothing */
	s.notes.name_len = (uint16_t)s.raw_label_len;
	assert_false(mfs_hist_named(&s, "a%2Flat.sum"));
	s.notes.name_len = 0;
	assert_false(mfs_hist_named(&s, "%"));
}

static void test_fieldnames(void **state)
{
	struct mmstats_stat st[] = {
		field("lat.sum", MMSTATS_METRIC_HISTOGRAM_SUM, 3),
		field("lat.le.1.0", MMSTATS_METRIC_HISTOGRAM_BUCKET, 3),
		field("lat.le.inf", MMSTATS_METRIC_HISTOGRAM_BUCKET, 3),
		field("size", MMSTATS_METRIC_GAUGE, 0),
		field("size.sum", MMSTATS_METRIC_HISTOGRAM_SUM, 4),
		field("size.le.inf", MMSTATS_METRIC_HISTOGRAM_BUCKET, 4),
		field("lat.sum", MMSTATS_METRIC_HISTOGRAM_SUM, 3),
		field("odd.sum", MMSTATS_METRIC_HISTOGRAM_SUM, 7),
	};
	struct mmstats_snapshot snap = { .stats = st, .nstats = 8 };
	struct mfs_fieldnames fn;

	(void)state;
	assert_int_equal(mfs_fieldnames_make(&snap, &fn), 0);
	/* one name per field, then lat's: size is a label, which wins; the
	 * second lat is taken; odd's name is its label's whole */
	assert_int_equal(fn.n, 9);
	assert_int_equal(fn.nfields, 8);
	assert_int_equal(mfs_fieldnames_field(&fn, 7), 7);
	assert_int_equal(mfs_fieldnames_field(&fn, 8), 0);
	assert_false(mfs_fieldnames_is_hist(&fn, "odd.sum"));
	assert_true(mfs_fieldnames_is_hist(&fn, "lat"));
	assert_string_equal(fn.name[6], "lat.sum%#2");
	assert_string_equal(fn.name[8], "lat");
	assert_int_equal(mfs_fieldnames_find(&fn, "lat"), 0);
	assert_int_equal(mfs_fieldnames_find(&fn, "lat.sum"), 0);
	assert_int_equal(mfs_fieldnames_find(&fn, "size"), 3);
	assert_int_equal(mfs_fieldnames_find(&fn, "size.sum"), 4);
	assert_int_equal(mfs_fieldnames_find(&fn, "odd"), -1);
	mfs_fieldnames_free(&fn);
}

/*
 * Buckets summed over files do not wrap at 64 bits: /<pid>/B shows the
 * exact counts /<pid>/B.le.X (aggregate.c, 128 bits) shows.
 */
static void test_add_past_64_bits(void **state)
{
	struct mfs_hist *a = hist4(UINT64_MAX, 0, 0, 1, 1);
	struct mfs_hist *b = hist4(2, 0, 0, UINT64_MAX, 1);
	char buf[1024];

	(void)state;
	assert_true(mfs_hist_add(a, b));
	mfs_hist_render(a, buf, sizeof(buf));
	/* (2^64 - 1) + 2 + 1 + (2^64 - 1) = 2^65 + 1 */
	assert_non_null(strstr(buf, "count 36893488147419103233\n"));
	assert_non_null(strstr(buf, "le=1.0 18446744073709551617\n"));
	assert_non_null(strstr(buf, "le=+Inf 36893488147419103233"));
	/* quantiles still come out of the scaled counts */
	assert_non_null(strstr(buf, "p50 1.0"));
}

/*
 * /<pid>/B.sum adds the sums of the files B's own `sum` line adds: those
 * whose histogram has the main thread's bounds.
 */
static void test_sum_same_files(void **state)
{
	struct mmstats_stat st[3];
	struct mfs_probe p[3];
	struct mfs_agg_input in[3];
	char buf[64];
	size_t i;

	(void)state;
	memset(in, 0, sizeof(in));
	for (i = 0; i < 3; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].notes.metric = MMSTATS_METRIC_HISTOGRAM_SUM;
		st[i].value.kind = MMSTATS_KIND_FLOAT;
		st[i].value.v.d = (double)(i + 1);	/* 1, 2, 3 */
		mfs_probe_init(&p[i], "lat.sum");
		p[i].hist = calloc(1, sizeof(*p[i].hist));
		assert_non_null(p[i].hist);
		*p[i].hist = *hist4(0, 0, 0, 0, 0);
		in[i].stat = &st[i];
		in[i].created = (double)i;
	}
	in[0].main = true;
	p[2].hist->bounds[0] = 0.5;	/* other bounds: left out, as in B */
	assert_int_equal(mfs_probe_aggregate(p, in, 3, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "3.0");
	for (i = 0; i < 3; i++)
		mfs_probe_free(&p[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_render_short_buffer),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_add_past_64_bits),
		cmocka_unit_test(test_sum_same_files),
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_fieldnames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
