/*
 * visible.c - what a caller may see of the directories that unite the
 * labels of several files (visible.h).
 *
 * The caller's groups are read once per request, before fs->lock is
 * taken (fuse_req_getgroups reads /proc), and every check is then made
 * against them under the lock, in one hold with the model it judges.
 * A directory whose process or program is gone shows nothing but its
 * own entries: what cannot be judged is not shown.
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

#define FEW_GROUPS	64

enum scope_kind {
	SCOPE_NONE,	/* no directory of united files: nothing hidden */
	SCOPE_GONE,	/* one whose files are gone: only its own entries */
	SCOPE_PROGS, SCOPE_PROG, SCOPE_TASK, SCOPE_PID,
};

/* A directory that unites files, resolved under fs->lock. */
struct scope {
	enum scope_kind kind;
	const struct mfs_node *dir;
	const struct mfs_prog *g;	/* PROG, TASK */
	const struct mfs_proc *p;	/* PID */
};

/* who, with its supplementary groups read once. */
struct memo {
	struct mfs_caller who;		/* in_groups answers from groups */
	gid_t *groups;
	int n;
	gid_t few[FEW_GROUPS];
};

static bool memo_in_groups(const struct mfs_caller *c, gid_t gid)
{
	const struct memo *mo = c->ctx;
	int i;

	for (i = 0; i < mo->n; i++)
		if (mo->groups[i] == gid)
			return true;
	return false;
}

/*
 * Without the lock.  A caller whose groups cannot be read is judged by
 * its uid and primary group alone: it may be shown less, never more.
 */
static void memo_init(struct memo *mo, const struct mfs_caller *who)
{
	int n = 0;

	mo->who = *who;
	mo->who.in_groups = memo_in_groups;
	mo->who.ctx = mo;
	mo->groups = mo->few;
	if (who->uid != 0 && who->groups)
		n = who->groups(who, mo->few, FEW_GROUPS);
	if (n > FEW_GROUPS) {
		int cap = n;

		n = 0;
		if ((mo->groups = malloc((size_t)cap * sizeof(*mo->groups))))
			n = who->groups(who, mo->groups, cap);
		else
			mo->groups = mo->few;
		if (n > cap)	/* it grew between the two reads */
			n = cap;
	}
	mo->n = n < 0 ? 0 : n;
}

static void memo_free(struct memo *mo)
{
	if (mo->groups != mo->few)
		free(mo->groups);
}

static struct scope scope_of(struct mfs *fs, fuse_ino_t ino)
{
	struct scope sc = { .kind = SCOPE_GONE };
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino), *up;

	if (!n || !n->linked)
		return sc;
	sc.dir = n;
	if (n->kind == MFS_PROGS_DIR)
		sc.kind = SCOPE_PROGS;
	else if (n->kind == MFS_PROG_DIR)
		sc.kind = (sc.g = mfs_prog_find(&fs->model, n->name)) ?
			  SCOPE_PROG : SCOPE_GONE;
	else if (n->kind == MFS_PROG_TASK_DIR)
		sc.kind = (up = mfs_tree_get(&fs->tree, n->parent)) &&
			  (sc.g = mfs_prog_find(&fs->model, up->name)) ?
			  SCOPE_TASK : SCOPE_GONE;
	else if (n->kind == MFS_PID_DIR)
		sc.kind = (sc.p = mfs_model_proc(&fs->model, n->pid)) ?
			  SCOPE_PID : SCOPE_GONE;
	else
		sc.kind = SCOPE_NONE;
	return sc;
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

	if (sc->kind == SCOPE_NONE || mo->who.uid == 0 || is_dot(name))
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
		return is_fixed(name);
	}
}

