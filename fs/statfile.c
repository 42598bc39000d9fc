/*
 * statfile.c - render a stat file's value from its source files.
 *
 * What is needed (each file's map, and the label's index in it) is
 * copied out of the tree under the daemon's lock, and the values are
 * loaded once it is dropped: one load, an fstat and a sigaction per
 * file, whatever the size of the file.  Permissions are checked by the kernel
 * (default_permissions) against attributes copied from the source files,
 * and again here against each source file as it is at the load, since
 * cached attributes may be stale.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate.h"
#include "bulk.h"
#include "histfile.h"
#include "statfile.h"

#define VALUE_MAX	4096

/* The kernel checked cached attributes; this checks the file as it is. */
int mfs_may_read(const struct mfs_caller *who, const struct stat *st)
{
	mode_t bit;

	if (who->uid == 0)
		return 0;
	if (st->st_uid == who->uid)
		bit = S_IRUSR;
	else if (st->st_gid == who->gid || who->in_groups(who, st->st_gid))
		bit = S_IRGRP;
	else
		bit = S_IROTH;
	return st->st_mode & bit ? 0 : -EACCES;
}

/*
 * Read the label of ref's file with fn: the permission check is against
 * the file as it was at the load.  A file that shrank under the read is
 * noted (logged once) and indexed again; its value is gone.
 */
int mfs_statfile_load(struct mfs *fs, const struct mfs_caller *who,
		      const struct mfs_fileref *ref, const char *label,
		      mfs_field_fn fn, void *arg, void (*undo)(void *arg))
{
	struct stat st;
	int err;

	memset(&st, 0, sizeof(st));
	err = mfs_source_with_field(fs->srcfd, ref->name, ref->handle,
				    ref->index, label, &fs->model.limits.file,
				    fn, arg, undo, &st);
	if (err == -ESTALE && ref->handle)
		mfs_source_shrank(fs, ref->name, ref->handle, &st);
	if (!err)
		return mfs_may_read(who, &st);
	/* ENOTDIR: the source directory has just gone (srcdir.c) */
	return err == -ENOENT || err == -ENOTDIR || err == -ESTALE ?
	       -ENOENT : -EIO;
}

static int load(struct mfs *fs, const struct mfs_caller *who,
		const struct mfs_fileref *ref, struct mfs_probe *p)
{
	return mfs_statfile_load(fs, who, ref, p->label, mfs_probe_read, p,
				 mfs_probe_undo);
}

static int render_field(struct mfs *fs, const struct mfs_caller *who,
			const struct mfs_fileref *ref, const char *label,
			char *buf, size_t len)
{
	struct mfs_probe p;
	int n;

	mfs_probe_init(&p, label);
	n = load(fs, who, ref, &p);
	if (!n && p.named)
		n = mfs_hist_render(p.hist, buf, len);
	else if (!n)
		n = mmstats_render(&p.v.stat.value, buf, len);
	mfs_probe_free(&p);
	return n;
}

static int render_process(struct mfs *fs, const struct mfs_caller *who,
			  const struct mfs_fileref *refs, size_t nrefs,
			  const char *label, char *buf, size_t len)
{
	struct mfs_probe *p = calloc(nrefs ? nrefs : 1, sizeof(*p));
	struct mfs_agg_input *in = calloc(nrefs ? nrefs : 1, sizeof(*in));
	size_t i;
	int n = p && in ? 0 : -ENOMEM;

	for (i = 0; i < nrefs && !n; i++) {
		mfs_probe_init(&p[i], label);
		n = load(fs, who, &refs[i], &p[i]);
		in[i].stat = n ? NULL : &p[i].v.stat;
		if (n == -ENOENT)	/* no such field, or that file went */
			n = 0;
		in[i].main = refs[i].main;
		in[i].created = refs[i].created;
		in[i].name = refs[i].name;
	}
	if (!n)
		n = mfs_probe_aggregate(p, in, nrefs, buf, len);
	for (i = 0; p && i < nrefs; i++)
		mfs_probe_free(&p[i]);
	free(p);
	free(in);
	return n;
}

