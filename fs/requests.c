/*
 * requests.c - lookups and getattr answer from the inode table;
 * directories are listed whole at opendir.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "requests.h"

static bool is_dir(const struct mfs_node *n)
{
	return S_ISDIR(n->mode);
}

static void fill_attr(const struct mfs_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = is_dir(n) ? 2 : 1;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_blksize = 4096;
	clock_gettime(CLOCK_REALTIME, &st->st_mtim);
	st->st_atim = st->st_ctim = st->st_mtim;
}

/* What refreshing a directory needs from its node, out of the locked tree. */
struct dirinfo {
	enum mfs_kind kind;
	pid_t pid;
	char *source;
	bool cheap;		/* refreshing it costs no file's size */
};

static int get_dirinfo(struct mfs *fs, fuse_ino_t ino, struct dirinfo *di)
{
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino);

	if (!n)
		return -ENOENT;
	if (!is_dir(n))
		return -ENOTDIR;
	di->kind = n->kind;
	di->pid = n->pid;
	di->source = n->source ? strdup(n->source) : NULL;
	if (n->source && !di->source)
		return -ENOMEM;
	if (n->kind == MFS_PID_DIR || n->kind == MFS_TASK_DIR)
		di->cheap = mfs_model_check_cost(&fs->model, n->pid, NULL) <=
			    MFS_INLINE_FIELDS;
	else if (n->kind == MFS_TID_DIR || n->kind == MFS_SRC_DIR)
		di->cheap = mfs_model_check_cost(&fs->model, 0, n->source) <=
			    MFS_INLINE_FIELDS;
	else
		di->cheap = true;	/* opendir reads nothing for them */
	return 0;
}

/*
 * Read again the files a directory shows; `name`, when given, is one
 * its listing missed.  Returns whether anything was read.
 */
static bool refresh_dir(struct mfs *fs, const struct dirinfo *di,
			const char *name)
{
	switch (di->kind) {
	case MFS_ROOT:
		if (!name)
			return false;
		mfs_refresh_pending(fs, false);
		return true;
	case MFS_FILES_DIR:
		if (!name || !mfs_source_name_ok(name))
			return false;
		mfs_refresh_one(fs, name);
		return true;
	case MFS_PID_DIR:
	case MFS_TASK_DIR:
		mfs_refresh_pid(fs, di->pid);
		return true;
	case MFS_TID_DIR:
	case MFS_SRC_DIR:
		mfs_refresh_one(fs, di->source);
		return true;
	default:
		return false;
	}
}

static int refresh_ino(struct mfs *fs, fuse_ino_t ino, const char *name,
		       bool may_block)
{
	struct dirinfo di = { 0 };
	int err;

	pthread_mutex_lock(&fs->lock);
	err = get_dirinfo(fs, ino, &di);
	pthread_mutex_unlock(&fs->lock);
	if (!err && !may_block && !di.cheap)
		err = -EWOULDBLOCK;
	if (!err && !refresh_dir(fs, &di, name))
		err = -ENOENT;
	free(di.source);
	return err;
}

static int lookup_locked(struct mfs *fs, fuse_ino_t parent, const char *name,
			 struct fuse_entry_param *e)
{
	struct mfs_node *n = mfs_tree_lookup(&fs->tree, parent, name);

	if (!n)
		return -ENOENT;
	mfs_tree_ref(n);
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->generation = fs->generation;
	e->attr_timeout = e->entry_timeout = fs->timeout;
	fill_attr(n, &e->attr);
	return 0;
}

static int lookup(struct mfs *fs, fuse_ino_t parent, const char *name,
		  struct fuse_entry_param *e)
{
	int err;

	pthread_mutex_lock(&fs->lock);
	err = lookup_locked(fs, parent, name, e);
	pthread_mutex_unlock(&fs->lock);
	return err;
}

int mfs_req_lookup(struct mfs *fs, fuse_ino_t parent, const char *name,
		   bool may_block, struct fuse_entry_param *e)
{
	int err = lookup(fs, parent, name, e);

	if (err == -ENOENT && !may_block)
		return -EWOULDBLOCK;	/* a miss may read files */
	if (err == -ENOENT && refresh_ino(fs, parent, name, true) == 0)
		err = lookup(fs, parent, name, e);
	return err;
}

void mfs_req_forget(struct mfs *fs, fuse_ino_t ino, uint64_t n)
{
	struct mfs_node *node;

	pthread_mutex_lock(&fs->lock);
	if ((node = mfs_tree_get(&fs->tree, ino)))
		mfs_tree_forget(&fs->tree, node, n);
	pthread_mutex_unlock(&fs->lock);
}

int mfs_req_getattr(struct mfs *fs, fuse_ino_t ino, struct stat *st)
{
	struct mfs_node *n;

	pthread_mutex_lock(&fs->lock);
	n = mfs_tree_get(&fs->tree, ino);
	if (n && !n->linked)	/* gone: its removal is on its way */
		n = NULL;
	if (n)
		fill_attr(n, st);
	pthread_mutex_unlock(&fs->lock);
	return n ? 0 : -ENOENT;
}

static int add_entry(struct mfs_listing *l, const char *name,
		     fuse_ino_t ino, mode_t mode)
{
	struct mfs_dirent *e = &l->v[l->n];

	if (!(e->name = strdup(name)))
		return -ENOMEM;
	e->ino = ino;
	e->mode = mode;
	l->n++;
	return 0;
}

static int list_locked(struct mfs *fs, fuse_ino_t ino, struct mfs_listing *l)
{
	struct mfs_node *d = mfs_tree_get(&fs->tree, ino), *c;
	size_t n = 2;
	int err;

	if (!d)
		return -ENOENT;
	if (!is_dir(d))
		return -ENOTDIR;
	for (c = d->children; c; c = c->sib_next)
		n++;
	if (!(l->v = calloc(n, sizeof(*l->v))))
		return -ENOMEM;
	err = add_entry(l, ".", d->ino, d->mode);
	if (!err)
		err = add_entry(l, "..", d->parent ? d->parent : d->ino,
				S_IFDIR);
	for (c = d->children; c && !err; c = c->sib_next)
		err = add_entry(l, c->name, c->ino, c->mode);
	return err;
}

int mfs_req_opendir(struct mfs *fs, fuse_ino_t ino, bool may_block,
		    struct mfs_listing **out)
{
	struct mfs_listing *l;
	int err = refresh_ino(fs, ino, NULL, may_block);

	if (err && err != -ENOENT)	/* ENOENT: nothing to read again */
		return err;
	if (!(l = calloc(1, sizeof(*l))))
		return -ENOMEM;
	pthread_mutex_lock(&fs->lock);
	err = list_locked(fs, ino, l);
	pthread_mutex_unlock(&fs->lock);
	if (err) {
		mfs_listing_free(l);
		return err;
	}
	*out = l;
	return 0;
}

void mfs_listing_free(struct mfs_listing *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	free(l);
}
