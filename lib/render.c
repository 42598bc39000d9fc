/*
 * render.c - values as the reference slurpstats prints them, which is
 * Python 3's str() of what struct.unpack() returned.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmstats.h"
#include "error.h"
#include "utf8.h"

/* Decimal digits and exponent of a double: 0.d1d2d3... * 10^decpt. */
struct digits {
	char d[24];
	int n;
	int decpt;
};

/* Copy like snprintf: truncate to len - 1, NUL-terminate, return need. */
static int put(char *buf, size_t len, const char *s, size_t n)
{
	if (n > INT_MAX)
		return mms_error(-EOVERFLOW, "rendered value too long");
	if (len > 0) {
		size_t k = n < len - 1 ? n : len - 1;

		memcpy(buf, s, k);
		buf[k] = '\0';
	}
	return (int)n;
}

/* The `prec` significant digits that printf rounds |d| to. */
static void round_digits(double d, int prec, struct digits *out)
{
	char tmp[48];
	const char *p;
	int n = 0;

	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, fabs(d));
	for (p = tmp; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			out->d[n++] = *p;
	out->n = n;
	out->decpt = atoi(p + 1) + 1;
}

static double digits_value(const struct digits *g)
{
	char tmp[48];

	snprintf(tmp, sizeof(tmp), "0.%.*se%d", g->n, g->d, g->decpt);
	return strtod(tmp, NULL);
}

/* The decimal one unit in the last place away from g, up or down. */
static void step(struct digits *g, int dir)
{
	int i = g->n - 1;

	if (dir > 0) {
		while (i >= 0 && g->d[i] == '9')
			g->d[i--] = '0';
		if (i >= 0) {
			g->d[i]++;
		} else {		/* 99 -> 100: one digit, decpt + 1 */
			g->d[0] = '1';
			g->decpt++;
		}
		return;
	}
	while (i > 0 && g->d[i] == '0')
		g->d[i--] = '9';
	g->d[i]--;		/* the first digit is never 0 */
	if (g->d[0] == '0') {	/* 100 -> 099: drop the leading zero */
		memmove(g->d, g->d + 1, (size_t)g->n - 1);
		g->n--;
		g->decpt--;
	}
}

static void strip_zeros(struct digits *g)
{
	while (g->n > 1 && g->d[g->n - 1] == '0')
		g->n--;
}

/*
 * The `prec` digits nearest to a that read back as a, if any: the
 * printf-rounded candidate, or else its neighbour on the other side of
 * a, which may still hit where a power of two makes the interval of
 * values that read back as a lopsided.
 */
static bool digits_at(double a, int prec, struct digits *g)
{
	struct digits other;
	double got;

	round_digits(a, prec, g);
	got = digits_value(g);
	if (got == a)
		return true;
	other = *g;
	step(&other, got < a ? 1 : -1);
	if (other.n > 0 && digits_value(&other) == a) {
		*g = other;
		return true;
	}
	return false;
}

/*
 * The shortest digits that read back as |d|, and of those the nearest,
 * as Python's repr (dtoa mode 0).  If some prec-digit decimal reads back
 * as d, so does a (prec+1)-digit one, and 17 digits always do: so the
 * shortest is found by bisection.
 */
static void shortest_digits(double d, struct digits *g)
{
	double a = fabs(d);
	int lo = 1, hi = 17, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (digits_at(a, mid, g))
			hi = mid;
		else
			lo = mid + 1;
	}
	digits_at(a, lo, g);
	strip_zeros(g);
}

static int fixed_form(const struct digits *g, char *out)
{
	int n = 0, i;

	if (g->decpt <= 0) {
		n += sprintf(out, "0.");
		for (i = 0; i < -g->decpt; i++)
			out[n++] = '0';
		memcpy(out + n, g->d, (size_t)g->n);
		n += g->n;
	} else if (g->decpt >= g->n) {
		memcpy(out, g->d, (size_t)g->n);
		n = g->n;
		for (i = g->n; i < g->decpt; i++)
			out[n++] = '0';
		out[n++] = '.';
		out[n++] = '0';
	} else {
		memcpy(out, g->d, (size_t)g->decpt);
		n = g->decpt;
		out[n++] = '.';
		memcpy(out + n, g->d + g->decpt, (size_t)(g->n - g->decpt));
		n += g->n - g->decpt;
	}
	out[n] = '\0';
	return n;
}

static int exp_form(const struct digits *g, char *out)
{
	int n = 0, e = g->decpt - 1;

	out[n++] = g->d[0];
	if (g->n > 1) {
		out[n++] = '.';
		memcpy(out + n, g->d + 1, (size_t)g->n - 1);
		n += g->n - 1;
	}
	n += sprintf(out + n, "e%c%02d", e < 0 ? '-' : '+', abs(e));
	return n;
}

int mmstats_format_double(double d, char *buf, size_t len)
{
	char out[64], *p = out;
	struct digits g;

	if (isnan(d))
		return put(buf, len, "nan", 3);
	if (signbit(d))
		*p++ = '-';
	if (isinf(d)) {
		strcpy(p, "inf");
	} else if (d == 0) {
		strcpy(p, "0.0");
	} else if (fabs(d) < 0x1p53 && d == trunc(d)) {
		/* Exact integers: their digits are the shortest, and cheap. */
		snprintf(p, sizeof(out) - 1, "%.0f.0", fabs(d));
	} else {
		shortest_digits(d, &g);
		/* Python's repr switches to exponent form outside these. */
		if (g.decpt > -4 && g.decpt <= 16)
			fixed_form(&g, p);
		else
			exp_form(&g, p);
	}
	return put(buf, len, out, strlen(out));
}

static int render_string(const char *s, size_t n, char *buf, size_t len)
{
	char *clean = malloc(n + 1);
	size_t k;
	int ret;

	if (!clean)
		return mms_error(-ENOMEM, "out of memory rendering a string");
	k = mms_utf8_clean(clean, (const unsigned char *)s, n);
	ret = put(buf, len, clean, k);
	free(clean);
	return ret;
}

int mmstats_render(const struct mmstats_value *val, char *buf, size_t len)
{
	char tmp[32];
	int n;

	switch (val->kind) {
	case MMSTATS_KIND_INT:
		n = snprintf(tmp, sizeof(tmp), "%" PRId64, val->v.i);
		return put(buf, len, tmp, (size_t)n);
	case MMSTATS_KIND_UINT:
		n = snprintf(tmp, sizeof(tmp), "%" PRIu64, val->v.u);
		return put(buf, len, tmp, (size_t)n);
	case MMSTATS_KIND_FLOAT:
		return mmstats_format_double(val->v.d, buf, len);
	case MMSTATS_KIND_BOOL:
		return val->v.b ? put(buf, len, "True", 4) :
				  put(buf, len, "False", 5);
	case MMSTATS_KIND_STRING:
		return render_string(val->v.str.ptr, val->v.str.len, buf, len);
	case MMSTATS_KIND_UNSUPPORTED:
		return mms_error(-EOPNOTSUPP,
				 "a value mmstats does not render");
	}
	return mms_error(-EINVAL, "unknown value kind %d", (int)val->kind);
}
