/*
 * ops.c - the FUSE low-level operations.
 *
 * Lookups and getattr answer from the inode table.  A value is rendered
 * once, at open, into the file handle (direct_io), so the reads of one
 * open see one snapshot and every open sees the value of that moment.
 * Permissions are checked by the kernel (default_permissions) against
 * attributes copied from the source files, and again at open against the
 * source file as it is now, since cached attributes may be stale.
 * Source files are read through the descriptors the model holds open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aggregate.h"
#include "fields.h"
#include "mmstatsfs.h"

#define VALUE_MAX	4096

struct text {
	size_t len;
	char data[];
};

static struct mfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

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

/* What a lookup miss in dir may have missed: read those files again. */
static bool refresh_for_miss(struct mfs *fs, enum mfs_kind kind, pid_t pid,
			     const char *source, const char *name)
{
	switch (kind) {
	case MFS_ROOT:
		mfs_refresh_pending(fs);
		return true;
	case MFS_FILES_DIR:
		if (!mfs_source_name_ok(name))
			return false;
		mfs_refresh_one(fs, name);
		return true;
	case MFS_PID_DIR:
		mfs_refresh_pid(fs, pid);
		return true;
	case MFS_TID_DIR:
	case MFS_SRC_DIR:
		mfs_refresh_one(fs, source);
		return true;
	default:
		return false;
	}
}

/* Copy what a miss needs out of the locked tree. */
struct dirinfo {
	enum mfs_kind kind;
	pid_t pid;
	char *source;
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
	return 0;
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

static void forget_one(struct mfs *fs, fuse_ino_t ino, uint64_t n)
{
	struct mfs_node *node;

	pthread_mutex_lock(&fs->lock);
	if ((node = mfs_tree_get(&fs->tree, ino)))
		mfs_tree_forget(&fs->tree, node, n);
	pthread_mutex_unlock(&fs->lock);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct mfs *fs = fs_of(req);
	struct dirinfo di = { 0 };
	struct fuse_entry_param e;
	int err, derr = -ENOENT;

	pthread_mutex_lock(&fs->lock);
	err = lookup_locked(fs, parent, name, &e);
	if (err == -ENOENT)
		derr = get_dirinfo(fs, parent, &di);
	pthread_mutex_unlock(&fs->lock);
	/* A new file, or a field added to a live one, makes no event. */
	if (err == -ENOENT && !derr &&
	    refresh_for_miss(fs, di.kind, di.pid, di.source, name)) {
		pthread_mutex_lock(&fs->lock);
		err = lookup_locked(fs, parent, name, &e);
		pthread_mutex_unlock(&fs->lock);
	}
	free(di.source);
	if (err)
		fuse_reply_err(req, -err);
	else if (fuse_reply_entry(req, &e) < 0)
		forget_one(fs, e.ino, 1);	/* the kernel never got it */
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	struct mfs *fs = fs_of(req);
	struct mfs_node *n;
	size_t i;

	pthread_mutex_lock(&fs->lock);
	for (i = 0; i < count; i++)
		if ((n = mfs_tree_get(&fs->tree, forgets[i].ino)))
			mfs_tree_forget(&fs->tree, n, forgets[i].nlookup);
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct mfs *fs = fs_of(req);
	struct mfs_node *n;
	struct stat st;

	(void)fi;
	pthread_mutex_lock(&fs->lock);
	n = mfs_tree_get(&fs->tree, ino);
	if (n && !n->linked)	/* gone: its removal is on its way */
		n = NULL;
	if (n)
		fill_attr(n, &st);
	pthread_mutex_unlock(&fs->lock);
	if (n)
		fuse_reply_attr(req, &st, fs->timeout);
	else
		fuse_reply_err(req, ENOENT);
}

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
	struct mfs *fs = fs_of(req);
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

/* What open needs from the node, copied out of the locked tree. */
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
	if (is_dir(n))
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
		     struct text **out)
{
	size_t cap = VALUE_MAX;
	struct text *tx;
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

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mfs *fs = fs_of(req);
	struct target t = { 0 };
	struct text *tx = NULL;
	int err;

	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	err = get_target(fs, ino, &t);
	pthread_mutex_unlock(&fs->lock);
	if (!err)
		err = make_text(req, &t, &tx);
	target_free(&t);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)tx;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) < 0)
		free(tx);
}

