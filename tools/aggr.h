/*
 * aggr.h - mmash's aggregators: combine the values one label has in
 * several files, with the semantics of the reference (Python's sum, max,
 * min over ints, floats, bools and strings).
 */
#ifndef TOOLS_AGGR_H
#define TOOLS_AGGR_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mmstats.h"

enum aggr {
	AGGR_NONE,		/* every value, as a list */
	AGGR_AVG,		/* float(sum(v)) / len(v) */
	AGGR_ONE,		/* v[0] */
	AGGR_MAX,
	AGGR_MIN,
	AGGR_SUM,
	AGGR_NONZERO_AVG,	/* avg of the values that are not 0 */
	AGGR_NONZERO_MIN,	/* min of the values that are not 0 or "" */
};

/*
 * What an aggregator gives: one value, or an integer sum that fits
 * neither int64 nor uint64, which Python's unbounded int keeps exact
 * (two uint64 maxima sum to 36893488147419103230): that one is `wide`.
 */
struct aggr_result {
	struct mmstats_value value;	/* unless is_wide */
	bool is_wide;
	__int128 wide;
};

/* The aggregator called `name` ("avg", "nonzero-min", ...); -EINVAL. */
int aggr_parse(const char *name, enum aggr *out);

/*
 * Combine n >= 1 values.  Returns 0, or -EINVAL where the reference's
 * Python raises (a sum of strings, an average of no nonzero value,
 * comparing strings with numbers): mmash answers 400 for those.
 * A string result points into the input values.
 */
int aggr_apply(enum aggr a, const struct mmstats_value *vals, size_t n,
	       struct aggr_result *out);

/* The result as JSON: integers exact however long, as json_value(). */
void aggr_json(struct buf *b, const struct aggr_result *r);

#endif
