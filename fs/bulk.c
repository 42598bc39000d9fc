/*
 * bulk.c - values of many files at once: a program's sums, and the bulk
 * files %all and %metrics.
 *
 * One label at a time: each file's field is loaded, combined as that
 * label's own file combines it (mfs_aggregate for a process, program_value
 * for a program), and rendered; so a bulk file holds, label by label,
 * what each label's file would have shown at that moment.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate.h"
#include "bulk.h"
#include "histfile.h"
#include "../tools/prom.h"
#include "../tools/termtext.h"

#define VALUE_MAX	4096

struct gfile {
	char *name;
	struct mfs_handle *h;
	bool main;		/* speaks for its process */
	bool rep;		/* of the process that speaks for the program */
	double created;
	long *idx;		/* of each label in h's map, or -1 */
};

/* What rendering needs, copied out of the locked tree. */
struct group {
	enum mfs_kind kind;
	bool prog;
	char *title;
	char **labels;
	size_t nlabels;
	struct gfile *files;
	size_t nfiles;
	struct stat *ret_st;	/* owner and mode of each kept set */
	size_t nret;
	__int128 *ret_sum;	/* [r * nlabels + l] */
	double *ret_dsum;	/* [r * nlabels + l], a histogram's sum */
	bool *ret_has;
	struct mfs_kept *meta;	/* [l]: what a kept label was (name NULL:
				 * none kept), for a label no live file has */
	bool hist;		/* a program's histogram file (labels[0]) */
	struct mfs_kept *hkept;	/* its kept .sum and .le.* counters, summed
				 * over the kept sets */
	size_t nhkept;
};

/* One label's result, for the bulk files. */
struct item {
	char *label;		/* as the file has it (UTF-8 cleaned) */
	struct mmstats_stat stat;	/* its field, with the value shown */
	char *text;		/* the value, rendered */
	char *unit, *help;	/* copies: the map may be gone */
};

static void item_free(struct item *it)
{
	free(it->label);
	free(it->text);
	free(it->unit);
	free(it->help);
}

static bool mine(enum mfs_kind k)
{
	return k == MFS_PROG_LABEL || k == MFS_BULK_TEXT || k == MFS_BULK_PROM;
}

static int kept_copy(struct mfs_kept *to, const struct mfs_kept *k)
{
	*to = *k;
	to->name = strdup(k->name);
	to->label = strdup(k->label);
	to->unit = strdup(k->unit);
	to->help = strdup(k->help);
	return to->name && to->label && to->unit && to->help ? 0 : -ENOMEM;
}

static void group_free(struct group *g)
{
	size_t i;

	for (i = 0; i < g->nlabels; i++)
		free(g->labels[i]);
	for (i = 0; i < g->nfiles; i++) {
		free(g->files[i].name);
		mfs_handle_put(g->files[i].h);
		free(g->files[i].idx);
	}
	free(g->labels);
	free(g->files);
	free(g->title);
	free(g->ret_st);
	free(g->ret_sum);
	free(g->ret_dsum);
	free(g->ret_has);
	for (i = 0; g->meta && i < g->nlabels; i++)
		mfs_kept_free(&g->meta[i]);
	free(g->meta);
	for (i = 0; i < g->nhkept; i++)
		free(g->hkept[i].name);
	free(g->hkept);
}

/* ---- copying out, under the lock ---- */

static int add_labels(struct group *g, const struct mfs_node *dir,
		      enum mfs_kind kind)
{
	const struct mfs_node *c;
	size_t n = 0;

	for (c = dir->children; c; c = c->sib_next)
		n += c->kind == kind;
	if (!(g->labels = calloc(n + 1, sizeof(*g->labels))))
		return -ENOMEM;
	for (c = dir->children; c; c = c->sib_next)
		if (c->kind == kind &&
		    !(g->labels[g->nlabels++] = strdup(c->name)))
			return -ENOMEM;
	return 0;
}

