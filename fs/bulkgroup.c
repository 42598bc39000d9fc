/*
 * bulkgroup.c - what a program's label file or a bulk file needs, copied
 * out of the tree under the daemon's lock (bulkgroup.h): the values are
 * loaded once it is dropped, from the held maps, as every value is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bulkgroup.h"
#include "hash.h"
#include "progwalk.h"

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

void mfs_bulk_group_free(struct mfs_bulk_group *g)
{
	size_t i;

	for (i = 0; i < g->nlabels; i++)
		free(g->labels[i]);
	for (i = 0; i < g->nfiles; i++) {
		free(g->files[i].name);
		mfs_handle_put(g->files[i].h);
	}
	free(g->labels);
	free(g->files);
	free(g->hits);
	free(g->at);
	free(g->title);
	free(g->pname);
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

static int add_labels(struct mfs_bulk_group *g, const struct mfs_node *dir,
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

/* Live file s, after those of g; main: its process's main file. */
static int add_file(struct mfs_bulk_group *g, const struct mfs_src *s,
		    const struct mfs_src *main, bool rep)
{
	struct mfs_bulk_file *f = &g->files[g->nfiles++];

	f->main = s == main;
	f->rep = rep;
	f->created = s->info.created;
	f->h = mfs_handle_get(s->info.handle);
	if (g->kind == MFS_PROG_LABEL)
		g->hist |= mfs_fieldnames_is_hist(&s->info.names,
						  g->labels[0]);
	return (f->name = strdup(s->name)) ? 0 : -ENOMEM;
}

/* A hash index of g's labels: slot holds label index + 1, 0 free. */
struct label_index {
	size_t *slot;
	size_t mask;
	uint64_t seed;
};

static size_t index_find(const struct mfs_bulk_group *g,
			 const struct label_index *x, const char *name,
			 size_t *pos)
{
	size_t i = (size_t)mfs_hash_mix(mfs_hash_str(x->seed, name)) & x->mask;

	for (; x->slot[i]; i = (i + 1) & x->mask)
		if (!strcmp(g->labels[x->slot[i] - 1], name))
			break;
	*pos = i;
	return x->slot[i] ? x->slot[i] - 1 : SIZE_MAX;
}

static int index_make(const struct mfs_bulk_group *g, struct label_index *x)
{
	size_t n = 16, l, pos;

	while (n < 2 * g->nlabels)
		n *= 2;
	if (!(x->slot = calloc(n, sizeof(*x->slot))))
		return -ENOMEM;
	x->mask = n - 1;
	x->seed = mfs_hash_seed();
	for (l = 0; l < g->nlabels; l++)
		if (index_find(g, x, g->labels[l], &pos) == SIZE_MAX)
			x->slot[pos] = l + 1;
	return 0;
}

/*
 * The hits of a bulk file: each name of each file looked up once in a
 * hash of the labels, its label kept in lab, counted, then laid out by
 * label (a counting sort): linear in the names (nnames in all).  A
 * histogram's name stands for its sum's field, as mfs_fieldnames_find()
 * says.
 */
static int bulk_hits(struct mfs_bulk_group *g, const struct mfs_src **srcs,
		     size_t nnames)
{
	struct label_index x = { 0 };
	size_t f, i, k, l, pos, *next, *lab;
	const struct mfs_fieldnames *fn;
	int err = -ENOMEM;

	g->at = calloc(g->nlabels + 2, sizeof(*g->at));
	g->hits = calloc(nnames + 1, sizeof(*g->hits));
	next = calloc(g->nlabels + 1, sizeof(*next));
	lab = calloc(nnames + 1, sizeof(*lab));
	if (!g->at || !g->hits || !next || !lab || index_make(g, &x) < 0)
		goto out;
	for (k = 0, f = 0; f < g->nfiles; f++)
		for (fn = &srcs[f]->info.names, i = 0; i < fn->n; i++, k++)
			if ((lab[k] = index_find(g, &x, fn->name[i], &pos)) !=
			    SIZE_MAX)
				g->at[lab[k] + 1]++;
	for (l = 0; l < g->nlabels; l++) {
		if (g->at[l + 1] > g->maxhits)
			g->maxhits = g->at[l + 1];
		g->at[l + 1] += g->at[l];
		next[l] = g->at[l];
	}
	for (k = 0, f = 0; f < g->nfiles; f++)
		for (fn = &srcs[f]->info.names, i = 0; i < fn->n; i++, k++)
			if (lab[k] != SIZE_MAX)
				g->hits[next[lab[k]]++] = (struct mfs_bulk_hit){
					.file = f,
					.field = mfs_fieldnames_field(fn, i),
				};
	err = 0;
out:
	free(x.slot);
	free(next);
	free(lab);
	return err;
}

