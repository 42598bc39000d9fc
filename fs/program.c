/*
 * program.c - which processes make a program: joining and leaving it,
 * finding it by name, and the process that speaks for it.
 *
 * A program's directory shows the union of its processes' labels, so
 * syncing it costs all of them: a change only marks it, and it is synced
 * (progdir.c) with the other marked ones when the model is flushed
 * (mfs_model_flush), once for all the changes of a batch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "log.h"
#include "names.h"
#include "progdir.h"
#include "sources.h"

static size_t prog_bucket(const char *name)
{
	return mfs_hash_mix(mfs_hash_str(0, name)) % MFS_PROG_BUCKETS;
}

int mfs_progs_init(struct mfs_model *m)
{
	struct mfs_want w = {
		.name = "programs", .kind = MFS_PROGS_DIR,
		.mode = S_IFDIR | 0555,
	};

	m->progs.dir = mfs_tree_put(m->tree, m->tree->root, &w, NULL);
	return m->progs.dir ? 0 : -ENOMEM;
}

static void prog_free(struct mfs_prog *g)
{
	mfs_kept_drop_all(g);
	free(g->name);
	free(g);
}

void mfs_progs_destroy(struct mfs_model *m)
{
	struct mfs_prog *g, *next;
	size_t b;

	for (b = 0; b < MFS_PROG_BUCKETS; b++)
		for (g = m->progs.hash[b]; g; g = next) {
			next = g->hash_next;
			prog_free(g);
		}
}

struct mfs_prog *mfs_prog_find(const struct mfs_model *m, const char *name)
{
	struct mfs_prog *g;

	for (g = m->progs.hash[prog_bucket(name)]; g; g = g->hash_next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static struct mfs_prog *get_prog(struct mfs_model *m, const char *name)
{
	struct mfs_prog *g = mfs_prog_find(m, name);
	size_t b = prog_bucket(name);

	if (g)
		return g;
	if (!(g = calloc(1, sizeof(*g))) || !(g->name = strdup(name))) {
		free(g);
		return NULL;
	}
	g->hash_next = m->progs.hash[b];
	m->progs.hash[b] = g;
	return g;
}

static void mark(struct mfs_model *m, struct mfs_prog *g)
{
	if (g->dirty)
		return;
	g->dirty = true;
	g->dirty_next = m->progs.dirty;
	m->progs.dirty = g;
}

void mfs_prog_touch(struct mfs_model *m, struct mfs_proc *p)
{
	if (p->prog)
		mark(m, p->prog);
}

static bool unused(const struct mfs_prog *g)
{
	return !g->nprocs && !g->nformer;
}

/*
 * g lost a member: with none left, present or former, its kept counters
 * go now (one who joins before the flush starts afresh), and it goes
 * at the flush.
 */
static void settle(struct mfs_model *m, struct mfs_prog *g)
{
	if (unused(g))
		mfs_kept_drop_all(g);
	mark(m, g);
}

/* p no longer waits for the program it left. */
static void forget_left(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_prog *g = p->left;

	if (!g)
		return;
	p->left = NULL;
	g->nformer--;
	settle(m, g);
}

void mfs_prog_dir_name(const char *raw, size_t len, uid_t uid, char *out)
{
	char at[16];
	size_t alen = (size_t)snprintf(at, sizeof(at), "@%u", (unsigned)uid);
	size_t o = mfs_name_encode_prog((const unsigned char *)raw, len,
					MFS_NAME_MAX - alen, out);

	memcpy(out + o, at, alen + 1);
}

bool mfs_prog_fits(const struct mfs_prog *g, const char *name)
{
	return g && name && !strcmp(name, g->name);
}

void mfs_prog_join(struct mfs_model *m, struct mfs_proc *p,
		   const struct mfs_src *namer)
{
	struct mfs_prog *g;

	if (p->prog)
		return;
	if (!p->starttime)
		p->starttime = namer->info.starttime;
	if (!namer->prog_name || !(g = get_prog(m, namer->prog_name))) {
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	g->uid = namer->info.prog_uid;
	p->prog = g;
	p->prog_next = g->procs;
	g->procs = p;
	g->nprocs++;
	if (p->left == g) {	/* back where it was */
		p->left = NULL;
		g->nformer--;
	}
	mark(m, g);
}

static void unhash(struct mfs_model *m, struct mfs_prog *g)
{
	struct mfs_prog **pp = &m->progs.hash[prog_bucket(g->name)];

	while (*pp != g)
		pp = &(*pp)->hash_next;
	*pp = g->hash_next;
}

/* p is no longer one of g's processes. */
static void unlink_proc(struct mfs_prog *g, struct mfs_proc *p)
{
	struct mfs_proc **pp;

	for (pp = &g->procs; *pp != p; pp = &(*pp)->prog_next)
		;
	*pp = p->prog_next;
	p->prog = NULL;
	p->prog_next = NULL;
	g->nprocs--;
}

void mfs_prog_leave(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_prog *g = p->prog;

	if (g) {
		unlink_proc(g, p);
		settle(m, g);
	}
	forget_left(m, p);
}

void mfs_prog_move(struct mfs_model *m, struct mfs_proc *p,
		   const struct mfs_src *namer)
{
	struct mfs_prog *old = p->prog;

	if (old)
		unlink_proc(old, p);
	mfs_prog_join(m, p, namer);
	if (!old || old == p->prog)
		return;
	if (!old->kept_n) {	/* nothing to wait for */
		settle(m, old);
		return;
	}
	forget_left(m, p);
	p->left = old;
	old->nformer++;
	mark(m, old);
}

bool mfs_prog_awaits(const struct mfs_proc *p)
{
	return (p->prog && p->prog->kept_n) || p->left;
}

/*
 * Whether process a started before b: by their real start times (0, not
 * known, after any known), then by pid.  Never by sys.created: a worker
 * could claim to be older than its master, and speak for the program.
 */
static bool proc_older(const struct mfs_proc *a, const struct mfs_proc *b)
{
	if (a->starttime != b->starttime)
		return b->starttime == 0 ||
		       (a->starttime != 0 && a->starttime < b->starttime);
	return a->pid < b->pid;
}

struct mfs_proc *mfs_prog_rep(const struct mfs_prog *g)
{
	struct mfs_proc *p, *best = NULL;

	for (p = g->procs; p; p = p->prog_next)
		if (mfs_model_prog_counts(p) && (!best || proc_older(p, best)))
			best = p;
	return best;
}

void mfs_progs_flush(struct mfs_model *m, struct mfs_changes *ch)
{
	struct mfs_prog *g;

	while ((g = m->progs.dirty)) {
		m->progs.dirty = g->dirty_next;
		g->dirty = false;
		mfs_progdir_sync(m, g, ch);
		if (unused(g)) {
			unhash(m, g);
			prog_free(g);
		}
	}
}
