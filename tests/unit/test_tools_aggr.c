/*
 * test_tools_aggr.c - mmash's aggregators against the reference's Python
 * semantics (sum/max/min/avg over ints, floats, bools and strings), and
 * their JSON.  Expected numbers are Python's (its ints have no bound).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "../../tools/aggr.h"
#include "../../tools/buf.h"
#include "../../tools/json.h"

static struct mmstats_value I(int64_t i)
{
	struct mmstats_value v = { .kind = MMSTATS_KIND_INT, .v.i = i };
	return v;
}

static struct mmstats_value U(uint64_t u)
{
	struct mmstats_value v = { .kind = MMSTATS_KIND_UINT, .v.u = u };
	return v;
}

static struct mmstats_value D(double d)
{
	struct mmstats_value v = { .kind = MMSTATS_KIND_FLOAT, .v.d = d };
	return v;
}

static struct mmstats_value B(bool b)
{
	struct mmstats_value v = { .kind = MMSTATS_KIND_BOOL, .v.b = b };
	return v;
}

static struct mmstats_value S(const char *s)
{
	struct mmstats_value v = { .kind = MMSTATS_KIND_STRING };

	v.v.str.ptr = s;
	v.v.str.len = strlen(s);
	return v;
}

static struct aggr_result apply(const char *name,
				const struct mmstats_value *v, size_t n)
{
	struct aggr_result out;
	enum aggr a;

	assert_int_equal(aggr_parse(name, &a), 0);
	assert_int_equal(aggr_apply(a, v, n, &out), 0);
	return out;
}

/* A result that fits a 64-bit value (or is not an integer). */
static struct mmstats_value run(const char *name, const struct mmstats_value *v,
				size_t n)
{
	struct aggr_result out = apply(name, v, n);

	assert_false(out.is_wide);
	return out.value;
}

/* The JSON of aggregating v[0..n) with `name`. */
static void assert_json(const char *name, const struct mmstats_value *v,
			size_t n, const char *want)
{
	struct aggr_result r = apply(name, v, n);
	struct buf b = BUF_INIT;

	aggr_json(&b, &r);
	assert_false(b.failed);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static int fails(const char *name, const struct mmstats_value *v, size_t n)
{
	struct aggr_result out;
	enum aggr a;

	assert_int_equal(aggr_parse(name, &a), 0);
	return aggr_apply(a, v, n, &out);
}

static void test_parse_names(void **state)
{
	enum aggr a;

	(void)state;
	assert_int_equal(aggr_parse("nonzero-avg", &a), 0);
	assert_int_equal(a, AGGR_NONZERO_AVG);
	assert_int_equal(aggr_parse("nonzero-min", &a), 0);
	assert_int_equal(a, AGGR_NONZERO_MIN);
	assert_int_equal(aggr_parse("one", &a), 0);
	assert_int_equal(a, AGGR_ONE);
	assert_int_equal(aggr_parse("median", &a), -EINVAL);
	assert_int_equal(aggr_parse("", &a), -EINVAL);
	assert_int_equal(aggr_parse("SUM", &a), -EINVAL);
}

static void test_sum_ints_exact(void **state)
{
	struct mmstats_value v[3] = { U(UINT64_MAX - 1), U(1), I(-5) };
	struct mmstats_value r;

	(void)state;
	r = run("sum", v, 2);
	assert_int_equal(r.kind, MMSTATS_KIND_UINT);
	assert_true(r.v.u == UINT64_MAX);
	r = run("sum", v + 1, 2);
	assert_int_equal(r.kind, MMSTATS_KIND_INT);
	assert_int_equal(r.v.i, -4);
}

static void test_sum_past_64_bits(void **state)
{
	struct mmstats_value v[8];
	struct aggr_result r;
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++)
		v[i] = U(UINT64_MAX);
	/* Python's int keeps going where uint64 stops: so does the sum. */
	r = apply("sum", v, 2);
	assert_true(r.is_wide);
	assert_true(r.wide == (__int128)UINT64_MAX * 2);
	assert_json("sum", v, 2, "36893488147419103230");
	assert_json("sum", v, 8, "147573952589676412920");
	/* One past UINT64_MAX is the first that needs it. */
	v[1] = I(1);
	assert_json("sum", v, 2, "18446744073709551616");
	v[1] = U(UINT64_MAX);
	/* max and min stay one of the values. */
	assert_json("max", v, 8, "18446744073709551615");
	/* Averages are float(sum) / len, from the exact sum. */
	assert_json("avg", v, 3, "1.8446744073709552e+19");
}