/* The owner and mode the files of a directory share, as found so far. */
struct access {
	bool seen, mixed;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

static void take_access(struct access *a, uid_t uid, gid_t gid, mode_t mode)
{
	if (!a->seen)
		*a = (struct access){ .seen = true, .uid = uid, .gid = gid,
				      .mode = mode };
	else if (uid != a->uid || gid != a->gid || mode != a->mode)
		a->mixed = true;
}

static void proc_access(struct access *a, const struct mfs_proc *p,
			bool prog)
{
	const struct mfs_src *s;

	for (s = p->srcs; s; s = s->proc_next)
		if (!prog || s->in_prog)
			take_access(a, s->info.st.st_uid, s->info.st.st_gid,
				    s->info.st.st_mode);
}

static void prog_access(struct access *a, const struct mfs_prog *g)
{
	const struct mfs_retired *r;
	const struct mfs_proc *p;
	size_t i;

	for (p = g->procs; p; p = p->prog_next)
		proc_access(a, p, true);
	for (i = 0; i < g->nretired; i++) {
		r = &g->retired[i];
		take_access(a, r->uid, r->gid, r->mode);
	}
}

bool mfs_visible_proc_uniform(const struct mfs_proc *p)
{
	struct access a = { .seen = false };

	proc_access(&a, p, false);
	return !a.mixed;
}

bool mfs_visible_prog_uniform(const struct mfs_prog *g)
{
	struct access a = { .seen = false };

	prog_access(&a, g);
	return !a.mixed;
}

/*
 * Whether every file of sc had one owner and mode at the last sync of
 * its directory (the tree is synced after the model, in batches), as
 * the directory shows them: then who may search it may read each file,
 * and the kernel may keep the dentries it is given.  When the files
 * stop being so, the sync has the kernel forget them
 * (mfs_visible_resync).  Read from the sync, not counted again at each
 * lookup: a program's directory may have thousands of files.
 */
static bool uniform(const struct scope *sc)
{
	switch (sc->kind) {
	case SCOPE_PID:
		return sc->p->uniform;
	case SCOPE_PROG:
	case SCOPE_TASK:
		return sc->g->uniform;
	default:
		return sc->kind == SCOPE_NONE;
	}
}

void mfs_visible_resync(struct mfs_node *dir, bool *was_uniform,
			bool uniform_now, struct mfs_changes *ch)
{
	if (*was_uniform && !uniform_now)
		mfs_tree_forget_names(dir, ch);
	*was_uniform = uniform_now;
}

/*
 * Whether ino may be a directory of united files: only there is the
 * caller's group list worth its read of /proc.  Gone is unknown: yes.
 */
static bool may_unite(struct mfs *fs, fuse_ino_t ino)
{
	enum mfs_kind k;

	return mfs_node_kind(fs, ino, &k, NULL) < 0 || k == MFS_PID_DIR ||
	       k == MFS_PROGS_DIR || k == MFS_PROG_DIR ||
	       k == MFS_PROG_TASK_DIR;
}

int mfs_visible_lookup(struct mfs *fs, const struct mfs_caller *who,
		       fuse_ino_t parent, const char *name,
		       struct fuse_entry_param *e)
{
	struct memo mo;
	struct scope sc;
	bool seen;

	if (!may_unite(fs, parent))
		return 0;
	memo_init(&mo, who);
	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, parent);
	seen = shows(fs, &sc, &mo, name);
	if (!uniform(&sc))
		e->entry_timeout = 0;
	pthread_mutex_unlock(&fs->lock);
	memo_free(&mo);
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

/*
 * Always filtered, even where the files are of one owner and mode now:
 * the listing was made from the tree, which may not show that yet.
 */
void mfs_visible_filter(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_listing *l)
{
	char **labels = NULL;
	size_t nlabels = 0, i, k = 0;
	struct memo mo;
	struct scope sc;
	bool keep;

	if (who->uid == 0 || !may_unite(fs, ino))
		return;
	memo_init(&mo, who);
	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, ino);
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
	pthread_mutex_unlock(&fs->lock);
	free(labels);
	memo_free(&mo);
}
