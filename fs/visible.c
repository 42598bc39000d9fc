/*
 * visible.c - what a caller may see of the directories that unite the
 * labels of several files (visible.h).
 *
 * The caller's groups are read from /proc (fuse_req_getgroups), which
 * must not happen under fs->lock.  So the groups of the files in
 * question are gathered under the lock, the caller's membership of each
 * is asked without it, and the answer is made under the lock again from
 * those; a file whose group was not asked (it came in between, or the
 * memo was full) counts as not of the caller's groups: it is hidden, not
 * shown, by the race.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "requests.h"
#include "sources.h"
#include "statfile.h"
#include "strv.h"
#include "visible.h"

#define MEMO_GROUPS	32

enum scope_kind { SCOPE_NONE, SCOPE_PROGS, SCOPE_PROG, SCOPE_TASK, SCOPE_PID };

/* A directory that unites files, resolved under fs->lock. */
struct scope {
	enum scope_kind kind;
	const struct mfs_prog *g;	/* PROG, TASK */
	const struct mfs_proc *p;	/* PID */
};

/* who, with its membership of the groups asked before the lock. */
struct memo {
	struct mfs_caller who;		/* in_groups answers from below */
	size_t n;
	gid_t gid[MEMO_GROUPS];
	bool in[MEMO_GROUPS];
};

static bool memo_in_groups(const struct mfs_caller *c, gid_t gid)
{
	const struct memo *mo = c->ctx;
	size_t i;

	for (i = 0; i < mo->n; i++)
		if (mo->gid[i] == gid)
			return mo->in[i];
	return false;
}

static void want_gid(struct memo *mo, gid_t gid)
{
	size_t i;

	for (i = 0; i < mo->n; i++)
		if (mo->gid[i] == gid)
			return;
	if (mo->n < MEMO_GROUPS)
		mo->gid[mo->n++] = gid;
}

static struct scope scope_of(struct mfs *fs, fuse_ino_t ino)
{
	struct scope sc = { .kind = SCOPE_NONE };
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino), *up;

	if (!n || !n->linked)
		return sc;
	if (n == fs->model.progs.dir)
		sc.kind = SCOPE_PROGS;
	else if (n->kind == MFS_PROG_DIR)
		sc.kind = (sc.g = mfs_prog_find(&fs->model, n->name)) ?
			  SCOPE_PROG : SCOPE_NONE;
	else if (n->kind == MFS_PROG_TASK_DIR &&
		 (up = mfs_tree_get(&fs->tree, n->parent)))
		sc.kind = (sc.g = mfs_prog_find(&fs->model, up->name)) ?
			  SCOPE_TASK : SCOPE_NONE;
	else if (n->kind == MFS_PID_DIR)
		sc.kind = (sc.p = mfs_model_proc(&fs->model, n->pid)) ?
			  SCOPE_PID : SCOPE_NONE;
	return sc;
}

static void gather_prog(struct memo *mo, const struct mfs_prog *g)
{
	const struct mfs_proc *p;
	const struct mfs_src *s;
	size_t r;

	for (p = g->procs; p; p = p->prog_next)
		for (s = p->srcs; s; s = s->proc_next)
			if (s->in_prog)
				want_gid(mo, s->info.st.st_gid);
	for (r = 0; r < g->nretired; r++)
		want_gid(mo, g->retired[r].gid);
}

static void gather(struct mfs *fs, const struct scope *sc, struct memo *mo)
{
	const struct mfs_prog *g;
	const struct mfs_src *s;
	size_t b;

	switch (sc->kind) {
	case SCOPE_PROGS:
		for (b = 0; b < MFS_PROG_BUCKETS; b++)
			for (g = fs->model.progs.hash[b]; g; g = g->hash_next)
				gather_prog(mo, g);
		break;
	case SCOPE_PROG:
	case SCOPE_TASK:
		gather_prog(mo, sc->g);
		break;
	case SCOPE_PID:
		for (s = sc->p->srcs; s; s = s->proc_next)
			want_gid(mo, s->info.st.st_gid);
		break;
	default:
		break;
	}
}

/*
 * Under fs->lock: whether directory ino needs a caller's rights looked
 * at, and if so the groups its files are of, in mo.
 */