static void test_sum_negative(void **state)
{
	struct mmstats_value v[3] = { I(-9000000000000000000),
				      I(-9000000000000000000), I(INT64_MIN) };

	(void)state;
	assert_json("sum", v, 1, "-9000000000000000000");
	assert_json("sum", v, 2, "-18000000000000000000");
	assert_json("sum", v + 2, 1, "-9223372036854775808");
	assert_json("sum", v, 3, "-27223372036854775808");
	assert_json("sum", v + 1, 2, "-18223372036854775808");
	assert_json("avg", v + 1, 2, "-9.111686018427388e+18");
	/* One below INT64_MIN is the first that needs more than 64 bits. */
	v[1] = I(-1);
	assert_json("sum", v + 1, 2, "-9223372036854775809");
}

static void test_sum_mixed_signs_and_widths(void **state)
{
	struct mmstats_value v[6] = { U(UINT64_MAX), U(UINT64_MAX),
				      I(INT64_MIN), I(INT64_MIN),
				      I(INT64_MIN), I(INT64_MIN) };
	struct mmstats_value r;

	(void)state;
	/* 2^65 - 2 - 2^63, past uint64 */
	assert_json("sum", v, 3, "27670116110564327422");
	/* Past 64 bits and back: 2^65 - 2 - 4 * 2^63 is -2, exactly. */
	r = run("sum", v, 6);
	assert_int_equal(r.kind, MMSTATS_KIND_INT);
	assert_int_equal(r.v.i, -2);
	/* uint64 and int64 that meet in the middle: 2^64 - 1 - 2^63 */
	r = run("sum", v + 1, 2);
	assert_int_equal(r.kind, MMSTATS_KIND_INT);
	assert_true(r.v.i == INT64_MAX);
	/* Bools add as ints. */
	v[2] = B(true);
	assert_json("sum", v, 3, "36893488147419103231");
	/* After a float, Python goes on in floats from float(the sum). */
	v[2] = D(0.5);
	v[3] = U(UINT64_MAX);
	assert_json("sum", v, 3, "3.6893488147419103e+19");
	assert_json("sum", v, 4, "5.5340232221128655e+19");
}

static void test_json(void **state)
{
	static const struct {
		__int128 x;
		const char *text;
	} ints[] = {
		{ 0, "0" },
		{ -1, "-1" },
		{ (__int128)1 << 64, "18446744073709551616" },
		{ -((__int128)1 << 64), "-18446744073709551616" },
		{ (__int128)(((unsigned __int128)1 << 127) - 1),
		  "170141183460469231731687303715884105727" },
		{ -(__int128)(((unsigned __int128)1 << 127) - 1) - 1,
		  "-170141183460469231731687303715884105728" },
	};
	struct mmstats_value v[2] = { D(INFINITY), D(1) };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		struct buf b = BUF_INIT;

		json_int128(&b, ints[i].x);
		assert_string_equal(b.data, ints[i].text);
		buf_free(&b);
	}
	/* JSON has no inf or nan (Python's json writes Infinity, NaN). */
	assert_json("sum", v, 2, "null");
	v[1] = D(-INFINITY);
	assert_json("sum", v, 2, "null");
	assert_json("max", v, 2, "null");
	v[0] = D(0.1);
	v[1] = D(0.2);
	assert_json("sum", v, 2, "0.30000000000000004");
	v[0] = S("a \"b\"");
	assert_json("one", v, 1, "\"a \\\"b\\\"\"");
}

static void test_sum_mixed_and_bools(void **state)
{
	struct mmstats_value v[3] = { I(1), D(2.5), B(true) };
	struct mmstats_value r;

	(void)state;
	r = run("sum", v, 3);
	assert_int_equal(r.kind, MMSTATS_KIND_FLOAT);
	assert_true(r.v.d == 4.5);
	v[1] = B(true);
	r = run("sum", v, 3);	/* sum([1, True, True]) == 3, an int */
	assert_int_equal(r.kind, MMSTATS_KIND_INT);
	assert_int_equal(r.v.i, 3);
}

