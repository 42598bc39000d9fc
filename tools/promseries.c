/*
 * promseries.c - the series of an exposition, from the fields of files
 * (or of sums over a program's files): one per field, a histogram one
 * with all its lines.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promint.h"

struct prom *prom_new(void)
{
	return calloc(1, sizeof(struct prom));
}

void prom_series_free(struct prom_series *s)
{
	size_t i;

	for (i = 0; i < s->npt; i++) {
		free(s->pt[i].extra);
		free(s->pt[i].value);
	}
	free(s->pt);
	free(s->key);
	free(s->help);
	free(s->unit);
	free(s->labels);
}

void prom_free(struct prom *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		prom_series_free(&p->v[i]);
	free(p->v);
	free(p);
}

void prom_push(struct prom *p, struct prom_series *s, bool ok)
{
	struct prom_series *v;
	size_t cap, i;

	ok = ok && s->key && s->help && s->unit && s->labels;
	for (i = 0; ok && i < s->npt; i++)
		ok = s->pt[i].value != NULL;
	if (!ok)
		goto fail;
	if (p->n == p->cap) {
		cap = p->cap ? p->cap * 2 : 64;
		v = reallocarray(p->v, cap, sizeof(*v));
		if (!v)
			goto fail;
		p->v = v;
		p->cap = cap;
	}
	s->seq = p->n;
	p->v[p->n++] = *s;
	return;
fail:
	p->failed = true;
	prom_series_free(s);
}

bool prom_series_points(struct prom_series *s, size_t n)
{
	s->pt = calloc(n, sizeof(*s->pt));
	s->npt = s->pt ? n : 0;
	return s->pt != NULL;
}

void prom_double_text(struct buf *b, double d)
{
	char text[64];

	if (isnan(d))
		buf_puts(b, "NaN");
	else if (isinf(d))
		buf_puts(b, d > 0 ? "+Inf" : "-Inf");
	else if (mmstats_format_double(d, text, sizeof(text)) >= 0)
		buf_puts(b, text);
	else
		buf_printf(b, "%.17g", d);
}

static char *value_text(const struct mmstats_value *v)
{
	struct buf b = BUF_INIT;

	switch (v->kind) {
	case MMSTATS_KIND_INT:
		buf_printf(&b, "%" PRId64, v->v.i);
		break;
	case MMSTATS_KIND_UINT:
		buf_printf(&b, "%" PRIu64, v->v.u);
		break;
	case MMSTATS_KIND_BOOL:
		buf_putc(&b, v->v.b ? '1' : '0');
		break;
	default:
		prom_double_text(&b, v->v.d);
		break;
	}
	return buf_steal(&b, NULL);
}

static char *u64_text(uint64_t u)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%" PRIu64, u);
	return buf_steal(&b, NULL);
}

static char *info_text(const struct mmstats_value *val)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "value=\"");
	prom_label_value(&b, val->v.str.ptr, val->v.str.len);
	buf_putc(&b, '"');
	return buf_steal(&b, NULL);
}

static char *le_text(double bound)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "le=\"");
	prom_double_text(&b, bound);
	buf_putc(&b, '"');
	return buf_steal(&b, NULL);
}

static char *help_text(const struct mmstats_stat *st, const char *name,
		       size_t name_len)
{
	struct buf b = BUF_INIT;

	if (*st->notes.help)
		return strdup(st->notes.help);
	buf_puts(&b, "mmstats field ");
	buf_add(&b, name, name_len);
	return buf_steal(&b, NULL);
}

static enum prom_type stat_type(const struct mmstats_stat *st)
{
	if (st->value.kind == MMSTATS_KIND_STRING)
		return PT_INFO;
	switch (st->notes.metric) {
	case MMSTATS_METRIC_COUNTER: return PT_COUNTER;
	case MMSTATS_METRIC_GAUGE:
	case MMSTATS_METRIC_INFO:    return PT_GAUGE;
	default:                     return PT_UNTYPED;
	}
}

static void add_stat(struct prom *p, const char *labels,
		     const struct mmstats_stat *st)
{
	struct prom_series s = { .type = stat_type(st) };
	size_t len = strlen(st->label);
	bool ok;

	prom_series_names(&s, st->label, len, st->notes.unit);
	s.help = help_text(st, st->label, len);
	s.labels = strdup(labels);
	ok = prom_series_points(&s, 1);
	if (ok && s.type == PT_INFO) {
		s.pt[0].suffix = "_info";
		s.pt[0].extra = info_text(&st->value);
		s.pt[0].value = strdup("1");
		ok = s.pt[0].extra != NULL;
	} else if (ok) {
		s.pt[0].suffix = s.type == PT_COUNTER ? "_total" : "";
		s.pt[0].value = value_text(&st->value);
	}
	prom_push(p, &s, ok);
}

/*
 * The buckets of the histogram whose sum is field i, when they make
 * one: counts, and a last bound of +Inf.  A file cut short (or not
 * written by this library) may end its buckets at a finite bound: its
 * count is then not known, and le="+Inf" would be a lie.  -1: none.
 */
