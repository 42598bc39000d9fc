/*
 * pyfloat.c - Python 2.7's str() of a float: PyOS_double_to_string(d,
 * 'g', 12, Py_DTSF_ADD_DOT_0).  That is C's "%.12g" but for one rule:
 * with ADD_DOT_0, format_float_short() goes to the exponent form one
 * digit early (decpt > precision - 1), so 123456789012.5 is
 * "1.23456789012e+11" where "%.12g" gives "123456789012".
 */
#include "pyfloat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PY2_DIGITS 12

/*
 * "%.11e" with the mantissa's trailing zeros (and then its point)
 * dropped, as 'g' drops them: "1.00000000000e+16" becomes "1e+16".
 * C and Python both write at least two exponent digits.
 */
static void exponent_form(const char *sci, char *out, size_t outlen)
{
	const char *e = strchr(sci, 'e');
	size_t m = (size_t)(e - sci);

	while (m > 0 && sci[m - 1] == '0')
		m--;
	if (m > 0 && sci[m - 1] == '.')
		m--;
	snprintf(out, outlen, "%.*s%s", (int)m, sci, e);
}

/* "%.12g" in fixed form, with ".0" where no point was written. */
static void fixed_form(double d, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%.*g", PY2_DIGITS, d);

	if (n > 0 && !strchr(out, '.'))
		snprintf(out + n, outlen - (size_t)n, ".0");
}

int py2_float_str(double d, char *buf, size_t len)
{
	char sci[40], text[48];
	int exp10;

	if (isnan(d))
		return snprintf(buf, len, "nan");	/* Python ignores its sign */
	if (isinf(d))
		return snprintf(buf, len, d < 0 ? "-inf" : "inf");
	/* The exponent of d once rounded to 12 digits decides the form. */
	snprintf(sci, sizeof(sci), "%.*e", PY2_DIGITS - 1, d);
	exp10 = atoi(strchr(sci, 'e') + 1);
	if (exp10 < -4 || exp10 >= PY2_DIGITS - 1)
		exponent_form(sci, text, sizeof(text));
	else
		fixed_form(d, text, sizeof(text));
	return snprintf(buf, len, "%s", text);
}
