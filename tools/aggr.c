/* aggr.c - sum, avg, min, max, one and the nonzero variants. */
#include "aggr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

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

/*
 * A sum is exact in an __int128: n values of at most 2^64 - 1 each that
 * lie in one array of n >= 2-byte elements number at most 2^63 - 1, so
 * their sum stays below 2^127.  No overflow check is needed, nor could
 * one ever fire.
 */
_Static_assert(sizeof(struct mmstats_value) >= 2 && SIZE_MAX <= UINT64_MAX,
	       "an array of values is too short to overflow an __int128 sum");

/* sum() as Python adds: exact integers until the first float, then floats. */
struct running_sum {
	__int128 i;
	double d;
	bool floating;
	size_t count;		/* values added */
};

static void sum_add(struct running_sum *s, const struct mmstats_value *v)
{
	s->count++;
	if (!s->floating && v->kind != MMSTATS_KIND_FLOAT) {
		s->i += as_int128(v);
		return;
	}
	if (!s->floating) {
		/* int + float: float(int), correctly rounded as Python's */
		s->d = (double)s->i;
		s->floating = true;
	}
	s->d += (double)as_long_double(v);
}

static int sum_values(const struct mmstats_value *vals, size_t n, bool nonzero,
		      struct running_sum *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		/* filter(None, v) first: a falsy "" never reaches sum(). */
		if (nonzero && !is_truthy(&vals[i]))
			continue;
		if (!is_number(&vals[i]))
			return -EINVAL;
		sum_add(s, &vals[i]);
	}
	return 0;
}

/* The sum as the narrowest kind that holds it, as Python's int would. */
static void sum_result(const struct running_sum *s, struct aggr_result *out)
{
	if (s->floating) {
		out->value.kind = MMSTATS_KIND_FLOAT;
		out->value.v.d = s->d;
	} else if (s->i >= INT64_MIN && s->i <= INT64_MAX) {
		out->value.kind = MMSTATS_KIND_INT;
		out->value.v.i = (int64_t)s->i;
	} else if (s->i > 0 && s->i <= (__int128)UINT64_MAX) {
		out->value.kind = MMSTATS_KIND_UINT;
		out->value.v.u = (uint64_t)s->i;
	} else {
		out->is_wide = true;
		out->wide = s->i;
	}
}

static int sum(const struct mmstats_value *vals, size_t n,
	       struct aggr_result *out)
{
	struct running_sum s;
	int err;

	err = sum_values(vals, n, false, &s);
	if (!err)
		sum_result(&s, out);
	return err;
}

/* float(sum(v)) / len(v) */
static int average(const struct mmstats_value *vals, size_t n, bool nonzero,
		   struct aggr_result *out)
{
	struct running_sum s;
	int err;

	err = sum_values(vals, n, nonzero, &s);
	if (err)
		return err;
	if (s.count == 0)
		return -EINVAL;	/* ZeroDivisionError in the reference */
	out->value.kind = MMSTATS_KIND_FLOAT;
	out->value.v.d = (s.floating ? s.d : (double)s.i) / (double)s.count;
	return 0;
}

int aggr_apply(enum aggr a, const struct mmstats_value *vals, size_t n,
	       struct aggr_result *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return -EINVAL;
	switch (a) {
	case AGGR_ONE:
		out->value = vals[0];
		return 0;
	case AGGR_MAX:
		return pick_extreme(vals, n, 1, false, &out->value);
	case AGGR_MIN:
		return pick_extreme(vals, n, -1, false, &out->value);
	case AGGR_NONZERO_MIN:
		return pick_extreme(vals, n, -1, true, &out->value);
	case AGGR_SUM:
		return sum(vals, n, out);
	case AGGR_AVG:
		return average(vals, n, false, out);
	case AGGR_NONZERO_AVG:
		return average(vals, n, true, out);
	default:
		return -EINVAL;
	}
}

void aggr_json(struct buf *b, const struct aggr_result *r)
{
	if (r->is_wide)
		json_int128(b, r->wide);
	else
		json_value(b, &r->value);
}
