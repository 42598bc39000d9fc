/*
 * test_fs_aggregate.c - the process-wide value of a label in mmstatsfs:
 * buffered integers summed exactly, everything else from the main
 * thread's file or the oldest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../fs/aggregate.h"

static struct mmstats_stat uint_stat(uint64_t v, bool buffered)
{
	struct mmstats_stat st = { .label = "x", .buffered = buffered };

	st.value.kind = MMSTATS_KIND_UINT;
	st.value.v.u = v;
	return st;
}

static struct mmstats_stat int_stat(int64_t v)
{
	struct mmstats_stat st = { .label = "x", .buffered = true };

	st.value.kind = MMSTATS_KIND_INT;
	st.value.v.i = v;
	return st;
}

static struct mmstats_stat double_stat(double v)
{
	struct mmstats_stat st = { .label = "x", .buffered = true };

	st.value.kind = MMSTATS_KIND_FLOAT;
	st.value.v.d = v;
	return st;
}

static const char *agg(const struct mfs_agg_input *in, size_t n)
{
	static char buf[128];
	int r = mfs_aggregate(in, n, buf, sizeof(buf));

	assert_true(r >= 0);
	assert_int_equal((size_t)r, strlen(buf));
	return buf;
}

static void test_counters_summed(void **state)
{
	struct mmstats_stat a = uint_stat(5, true), b = uint_stat(7, true);
	struct mfs_agg_input in[3] = {
		{ &a, true, 2 }, { &b, false, 1 }, { NULL, false, 0 },
	};

	(void)state;
	assert_string_equal(agg(in, 3), "12");
	assert_string_equal(agg(in, 1), "5");
}

static void test_sum_never_wraps(void **state)
{
	struct mmstats_stat a = uint_stat(UINT64_MAX, true);
	struct mmstats_stat b = uint_stat(UINT64_MAX, true);
	struct mmstats_stat c = int_stat(INT64_MIN), d = int_stat(INT64_MIN);
	struct mfs_agg_input in[2] = { { &a, true, 0 }, { &b, false, 0 } };
	struct mfs_agg_input neg[2] = { { &c, true, 0 }, { &d, false, 0 } };

	(void)state;
	assert_string_equal(agg(in, 2), "36893488147419103230");
	assert_string_equal(agg(neg, 2), "-18446744073709551616");
}

static void test_signed_and_unsigned_mix(void **state)
{
	struct mmstats_stat a = int_stat(-5), b = uint_stat(3, true);
	struct mfs_agg_input in[2] = { { &a, false, 1 }, { &b, false, 2 } };

	(void)state;
	assert_string_equal(agg(in, 2), "-2");
}

static void test_static_fields_not_summed(void **state)
{
	struct mmstats_stat main = uint_stat(1234, false);
	struct mmstats_stat other = uint_stat(1234, false);
	struct mfs_agg_input in[2] = {
		{ &other, false, 1 }, { &main, true, 5 },
	};

	(void)state;
	main.value.v.u = 1234;
	other.value.v.u = 1240;		/* e.g. sys.tid */
	assert_string_equal(agg(in, 2), "1234");
}

static void test_oldest_without_main(void **state)
{
	struct mmstats_stat young = double_stat(2.5), old = double_stat(0.1);
	struct mfs_agg_input in[2] = {
		{ &young, false, 200 }, { &old, false, 100 },
	};

	(void)state;
	assert_string_equal(agg(in, 2), "0.1");
}

/*
 * The reference writes the main thread's sys.created into every thread's
 * file: of files made at once, the first by name speaks, in any order.
 */
static void test_equal_ages_by_name(void **state)
{
	struct mmstats_stat b = double_stat(2.5), a = double_stat(0.1);
	struct mfs_agg_input in[2] = {
		{ &b, false, 100, "mmstats-x-1-3.mmstats" },
		{ &a, false, 100, "mmstats-x-1-2.mmstats" },
	};
	struct mfs_agg_input rev[2] = { in[1], in[0] };

	(void)state;
	assert_string_equal(agg(in, 2), "0.1");
	assert_string_equal(agg(rev, 2), "0.1");
}

static void test_mixed_types_take_representative(void **state)
{
	struct mmstats_stat n = uint_stat(3, true), d = double_stat(1.5);
	struct mfs_agg_input in[2] = { { &n, false, 9 }, { &d, true, 10 } };
	struct mfs_agg_input in2[2] = { { &n, true, 9 }, { &d, false, 1 } };

	(void)state;
	assert_string_equal(agg(in, 2), "1.5");
	assert_string_equal(agg(in2, 2), "3");
}

static void test_nobody_has_it(void **state)
{
	struct mfs_agg_input in[2] = { { NULL, true, 0 }, { NULL, false, 0 } };
	char buf[8];

	(void)state;
	assert_int_equal(mfs_aggregate(in, 2, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(mfs_aggregate(in, 0, buf, sizeof(buf)), -ENOENT);
}

static void test_short_buffer_reports_length(void **state)
{
	struct mmstats_stat a = uint_stat(123456789, true);
	struct mfs_agg_input in[1] = { { &a, true, 0 } };
	char buf[4];

	(void)state;
	assert_int_equal(mfs_aggregate(in, 1, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "123");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_summed),
		cmocka_unit_test(test_sum_never_wraps),
		cmocka_unit_test(test_signed_and_unsigned_mix),
		cmocka_unit_test(test_static_fields_not_summed),
		cmocka_unit_test(test_oldest_without_main),
		cmocka_unit_test(test_equal_ages_by_name),
		cmocka_unit_test(test_mixed_types_take_representative),
		cmocka_unit_test(test_nobody_has_it),
		cmocka_unit_test(test_short_buffer_reports_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
