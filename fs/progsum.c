/*
 * progsum.c - a program's value of a label, and a program's histogram:
 * the values of its live files and the counters its exited ones left,
 * combined by what the fields are.
 *
 * A counter's sum keeps its exited workers (it must never go down while
 * the program runs); a gauge's sum is of the live ones only; anything
 * else is no sum, and is shown as the process that speaks for the
 * program (its oldest) shows it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "histfile.h"
#include "progsum.h"

static bool integer(const struct mmstats_stat *st)
{
	return st->value.kind == MMSTATS_KIND_INT ||
	       st->value.kind == MMSTATS_KIND_UINT;
}

bool mfs_is_counter(const struct mmstats_stat *st)
{
	if (!integer(st))
		return false;
	return st->notes.metric == MMSTATS_METRIC_COUNTER ||
	       st->notes.metric == MMSTATS_METRIC_HISTOGRAM_BUCKET ||
	       (st->notes.metric == MMSTATS_METRIC_UNKNOWN && st->buffered);
}

bool mfs_is_hist_sum(const struct mmstats_stat *st)
{
	return st->value.kind == MMSTATS_KIND_FLOAT &&
	       st->notes.metric == MMSTATS_METRIC_HISTOGRAM_SUM;
}

bool mfs_is_gauge_int(const struct mmstats_stat *st)
{
	return integer(st) && st->buffered &&
	       st->notes.metric == MMSTATS_METRIC_GAUGE;
}

enum cls { CLS_NONE, CLS_COUNTER, CLS_GAUGE, CLS_HSUM, CLS_OTHER };

static enum cls class_of(const struct mmstats_stat *st)
{
	if (mfs_is_counter(st))
		return CLS_COUNTER;
	if (mfs_is_hist_sum(st))
		return CLS_HSUM;
	return mfs_is_gauge_int(st) ? CLS_GAUGE : CLS_OTHER;
}

static enum cls merge(enum cls a, enum cls b)
{
	return a == CLS_NONE ? b : a == b ? a : CLS_OTHER;
}

static __int128 int_of(const struct mmstats_stat *st)
{
	return st->value.kind == MMSTATS_KIND_INT ? (__int128)st->value.v.i :
						    (__int128)st->value.v.u;
}

/* Whether file a speaks for the program before b. */
static bool speaks_before(const struct mfs_bulk_file *a,
			  const struct mfs_bulk_file *b)
{
	if (a->rep != b->rep)
		return a->rep;
	if (a->main != b->main)
		return a->main;
	if (a->created != b->created)
		return a->created < b->created;
	return strcmp(a->name, b->name) < 0;
}

/*
 * A program's value of label l: counters (histograms' buckets too) and
 * histograms' sums summed over its live files and the kept ones of its
 * exited files; gauges (by their notes) summed over its live files;
 * anything else, or fields that differ, the value of the file that
 * speaks for its oldest process.  *rep gets the stat shown (SIZE_MAX: a
 * label only kept counters have).
 */
int mfs_progsum_value(const struct mfs_bulk_group *g, size_t l,
		      const struct mmstats_stat *const *in, char *buf,
		      size_t len, size_t *rep)
{
	const struct mfs_bulk_hit *hit = &g->hits[g->at[l]];
	enum cls c = CLS_NONE;
	__int128 sum = 0;
	double dsum = 0;
	size_t i, best = SIZE_MAX, n = g->at[l + 1] - g->at[l];

	for (i = 0; i < n; i++) {
		if (!in[i])
			continue;
		c = merge(c, class_of(in[i]));
		if (best == SIZE_MAX ||
		    speaks_before(&g->files[hit[i].file],
				  &g->files[hit[best].file]))
			best = i;
		if (in[i]->value.kind == MMSTATS_KIND_FLOAT)
			dsum += in[i]->value.v.d;
		else if (in[i]->value.kind == MMSTATS_KIND_INT ||
			 in[i]->value.kind == MMSTATS_KIND_UINT)
			sum += int_of(in[i]);
	}
	for (i = 0; i < g->nret; i++) {
		if (!g->ret_has[i * g->nlabels + l])
			continue;
		c = merge(c, g->meta[l].kind == MMSTATS_KIND_FLOAT ?
			     CLS_HSUM : CLS_COUNTER);
		sum += g->ret_sum[i * g->nlabels + l];
		dsum += g->ret_dsum[i * g->nlabels + l];
	}
	*rep = best;
	if (c == CLS_COUNTER || c == CLS_GAUGE)
		return mfs_render_i128(sum, buf, len);
	if (c == CLS_HSUM)
		return mmstats_format_double(dsum, buf, len);
	if (best == SIZE_MAX)
		return -ENOENT;
	return mmstats_render(&in[best]->value, buf, len);
}

