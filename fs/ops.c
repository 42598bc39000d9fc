/*
 * ops.c - the FUSE low-level operations.
 *
 * Lookups and getattr answer from the inode table.  Stat files are
 * direct_io: open renders the value (render.c) and reads serve it, a
 * read at offset 0 rendering it again (openfile.c), as /proc does.
 * Source files are read through the descriptors the model holds open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstatsfs.h"
#include "openfile.h"

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

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct mfs_openfile *f;
	int err;

	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	err = mfs_openfile_open(req, ino, &f);
	if (err) {
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = (uintptr_t)f;
	fi->direct_io = 1;
	if (fuse_reply_open(req, fi) < 0)
		mfs_openfile_close(f);
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
	(void)ino;
	mfs_openfile_read(req, (struct mfs_openfile *)(uintptr_t)fi->fh, size,
			  off);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	mfs_openfile_close((struct mfs_openfile *)(uintptr_t)fi->fh);
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
