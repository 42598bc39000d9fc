/*
 * histread.c - histograms as readers find them: a sum field, then its
 * bucket fields, tied by the name length in their notes (mmstats(5),
 * Histograms), and quantiles estimated from the buckets as Prometheus'
 * histogram_quantile() does, so that mmash and Prometheus agree.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "mmstats.h"

static bool same_name(const struct mmstats_stat *sum,
		      const struct mmstats_stat *st)
{
	return st->notes.metric == MMSTATS_METRIC_HISTOGRAM_BUCKET &&
	       st->notes.name_len == sum->notes.name_len &&
	       strlen(st->label) >= st->notes.name_len &&
	       memcmp(st->label, sum->label, sum->notes.name_len) == 0;
}

/*
 * Why the buckets of sum stop before +Inf, at field j: a field that is
 * not one (or does not rise), or the end of the fields read.
 */
static ssize_t cut_short(const struct mmstats_snapshot *snap,
			 const struct mmstats_stat *sum, size_t j,
			 size_t n, double last)
{
	int len = (int)sum->notes.name_len;
	char why[200];

	if (j < snap->nstats)
		snprintf(why, sizeof(why), "field %zu (%s) is not its next "
			 "bucket", j, snap->stats[j].label);
	else if (snap->err)
		snprintf(why, sizeof(why), "the fields read stop there (%s)",
			 snap->errmsg);
	else
		snprintf(why, sizeof(why), "the file ends there");
	if (n == 0)
		return mms_error(-ENODATA, "histogram \"%.*s\": no buckets: "
				 "%s", len, sum->label, why);
	return mms_error(-ENODATA, "histogram \"%.*s\": %zu buckets up to "
			 "%g, none +Inf: %s", len, sum->label, n, last, why);
}

ssize_t mmstats_histogram_buckets(const struct mmstats_snapshot *snap,
				  size_t i, size_t *idx, size_t max)
{
	const struct mmstats_stat *sum;
	double prev = -INFINITY;
	size_t n = 0, j;

	if (i >= snap->nstats)
		return mms_error(-EINVAL, "no field %zu", i);
	sum = &snap->stats[i];
	if (sum->notes.metric != MMSTATS_METRIC_HISTOGRAM_SUM ||
	    sum->notes.name_len == 0 ||
	    strlen(sum->label) < sum->notes.name_len)
		return mms_error(-EINVAL, "field %zu (%s) is not a histogram's "
				 "sum", i, sum->label);
	/*
	 * A file may hold anything: the buckets stop where they stop
	 * rising, and are whole only when the last is +Inf (a file cut
	 * short, or a parse stopped at a limit, may end them before).
	 */
	for (j = i + 1; j < snap->nstats; j++) {
		const struct mmstats_stat *st = &snap->stats[j];

		if (!same_name(sum, st) || !(st->notes.bound > prev))
			break;
		if (n < max)
			idx[n] = j;
		n++;
		prev = st->notes.bound;
		if (isinf(prev))
			return (ssize_t)n;
	}
	return cut_short(snap, sum, j, n, prev);
}

/* Prometheus' bucketQuantile(), over counts that are not cumulative. */
double mmstats_histogram_quantile(const double *bounds, const uint64_t *counts,
				  size_t n, double q)
{
	double total = 0, below = 0, rank, start, count;
	size_t b;

	if (isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	if (n < 2 || !isinf(bounds[n - 1]) || bounds[n - 1] < 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		total += (double)counts[i];
	if (total == 0)
		return NAN;
	rank = q * total;
	/* The first finite bucket whose cumulative count reaches rank. */
	for (b = 0; b < n - 1; b++) {
		if (below + (double)counts[b] >= rank)
			break;
		below += (double)counts[b];
	}
	if (b == n - 1)
		return bounds[n - 2];
	if (b == 0 && bounds[0] <= 0)
		return bounds[0];
	start = b > 0 ? bounds[b - 1] : 0;
	count = (double)counts[b];
	rank -= below;
	return start + (bounds[b] - start) * (rank / count);
}
