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

#include "progwalk.h"
#include "requests.h"
#include "sources.h"
#include "statfile.h"
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

/* A keep for mfs_progwalk_labels(): the files mo may read. */
static bool readable_file(const struct mfs_progfile *f, const void *mo)
{
	return readable(mo, f->uid, f->gid, f->mode);
}

/* Whether a file of walk w that mo may read has `label` (NULL: any). */
static bool walk_shows(const struct memo *mo, struct mfs_progwalk *w,
		       const char *label)
{
	struct mfs_progfile f;

	while (mfs_progwalk_next(w, &f))
		if (readable_file(&f, mo) &&
		    (!label || mfs_progfile_has(&f, label)))
			return true;
	return false;
}

/* The walk over the files of sc, a process's or a program's. */
static void scope_walk(const struct scope *sc, struct mfs_progwalk *w)
{
	if (sc->kind == SCOPE_PID)
		mfs_progwalk_proc(w, sc->p, false);
	else
		mfs_progwalk_prog(w, sc->g);
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
	struct mfs_progwalk w;
	const struct mfs_prog *g;
	const struct mfs_proc *p;

	if (sc->kind == SCOPE_NONE || mo->who.uid == 0 || is_dot(name))
		return true;
	switch (sc->kind) {
	case SCOPE_PROGS:
		if (!(g = mfs_prog_find(&fs->model, name)))
			return false;
		mfs_progwalk_prog(&w, g);
		return walk_shows(mo, &w, NULL);
	case SCOPE_TASK:
		if (!(p = proc_named(fs, name)) || p->prog != sc->g)
			return false;
		mfs_progwalk_proc(&w, p, true);
		return walk_shows(mo, &w, NULL);
	case SCOPE_PROG:
	case SCOPE_PID:
		scope_walk(sc, &w);
		return is_fixed(name) || walk_shows(mo, &w, name);
	default:
		return is_fixed(name);
	}
}

/* Whether the files of walk w share one owner and mode (none do). */
static bool walk_uniform(struct mfs_progwalk *w)
{
	struct mfs_progfile first, f;

	if (!mfs_progwalk_next(w, &first))
		return true;
	while (mfs_progwalk_next(w, &f))
		if (f.uid != first.uid || f.gid != first.gid ||
		    f.mode != first.mode)
			return false;
	return true;
}

bool mfs_visible_proc_uniform(const struct mfs_proc *p)
{
	struct mfs_progwalk w;

	mfs_progwalk_proc(&w, p, false);
	return walk_uniform(&w);
}

bool mfs_visible_prog_uniform(const struct mfs_prog *g)
{
	struct mfs_progwalk w;

	mfs_progwalk_prog(&w, g);
	return walk_uniform(&w);
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
		       struct fuse_entry_param *e, struct mfs_visible_ticket *t)
{
	struct memo mo;
	struct scope sc;
	bool seen;

	t->kept = false;
	if (!may_unite(fs, parent))
		return 0;
	memo_init(&mo, who);
	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, parent);
	seen = shows(fs, &sc, &mo, name);
	if (!uniform(&sc))
		e->entry_timeout = 0;
	else if (sc.kind != SCOPE_NONE && e->entry_timeout > 0)
		*t = (struct mfs_visible_ticket){
			.kept = true, .parent = parent, .ino = e->ino,
			.forgets = sc.dir->forgets,
		};
	pthread_mutex_unlock(&fs->lock);
	memo_free(&mo);
	return seen ? 0 : -ENOENT;
}

/*
 * The judgement and the reply are two steps.  Should the directory stop
 * being uniform between them, the sync queues the invalidation of each
 * name the kernel holds there (ours too: the lookup took its reference
 * first), and the watcher may send it before this reply is written: it
 * then finds no dentry to drop, and the reply installs one with its
 * timeout, for a caller who may no longer see the name.
 *
 * The forgets count moves under fs->lock with that queueing.  Looked at
 * again under the lock once the reply is written, either it has not
 * moved, and any sync that forgets the names comes after this look, so
 * its invalidation is queued, hence sent, after the reply; or it has,
 * and the invalidation of this name is queued here, after the reply.
 * Either way one is written to the kernel after the reply, and the
 * kernel applies it under the directory's inode lock, which a lookup
 * holds until its dentry is in place: it finds and drops the dentry.
 * (A lookup that revalidates a dentry holds no such lock, but there the
 * dentry an early invalidation drops stays unhashed, whatever timeout
 * the reply then gives it: only the caller's own walk uses it.)
 *
 * Queued for the watcher, never sent from here: fuse_lowlevel.h warns
 * that notify_inval_entry may deadlock in a request's thread (the
 * kernel waits for the directory's lock while another lookup of it holds
 * it, waiting for a reply from this very thread, or from the lane).
 */
void mfs_visible_replied(struct mfs *fs, const struct mfs_visible_ticket *t)
{
	const struct mfs_node *dir, *n;
	bool again;

	if (!t->kept)
		return;
	pthread_mutex_lock(&fs->lock);
	dir = mfs_tree_get(&fs->tree, t->parent);
	again = !dir || dir->forgets != t->forgets;
	if (again && (n = mfs_tree_get(&fs->tree, t->ino)))
		mfs_tree_forget_name(n, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
	if (again)
		mfs_kick(fs);
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
	struct mfs_progwalk w;
	struct memo mo;
	struct scope sc;
	bool keep;

	if (who->uid == 0 || !may_unite(fs, ino))
		return;
	memo_init(&mo, who);
	pthread_mutex_lock(&fs->lock);
	sc = scope_of(fs, ino);
	/* under fs->lock: the labels of the files mo may read */
	if (sc.kind == SCOPE_PROG || sc.kind == SCOPE_PID) {
		scope_walk(&sc, &w);
		labels = mfs_progwalk_labels(&w, readable_file, &mo, &nlabels);
	}
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
