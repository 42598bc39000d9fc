/* aggr.c - sum, avg, min, max, one and the nonzero variants. */
#include "aggr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const struct {
	const char *name;
	enum aggr aggr;
} aggr_names[] = {
	{ "avg", AGGR_AVG },
	{ "one", AGGR_ONE },
	{ "max", AGGR_MAX },
	{ "min", AGGR_MIN },
	{ "sum", AGGR_SUM },
	{ "nonzero-avg", AGGR_NONZERO_AVG },
	{ "nonzero-min", AGGR_NONZERO_MIN },
};

int aggr_parse(const char *name, enum aggr *out)
{
	size_t i;

	for (i = 0; i < sizeof(aggr_names) / sizeof(aggr_names[0]); i++) {
		if (strcmp(name, aggr_names[i].name) == 0) {
			*out = aggr_names[i].aggr;
			return 0;
		}
	}
	return -EINVAL;
}

static bool is_number(const struct mmstats_value *v)
{
	return v->kind == MMSTATS_KIND_INT || v->kind == MMSTATS_KIND_UINT ||
	       v->kind == MMSTATS_KIND_FLOAT || v->kind == MMSTATS_KIND_BOOL;
}

/* Python truth: 0, 0.0, False and "" are false (nan is true). */
static bool is_truthy(const struct mmstats_value *v)
{
	switch (v->kind) {
	case MMSTATS_KIND_INT:    return v->v.i != 0;
	case MMSTATS_KIND_UINT:   return v->v.u != 0;
	case MMSTATS_KIND_FLOAT:  return !(v->v.d == 0.0);
	case MMSTATS_KIND_BOOL:   return v->v.b;
	case MMSTATS_KIND_STRING: return v->v.str.len > 0;
	default:                  return false;
	}
}

/* long double holds every int64 and uint64 exactly on x86-64. */
static long double as_long_double(const struct mmstats_value *v)
{
	switch (v->kind) {
	case MMSTATS_KIND_INT:   return (long double)v->v.i;
	case MMSTATS_KIND_UINT:  return (long double)v->v.u;
	case MMSTATS_KIND_FLOAT: return (long double)v->v.d;
	case MMSTATS_KIND_BOOL:  return v->v.b;
	default:                 return 0;
	}
}

static __int128 as_int128(const struct mmstats_value *v)
{
	switch (v->kind) {
	case MMSTATS_KIND_INT:  return v->v.i;
	case MMSTATS_KIND_UINT: return v->v.u;
	case MMSTATS_KIND_BOOL: return v->v.b;
	default:                return 0;
	}
}

static int str_cmp(const struct mmstats_value *a, const struct mmstats_value *b)
{
	size_t n = a->v.str.len < b->v.str.len ? a->v.str.len : b->v.str.len;
	int c = memcmp(a->v.str.ptr, b->v.str.ptr, n);

	if (c)
		return c;
	return (a->v.str.len > b->v.str.len) - (a->v.str.len < b->v.str.len);
}

/* <0, 0, >0 like strcmp; -EINVAL-worthy pairs are rejected beforehand. */
static int value_cmp(const struct mmstats_value *a,
		     const struct mmstats_value *b)
{
	long double x, y;

	if (a->kind == MMSTATS_KIND_STRING)
		return str_cmp(a, b);
	x = as_long_double(a);
	y = as_long_double(b);
	return (x > y) - (x < y);
}

/*
 * Python's max/min: the first of equal values wins, and nan, which never
 * compares greater or less, wins only when it comes first.
 */
static int pick_extreme(const struct mmstats_value *vals, size_t n, int sign,
			bool nonzero, struct mmstats_value *out)
{
	const struct mmstats_value *best = NULL;
	bool strings = false, numbers = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (nonzero && !is_truthy(&vals[i]))
			continue;
		if (vals[i].kind == MMSTATS_KIND_STRING)
			strings = true;
		else if (is_number(&vals[i]))
			numbers = true;
		else
			return -EINVAL;
		if (strings && numbers)
			return -EINVAL;
		if (!best || sign * value_cmp(&vals[i], best) > 0)
			best = &vals[i];
	}
	if (!best)
		return -EINVAL;	/* min() of an empty sequence */
	*out = *best;
	return 0;
}

static void int128_value(__int128 x, struct mmstats_value *out)
{
	if (x >= INT64_MIN && x <= INT64_MAX) {
		out->kind = MMSTATS_KIND_INT;
		out->v.i = (int64_t)x;
	} else if (x > 0 && x <= (__int128)UINT64_MAX) {
		out->kind = MMSTATS_KIND_UINT;
		out->v.u = (uint64_t)x;
	} else {
		out->kind = MMSTATS_KIND_FLOAT;
		out->v.d = (double)x;
	}
}

/*
 * sum() as Python adds: exact integers until the first float, then
 * floating point from there on.  `count` gets how many were added.
 */
static int sum_values(const struct mmstats_value *vals, size_t n, bool nonzero,
		      struct mmstats_value *out, size_t *count)
{
	__int128 isum = 0;
	double dsum = 0;
	bool floating = false;
	size_t i;

	*count = 0;
	for (i = 0; i < n; i++) {
		if (!is_number(&vals[i]))
			return -EINVAL;
		if (nonzero && !is_truthy(&vals[i]))
			continue;
		(*count)++;
		if (!floating && vals[i].kind != MMSTATS_KIND_FLOAT) {
			isum += as_int128(&vals[i]);
			continue;
		}
		if (!floating) {
			dsum = (double)isum;
			floating = true;
		}
		dsum += (double)as_long_double(&vals[i]);
	}
	if (floating) {
		out->kind = MMSTATS_KIND_FLOAT;
		out->v.d = dsum;
	} else {
		int128_value(isum, out);
	}
	return 0;
}

static double value_double(const struct mmstats_value *v)
{
	return (double)as_long_double(v);
}

static int average(const struct mmstats_value *vals, size_t n, bool nonzero,
		   struct mmstats_value *out)
{
	struct mmstats_value sum;
	size_t count;
	int err;

	err = sum_values(vals, n, nonzero, &sum, &count);
	if (err)
		return err;
	if (count == 0)
		return -EINVAL;	/* ZeroDivisionError in the reference */
	out->kind = MMSTATS_KIND_FLOAT;
	out->v.d = value_double(&sum) / (double)count;
	return 0;
}

int aggr_apply(enum aggr a, const struct mmstats_value *vals, size_t n,
	       struct mmstats_value *out)
{
	size_t count;

	if (n == 0)
		return -EINVAL;
	switch (a) {
	case AGGR_ONE:
		*out = vals[0];
		return 0;
	case AGGR_MAX:
		return pick_extreme(vals, n, 1, false, out);
	case AGGR_MIN:
		return pick_extreme(vals, n, -1, false, out);
	case AGGR_NONZERO_MIN:
		return pick_extreme(vals, n, -1, true, out);
	case AGGR_SUM:
		return sum_values(vals, n, false, out, &count);
	case AGGR_AVG:
		return average(vals, n, false, out);
	case AGGR_NONZERO_AVG:
		return average(vals, n, true, out);
	default:
		return -EINVAL;
	}
}