static bool gather_groups(struct mfs *fs, fuse_ino_t ino, struct memo *mo)
{
	struct scope sc;

	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, ino);
	gather(fs, &sc, mo);
	pthread_mutex_unlock(&fs->lock);
	return sc.kind != SCOPE_NONE;
}

/* Without the lock: who's membership of mo's groups. */
static void memo_fill(struct memo *mo, const struct mfs_caller *who)
{
	size_t i;

	mo->who = *who;
	mo->who.in_groups = memo_in_groups;
	mo->who.ctx = mo;
	for (i = 0; i < mo->n && who->uid != 0; i++)
		mo->in[i] = mo->gid[i] == who->gid ||
			    who->in_groups(who, mo->gid[i]);
}

static bool readable(const struct memo *mo, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st = { .st_uid = uid, .st_gid = gid, .st_mode = mode };

	return mfs_may_read(&mo->who, &st) == 0;
}

static bool src_shows(const struct memo *mo, const struct mfs_src *s,
		      const char *label)
{
	return readable(mo, s->info.st.st_uid, s->info.st.st_gid,
			s->info.st.st_mode) &&
	       (!label || mfs_fieldnames_find(&s->info.names, label) >= 0);
}

/*
 * Whether p has a file mo may read (of its program only, if prog) with
 * `label` (NULL: any).
 */
static bool proc_shows(const struct memo *mo, const struct mfs_proc *p,
		       bool prog, const char *label)
{
	const struct mfs_src *s;

	for (s = p->srcs; s; s = s->proc_next)
		if ((!prog || s->in_prog) && src_shows(mo, s, label))
			return true;
	return false;
}

/* The same for g's files, live or kept. */
static bool prog_shows(const struct memo *mo, const struct mfs_prog *g,
		       const char *label)
{
	const struct mfs_retired *r;
	const struct mfs_proc *p;
	size_t i;

	for (p = g->procs; p; p = p->prog_next)
		if (proc_shows(mo, p, true, label))
			return true;
	for (i = 0; i < g->nretired; i++) {
		r = &g->retired[i];
		if (readable(mo, r->uid, r->gid, r->mode) &&
		    (!label || mfs_retired_find(r, label)))
			return true;
	}
	return false;
}

static bool is_dot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

/* The names that are no label (names.h maps none to them). */
static bool is_fixed(const char *name)
{
	return is_dot(name) || !strcmp(name, "task") ||
	       !strcmp(name, "%all") || !strcmp(name, "%metrics");
}

static const struct mfs_proc *proc_named(struct mfs *fs, const char *name)
{
	char *end;
	long pid = strtol(name, &end, 10);

	if (*end || pid <= 0 || pid > INT32_MAX)
		return NULL;
	return mfs_model_proc(&fs->model, (pid_t)pid);
}

/* Under fs->lock: whether name in the directory of sc shows to mo. */
static bool shows(struct mfs *fs, const struct scope *sc,
		  const struct memo *mo, const char *name)
{
	const struct mfs_prog *g;
	const struct mfs_proc *p;

	if (mo->who.uid == 0 || is_dot(name))
		return true;
	switch (sc->kind) {
	case SCOPE_PROGS:
		g = mfs_prog_find(&fs->model, name);
		return g && prog_shows(mo, g, NULL);
	case SCOPE_PROG:
		return is_fixed(name) || prog_shows(mo, sc->g, name);
	case SCOPE_TASK:
		p = proc_named(fs, name);
		return p && p->prog == sc->g && proc_shows(mo, p, true, NULL);
	case SCOPE_PID:
		return is_fixed(name) || proc_shows(mo, sc->p, false, name);
	default:
		return true;
	}
}

/* Whether all of p's files (of its program, if prog) share owner and mode. */
static bool proc_uniform(const struct mfs_proc *p, bool prog,
			 const struct stat **first)
{
	const struct mfs_src *s;

	for (s = p->srcs; s; s = s->proc_next) {
		if (prog && !s->in_prog)
			continue;
		if (!*first)
			*first = &s->info.st;
		else if (s->info.st.st_uid != (*first)->st_uid ||
			 s->info.st.st_gid != (*first)->st_gid ||
			 s->info.st.st_mode != (*first)->st_mode)
			return false;
	}
	return true;
}

