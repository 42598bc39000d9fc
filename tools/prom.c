/*
 * prom.c - rendering the exposition: series grouped into families,
 * families whose names would collide resolved, 0.0.4 or OpenMetrics text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promint.h"

static int series_cmp(const void *a, const void *b)
{
	const struct prom_series *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	c = strcmp(x->labels, y->labels);
	if (c)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* A run of series with the same key; `head` (added first) decides. */
struct family {
	size_t from, to;
	const struct prom_series *head;
	bool ok;
};

/* A name a family's lines use, to find families that collide. */
struct claim {
	char *name;
	size_t fam;
};

static const char *const type_suffixes[][4] = {
	[PT_UNTYPED] = { "", NULL },
	[PT_GAUGE] = { "", NULL },
	[PT_COUNTER] = { "", "_total", NULL },
	[PT_INFO] = { "", "_info", NULL },
	[PT_HISTOGRAM] = { "", "_bucket", "_sum", "_count" },
};

static int claim_cmp(const void *a, const void *b)
{
	return strcmp(((const struct claim *)a)->name,
		      ((const struct claim *)b)->name);
}

struct fam_order {
	size_t seq, fam;
};

static int fam_order_cmp(const void *a, const void *b)
{
	const struct fam_order *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Whether a family already kept uses the name at c[at]. */
static bool claimed(const struct family *fams, const struct claim *c,
		    size_t nc, size_t at)
{
	size_t i;

	/* equal names are adjacent: look both ways */
	for (i = at; i-- > 0 && strcmp(c[i].name, c[at].name) == 0;)
		if (fams[c[i].fam].ok)
			return true;
	for (i = at + 1; i < nc && strcmp(c[i].name, c[at].name) == 0; i++)
		if (fams[c[i].fam].ok)
			return true;
	return false;
}

/*
 * Keep, of families whose lines would share a name, the one whose first
 * series was added first: by construction, no name is used twice.
 */
static int families_resolve(struct family *fams, size_t nf)
{
	struct claim *c = NULL;
	struct fam_order *order = NULL;
	size_t nc = 0, i, k, *pos = NULL, *npos = NULL, f;
	const struct prom_series *h;
	int err = -ENOMEM;

	c = calloc(nf * 4 + 1, sizeof(*c));
	order = calloc(nf + 1, sizeof(*order));
	pos = calloc(nf * 4 + 1, sizeof(*pos));
	npos = calloc(nf + 1, sizeof(*npos));
	if (!c || !order || !pos || !npos)
		goto out;
	for (i = 0; i < nf; i++) {
		h = fams[i].head;
		for (k = 0; k < 4 && type_suffixes[h->type][k]; k++) {
			if (asprintf(&c[nc].name, "%.*s%s", (int)h->base_len,
				     h->key, type_suffixes[h->type][k]) < 0) {
				c[nc].name = NULL;
				goto out;
			}
			c[nc++].fam = i;
		}
		order[i] = (struct fam_order){ h->seq, i };
	}
	qsort(c, nc, sizeof(*c), claim_cmp);
	for (i = 0; i < nc; i++)
		pos[c[i].fam * 4 + npos[c[i].fam]++] = i;
	qsort(order, nf, sizeof(*order), fam_order_cmp);
	for (i = 0; i < nf; i++) {
		f = order[i].fam;
		fams[f].ok = true;
		for (k = 0; k < npos[f]; k++)
			if (claimed(fams, c, nc, pos[f * 4 + k]))
				fams[f].ok = false;
	}
	err = 0;
out:
	for (i = 0; c && i < nc; i++)
		free(c[i].name);
	free(c);
	free(order);
	free(pos);
	free(npos);
	return err;
}

static const char *type_name(enum prom_type t, bool om)
{
	switch (t) {
	case PT_COUNTER:   return "counter";
	case PT_GAUGE:     return "gauge";
	case PT_INFO:      return om ? "info" : "gauge";
	case PT_HISTOGRAM: return "histogram";
	default:           return om ? "unknown" : "untyped";
	}
}

static void render_series(struct buf *b, const struct prom_series *s)
{
	const struct prom_point *pt;
	size_t i;

	for (i = 0; i < s->npt; i++) {
		pt = &s->pt[i];
		buf_add(b, s->key, s->base_len);
		buf_puts(b, pt->suffix);
		if (*s->labels || pt->extra)
			buf_printf(b, "{%s%s%s}", s->labels,
				   *s->labels && pt->extra ? "," : "",
				   pt->extra ? pt->extra : "");
		buf_printf(b, " %s\n", pt->value);
	}
}

static void render_family(struct buf *b, const struct prom *p,
			  const struct family *f, bool om)
{
	const struct prom_series *h = f->head, *last = NULL;
	size_t i;

	/* 0.0.4 names a counter's family NAME_total, OpenMetrics NAME. */
	if (om) {
		buf_printf(b, "# TYPE %.*s %s\n", (int)h->base_len, h->key,
			   type_name(h->type, om));
		if (*h->unit)
			buf_printf(b, "# UNIT %.*s %s\n", (int)h->base_len,
				   h->key, h->unit);
		buf_printf(b, "# HELP %.*s ", (int)h->base_len, h->key);
	} else {
		buf_printf(b, "# HELP %s ", h->key);
	}
	prom_help(b, h->help, om);
	buf_putc(b, '\n');
	if (!om)
		buf_printf(b, "# TYPE %s %s\n", h->key, type_name(h->type, om));
	for (i = f->from; i < f->to; i++) {
		/* Labels that sanitize alike collide: keep one per series. */
		if (p->v[i].type != h->type ||
		    (last && strcmp(p->v[i].labels, last->labels) == 0))
			continue;
		render_series(b, &p->v[i]);
		last = &p->v[i];
	}
}

static char *render(struct prom *p, bool om, size_t *len)
{
	struct buf b = BUF_INIT;
	struct family *fams;
	size_t nf = 0, from, to, i;

	if (p->failed)
		return NULL;
	if (p->n > 1)
		qsort(p->v, p->n, sizeof(*p->v), series_cmp);
	/* sorting renumbers nothing: seq still says which came first */
	fams = calloc(p->n + 1, sizeof(*fams));
	if (!fams)
		return NULL;
	for (from = 0; from < p->n; from = to) {
		fams[nf].from = from;
		fams[nf].head = &p->v[from];
		for (to = from + 1; to < p->n &&
		     strcmp(p->v[to].key, p->v[from].key) == 0; to++)
			if (p->v[to].seq < fams[nf].head->seq)
				fams[nf].head = &p->v[to];
		fams[nf++].to = to;
	}
	if (families_resolve(fams, nf) < 0) {
		free(fams);
		return NULL;
	}
	for (i = 0; i < nf; i++)
		if (fams[i].ok)
			render_family(&b, p, &fams[i], om);
	free(fams);
	if (om)
		buf_puts(&b, "# EOF\n");
	return buf_steal(&b, len);
}

char *prom_render(struct prom *p, size_t *len)
{
	return render(p, false, len);
}

char *prom_render_openmetrics(struct prom *p, size_t *len)
{
	return render(p, true, len);
}