/*
 * Reply with a copy: the kernel may finish the read, and the file be
 * released and its buffer freed by another thread, before the write to
 * /dev/fuse returns here (sanitizers then see a use after free).
 */
static void reply_slice(fuse_req_t req, const char *data, size_t len,
			size_t size, off_t off)
{
	char stackbuf[4096], *copy = stackbuf;

	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	len -= (size_t)off;
	if (size < len)
		len = size;
	if (len > sizeof(stackbuf) && !(copy = malloc(len))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memcpy(copy, data + off, len);
	fuse_reply_buf(req, copy, len);
	if (copy != stackbuf)
		free(copy);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	const struct text *tx = (const struct text *)(uintptr_t)fi->fh;

	(void)ino;
	reply_slice(req, tx->data, tx->len, size, off);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	free((void *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* A directory listing, made whole at opendir so offsets stay valid. */
struct dirbuf {
	char *p;
	size_t size, cap;
};

static int dirbuf_add(fuse_req_t req, struct dirbuf *b, const char *name,
		      fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char *p;

	if (b->size + need > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 4096) + need;

		if (!(p = realloc(b->p, cap)))
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	fuse_add_direntry(req, b->p + b->size, need, name, &st,
			  (off_t)(b->size + need));
	b->size += need;
	return 0;
}

static int list_dir(fuse_req_t req, struct mfs *fs, fuse_ino_t ino,
		    struct dirbuf *b)
{
	struct mfs_node *d = mfs_tree_get(&fs->tree, ino), *c;
	int err;

	if (!d)
		return -ENOENT;
	if (!is_dir(d))
		return -ENOTDIR;
	err = dirbuf_add(req, b, ".", d->ino, d->mode);
	if (!err)
		err = dirbuf_add(req, b, "..", d->parent ? d->parent : d->ino,
				 S_IFDIR);
	for (c = d->children; c && !err; c = c->sib_next)
		err = dirbuf_add(req, b, c->name, c->ino, c->mode);
	return err;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct mfs *fs = fs_of(req);
	struct dirinfo di = { 0 };
	struct dirbuf *b;
	int err;

	pthread_mutex_lock(&fs->lock);
	err = get_dirinfo(fs, ino, &di);
	pthread_mutex_unlock(&fs->lock);
	/* Fields added to a live file make no event: look now. */
	if (!err && (di.kind == MFS_PID_DIR || di.kind == MFS_TASK_DIR))
		mfs_refresh_pid(fs, di.pid);
	else if (!err && (di.kind == MFS_TID_DIR || di.kind == MFS_SRC_DIR))
		mfs_refresh_one(fs, di.source);
	free(di.source);
	if (!err && !(b = calloc(1, sizeof(*b))))
		err = -ENOMEM;
	if (!err) {
		pthread_mutex_lock(&fs->lock);
		err = list_dir(req, fs, ino, b);
		pthread_mutex_unlock(&fs->lock);
		if (err) {
			free(b->p);
			free(b);
		}
	}
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)b;
	if (fuse_reply_open(req, fi) < 0) {
		free(b->p);
		free(b);
	}
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct dirbuf *b = (const struct dirbuf *)(uintptr_t)fi->fh;

	(void)ino;
	reply_slice(req, b->p, b->size, size, off);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct dirbuf *b = (struct dirbuf *)(uintptr_t)fi->fh;

	(void)ino;
	free(b->p);
	free(b);
	fuse_reply_err(req, 0);
}

const struct fuse_lowlevel_ops mfs_ops = {
	.lookup		= op_lookup,
	.forget		= op_forget,
	.forget_multi	= op_forget_multi,
	.getattr	= op_getattr,
	.open		= op_open,
	.read		= op_read,
	.release	= op_release,
	.opendir	= op_opendir,
	.readdir	= op_readdir,
	.releasedir	= op_releasedir,
};