static ssize_t histogram_buckets(const struct mmstats_snapshot *snap,
				 size_t i, size_t *idx)
{
	ssize_t n = mmstats_histogram_buckets(snap, i, idx,
					      MMSTATS_HISTOGRAM_MAX_BUCKETS);
	size_t k;

	if (n <= 0 || n > MMSTATS_HISTOGRAM_MAX_BUCKETS)
		return -1;
	for (k = 0; k < (size_t)n; k++)
		if (snap->stats[idx[k]].value.kind != MMSTATS_KIND_UINT)
			return -1;
	if (!isinf(snap->stats[idx[n - 1]].notes.bound))
		return -1;
	return n;
}

/* Cumulative buckets, then _count and _sum, from the sum's field i. */
static void add_histogram(struct prom *p, const char *labels,
			  const struct mmstats_snapshot *snap, size_t i)
{
	const struct mmstats_stat *st = &snap->stats[i], *bk;
	struct prom_series s = { .type = PT_HISTOGRAM };
	size_t idx[MMSTATS_HISTOGRAM_MAX_BUCKETS], name_len, k;
	ssize_t n = histogram_buckets(snap, i, idx);
	uint64_t cum = 0;
	bool ok;

	if (n < 0)
		return;
	name_len = st->notes.name_len;
	if (!name_len || name_len > strlen(st->label))
		name_len = strlen(st->label);
	prom_series_names(&s, st->label, name_len, st->notes.unit);
	s.help = help_text(st, st->label, name_len);
	s.labels = strdup(labels);
	ok = prom_series_points(&s, (size_t)n + 2);
	for (k = 0; ok && k < (size_t)n; k++) {
		bk = &snap->stats[idx[k]];
		cum += bk->value.v.u;
		s.pt[k].suffix = "_bucket";
		s.pt[k].extra = le_text(bk->notes.bound);
		s.pt[k].value = u64_text(cum);
		ok = s.pt[k].extra != NULL;
	}
	if (ok) {
		s.pt[k].suffix = "_count";
		s.pt[k].value = u64_text(cum);
		s.pt[k + 1].suffix = "_sum";
		s.pt[k + 1].value = value_text(&st->value);
	}
	prom_push(p, &s, ok);
}

static void add_fields(struct prom *p, const char *labels,
		       const struct prom_writer *w,
		       const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st;
	size_t i;

	for (i = 0; i < snap->nstats; i++) {
		st = &snap->stats[i];
		if (st->value.kind == MMSTATS_KIND_UNSUPPORTED ||
		    prom_writer_is_sys(w, st))
			continue;
		if (st->notes.metric == MMSTATS_METRIC_HISTOGRAM_SUM)
			add_histogram(p, labels, snap, i);
		else if (st->notes.metric != MMSTATS_METRIC_HISTOGRAM_BUCKET)
			add_stat(p, labels, st);
	}
}

void prom_add_file(struct prom *p, const char *path,
		   const struct mmstats_snapshot *snap)
{
	struct prom_writer w;
	char *labels = NULL;

	if (prom_writer_identify(p, &w, path, snap) < 0 ||
	    !(labels = prom_writer_labels(&w, true))) {
		p->failed = true;
		goto out;
	}
	add_fields(p, labels, &w, snap);
	prom_add_start_time(p, &w, snap);
out:
	free(labels);
	prom_writer_free(&w);
}

/*
 * Values already summed over a program's processes belong to no one
 * process: the program is their only label, and there is no start time
 * to give.
 */
void prom_add_program(struct prom *p, const char *program,
		      const struct mmstats_snapshot *snap)
{
	struct prom_writer w;
	struct buf b = BUF_INIT;
	char *labels;

	prom_writer_anonymous(&w, snap);
	if (program && *program) {
		buf_puts(&b, "program=\"");
		prom_label_value(&b, program, strlen(program));
		buf_putc(&b, '"');
	}
	labels = buf_steal(&b, NULL);
	if (!labels) {
		p->failed = true;
		return;
	}
	add_fields(p, labels, &w, snap);
	free(labels);
}