/*
 * Whether every file of sc has one owner and mode: then who may search
 * the directory (its mode is a file's) may read each, and the kernel may
 * keep the dentries it is given.
 */
static bool uniform(const struct scope *sc)
{
	const struct mfs_proc *p;
	const struct stat *first = NULL;

	switch (sc->kind) {
	case SCOPE_PID:
		return proc_uniform(sc->p, false, &first);
	case SCOPE_PROG:
	case SCOPE_TASK:
		if (sc->g->nretired)
			return false;
		for (p = sc->g->procs; p; p = p->prog_next)
			if (!proc_uniform(p, true, &first))
				return false;
		return true;
	default:
		return sc->kind == SCOPE_NONE;
	}
}

int mfs_visible_lookup(struct mfs *fs, const struct mfs_caller *who,
		       fuse_ino_t parent, const char *name,
		       struct fuse_entry_param *e)
{
	struct memo mo = { .n = 0 };
	struct scope sc;
	bool seen;

	if (!gather_groups(fs, parent, &mo))
		return 0;
	memo_fill(&mo, who);
	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, parent);
	seen = shows(fs, &sc, &mo, name);
	if (!uniform(&sc))
		e->entry_timeout = 0;
	pthread_mutex_unlock(&fs->lock);
	return seen ? 0 : -ENOENT;
}

/*
 * Under fs->lock: the labels of p's files (of its program only, if
 * prog) that mo may read, into v (NULL: only counted); how many.
 */
static size_t proc_labels(const struct memo *mo, const struct mfs_proc *p,
			  bool prog, char **v)
{
	const struct mfs_src *s;
	size_t k = 0, i;

	for (s = p->srcs; s; s = s->proc_next)
		if ((!prog || s->in_prog) && src_shows(mo, s, NULL))
			for (i = 0; i < s->info.names.n; i++, k++)
				if (v)
					v[k] = s->info.names.name[i];
	return k;
}

/* The same for the files of sc, a process's or a program's. */
static size_t scope_labels(const struct scope *sc, const struct memo *mo,
			   char **v)
{
	const struct mfs_retired *r;
	const struct mfs_proc *p;
	size_t k = 0, i, j;

	if (sc->kind == SCOPE_PID)
		return proc_labels(mo, sc->p, false, v);
	for (p = sc->g->procs; p; p = p->prog_next)
		k += proc_labels(mo, p, true, v ? v + k : NULL);
	for (i = 0; i < sc->g->nretired; i++) {
		r = &sc->g->retired[i];
		if (!readable(mo, r->uid, r->gid, r->mode))
			continue;
		for (j = 0; j < r->n; j++, k++)
			if (v)
				v[k] = r->k[j].name;
	}
	return k;
}

/* Sorted, once each (borrowed); NULL without memory. */
static char **readable_labels(const struct scope *sc, const struct memo *mo,
			      size_t *n)
{
	char **v = malloc((scope_labels(sc, mo, NULL) + 1) * sizeof(*v));

	if (v)
		*n = mfs_sort_unique(v, scope_labels(sc, mo, v));
	return v;
}

static int cmp_name(const void *key, const void *elt)
{
	return strcmp(key, *(char *const *)elt);
}

void mfs_visible_filter(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_listing *l)
{
	struct memo mo = { .n = 0 };
	char **labels = NULL;
	size_t nlabels = 0, i, k = 0;
	struct scope sc;
	bool keep;

	if (who->uid == 0 || !gather_groups(fs, ino, &mo))
		return;
	memo_fill(&mo, who);
	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, ino);
	if (uniform(&sc))
		goto out;	/* who could open it: who may read each */
	if (sc.kind == SCOPE_PROG || sc.kind == SCOPE_PID)
		labels = readable_labels(&sc, &mo, &nlabels);
	for (i = 0; i < l->n; i++) {
		const char *name = l->v[i].name;

		if (labels)
			keep = is_fixed(name) ||
			       bsearch(name, labels, nlabels, sizeof(*labels),
				       cmp_name);
		else
			keep = shows(fs, &sc, &mo, name);
		if (keep)
			l->v[k++] = l->v[i];
		else
			free(l->v[i].name);
	}
	l->n = k;
out:
	pthread_mutex_unlock(&fs->lock);
	free(labels);
}