static int add_files(struct group *g, const struct mfs_proc *p, bool rep)
{
	const struct mfs_src *s, *main = mfs_model_main_src(p);
	struct gfile *f;
	size_t n = 0, i;

	for (s = p->srcs; s; s = s->proc_next)
		n++;
	f = realloc(g->files, (g->nfiles + n + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	g->files = f;
	for (s = p->srcs; s; s = s->proc_next) {
		f = &g->files[g->nfiles++];
		memset(f, 0, sizeof(*f));
		f->main = s == main;
		f->rep = rep;
		f->created = s->info.created;
		f->h = mfs_handle_get(s->info.handle);
		f->name = strdup(s->name);
		f->idx = calloc(g->nlabels + 1, sizeof(*f->idx));
		if (!f->name || !f->idx)
			return -ENOMEM;
		for (i = 0; i < g->nlabels; i++)
			f->idx[i] = mfs_fieldnames_find(&s->info.names,
							g->labels[i]);
	}
	return 0;
}

/* Whether kept label `name` is one of histogram h's: h.sum, h.le.* */
static bool of_hist(const char *name, const char *h)
{
	size_t n = strlen(h);

	return !strncmp(name, h, n) &&
	       (!strcmp(name + n, ".sum") || !strncmp(name + n, ".le.", 4));
}

/* The kept counters of a program's histogram file, summed over the sets. */
static int add_hist_kept(struct group *g, const struct mfs_retired *r)
{
	struct mfs_kept *k;
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		if (!of_hist(r->k[i].name, g->labels[0]))
			continue;
		for (j = 0; j < g->nhkept; j++)
			if (!strcmp(g->hkept[j].name, r->k[i].name))
				break;
		if (j == g->nhkept) {
			k = realloc(g->hkept, (j + 1) * sizeof(*k));
			if (!k)
				return -ENOMEM;
			g->hkept = k;
			memset(&k[j], 0, sizeof(*k));
			if (!(k[j].name = strdup(r->k[i].name)))
				return -ENOMEM;
			g->nhkept++;
		}
		g->hkept[j].sum += r->k[i].sum;
		g->hkept[j].dsum += r->k[i].dsum;
	}
	return 0;
}

static int add_retired(struct group *g, const struct mfs_prog *pg)
{
	const struct mfs_retired *r;
	const struct mfs_kept *v;
	size_t i, l, n = pg->nretired * g->nlabels + 1;
	int err = 0;

	g->ret_st = calloc(pg->nretired + 1, sizeof(*g->ret_st));
	g->ret_sum = calloc(n, sizeof(*g->ret_sum));
	g->ret_dsum = calloc(n, sizeof(*g->ret_dsum));
	g->ret_has = calloc(n, sizeof(*g->ret_has));
	g->meta = calloc(g->nlabels + 1, sizeof(*g->meta));
	if (!g->ret_st || !g->ret_sum || !g->ret_dsum || !g->ret_has ||
	    !g->meta)
		return -ENOMEM;
	for (i = 0; i < pg->nretired && !err; i++) {
		r = &pg->retired[i];
		g->ret_st[i].st_uid = r->uid;
		g->ret_st[i].st_gid = r->gid;
		g->ret_st[i].st_mode = S_IFREG | r->mode;
		for (l = 0; l < g->nlabels && !err; l++) {
			if (!(v = mfs_retired_find(r, g->labels[l])))
				continue;
			g->ret_sum[i * g->nlabels + l] = v->sum;
			g->ret_dsum[i * g->nlabels + l] = v->dsum;
			g->ret_has[i * g->nlabels + l] = true;
			if (!g->meta[l].name)
				err = kept_copy(&g->meta[l], v);
		}
		if (!err && g->hist)
			err = add_hist_kept(g, r);
	}
	g->nret = pg->nretired;
	return err;
}

static int collect_prog(struct mfs *fs, const struct mfs_node *dir,
			struct group *g)
{
	const struct mfs_prog *pg = mfs_prog_find(&fs->model, dir->source);
	const struct mfs_proc *p, *rep;
	const struct mfs_src *s;
	size_t len;
	int err = 0;

	if (!pg || !(rep = mfs_prog_rep(pg)))
		return -ENOENT;
	g->prog = true;
	len = strlen(pg->name) + sizeof("programs/");
	if (!(g->title = malloc(len)))
		return -ENOMEM;
	strcpy(g->title, "programs/");
	strcat(g->title, pg->name);
	for (p = pg->procs; p && !err; p = p->prog_next) {
		err = add_files(g, p, p == rep);
		for (s = p->srcs; s && g->kind == MFS_PROG_LABEL; s = s->proc_next)
			g->hist |= mfs_fieldnames_is_hist(&s->info.names,
							  g->labels[0]);
	}
	return err ? err : add_retired(g, pg);
}

static int collect_pid(struct mfs *fs, const struct mfs_node *dir,
		       struct group *g)
{
	const struct mfs_proc *p = mfs_model_proc(&fs->model, dir->pid);

	if (!p || !p->srcs)
		return -ENOENT;
	if (!(g->title = strdup(dir->name)))
		return -ENOMEM;
	return add_files(g, p, true);
}

static int collect(struct mfs *fs, fuse_ino_t ino, struct group *g)
{
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino), *dir;
	int err;

	if (!n || !mine(n->kind))
		return -ENOTSUP;
	if (!n->linked)
		return -ENOENT;
	dir = mfs_tree_get(&fs->tree, n->parent);
	g->kind = n->kind;
	if (n->kind == MFS_PROG_LABEL) {
		if (!(g->labels = calloc(1, sizeof(*g->labels))) ||
		    !(g->labels[0] = strdup(n->name)))
			return -ENOMEM;
		g->nlabels = 1;
	} else if ((err = add_labels(g, dir, dir->kind == MFS_PID_DIR ?
				     MFS_PID_LABEL : MFS_PROG_LABEL)) < 0) {
		return err;
	}
	return dir->kind == MFS_PID_DIR ? collect_pid(fs, dir, g) :
					  collect_prog(fs, dir, g);
}

