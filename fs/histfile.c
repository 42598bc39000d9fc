/*
 * histfile.c - read a label's notes, and a histogram from its .sum and
 * bucket fields; render a histogram as text.
 *
 * Each value is loaded on its own (mmstats_map_value: one load of its
 * width), so a bucket is never seen torn; but the buckets and the sum
 * are not one snapshot: an observation made during the read may be in
 * its bucket and not yet in the sum, as in any Prometheus scrape.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "histfile.h"
#include "names.h"

void mfs_probe_init(struct mfs_probe *p, const char *label)
{
	memset(p, 0, sizeof(*p));
	p->label = label;
}

void mfs_probe_free(struct mfs_probe *p)
{
	mfs_value_free(&p->v);
	free(p->hist);
	p->hist = NULL;
}

void mfs_probe_undo(void *arg)
{
	struct mfs_probe *p = arg;

	mfs_probe_free(p);
	mfs_probe_init(p, p->label);
}

bool mfs_hist_named(const struct mmstats_stat *st, const char *name)
{
	char buf[MFS_NAME_MAX + 1];
	size_t len = st->notes.name_len;

	/* A name as long as the label would be the .sum's own name. */
	if (st->notes.metric != MMSTATS_METRIC_HISTOGRAM_SUM || !len ||
	    len >= st->raw_label_len)
		return false;
	mfs_name_encode(st->raw_label, len, 0, buf);
	return !strcmp(buf, name);
}

static void copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static uint64_t count_of(const struct mmstats_value *v)
{
	if (v->kind == MMSTATS_KIND_UINT)
		return v->v.u;
	return v->kind == MMSTATS_KIND_INT && v->v.i > 0 ? (uint64_t)v->v.i : 0;
}

/*
 * The buckets of the histogram whose sum is field i: their bounds, and,
 * with `load`, their counts as they are now.
 */
static int read_buckets(const struct mmstats_map *map, size_t i,
			struct mfs_hist *h, bool load, struct stat *st)
{
	const struct mmstats_snapshot *snap = mmstats_map_fields(map);
	size_t idx[MMSTATS_HISTOGRAM_MAX_BUCKETS], k;
	struct mmstats_value v;
	unsigned char buf[16];
	ssize_t n;
	int err;

	n = mmstats_histogram_buckets(snap, i, idx,
				      MMSTATS_HISTOGRAM_MAX_BUCKETS);
	if (n == -ENODATA && !load)
		n = 0;	/* cut short: no histogram, but the .sum is a value */
	if (n < 0 || n > MMSTATS_HISTOGRAM_MAX_BUCKETS)
		return -EIO;	/* no writer of this format makes that */
	h->n = (size_t)n;
	for (k = 0; k < h->n; k++) {
		h->bounds[k] = snap->stats[idx[k]].notes.bound;
		if (!load)
			continue;
		if (snap->stats[idx[k]].value_size > sizeof(buf))
			return -EIO;
		err = mmstats_map_value(map, idx[k], &v, buf, sizeof(buf), st);
		if (err)
			return err;
		h->counts[k] = count_of(&v);
	}
	return 0;
}

int mfs_probe_read(const struct mmstats_map *map, size_t i, void *arg,
		   struct stat *st)
{
	const struct mmstats_stat *f = &mmstats_map_fields(map)->stats[i];
	struct mfs_probe *p = arg;
	int err;

	p->metric = f->notes.metric;
	copy_text(p->unit, sizeof(p->unit), f->notes.unit);
	copy_text(p->help, sizeof(p->help), f->notes.help);
	p->named = mfs_hist_named(f, p->label);
	if (f->notes.metric != MMSTATS_METRIC_HISTOGRAM_SUM)
		return mfs_value_read(map, i, &p->v, st);
	if (!(p->hist = calloc(1, sizeof(*p->hist))))
		return -ENOMEM;
	if ((err = read_buckets(map, i, p->hist, p->named, st)))
		return err;
	/* the sum after the buckets: as Prometheus clients expose them */
	if ((err = mfs_value_read(map, i, &p->v, st)))
		return err;
	p->hist->sum = p->v.stat.value.kind == MMSTATS_KIND_FLOAT ?
		       p->v.stat.value.v.d : 0;
	return 0;
}

static bool same_bounds(const struct mfs_hist *a, const struct mfs_hist *b)
{
	return a->n == b->n &&
	       !memcmp(a->bounds, b->bounds, a->n * sizeof(a->bounds[0]));
}