/* A program's label file: every file, with the label's field or -1. */
static int label_hits(struct mfs_bulk_group *g, const struct mfs_src **srcs)
{
	size_t f;

	g->at = calloc(2, sizeof(*g->at));
	g->hits = calloc(g->nfiles + 1, sizeof(*g->hits));
	if (!g->at || !g->hits)
		return -ENOMEM;
	for (f = 0; f < g->nfiles; f++)
		g->hits[f] = (struct mfs_bulk_hit){
			.file = f,
			.field = mfs_fieldnames_find(&srcs[f]->info.names,
						     g->labels[0]),
		};
	g->at[1] = g->maxhits = g->nfiles;
	return 0;
}

size_t mfs_bulk_group_hit(const struct mfs_bulk_group *g, size_t l,
			  size_t file)
{
	size_t lo = g->at[l], hi = g->at[l + 1], mid;

	while (lo < hi) {	/* the hits of a label are by file */
		mid = lo + (hi - lo) / 2;
		if (g->hits[mid].file == file)
			return mid - g->at[l];
		if (g->hits[mid].file < file)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* Whether kept label `name` is one of histogram h's: h.sum, h.le.* */
static bool of_hist(const char *name, const char *h)
{
	size_t n = strlen(h);

	return !strncmp(name, h, n) &&
	       (!strcmp(name + n, ".sum") || !strncmp(name + n, ".le.", 4));
}

/* The kept counters of a program's histogram file, summed over the sets. */
static int add_hist_kept(struct mfs_bulk_group *g,
			 const struct mfs_retired *r)
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

static int alloc_kept(struct mfs_bulk_group *g, const struct mfs_prog *pg)
{
	size_t n = pg->nretired * g->nlabels + 1;

	g->ret_st = calloc(pg->nretired + 1, sizeof(*g->ret_st));
	g->ret_sum = calloc(n, sizeof(*g->ret_sum));
	g->ret_dsum = calloc(n, sizeof(*g->ret_dsum));
	g->ret_has = calloc(n, sizeof(*g->ret_has));
	g->meta = calloc(g->nlabels + 1, sizeof(*g->meta));
	return g->ret_st && g->ret_sum && g->ret_dsum && g->ret_has &&
	       g->meta ? 0 : -ENOMEM;
}

/* Kept set r, after those of g (alloc_kept() made room for it). */
static int add_kept(struct mfs_bulk_group *g, const struct mfs_retired *r)
{
	const struct mfs_kept *v;
	size_t i = g->nret++, l;
	int err = 0;

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
	return !err && g->hist ? add_hist_kept(g, r) : err;
}

/* What building g would cost, from counts only. */
struct cost {
	size_t labels, files, fields;
	bool unheld;		/* a file is read by name */
};

/* The live files of walk w (w itself does not move). */
static void count_files(const struct mfs_progwalk *w, struct cost *c)
{
	struct mfs_progwalk at = *w;
	struct mfs_progfile f;

	while (mfs_progwalk_next(&at, &f) && f.src) {	/* kept ones last */
		c->files++;
		c->fields += f.nlabels;
		c->unheld |= !f.src->info.handle;
	}
}

/* Labels of kind `kind` in dir (a label file's: 1). */
static size_t count_labels(const struct mfs_node *n, const struct mfs_node *dir)
{
	const struct mfs_node *c;
	enum mfs_kind kind = dir->kind == MFS_PID_DIR ? MFS_PID_LABEL :
							MFS_PROG_LABEL;
	size_t k = 0;

	if (n->kind == MFS_PROG_LABEL)
		return 1;
	for (c = dir->children; c; c = c->sib_next)
		k += c->kind == kind;
	return k;
}

static bool heavy(const struct mfs_bulk_group *g, const struct cost *c)
{
	size_t work = g->kind == MFS_PROG_LABEL ? c->files : c->fields;

	return c->unheld || work > MFS_INLINE_FIELDS ||
	       c->labels > MFS_INLINE_FIELDS;
}

/* The labels of g: node n's, or every label of its directory. */
static int set_labels(struct mfs_bulk_group *g, const struct mfs_node *n,
		      const struct mfs_node *dir)
{
	if (n->kind != MFS_PROG_LABEL)
		return add_labels(g, dir, dir->kind == MFS_PID_DIR ?
				  MFS_PID_LABEL : MFS_PROG_LABEL);
	if (!(g->labels = calloc(1, sizeof(*g->labels))) ||
	    !(g->labels[0] = strdup(n->name)))
		return -ENOMEM;
	g->nlabels = 1;
	return 0;
}

static const struct mfs_src *main_of(const struct mfs_bulk_group *g,
				     const struct mfs_proc *p)
{
	return g->prog ? mfs_model_prog_main(p) : mfs_model_main_src(p);
}

/*
 * The files of walk w, then the hits of g's labels in them.  A program's
 * kept sets come after all its live files, which have told g->hist by
 * then; a process's files come together, its main one found once.
 */
static int add_files(struct mfs_bulk_group *g, struct mfs_progwalk *w,
		     const struct mfs_proc *rep, const struct cost *c)
{
	const struct mfs_src **srcs = calloc(c->files + 1, sizeof(*srcs));
	const struct mfs_src *main = NULL;
	const struct mfs_proc *p = NULL;
	struct mfs_progfile f;
	int err = 0;

	g->files = calloc(c->files + 1, sizeof(*g->files));
	if (!srcs || !g->files)
		err = -ENOMEM;
	while (!err && mfs_progwalk_next(w, &f)) {
		if (f.kept) {
			err = add_kept(g, f.kept);
			continue;
		}
		if (g->nfiles == c->files) {	/* not the walk counted */
			err = -EIO;
			break;
		}
		if (f.src->proc != p)
			main = main_of(g, p = f.src->proc);
		srcs[g->nfiles] = f.src;
		err = add_file(g, f.src, main, p == rep);
	}
	if (!err)
		err = g->kind == MFS_PROG_LABEL ? label_hits(g, srcs) :
						  bulk_hits(g, srcs, c->fields);
	free(srcs);
	return err;
}

/*
 * The name a program's series carry: its writers' own (the directory's
 * is mapped to a file name and qualified with the user).
 */
static int set_pname(struct mfs_bulk_group *g, const struct mfs_proc *rep)
{
	struct mfs_progwalk w;
	struct mfs_progfile f;

	mfs_progwalk_proc(&w, rep, true);
	while (mfs_progwalk_next(&w, &f))
		if (f.src->info.program) {
			g->pname = strndup(f.src->info.program,
					   f.src->info.program_len);
			return g->pname ? 0 : -ENOMEM;
		}
	return 0;
}

static int collect_prog(struct mfs *fs, const struct mfs_node *n,
			const struct mfs_node *dir, bool may_block,
			struct mfs_bulk_group *g)
{
	const struct mfs_prog *pg = mfs_prog_find(&fs->model, dir->source);
	const struct mfs_proc *rep;
	struct cost c = { .labels = count_labels(n, dir) };
	struct mfs_progwalk w;
	size_t len;
	int err;

	if (!pg || !(rep = mfs_prog_rep(pg)))
		return -ENOENT;
	mfs_progwalk_prog(&w, pg);
	count_files(&w, &c);
	if (!may_block && heavy(g, &c))
		return -EWOULDBLOCK;
	if ((err = set_labels(g, n, dir)) < 0)
		return err;
	g->prog = true;
	len = strlen(pg->name) + sizeof("programs/");
	if (!(g->title = malloc(len)))
		return -ENOMEM;
	strcpy(g->title, "programs/");
	strcat(g->title, pg->name);
	if ((err = set_pname(g, rep)) < 0)
		return err;
	if ((err = alloc_kept(g, pg)) < 0)
		return err;
	return add_files(g, &w, rep, &c);
}

static int collect_pid(struct mfs *fs, const struct mfs_node *n,
		       const struct mfs_node *dir, bool may_block,
		       struct mfs_bulk_group *g)
{
	const struct mfs_proc *p = mfs_model_proc(&fs->model, dir->pid);
	struct cost c = { .labels = count_labels(n, dir) };
	struct mfs_progwalk w;
	int err;

	if (!p || !p->srcs)
		return -ENOENT;
	mfs_progwalk_proc(&w, p, false);
	count_files(&w, &c);
	if (!may_block && heavy(g, &c))
		return -EWOULDBLOCK;
	if ((err = set_labels(g, n, dir)) < 0)
		return err;
	if (!(g->title = strdup(dir->name)))
		return -ENOMEM;
	return add_files(g, &w, p, &c);
}

static int collect(struct mfs *fs, fuse_ino_t ino, bool may_block,
		   struct mfs_bulk_group *g)
{
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino), *dir;

	if (!n || !mine(n->kind))
		return -ENOTSUP;
	if (!n->linked)
		return -ENOENT;
	dir = mfs_tree_get(&fs->tree, n->parent);
	g->kind = n->kind;
	return dir->kind == MFS_PID_DIR ?
	       collect_pid(fs, n, dir, may_block, g) :
	       collect_prog(fs, n, dir, may_block, g);
}

int mfs_bulk_group_get(struct mfs *fs, fuse_ino_t ino, bool may_block,
		       struct mfs_bulk_group *g)
{
	int err;

	pthread_mutex_lock(&fs->lock);
	err = collect(fs, ino, may_block, g);
	pthread_mutex_unlock(&fs->lock);
	return err;
}
