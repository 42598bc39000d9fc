/*
 * bulk.c - the texts of a program's label file and of the bulk files
 * %all (as slurpstats prints a file) and %metrics (Prometheus text), made
 * of the values of their labels (bulkitems.c), each as its own file
 * shows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "bulkitems.h"
#include "progsum.h"
#include "../tools/prom.h"
#include "../tools/termtext.h"

static struct mfs_text *text_of(const char *s, size_t len, bool newline)
{
	struct mfs_text *tx = malloc(sizeof(*tx) + len + 1);

	if (!tx)
		return NULL;
	memcpy(tx->data, s, len);
	tx->len = len;
	if (newline)
		tx->data[tx->len++] = '\n';
	return tx;
}

/* As slurpstats prints a file: a header, "  label value" lines, a blank. */
static char *slurp_text(const struct mfs_bulk_group *g,
			const struct mfs_bulk_item *items, size_t *len)
{
	struct buf b = BUF_INIT;
	size_t i, w, width = 0;

	for (i = 0; i < g->nlabels; i++)
		if (items[i].label && (w = text_width(items[i].label)) > width)
			width = w;
	buf_puts(&b, "==> ");
	buf_puts(&b, g->title);
	buf_putc(&b, '\n');
	for (i = 0; i < g->nlabels; i++) {
		if (!items[i].text || !items[i].label)
			continue;
		buf_puts(&b, "  ");
		buf_puts(&b, items[i].label);
		for (w = text_width(items[i].label); w < width; w++)
			buf_putc(&b, ' ');
		buf_putc(&b, ' ');
		buf_puts(&b, items[i].text);
		buf_putc(&b, '\n');
	}
	buf_putc(&b, '\n');
	return buf_steal(&b, len);
}

static bool is_bucket_of(const struct mmstats_stat *b,
			 const struct mmstats_stat *sum)
{
	size_t n = sum->notes.name_len;

	return b->notes.metric == MMSTATS_METRIC_HISTOGRAM_BUCKET &&
	       b->notes.name_len == n && strlen(b->label) >= n &&
	       strlen(sum->label) >= n && !memcmp(b->label, sum->label, n);
}

static int cmp_bound(const void *a, const void *b)
{
	double x = (*(const struct mmstats_stat *const *)a)->notes.bound;
	double y = (*(const struct mmstats_stat *const *)b)->notes.bound;

	return x < y ? -1 : x > y;
}

/*
 * The items as the fields of one file, in the order a writer lays a
 * histogram out (its sum, then its buckets by bound: what the exposition
 * writer looks for), the others by label.
 */
static size_t file_order(const struct mfs_bulk_group *g,
			 const struct mfs_bulk_item *items,
			 struct mmstats_stat *out)
{
	const struct mmstats_stat **b = calloc(g->nlabels + 1, sizeof(*b));
	bool *bucket = calloc(g->nlabels + 1, sizeof(*bucket));
	const struct mmstats_stat *st;
	size_t i, j, k, n = 0;

	if (!b || !bucket)
		goto out;
	/* first every histogram's buckets, which sort before its sum */
	for (i = 0; i < g->nlabels; i++)
		for (j = 0; items[i].label &&
		     items[i].stat.notes.metric == MMSTATS_METRIC_HISTOGRAM_SUM &&
		     items[i].stat.notes.name_len && j < g->nlabels; j++)
			if (items[j].label && !bucket[j] &&
			    is_bucket_of(&items[j].stat, &items[i].stat))
				bucket[j] = true;
	for (i = 0; i < g->nlabels; i++) {
		st = &items[i].stat;
		if (!items[i].text || !items[i].label || bucket[i])
			continue;
		out[n++] = *st;
		if (st->notes.metric != MMSTATS_METRIC_HISTOGRAM_SUM ||
		    !st->notes.name_len)
			continue;
		for (j = 0, k = 0; j < g->nlabels; j++)
			if (items[j].text && bucket[j] &&
			    is_bucket_of(&items[j].stat, st))
				b[k++] = &items[j].stat;
		qsort(b, k, sizeof(*b), cmp_bound);
		for (j = 0; j < k; j++)
			out[n++] = *b[j];
	}
out:
	free(b);
	free(bucket);
	return n;
}

/* The labels as the fields of one file, for the exposition writer. */
static char *prom_text(const struct mfs_bulk_group *g,
		       const struct mfs_bulk_item *items, size_t *len)
{
	struct mmstats_snapshot snap = { 0 };
	struct prom *p = prom_new();
	char *out = NULL;

	snap.stats = calloc(g->nlabels + 1, sizeof(*snap.stats));
	if (p && snap.stats) {
		snap.nstats = file_order(g, items, snap.stats);
		/* a program's series carry its name only: the values are
		 * no one process's */
		if (g->prog)
			prom_add_program(p, g->pname ? g->pname :
					 g->title + strlen("programs/"), &snap);
		else
			prom_add_file(p, g->title, &snap);
		out = prom_render(p, len);
	}
	free(snap.stats);
	prom_free(p);
	return out;
}

static int make_text(const struct mfs_bulk_group *g,
		     const struct mfs_bulk_item *items, struct mfs_text **out)
{
	char *s;
	size_t len;

	if (g->kind == MFS_PROG_LABEL) {
		if (!items[0].text)
			return -ENOENT;
		*out = text_of(items[0].text, strlen(items[0].text), true);
		return *out ? 0 : -ENOMEM;
	}
	s = g->kind == MFS_BULK_TEXT ? slurp_text(g, items, &len) :
				       prom_text(g, items, &len);
	if (!s)
		return -ENOMEM;
	*out = text_of(s, len, false);
	free(s);
	return *out ? 0 : -ENOMEM;
}

int mfs_bulk_render(struct mfs *fs, const struct mfs_caller *who,
		    fuse_ino_t ino, struct mfs_text **out)
{
	struct mfs_bulk_group g = { 0 };
	struct mfs_bulk_item *items = NULL;
	size_t i;
	int err;

	err = mfs_bulk_group_get(fs, ino, who->may_block, &g);
	if (!err && g.hist) {
		err = mfs_progsum_hist(fs, who, &g, out);
		mfs_bulk_group_free(&g);
		return err;
	}
	if (!err && !(items = calloc(g.nlabels + 1, sizeof(*items))))
		err = -ENOMEM;
	if (!err)
		err = mfs_bulk_items(fs, who, &g, items);
	if (!err)
		err = make_text(&g, items, out);
	for (i = 0; items && i < g.nlabels; i++)
		mfs_bulk_item_free(&items[i]);
	free(items);
	mfs_bulk_group_free(&g);
	return err;
}

int mfs_bulk_notes(struct mfs *fs, const struct mfs_caller *who,
		   fuse_ino_t ino, struct mfs_notes_copy *nc)
{
	struct mfs_bulk_group g = { 0 };
	struct mfs_bulk_item it = { 0 };
	int err;

	err = mfs_bulk_group_get(fs, ino, who->may_block, &g);
	if (!err && g.kind != MFS_PROG_LABEL)
		err = -ENOTSUP;
	if (!err)
		err = mfs_bulk_items(fs, who, &g, &it);
	if (!err && !it.label)
		err = -ENOENT;
	if (!err) {
		nc->metric = it.stat.notes.metric;
		nc->histogram = g.hist;
		snprintf(nc->unit, sizeof(nc->unit), "%s", it.unit);
		snprintf(nc->help, sizeof(nc->help), "%s", it.help);
	}
	mfs_bulk_item_free(&it);
	mfs_bulk_group_free(&g);
	return err;
}
