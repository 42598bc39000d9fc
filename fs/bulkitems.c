/*
 * bulkitems.c - the values of a bulk group's labels (bulkitems.h).
 *
 * One label at a time: the field of each file that has it is loaded,
 * combined as that label's own file combines it (mfs_aggregate for a
 * process, mfs_progsum_value for a program), and rendered at its
 * length (one scratch buffer for all); so a bulk file holds,
 * label by label, what each label's file would have shown at that moment.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "bulkitems.h"
#include "histfile.h"
#include "progsum.h"

void mfs_bulk_item_free(struct mfs_bulk_item *it)
{
	free(it->label);
	free(it->text);
	free(it->unit);
	free(it->help);
}

/*
 * A field of a program's file: from its map even when the file has just
 * lost its name (its writer exiting), for its counters are then being
 * kept (kept.c) and this reading was taken before: the sum must not
 * miss them.  A process's files are read as their own files are.
 */
static int load(struct mfs *fs, const struct mfs_bulk_group *g,
		const struct mfs_bulk_hit *hit, size_t l, struct mfs_value *v)
{
	const struct mfs_bulk_file *f = &g->files[hit->file];

	memset(v, 0, offsetof(struct mfs_value, small));
	if (!g->prog || !f->h)
		return mfs_source_value(fs->srcfd, f->name, f->h, hit->field,
					g->labels[l], &fs->model.limits.file,
					v);
	if (hit->field < 0)
		return -ENOENT;
	return mfs_value_read(f->h->map, (size_t)hit->field, v, &v->st);
}

/* in[i]: the field of the i-th hit of label l, as the bulk items say. */
static int process_value(const struct mfs_bulk_group *g, size_t l,
			 const struct mmstats_stat *const *in,
			 struct mfs_agg_input *ag, char *buf, size_t len,
			 size_t *rep)
{
	const struct mfs_bulk_file *f;
	size_t i, n = g->at[l + 1] - g->at[l];

	*rep = SIZE_MAX;
	for (i = 0; i < n; i++) {
		f = &g->files[g->hits[g->at[l] + i].file];
		ag[i].stat = in[i];
		ag[i].main = f->main;
		ag[i].created = f->created;
		ag[i].name = f->name;
		if (in[i] && (*rep == SIZE_MAX || f->main))
			*rep = i;
	}
	return mfs_aggregate(ag, n, buf, len);
}

/* What rendering the values of a bulk group needs, made once. */
struct scratch {
	struct mfs_value *v;		/* [maxhits] */
	const struct mmstats_stat **in;	/* [maxhits] */
	struct mfs_agg_input *ag;	/* [maxhits] */
	char *buf;
	size_t cap;
};

/*
 * Render into the scratch buffer, grown as the value needs, then copy
 * the text out at its length; NULL in *text: none.
 */
static int value_text(const struct mfs_bulk_group *g, size_t l,
		      struct scratch *sc, char **text, size_t *rep)
{
	char *buf;
	int n;

	for (;;) {
		n = g->prog ? mfs_progsum_value(g, l, sc->in, sc->buf, sc->cap,
						rep) :
			      process_value(g, l, sc->in, sc->ag, sc->buf,
					    sc->cap, rep);
		if (n < 0 || (size_t)n < sc->cap)
			break;
		if (!(buf = malloc((size_t)n + 1)))
			return -ENOMEM;
		free(sc->buf);
		sc->buf = buf;
		sc->cap = (size_t)n + 1;
	}
	if (n < 0)
		return n == -ENOENT ? 0 : n;	/* no file has it now */
	if (!(*text = strndup(sc->buf, (size_t)n)))
		return -ENOMEM;
	return 0;
}

/* The value shown as a value of the field's kind, for Prometheus. */
static void item_value(struct mfs_bulk_item *it)
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
static int item_set(struct mfs_bulk_item *it, const struct mmstats_stat *st)
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
static int item_kept(struct mfs_bulk_item *it, const struct mfs_kept *k)
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
		     const struct mfs_bulk_group *g, size_t l,
		     struct scratch *sc, struct mfs_bulk_item *it)
{
	struct mfs_value *v = sc->v;
	const struct mmstats_stat **in = sc->in;
	size_t i, rep, n = g->at[l + 1] - g->at[l];
	int err = 0;

	for (i = 0; i < n; i++) {
		in[i] = NULL;
		err = load(fs, g, &g->hits[g->at[l] + i], l, &v[i]);
		if (!err && !(err = mfs_may_read(who, &v[i].st)))
			in[i] = &v[i].stat;
		if (err == -ENOENT || err == -ESTALE || err == -ENOTDIR)
			err = 0;	/* no such field, or its file went */
		if (err)
			break;
	}
	if (!err)
		err = value_text(g, l, sc, &it->text, &rep);
	if (!err && it->text && rep != SIZE_MAX && g->kind != MFS_PROG_LABEL &&
	    mfs_hist_named(in[rep], g->labels[l])) {
		free(it->text);
		it->text = NULL;
	}
	if (!err && it->text && rep != SIZE_MAX)
		err = item_set(it, in[rep]);
	else if (!err && it->text && g->meta && g->meta[l].name)
		err = item_kept(it, &g->meta[l]);
	for (i = 0; i < n; i++)
		mfs_value_free(&v[i]);
	return err == -EACCES || err == -ENOMEM ? err : err ? -EIO : 0;
}

int mfs_bulk_items(struct mfs *fs, const struct mfs_caller *who,
		   const struct mfs_bulk_group *g, struct mfs_bulk_item *items)
{
	struct scratch sc = {
		.v = calloc(g->maxhits + 1, sizeof(*sc.v)),
		.in = calloc(g->maxhits + 1, sizeof(*sc.in)),
		.ag = calloc(g->maxhits + 1, sizeof(*sc.ag)),
		.buf = malloc(MFS_BULK_VALUE_MAX),
		.cap = MFS_BULK_VALUE_MAX,
	};
	size_t l, r;
	int err = sc.v && sc.in && sc.ag && sc.buf ? 0 : -ENOMEM;

	for (r = 0; r < g->nret && !err; r++)
		err = mfs_may_read(who, &g->ret_st[r]);
	for (l = 0; l < g->nlabels && !err; l++)
		err = one_label(fs, who, g, l, &sc, &items[l]);
	free(sc.v);
	free(sc.in);
	free(sc.ag);
	free(sc.buf);
	return err;
}