bool mfs_hist_add(struct mfs_hist *into, const struct mfs_hist *h)
{
	size_t k;

	if (!same_bounds(into, h))
		return false;
	for (k = 0; k < h->n; k++)
		into->counts[k] += h->counts[k];
	into->sum += h->sum;
	return true;
}

/* snprintf's contract over a buffer filled line by line. */
struct out {
	char *buf;
	size_t len, used;
};

/* One line: "key value". */
static void put(struct out *o, const char *key, const char *value)
{
	char *at = o->used < o->len ? o->buf + o->used : NULL;
	size_t room = at ? o->len - o->used : 0;
	int n = snprintf(at, room, "%s %s\n", key, value);

	if (n > 0)
		o->used += (size_t)n;
}

static void put_double(struct out *o, const char *key, double d)
{
	char num[40];

	mmstats_format_double(d, num, sizeof(num));
	put(o, key, num);
}

int mfs_render_u128(unsigned __int128 v, char *buf, size_t len)
{
	char tmp[48];
	size_t i = sizeof(tmp);

	tmp[--i] = '\0';
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	return snprintf(buf, len, "%s", tmp + i);
}

/*
 * The q-quantile of counts that may not fit in 64 bits: scaled down until
 * their total does (an estimate within a bucket loses nothing that shows).
 */
static double quantile(const struct mfs_hist *h, double q)
{
	uint64_t c[MMSTATS_HISTOGRAM_MAX_BUCKETS];
	unsigned __int128 total;
	unsigned shift = 0;
	size_t k;

	for (;;) {
		for (total = 0, k = 0; k < h->n; k++)
			total += h->counts[k] >> shift;
		if (total <= UINT64_MAX)
			break;
		shift++;
	}
	for (k = 0; k < h->n; k++)
		c[k] = (uint64_t)(h->counts[k] >> shift);
	return mmstats_histogram_quantile(h->bounds, c, h->n, q);
}

int mfs_hist_render(const struct mfs_hist *h, char *buf, size_t len)
{
	static const struct { const char *key; double q; } qs[] = {
		{ "p50", 0.5 }, { "p90", 0.9 }, { "p99", 0.99 },
	};
	struct out o = { .buf = buf, .len = len };
	char num[48], bound[48];
	unsigned __int128 cum = 0;
	size_t k;

	for (k = 0; k < h->n; k++)
		cum += h->counts[k];
	mfs_render_u128(cum, num, sizeof(num));
	put(&o, "count", num);
	put_double(&o, "sum", h->sum);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
		put_double(&o, qs[k].key, quantile(h, qs[k].q));
	for (cum = 0, k = 0; k < h->n; k++) {
		cum += h->counts[k];
		strcpy(bound, "le=");
		if (h->bounds[k] == INFINITY)
			strcpy(bound + 3, "+Inf");
		else
			mmstats_format_double(h->bounds[k], bound + 3,
					      sizeof(bound) - 3);
		mfs_render_u128(cum, num, sizeof(num));
		put(&o, bound, num);
	}
	/* no newline after the last line: the file's reader adds it */
	if (o.used && o.used <= o.len)
		o.buf[o.used - 1] = '\0';
	if (o.used)
		o.used--;
	return (int)o.used;
}

int mfs_probe_aggregate(struct mfs_probe *p, struct mfs_agg_input *in,
			size_t n, char *buf, size_t len)
{
	long rep = mfs_agg_representative(in, n);
	size_t i;

	if (rep >= 0 && p[rep].hist && !p[rep].named) {
		/* B.sum: of the files B's own `sum` line adds up */
		for (i = 0; i < n; i++)
			if (in[i].stat && (!p[i].hist || p[i].named ||
			    !same_bounds(p[rep].hist, p[i].hist)))
				in[i].stat = NULL;
		return mfs_aggregate(in, n, buf, len);
	}
	if (rep < 0 || !p[rep].named) {
		/* a label the file that speaks has: histograms of others out */
		for (i = 0; i < n; i++)
			if (p[i].named)
				in[i].stat = NULL;
		return mfs_aggregate(in, n, buf, len);
	}
	for (i = 0; i < n; i++)
		if (in[i].stat && p[i].named && i != (size_t)rep)
			mfs_hist_add(p[rep].hist, p[i].hist);
	return mfs_hist_render(p[rep].hist, buf, len);
}