int mfs_node_kind(struct mfs *fs, fuse_ino_t ino, enum mfs_kind *kind,
		  pid_t *pid)
{
	struct mfs_node *n;
	int err = 0;

	pthread_mutex_lock(&fs->lock);
	n = mfs_tree_get(&fs->tree, ino);
	if (!n || !n->linked) {
		err = -ENOENT;
	} else {
		*kind = n->kind;
		if (pid)
			*pid = n->pid;
	}
	pthread_mutex_unlock(&fs->lock);
	return err;
}

static int get_target(struct mfs *fs, fuse_ino_t ino, struct mfs_target *t)
{
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino), *dir;

	if (!n || !n->linked)	/* its process or file is gone */
		return -ENOENT;
	if (S_ISDIR(n->mode))
		return -EISDIR;
	t->kind = n->kind;
	if (!(t->label = strdup(n->name)))
		return -ENOMEM;
	if (n->kind == MFS_PID_LABEL)
		return mfs_model_pid_label(&fs->model, n->pid, n->name,
					   &t->refs, &t->nrefs);
	/* a linked node's directory is linked, and names its source */
	dir = mfs_tree_get(&fs->tree, n->parent);
	return mfs_model_src_label(&fs->model, dir->source, n->name, &t->refs,
				   &t->nrefs);
}

/* Whether rendering t loads from held maps only. */
static bool all_held(const struct mfs_target *t)
{
	size_t i;

	for (i = 0; i < t->nrefs; i++)
		if (!t->refs[i].handle)
			return false;
	return true;
}

void mfs_target_free(struct mfs_target *t)
{
	free(t->label);
	mfs_filerefs_free(t->refs, t->nrefs);
}

static int render_target(struct mfs *fs, const struct mfs_caller *who,
			 const struct mfs_target *t, char *buf, size_t len)
{
	if (t->kind == MFS_PID_LABEL)
		return render_process(fs, who, t->refs, t->nrefs, t->label,
				      buf, len);
	return render_field(fs, who, &t->refs[0], t->label, buf, len);
}

/* The value and a newline, in a buffer as long as it needs. */
static int make_text(struct mfs *fs, const struct mfs_caller *who,
		     const struct mfs_target *t, struct mfs_text **out)
{
	size_t cap = VALUE_MAX;
	struct mfs_text *tx;
	int n;

	for (;;) {
		if (!(tx = malloc(sizeof(*tx) + cap + 1)))
			return -ENOMEM;
		n = render_target(fs, who, t, tx->data, cap);
		if (n < 0 || (size_t)n < cap)
			break;
		cap = (size_t)n + 1;
		free(tx);
	}
	if (n < 0) {
		free(tx);
		return n;
	}
	tx->data[n] = '\n';
	tx->len = (size_t)n + 1;
	*out = tx;
	return 0;
}

int mfs_statfile_target(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_target *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&fs->lock);
	err = get_target(fs, ino, t);
	pthread_mutex_unlock(&fs->lock);
	if (!err && !who->may_block && !all_held(t))
		err = -EWOULDBLOCK;
	if (err)
		mfs_target_free(t);
	return err;
}

int mfs_statfile_render(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_text **out)
{
	struct mfs_target t;
	int err;

	/* a program's sums and the bulk files (bulk.h) */
	if ((err = mfs_bulk_render(fs, who, ino, out)) != -ENOTSUP)
		return err;
	err = mfs_statfile_target(fs, who, ino, &t);
	if (err)
		return err;
	err = make_text(fs, who, &t, out);
	mfs_target_free(&t);
	return err;
}

struct mfs_text *mfs_text_dup(const struct mfs_text *tx)
{
	struct mfs_text *copy = malloc(sizeof(*tx) + tx->len);

	if (copy)
		memcpy(copy, tx, sizeof(*tx) + tx->len);
	return copy;
}
