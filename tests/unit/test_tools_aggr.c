/*
 * test_tools_aggr.c - mmash's aggregators against the reference's Python
 * semantics (sum/max/min/avg over ints, floats, bools and strings).
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

static struct mmstats_value run(const char *name, const struct mmstats_value *v,
				size_t n)
{
	struct mmstats_value out;
	enum aggr a;

	assert_int_equal(aggr_parse(name, &a), 0);
	assert_int_equal(aggr_apply(a, v, n, &out), 0);
	return out;
}

static int fails(const char *name, const struct mmstats_value *v, size_t n)
{
	struct mmstats_value out;
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
	/* Past 64 bits Python's int keeps going; we give the float. */
	v[2] = U(UINT64_MAX);
	r = run("sum", v, 3);
	assert_int_equal(r.kind, MMSTATS_KIND_FLOAT);
	assert_true(r.v.d == 2.0 * 18446744073709551616.0);
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
		cmocka_unit_test(test_sum_mixed_and_bools),
		cmocka_unit_test(test_avg),
		cmocka_unit_test(test_min_max_one),
		cmocka_unit_test(test_min_max_exact_64bit),
		cmocka_unit_test(test_first_of_equals),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
