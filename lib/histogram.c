/*
 * histogram.c - the buckets of a histogram, and the bucket of a value
 * when they are the writer's own (log-linear ones are found inline from
 * the value's bits, mmstats_loglin_bucket_()).
 *
 * Log-linear: per2 = 2^k buckets per power of two.  The bounds are
 * 2^e0, then 2^e * (1 + (j + 1) / per2) for e in [e0, e1) and j in
 * [0, per2), then +Inf.  All are exact doubles, and the top k bits of a
 * double's mantissa, after its exponent, number its bucket.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "histogram.h"

size_t mmstats_histogram_bucket_(const struct mmstats_field *f, double v)
{
	const double *b = f->state.hist.bounds;
	size_t lo = 0, hi = f->state.hist.n - 1;

	/* The first bound >= v; NaN compares false and lands on +Inf. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v <= b[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int plan_bounds(const struct mmstats_field_def *def, const char *label,
		       struct mms_hist_plan *out)
{
	const double *b = def->hist.bounds;
	size_t n = def->hist.nbounds;

	if (!b || n == 0 || n + 1 > MMSTATS_HISTOGRAM_MAX_BUCKETS)
		return mms_error(-EINVAL, "histogram \"%s\": %zu bounds, not "
				 "1 to %d", label, n,
				 MMSTATS_HISTOGRAM_MAX_BUCKETS - 1);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1])))
			return mms_error(-EINVAL, "histogram \"%s\": bound %zu "
					 "is not finite or not above the one "
					 "before", label, i);
	out->bounds = malloc((n + 1) * sizeof(double));
	if (!out->bounds)
		return mms_error(-ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		out->bounds[i] = b[i] == 0 ? 0.0 : b[i];	/* no -0.0 */
	out->bounds[n] = INFINITY;
	out->n = (uint32_t)n + 1;
	out->loglin = false;
	return 0;
}

/* floor(log2(x)) and ceil(log2(x)) of a positive normal double, exactly. */
static int log2_floor(double x)
{
	int e;

	frexp(x, &e);
	return e - 1;
}

static int log2_ceil(double x)
{
	int e;
	double m = frexp(x, &e);

	return m == 0.5 ? e - 1 : e;
}

static int per2_bits(uint32_t per2)
{
	for (int k = 0; k <= 4; k++)
		if (per2 == 1u << k)
			return k;
	return -1;
}

static int plan_loglin(const struct mmstats_field_def *def, const char *label,
		       struct mms_hist_plan *out)
{
	uint32_t per2 = def->size ? def->size : MMS_HIST_PER2_DEFAULT;
	double lo = def->hist.lo, hi = def->hist.hi;
	int k = per2_bits(per2), e0, e1;
	size_t n, i = 0;

	if (k < 0)
		return mms_error(-EINVAL, "histogram \"%s\": %u buckets per "
				 "power of two, not 1, 2, 4, 8 or 16", label,
				 per2);
	if (!(lo > 0) || !(hi > lo) || !isfinite(hi))
		return mms_error(-EINVAL, "histogram \"%s\": lo %g and hi %g "
				 "must be finite, with 0 < lo < hi (or give "
				 "bounds)", label, lo, hi);
	/* Past these, a bound's exponent is no longer its bucket's. */
	if (lo < DBL_MIN)
		return mms_error(-EINVAL, "histogram \"%s\": lo %g is below "
				 "2^-1022 (DBL_MIN), the least normal double",
				 label, lo);
	if (hi > 0x1p1023)
		return mms_error(-EINVAL, "histogram \"%s\": hi %g is above "
				 "2^1023, the greatest power of two of a "
				 "double", label, hi);
	e0 = log2_floor(lo);
	e1 = log2_ceil(hi);
	n = (size_t)(e1 - e0) * per2 + 2;
	if (n > MMSTATS_HISTOGRAM_MAX_BUCKETS)
		return mms_error(-EINVAL, "histogram \"%s\": %zu buckets, more "
				 "than %d", label, n,
				 MMSTATS_HISTOGRAM_MAX_BUCKETS);
	out->bounds = malloc(n * sizeof(double));
	if (!out->bounds)
		return mms_error(-ENOMEM, "out of memory");
	out->bounds[i++] = ldexp(1.0, e0);
	for (int e = e0; e < e1; e++)
		for (uint32_t j = 0; j < per2; j++)
			out->bounds[i++] = ldexp(1.0 + (double)(j + 1) / per2, e);
	out->bounds[i] = INFINITY;
	out->n = (uint32_t)n;
	out->e0 = e0;
	out->shift = 52 - (unsigned)k;
	out->loglin = true;
	return 0;
}

int mms_hist_plan(const struct mmstats_field_def *def, const char *label,
		  struct mms_hist_plan *out)
{
	out->bounds = NULL;
	if (def->hist.nbounds || def->hist.bounds)
		return plan_bounds(def, label, out);
	return plan_loglin(def, label, out);
}

char *mms_hist_bucket_label(const char *name, double bound)
{
	char num[64], *label;

	if (mmstats_format_double(bound, num, sizeof(num)) < 0)
		return NULL;
	return asprintf(&label, "%s.le.%s", name, num) < 0 ? NULL : label;
}