/* Probe the histogram of file f, as bulkitems.c loads a field. */
static int probe_hist(struct mfs *fs, const struct mfs_bulk_group *g,
		      size_t i, struct mfs_probe *p, struct stat *st)
{
	const struct mfs_bulk_file *f = &g->files[i];
	size_t j = mfs_bulk_group_hit(g, 0, i);
	long idx = j == SIZE_MAX ? -1 : g->hits[g->at[0] + j].field;

	if (!f->h)
		return mfs_source_with_field(fs->srcfd, f->name, NULL, -1,
					     g->labels[0],
					     &fs->model.limits.file,
					     mfs_probe_read, p, mfs_probe_undo,
					     st);
	if (idx < 0)
		return -ENOENT;
	return mfs_probe_read(f->h->map, (size_t)idx, p, st);
}

/* The kept counter of the histogram's field `suffix`, or NULL. */
static const struct mfs_kept *hist_kept(const struct mfs_bulk_group *g,
					const char *suffix)
{
	size_t i, n = strlen(g->labels[0]);

	for (i = 0; i < g->nhkept; i++)
		if (!strcmp(g->hkept[i].name + n, suffix))
			return &g->hkept[i];
	return NULL;
}

/*
 * The kept buckets and sum of the program's exited files: each by the
 * name of its field (B.le.<bound>, B.sum), so a kept bucket whose bound
 * the oldest live process's histogram does not have is left out.
 */
static void add_kept(const struct mfs_bulk_group *g, struct mfs_hist *h)
{
	const struct mfs_kept *k;
	char suffix[64];
	size_t b;

	for (b = 0; b < h->n; b++) {
		strcpy(suffix, ".le.");
		if (isinf(h->bounds[b]))
			strcpy(suffix + 4, "inf");
		else
			mmstats_format_double(h->bounds[b], suffix + 4,
					      sizeof(suffix) - 4);
		if ((k = hist_kept(g, suffix)) && k->sum > 0)
			h->counts[b] += (unsigned __int128)k->sum;
	}
	if ((k = hist_kept(g, ".sum")))
		h->sum += k->dsum;
}

/*
 * /programs/<name>/<hist>: the histograms of the live files whose bounds
 * are those of the file that speaks for the program, summed, buckets and
 * sums, and the kept ones of its exited files.
 */
int mfs_progsum_hist(struct mfs *fs, const struct mfs_caller *who,
		     const struct mfs_bulk_group *g, struct mfs_text **out)
{
	struct mfs_probe *p = calloc(g->nfiles + 1, sizeof(*p));
	struct stat st;
	size_t i, best = SIZE_MAX, cap = MFS_BULK_VALUE_MAX;
	struct mfs_text *tx = NULL;
	int err = p ? 0 : -ENOMEM, n;

	for (i = 0; i < g->nret && !err; i++)
		err = mfs_may_read(who, &g->ret_st[i]);
	for (i = 0; i < g->nfiles && !err; i++) {
		mfs_probe_init(&p[i], g->labels[0]);
		memset(&st, 0, sizeof(st));
		err = probe_hist(fs, g, i, &p[i], &st);
		if (!err)
			err = mfs_may_read(who, &st);
		if (err == -ENOENT || err == -ESTALE || err == -ENOTDIR)
			err = 0;
		else if (!err && p[i].named && (best == SIZE_MAX ||
			 speaks_before(&g->files[i], &g->files[best])))
			best = i;
	}
	if (!err && best == SIZE_MAX)
		err = -ENOENT;
	for (i = 0; i < g->nfiles && !err; i++)
		if (i != best && p[i].named)
			mfs_hist_add(p[best].hist, p[i].hist);
	if (!err)
		add_kept(g, p[best].hist);
	while (!err) {
		if (!(tx = malloc(sizeof(*tx) + cap + 1))) {
			err = -ENOMEM;
			break;
		}
		n = mfs_hist_render(p[best].hist, tx->data, cap);
		if ((size_t)n < cap) {
			tx->data[n] = '\n';
			tx->len = (size_t)n + 1;
			*out = tx;
			break;
		}
		cap = (size_t)n + 1;
		free(tx);
	}
	for (i = 0; p && i < g->nfiles; i++)
		mfs_probe_free(&p[i]);
	free(p);
	return err == -EACCES || err == -ENOMEM || err == -ENOENT ? err :
	       err ? -EIO : 0;
}