static void test_avg(void **state)
{
	struct mmstats_value v[4] = { I(1), I(2), I(4), I(0) };
	struct mmstats_value r;

	(void)state;
	r = run("avg", v, 4);
	assert_int_equal(r.kind, MMSTATS_KIND_FLOAT);
	assert_true(r.v.d == 7.0 / 4);
	r = run("nonzero-avg", v, 4);
	assert_true(r.v.d == 7.0 / 3);
	/* All zero: ZeroDivisionError in the reference, 400 in mmash. */
	v[0] = I(0);
	assert_int_equal(fails("nonzero-avg", v + 3, 1), -EINVAL);
	v[0] = S("x");
	assert_int_equal(fails("avg", v, 4), -EINVAL);
	/* "" is falsy: skipped as 0 is, not refused as a string. */
	v[0] = S("");
	v[1] = I(3);
	r = run("nonzero-avg", v, 2);
	assert_int_equal(r.kind, MMSTATS_KIND_FLOAT);
	assert_true(r.v.d == 3.0);
	assert_int_equal(fails("avg", v, 2), -EINVAL);
	/* A string that is not falsy still cannot be averaged. */
	v[0] = S("x");
	assert_int_equal(fails("nonzero-avg", v, 2), -EINVAL);
}

static void test_min_max_one(void **state)
{
	struct mmstats_value v[4] = { I(3), D(-1.5), U(7), I(0) };
	struct mmstats_value r;

	(void)state;
	r = run("max", v, 4);
	assert_int_equal(r.kind, MMSTATS_KIND_UINT);
	assert_int_equal(r.v.u, 7);
	r = run("min", v, 4);
	assert_int_equal(r.kind, MMSTATS_KIND_FLOAT);
	assert_true(r.v.d == -1.5);
	r = run("one", v, 4);
	assert_int_equal(r.kind, MMSTATS_KIND_INT);
	assert_int_equal(r.v.i, 3);
	v[1] = I(0);
	r = run("nonzero-min", v, 4);
	assert_int_equal(r.v.i, 3);
	assert_int_equal(fails("nonzero-min", v + 3, 1), -EINVAL);
}

static void test_min_max_exact_64bit(void **state)
{
	/* Doubles would call these equal; Python compares them exactly. */
	struct mmstats_value v[2] = { U(UINT64_MAX - 1), U(UINT64_MAX) };
	struct mmstats_value r;

	(void)state;
	r = run("max", v, 2);
	assert_true(r.v.u == UINT64_MAX);
	r = run("min", v, 2);
	assert_true(r.v.u == UINT64_MAX - 1);
}

static void test_first_of_equals(void **state)
{
	/* max() keeps the first of equal values: True before 1. */
	struct mmstats_value v[2] = { B(true), I(1) };
	struct mmstats_value r;

	(void)state;
	r = run("max", v, 2);
	assert_int_equal(r.kind, MMSTATS_KIND_BOOL);
	/* nan never compares greater, so it does not win unless first. */
	v[0] = I(1);
	v[1] = D(NAN);
	r = run("max", v, 2);
	assert_int_equal(r.kind, MMSTATS_KIND_INT);
}

static void test_strings(void **state)
{
	struct mmstats_value v[3] = { S("beta"), S("alpha"), S("") };
	struct mmstats_value r;

	(void)state;
	r = run("max", v, 3);
	assert_string_equal(r.v.str.ptr, "beta");
	r = run("min", v, 3);
	assert_int_equal(r.v.str.len, 0);
	r = run("nonzero-min", v, 3);	/* "" is false */
	assert_string_equal(r.v.str.ptr, "alpha");
	assert_int_equal(fails("sum", v, 3), -EINVAL);
	v[2] = I(1);	/* strings and numbers do not compare */
	assert_int_equal(fails("max", v, 3), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_sum_ints_exact),
		cmocka_unit_test(test_sum_past_64_bits),
		cmocka_unit_test(test_sum_negative),
		cmocka_unit_test(test_sum_mixed_signs_and_widths),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_sum_mixed_and_bools),
		cmocka_unit_test(test_avg),
		cmocka_unit_test(test_min_max_one),
		cmocka_unit_test(test_min_max_exact_64bit),
		cmocka_unit_test(test_first_of_equals),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
