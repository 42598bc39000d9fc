/*
 * pyfloat.h - a float as Python 2.7's str() prints it, for those who
 * compare slurpstats with the reference run under Python 2
 * (slurpstats --py2-floats).
 */
#ifndef TOOLS_PYFLOAT_H
#define TOOLS_PYFLOAT_H

#include <stddef.h>

/*
 * Python 2.7's str(d), which its '%s' % d gives too: 12 significant
 * digits, trailing zeros dropped, ".0" after a number that would look
 * like an integer ("1.0", "10000000000.0"), the exponent form from
 * 1e11 and below 1e-4 ("1.23456789012e+11", "1e-05"), "inf", "-inf",
 * and "nan" whatever the sign of the nan.  Writes at most len bytes
 * including the NUL; returns the length it needed, as snprintf.
 */
int py2_float_str(double d, char *buf, size_t len);

#endif