/* ---- loading and combining, without the lock ---- */

/*
 * A field of a program's file: from its map even when the file has just
 * lost its name (its writer exiting), for its counters are then being
 * kept (program.c) and this reading was taken before: the sum must not
 * miss them.  A process's files are read as their own files are.
 */
static int load(struct mfs *fs, const struct group *g, const struct gfile *f,
		size_t l, struct mfs_value *v)
{
	memset(v, 0, offsetof(struct mfs_value, small));
	if (!g->prog || !f->h)
		return mfs_source_value(fs->srcfd, f->name, f->h, f->idx[l],
					g->labels[l], &fs->model.limits.file,
					v);
	if (f->idx[l] < 0)
		return -ENOENT;
	return mfs_value_read(f->h->map, (size_t)f->idx[l], v, &v->st);
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
static bool speaks_before(const struct gfile *a, const struct gfile *b)
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
static int program_value(const struct group *g, size_t l,
			 const struct mmstats_stat *const *in, char *buf,
			 size_t len, size_t *rep)
{
	enum cls c = CLS_NONE;
	__int128 sum = 0;
	double dsum = 0;
	size_t i, best = SIZE_MAX;

	for (i = 0; i < g->nfiles; i++) {
		if (!in[i])
			continue;
		c = merge(c, class_of(in[i]));
		if (best == SIZE_MAX || speaks_before(&g->files[i],
						      &g->files[best]))
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

static int process_value(const struct group *g,
			 const struct mmstats_stat *const *in, char *buf,
			 size_t len, size_t *rep)
{
	struct mfs_agg_input *ag = calloc(g->nfiles + 1, sizeof(*ag));
	size_t i;
	int n;

	if (!ag)
		return -ENOMEM;
	*rep = SIZE_MAX;
	for (i = 0; i < g->nfiles; i++) {
		ag[i].stat = in[i];
		ag[i].main = g->files[i].main;
		ag[i].created = g->files[i].created;
		ag[i].name = g->files[i].name;
		if (in[i] && (*rep == SIZE_MAX || g->files[i].main))
			*rep = i;
	}
	n = mfs_aggregate(ag, g->nfiles, buf, len);
	free(ag);
	return n;
}

/* Render into a buffer as long as the value needs; NULL in *text: none. */
static int value_text(const struct group *g, size_t l,
		      const struct mmstats_stat *const *in, char **text,
		      size_t *rep)
{
	size_t cap = VALUE_MAX;
	char *buf;
	int n;

	for (;;) {
		if (!(buf = malloc(cap)))
			return -ENOMEM;
		n = g->prog ? program_value(g, l, in, buf, cap, rep) :
			      process_value(g, in, buf, cap, rep);
		if (n < 0 || (size_t)n < cap)
			break;
		cap = (size_t)n + 1;
		free(buf);
	}
	if (n < 0) {
		free(buf);
		return n == -ENOENT ? 0 : n;	/* no file has it now */
	}
	*text = buf;
	return 0;
}

/* The value shown as a value of the field's kind, for Prometheus. */
static void item_value(struct item *it)
{
	struct mmstats_value *v = &it->stat.value;
	char *end;

	errno = 0;
	switch (v->kind) {
	case MMSTATS_KIND_STRING:
		v->v.str.ptr = it->text;
		v->v.str.len = strlen(it->text);
		break;
	case MMSTATS_KIND_INT:
		v->v.i = strtoll(it->text, &end, 10);
		break;
	case MMSTATS_KIND_UINT:
		v->v.u = strtoull(it->text, &end, 10);
		if (it->text[0] == '-')
			errno = ERANGE;
		break;
	case MMSTATS_KIND_FLOAT:	/* a sum (B.sum), as its file shows */
		v->v.d = strtod(it->text, &end);
		return;
	default:
		return;
	}
	if (errno == ERANGE) {	/* a sum past 64 bits */
		v->kind = MMSTATS_KIND_FLOAT;
		v->v.d = strtod(it->text, NULL);
	}
}

/* The item of a value whose field is st (copied: the value may go). */
static int item_set(struct item *it, const struct mmstats_stat *st)
{
	it->stat = *st;
	it->label = strdup(st->label ? st->label : "");
	it->unit = strdup(st->notes.unit ? st->notes.unit : "");
	it->help = strdup(st->notes.help ? st->notes.help : "");
	it->stat.label = it->label;
	it->stat.raw_label = (const unsigned char *)it->label;
	it->stat.raw_label_len = it->label ? strlen(it->label) : 0;
	it->stat.notes.unit = it->unit;
	it->stat.notes.help = it->help;
	if (!it->label || !it->unit || !it->help)
		return -ENOMEM;
	item_value(it);
	return 0;
}

/* The item of a label only kept counters have: as their field was. */
static int item_kept(struct item *it, const struct mfs_kept *k)
{
	struct mmstats_stat st = { 0 };

	st.label = k->label;
	st.notes.unit = k->unit;
	st.notes.help = k->help;
	st.notes.metric = k->metric;
	memcpy(st.type, k->type, sizeof(st.type));
	st.buffered = k->buffered;
	st.value.kind = k->kind;
	return item_set(it, &st);
}

/*
 * Label l of every file, combined, into *it.  In a bulk file, a
 * histogram's name (/<pid>/B) is left out: its fields B.sum and B.le.*
 * are there, each once.
 */
static int one_label(struct mfs *fs, const struct mfs_caller *who,
		     const struct group *g, size_t l, struct mfs_value *v,
		     const struct mmstats_stat **in, struct item *it)
{
	size_t i, rep;
	int err = 0;

	for (i = 0; i < g->nfiles; i++) {
		in[i] = NULL;
		err = load(fs, g, &g->files[i], l, &v[i]);
		if (!err && !(err = mfs_may_read(who, &v[i].st)))
			in[i] = &v[i].stat;
		if (err == -ENOENT || err == -ESTALE || err == -ENOTDIR)
			err = 0;	/* no such field, or its file went */
		if (err)
			break;
	}
	if (!err)
		err = value_text(g, l, in, &it->text, &rep);
	if (!err && it->text && rep != SIZE_MAX &&
	    g->kind != MFS_PROG_LABEL && mfs_hist_named(in[rep], g->labels[l])) {
		free(it->text);
		it->text = NULL;
	}
	if (!err && it->text && rep != SIZE_MAX)
		err = item_set(it, in[rep]);
	else if (!err && it->text && g->meta && g->meta[l].name)
		err = item_kept(it, &g->meta[l]);
	for (i = 0; i < g->nfiles; i++)
		mfs_value_free(&v[i]);
	return err == -EACCES || err == -ENOMEM ? err : err ? -EIO : 0;
}

static int items_of(struct mfs *fs, const struct mfs_caller *who,
		    const struct group *g, struct item *items)
{
	struct mfs_value *v = calloc(g->nfiles + 1, sizeof(*v));
	const struct mmstats_stat **in = calloc(g->nfiles + 1, sizeof(*in));
	size_t l, r;
	int err = v && in ? 0 : -ENOMEM;

	for (r = 0; r < g->nret && !err; r++)
		err = mfs_may_read(who, &g->ret_st[r]);
	for (l = 0; l < g->nlabels && !err; l++)
		err = one_label(fs, who, g, l, v, in, &items[l]);
	free(v);
	free(in);
	return err;
}

/* ---- a program's histogram ---- */

/* Probe the histogram of file f, as load() reads a field. */
static int probe_hist(struct mfs *fs, const struct group *g,
		      const struct gfile *f, struct mfs_probe *p,
		      struct stat *st)
{
	if (!f->h)
		return mfs_source_with_field(fs->srcfd, f->name, NULL, -1,
					     g->labels[0],
					     &fs->model.limits.file,
					     mfs_probe_read, p, mfs_probe_undo,
					     st);
	if (f->idx[0] < 0)
		return -ENOENT;
	return mfs_probe_read(f->h->map, (size_t)f->idx[0], p, st);
}

/* The kept counter of the histogram's field `suffix`, or NULL. */
static const struct mfs_kept *hist_kept(const struct group *g,
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
static void add_kept(const struct group *g, struct mfs_hist *h)
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
static int prog_hist(struct mfs *fs, const struct mfs_caller *who,
		     const struct group *g, struct mfs_text **out)
{
	struct mfs_probe *p = calloc(g->nfiles + 1, sizeof(*p));
	struct stat st;
	size_t i, best = SIZE_MAX, cap = VALUE_MAX;
	struct mfs_text *tx = NULL;
	int err = p ? 0 : -ENOMEM, n;

	for (i = 0; i < g->nret && !err; i++)
		err = mfs_may_read(who, &g->ret_st[i]);
	for (i = 0; i < g->nfiles && !err; i++) {
		mfs_probe_init(&p[i], g->labels[0]);
		memset(&st, 0, sizeof(st));
		err = probe_hist(fs, g, &g->files[i], &p[i], &st);
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

/* ---- the texts ---- */

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
static char *slurp_text(const struct group *g, const struct item *items,
			size_t *len)
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
static size_t file_order(const struct group *g, const struct item *items,
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
static char *prom_text(const struct group *g, const struct item *items,
		       size_t *len)
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
			prom_add_program(p, g->title + strlen("programs/"),
					 &snap);
		else
			prom_add_file(p, g->title, &snap);
		out = prom_render(p, len);
	}
	free(snap.stats);
	prom_free(p);
	return out;
}

static int make_text(const struct group *g, const struct item *items,
		     struct mfs_text **out)
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

/* Whether loading g costs more than a request may do in the mount's thread. */
static bool heavy(const struct group *g)
{
	size_t i;

	if (g->nfiles * g->nlabels > MFS_INLINE_FIELDS)
		return true;
	for (i = 0; i < g->nfiles; i++)
		if (!g->files[i].h)
			return true;
	return false;
}

int mfs_bulk_render(struct mfs *fs, const struct mfs_caller *who,
		    fuse_ino_t ino, struct mfs_text **out)
{
	struct group g = { 0 };
	struct item *items = NULL;
	size_t i;
	int err;

	pthread_mutex_lock(&fs->lock);
	err = collect(fs, ino, &g);
	pthread_mutex_unlock(&fs->lock);
	if (!err && !who->may_block && heavy(&g))
		err = -EWOULDBLOCK;
	if (!err && g.hist) {
		err = prog_hist(fs, who, &g, out);
		group_free(&g);
		return err;
	}
	if (!err && !(items = calloc(g.nlabels + 1, sizeof(*items))))
		err = -ENOMEM;
	if (!err)
		err = items_of(fs, who, &g, items);
	if (!err)
		err = make_text(&g, items, out);
	for (i = 0; items && i < g.nlabels; i++)
		item_free(&items[i]);
	free(items);
	group_free(&g);
	return err;
}

int mfs_bulk_notes(struct mfs *fs, const struct mfs_caller *who,
		   fuse_ino_t ino, struct mfs_notes_copy *nc)
{
	struct group g = { 0 };
	struct item it = { 0 };
	int err;

	pthread_mutex_lock(&fs->lock);
	err = collect(fs, ino, &g);
	pthread_mutex_unlock(&fs->lock);
	if (!err && g.kind != MFS_PROG_LABEL)
		err = -ENOTSUP;
	if (!err && !who->may_block && heavy(&g))
		err = -EWOULDBLOCK;
	if (!err)
		err = items_of(fs, who, &g, &it);
	if (!err && !it.label)
		err = -ENOENT;
	if (!err) {
		nc->metric = it.stat.notes.metric;
		nc->histogram = g.hist;
		snprintf(nc->unit, sizeof(nc->unit), "%s", it.unit);
		snprintf(nc->help, sizeof(nc->help), "%s", it.help);
	}
	item_free(&it);
	group_free(&g);
	return err;
}

int mfs_link_target(struct mfs *fs, fuse_ino_t ino, char *buf, size_t len)
{
	enum mfs_kind kind;
	pid_t pid;
	int err = mfs_node_kind(fs, ino, &kind, &pid);

	if (!err && kind != MFS_PROG_LINK)
		err = -EINVAL;
	if (!err)
		snprintf(buf, len, "../../../%d", (int)pid);
	return err;
}
