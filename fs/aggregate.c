/*
 * aggregate.c - sum a label over the files of one process.
 *
 * Only buffered integers are summed: those are what a writer updates
 * (counters and gauges); unbuffered integers are the static fields (pid,
 * tid, uid, sizes) whose sum means nothing.  And histograms' sums
 * (doubles), whose buckets are buffered integers, summed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aggregate.h"

static bool summable(const struct mmstats_stat *st)
{
	return st->buffered && (st->value.kind == MMSTATS_KIND_INT ||
				st->value.kind == MMSTATS_KIND_UINT);
}

int mfs_render_i128(__int128 v, char *buf, size_t len)
{
	char tmp[48];
	unsigned __int128 u = v < 0 ? -(unsigned __int128)v :
				      (unsigned __int128)v;
	size_t i = sizeof(tmp);

	tmp[--i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--i] = '-';
	return snprintf(buf, len, "%s", tmp + i);
}

/*
 * Whether a is older than b; of files made at once, the first by name,
 * so that the same file answers whatever order the files were found in.
 */
static bool older(const struct mfs_agg_input *a, const struct mfs_agg_input *b)
{
	if (a->created != b->created)
		return a->created < b->created;
	return a->name && b->name && strcmp(a->name, b->name) < 0;
}

long mfs_agg_representative(const struct mfs_agg_input *in, size_t n)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!in[i].stat)
			continue;
		if (in[i].main)
			return (long)i;
		if (best < 0 || older(&in[i], &in[best]))
			best = (long)i;
	}
	return best;
}

static const struct mmstats_stat *representative(const struct mfs_agg_input *in,
						 size_t n)
{
	long i = mfs_agg_representative(in, n);

	return i < 0 ? NULL : in[i].stat;
}

/* A histogram's sum goes with its buckets, which are summed: so is it. */
static bool hist_sum(const struct mmstats_stat *st)
{
	return st->notes.metric == MMSTATS_METRIC_HISTOGRAM_SUM &&
	       st->value.kind == MMSTATS_KIND_FLOAT;
}

static int render_sum(const struct mfs_agg_input *in, size_t n, char *buf,
		      size_t len)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (in[i].stat && hist_sum(in[i].stat))
			sum += in[i].stat->value.v.d;
	return mmstats_format_double(sum, buf, len);
}

int mfs_aggregate(const struct mfs_agg_input *in, size_t n, char *buf,
		  size_t len)
{
	const struct mmstats_stat *rep = representative(in, n);
	__int128 sum = 0;
	size_t i;

	if (!rep)
		return -ENOENT;
	if (hist_sum(rep))
		return render_sum(in, n, buf, len);
	for (i = 0; i < n; i++) {
		if (!in[i].stat)
			continue;
		if (!summable(in[i].stat))
			return mmstats_render(&rep->value, buf, len);
		if (in[i].stat->value.kind == MMSTATS_KIND_INT)
			sum += in[i].stat->value.v.i;
		else
			sum += in[i].stat->value.v.u;
	}
	return mfs_render_i128(sum, buf, len);
}
