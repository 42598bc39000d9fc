/*
 * render.c - render a stat file's value from its source files.
 *
 * Everything needed is copied out of the tree under the daemon's lock,
 * and the files are read once it is dropped: a slow file never holds up
 * the other requests.  Permissions are checked by the kernel
 * (default_permissions) against attributes copied from the source files,
 * and again here against each source file as it is now, since cached
 * attributes may be stale.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aggregate.h"
#include "fields.h"
#include "render.h"

#define VALUE_MAX	4096

static bool in_group(fuse_req_t req, gid_t gid)
{
	gid_t groups[256];
	int n, i;

	if (fuse_req_ctx(req)->gid == gid)
		return true;
	n = fuse_req_getgroups(req, 256, groups);
	for (i = 0; i < n && i < 256; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* The kernel checked cached attributes; this checks the file as it is. */
static int may_read(fuse_req_t req, const struct stat *st)
{
	uid_t uid = fuse_req_ctx(req)->uid;
	mode_t bit;

	if (uid == 0)
		return 0;
	if (st->st_uid == uid)
		bit = S_IRUSR;
	else if (in_group(req, st->st_gid))
		bit = S_IRGRP;
	else
		bit = S_IROTH;
	return st->st_mode & bit ? 0 : -EACCES;
}

static int read_source(fuse_req_t req, const char *source,
		       struct mfs_handle *h, struct mmstats_snapshot *snap)
{
	struct mfs *fs = fuse_req_userdata(req);
	struct stat st;
	int err;

	err = mfs_source_snapshot(fs->srcfd, source, h, snap, &st);
	/* ENOTDIR: the source directory has just gone (srcdir.c) */
	if (snap->nstats == 0)
		return err == -ENOENT || err == -ENOTDIR || !err ?
		       -ENOENT : -EIO;
	return may_read(req, &st);
}

static const struct mmstats_stat *field_of(const struct mmstats_snapshot *snap,
					   const char *name)
{
	long i = mfs_field_lookup(snap, name);

	return i < 0 ? NULL : &snap->stats[i];
}

static int render_field(fuse_req_t req, const char *source,
			struct mfs_handle *h, const char *name, char *buf,
			size_t len)
{
	const struct mmstats_stat *st;
	struct mmstats_snapshot snap;
	int n;

	n = read_source(req, source, h, &snap);
	if (!n)
		n = (st = field_of(&snap, name)) ?
		    mmstats_render(&st->value, buf, len) : -ENOENT;
	mmstats_snapshot_free(&snap);
	return n;
}

static int render_process(fuse_req_t req, const struct mfs_fileref *refs,
			  size_t nrefs, const char *name, char *buf, size_t len)
{
	struct mmstats_snapshot *r = calloc(nrefs ? nrefs : 1, sizeof(*r));
	struct mfs_agg_input *in = calloc(nrefs ? nrefs : 1, sizeof(*in));
	size_t i;
	int n = r && in ? 0 : -ENOMEM;

	for (i = 0; i < nrefs && !n; i++) {
		n = read_source(req, refs[i].name, refs[i].handle, &r[i]);
		if (n == -ENOENT)	/* that thread's file just went */
			n = 0;
		in[i].stat = field_of(&r[i], name);
		in[i].main = refs[i].main;
		in[i].created = refs[i].created;
	}
	if (!n)
		n = mfs_aggregate(in, nrefs, buf, len);
	for (i = 0; r && i < nrefs; i++)
		mmstats_snapshot_free(&r[i]);
	free(r);
	free(in);
	return n;
}

/* What rendering needs from the node, copied out of the locked tree. */
struct target {
	enum mfs_kind kind;
	char *name, *source;
	struct mfs_handle *handle;	/* of source */
	struct mfs_fileref *refs;
	size_t nrefs;
};

static int get_target(struct mfs *fs, fuse_ino_t ino, struct target *t)
{
	struct mfs_node *n = mfs_tree_get(&fs->tree, ino);

	if (!n || !n->linked)	/* its process or file is gone */
		return -ENOENT;
	if (S_ISDIR(n->mode))
		return -EISDIR;
	t->kind = n->kind;
	t->name = strdup(n->name);
	t->source = n->source ? strdup(n->source) : NULL;
	if (!t->name || (n->source && !t->source))
		return -ENOMEM;
	if (n->source)
		t->handle = mfs_model_handle(&fs->model, n->source);
	if (n->kind == MFS_PID_LABEL) {
		t->refs = mfs_model_proc_files(&fs->model, n->pid, &t->nrefs);
		if (!t->refs)
			return mfs_model_proc(&fs->model, n->pid) ? -ENOMEM :
								  -ENOENT;
	}
	return 0;
}

static void target_free(struct target *t)
{
	free(t->name);
	free(t->source);
	mfs_handle_put(t->handle);
	mfs_filerefs_free(t->refs, t->nrefs);
}

static int render_target(fuse_req_t req, const struct target *t, char *buf,
			 size_t len)
{
	if (t->kind == MFS_PID_LABEL)
		return render_process(req, t->refs, t->nrefs, t->name, buf,
				      len);
	return render_field(req, t->source, t->handle, t->name, buf, len);
}

/* The value and a newline, in a buffer as long as it needs. */
static int make_text(fuse_req_t req, const struct target *t,
		     struct mfs_text **out)
{
	size_t cap = VALUE_MAX;
	struct mfs_text *tx;
	int n;

	for (;;) {
		if (!(tx = malloc(sizeof(*tx) + cap + 1)))
			return -ENOMEM;
		n = render_target(req, t, tx->data, cap);
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

int mfs_render(fuse_req_t req, fuse_ino_t ino, struct mfs_text **out)
{
	struct mfs *fs = fuse_req_userdata(req);
	struct target t = { 0 };
	int err;

	pthread_mutex_lock(&fs->lock);
	err = get_target(fs, ino, &t);
	pthread_mutex_unlock(&fs->lock);
	if (!err)
		err = make_text(req, &t, out);
	target_free(&t);
	return err;
}
