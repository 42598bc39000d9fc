/*
 * test_tools_pyfloat.c - slurpstats --py2-floats: Python 2.7's str() of
 * a float.  Every expected string below was printed by a real Python
 * 2.7.18 (print str(v)); the comments say which rule each one checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "../../tools/pyfloat.h"

static void assert_py2(double d, const char *want)
{
	char text[64];
	int n = py2_float_str(d, text, sizeof(text));

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(text, want);
}

static void test_twelve_digits(void **state)
{
	(void)state;
	assert_py2(0.1 + 0.2, "0.3");		/* repr: 0.30000000000000004 */
	assert_py2(7.0 / 3, "2.33333333333");
	assert_py2(3.141592653589793, "3.14159265359");
	assert_py2(1795556800.237744, "1795556800.24");
	assert_py2((double)0.1f, "0.10000000149");	/* a float32, widened */
	assert_py2(99999999999.95, "99999999999.9");	/* really ...949997 */
	assert_py2(12345678901.5, "12345678901.5");
	assert_py2(-2.75, "-2.75");
	assert_py2(2.5, "2.5");
}

static void test_dot_zero(void **state)
{
	(void)state;
	assert_py2(1.0, "1.0");
	assert_py2(100.0, "100.0");
	assert_py2(0.0, "0.0");
	assert_py2(-0.0, "-0.0");
	assert_py2(1e10, "10000000000.0");	/* 11 digits: still fixed */
}

static void test_exponent_form(void **state)
{
	(void)state;
	/* 12 integer digits: exponent form, where "%.12g" stays fixed. */
	assert_py2(123456789012.5, "1.23456789012e+11");
	assert_py2(-123456789012.0, "-1.23456789012e+11");
	assert_py2(1e11, "1e+11");
	assert_py2(999999999999.5, "1e+12");	/* rounds up a digit */
	assert_py2(1e16, "1e+16");
	assert_py2(9007199254740992.0, "9.00719925474e+15");
	assert_py2(1e22, "1e+22");
	assert_py2(DBL_MAX, "1.79769313486e+308");
	/* Small ones: fixed down to 1e-4, after rounding to 12 digits. */
	assert_py2(0.0001, "0.0001");
	assert_py2(0.00009999999999999, "0.0001");
	assert_py2(1e-5, "1e-05");
	assert_py2(5e-5, "5e-05");
	assert_py2(4.9406564584124654e-324, "4.94065645841e-324");
}

static void test_special(void **state)
{
	(void)state;
	assert_py2(INFINITY, "inf");
	assert_py2(-INFINITY, "-inf");
	assert_py2(NAN, "nan");
	assert_py2(copysign(NAN, -1.0), "nan");	/* C prints "-nan" */
}

static void test_small_buffer(void **state)
{
	char text[4];

	(void)state;
	/* As snprintf: the length needed, the text cut and terminated. */
	assert_int_equal(py2_float_str(7.0 / 3, text, sizeof(text)), 13);
	assert_string_equal(text, "2.3");
	assert_int_equal(py2_float_str(1.0, NULL, 0), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_twelve_digits),
		cmocka_unit_test(test_dot_zero),
		cmocka_unit_test(test_exponent_form),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
