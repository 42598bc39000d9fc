/*
 * ops.c - the FUSE low-level operations: each resolves the daemon and the
 * caller once, calls what does the work (requests.c, openfile.c), and
 * replies in one place.
 *
 * Stat files are direct_io: open renders the value and reads serve it, a
 * read at offset 0 rendering it again, as /proc does.
 *
 * The thread serving the mount never does work that grows with a source
 * file: a request that would (a lookup that misses, an opendir of big
 * files, a value of a file not held mapped) is told -EWOULDBLOCK, and is
 * then queued to the lane (lane.h), in its caller's turn, whose worker
 * does it again, allowed to block, and replies: libfuse lets any thread
 * reply.  Only the requests that need that file wait for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "openfile.h"
#include "progdir.h"
#include "requests.h"
#include "visible.h"
#include "xattr.h"

#define MAX_GROUPS	256

static struct mfs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static bool caller_in_groups(const struct mfs_caller *who, gid_t gid)
{
	gid_t groups[MAX_GROUPS];
	int n, i;

	n = fuse_req_getgroups(who->ctx, MAX_GROUPS, groups);
	for (i = 0; i < n && i < MAX_GROUPS; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static int caller_groups(const struct mfs_caller *who, gid_t *v, int max)
{
	return fuse_req_getgroups(who->ctx, max, v);
}

static struct mfs_caller caller_of(fuse_req_t req, bool may_block)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct mfs_caller who = {
		.uid = ctx->uid, .gid = ctx->gid,
		.in_groups = caller_in_groups, .groups = caller_groups,
		.ctx = req,
		.may_block = may_block,
	};

	return who;
}

/* A request, with what its operation was given, for doing it again. */
struct deferred {
	struct mfs_job job;
	/* Do it and reply, or return -EWOULDBLOCK without replying. */
	int (*attempt)(fuse_req_t req, const struct deferred *d,
		       bool may_block);
	fuse_req_t req;
	fuse_ino_t ino;
	struct fuse_file_info fi;
	size_t size;
	off_t off;
	char name[];		/* lookup's */
};

static void run_deferred(struct mfs *fs, struct mfs_job *j, bool cancel)
{
	struct deferred *d = (struct deferred *)j;

	(void)fs;
	/* cancel: unmounted meanwhile.  A request is always answered. */
	if (cancel || d->attempt(d->req, d, true) == -EWOULDBLOCK)
		fuse_reply_err(d->req, EIO);
	free(d);
}

/* Do d here if that blocks on nothing, else in the lane. */
static void serve(fuse_req_t req, const struct deferred *d, const char *name)
{
	size_t len = name ? strlen(name) + 1 : 0;
	struct deferred *q;

	if (d->attempt(req, d, false) != -EWOULDBLOCK)
		return;
	if (!(q = malloc(sizeof(*q) + len))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*q = *d;
	if (len)
		memcpy(q->name, name, len);
	q->req = req;
	q->job.run = run_deferred;
	q->job.uid = fuse_req_ctx(req)->uid;
	q->job.name = NULL;
	mfs_lane_push(fs_of(req), &q->job);
}

/*
 * The bytes of data[0..len) a read of `size` at `off` gets.  data must be
 * the caller's own: once the reply is written the reader may close the
 * file, and another thread release it, before this returns.
 */
static void reply_slice(fuse_req_t req, const char *data, size_t len,
			size_t size, off_t off)
{
	if (off < 0 || (size_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	len -= (size_t)off;
	fuse_reply_buf(req, data + off, size < len ? size : len);
}

static int lookup(fuse_req_t req, const struct deferred *d, bool may_block)
{
	struct mfs_caller who = caller_of(req, may_block);
	struct mfs *fs = fs_of(req);
	struct mfs_visible_ticket t;
	struct fuse_entry_param e;
	int err = mfs_req_lookup(fs, d->ino, d->name, may_block, &e);

	if (err == -EWOULDBLOCK)
		return err;
	/* a name is seen only by who may read a file it comes from */
	if (!err && (err = mfs_visible_lookup(fs, &who, d->ino, d->name, &e,
					      &t)))
		mfs_req_forget(fs, e.ino, 1);
	if (err)
		fuse_reply_err(req, -err);
	else if (fuse_reply_entry(req, &e) < 0)
		mfs_req_forget(fs, e.ino, 1);	/* never got there */
	else
		mfs_visible_replied(fs, &t);	/* after: visible.c says why */
	return 0;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	size_t len = strlen(name) + 1;
	struct deferred *d = malloc(sizeof(*d) + len);

	if (!d) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	memset(d, 0, sizeof(*d));
	d->attempt = lookup;
	d->ino = parent;
	memcpy(d->name, name, len);
	serve(req, d, name);
	free(d);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	mfs_req_forget(fs_of(req), ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	size_t i;

	for (i = 0; i < count; i++)
		mfs_req_forget(fs_of(req), forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;
	int err = mfs_req_getattr(fs_of(req), ino, &st);

	(void)fi;
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, fs_of(req)->timeout);
}

static int open_file(fuse_req_t req, const struct deferred *d,
		     bool may_block)
{
	struct mfs_caller who = caller_of(req, may_block);
	struct fuse_file_info fi = d->fi;
	struct mfs_openfile *f;
	int err = -EACCES;

	if ((fi.flags & O_ACCMODE) == O_RDONLY)
		err = mfs_openfile_open(fs_of(req), &who, d->ino, &f);
	if (err == -EWOULDBLOCK)
		return err;
	if (err) {
		fuse_reply_err(req, -err);
		return 0;
	}
	fi.fh = (uintptr_t)f;
	fi.direct_io = 1;
	if (fuse_reply_open(req, &fi) < 0)
		mfs_openfile_close(f);
	return 0;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct deferred d = { .attempt = open_file, .ino = ino, .fi = *fi };

	serve(req, &d, NULL);
}

static int read_file(fuse_req_t req, const struct deferred *d, bool may_block)
{
	struct mfs_openfile *f = (struct mfs_openfile *)(uintptr_t)d->fi.fh;
	struct mfs_caller who = caller_of(req, may_block);
	struct mfs_text *text;
	int err;

	err = mfs_openfile_text(f, &who, d->off, &text);
	if (err == -EWOULDBLOCK)
		return err;
	if (err) {
		fuse_reply_err(req, -err);
		return 0;
	}
	reply_slice(req, text->data, text->len, d->size, d->off);
	free(text);
	return 0;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct deferred d = {
		.attempt = read_file, .ino = ino, .fi = *fi,
		.size = size, .off = off,
	};

	serve(req, &d, NULL);
}

static void op_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	mfs_openfile_close((struct mfs_openfile *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static int open_dir(fuse_req_t req, const struct deferred *d, bool may_block)
{
	struct mfs_caller who = caller_of(req, may_block);
	struct fuse_file_info fi = d->fi;
	struct mfs_listing *l;
	int err = mfs_req_opendir(fs_of(req), d->ino, may_block, &l);

	if (err == -EWOULDBLOCK)
		return err;
	if (err) {
		fuse_reply_err(req, -err);
		return 0;
	}
	mfs_visible_filter(fs_of(req), &who, d->ino, l);
	fi.fh = (uintptr_t)l;
	if (fuse_reply_open(req, &fi) < 0)
		mfs_listing_free(l);
	return 0;
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct deferred d = { .attempt = open_dir, .ino = ino, .fi = *fi };

	serve(req, &d, NULL);
}

/* Entries from index off on, as many as `size` holds; off is an index. */
static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct mfs_listing *l = (const struct mfs_listing *)(uintptr_t)fi->fh;
	char *buf = malloc(size ? size : 1);
	size_t used = 0, need, i;
	struct stat st;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (i = off < 0 ? l->n : (size_t)off; i < l->n; i++) {
		memset(&st, 0, sizeof(st));
		st.st_ino = l->v[i].ino;
		st.st_mode = l->v[i].mode;
		need = fuse_add_direntry(req, buf + used, size - used,
					 l->v[i].name, &st, (off_t)(i + 1));
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	mfs_listing_free((struct mfs_listing *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* The xattr size protocol: size 0 asks how much; too small is ERANGE. */
static void reply_xattr(fuse_req_t req, const char *data, size_t len,
			size_t size)
{
	if (!size)
		fuse_reply_xattr(req, len);
	else if (size < len)
		fuse_reply_err(req, ERANGE);
	else
		fuse_reply_buf(req, data, len);
}

static int get_xattr(fuse_req_t req, const struct deferred *d,
		     bool may_block)
{
	struct mfs_caller who = caller_of(req, may_block);
	struct mfs_xattrs *x = malloc(sizeof(*x));
	const char *v = NULL;
	int err = x ? mfs_xattrs_of(fs_of(req), &who, d->ino, x) : -ENOMEM;

	if (err == -EWOULDBLOCK) {
		free(x);
		return err;
	}
	if (!err && !(v = mfs_xattr_find(x, d->name)))
		err = -ENODATA;
	if (err)
		fuse_reply_err(req, -err);
	else
		reply_xattr(req, v, strlen(v), d->size);
	free(x);
	return 0;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			size_t size)
{
	size_t len = strlen(name) + 1;
	struct deferred *d;

	/* security.*, system.*: nothing to read, nothing to check */
	if (strncmp(name, MFS_XATTR_PREFIX, strlen(MFS_XATTR_PREFIX))) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	if (!(d = calloc(1, sizeof(*d) + len))) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	d->attempt = get_xattr;
	d->ino = ino;
	d->size = size;
	memcpy(d->name, name, len);
	serve(req, d, name);
	free(d);
}

static int list_xattr(fuse_req_t req, const struct deferred *d,
		      bool may_block)
{
	struct mfs_caller who = caller_of(req, may_block);
	struct mfs_xattrs *x = malloc(sizeof(*x));
	char buf[MFS_XATTR_LIST_MAX];
	size_t len;
	int err = x ? mfs_xattrs_of(fs_of(req), &who, d->ino, x) : -ENOMEM;

	if (err == -EWOULDBLOCK) {
		free(x);
		return err;
	}
	if (err) {
		fuse_reply_err(req, -err);
	} else {
		len = mfs_xattr_list(x, buf, sizeof(buf));
		if (len > sizeof(buf))	/* never: xattr.c checks each name */
			fuse_reply_err(req, EIO);
		else
			reply_xattr(req, buf, len, d->size);
	}
	free(x);
	return 0;
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct deferred d = { .attempt = list_xattr, .ino = ino, .size = size };

	serve(req, &d, NULL);
}

/* /programs/<name>/task/<pid>: the process's directory (progdir.h). */
static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char target[64];
	int err = mfs_link_target(fs_of(req), ino, target, sizeof(target));

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_readlink(req, target);
}

/* The mount is read-only, its attributes too. */
static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			const char *value, size_t size, int flags)
{
	(void)ino, (void)name, (void)value, (void)size, (void)flags;
	fuse_reply_err(req, EROFS);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	(void)ino, (void)name;
	fuse_reply_err(req, EROFS);
}

const struct fuse_lowlevel_ops mfs_ops = {
	.lookup		= op_lookup,
	.forget		= op_forget,
	.forget_multi	= op_forget_multi,
	.getattr	= op_getattr,
	.readlink	= op_readlink,
	.open		= op_open,
	.read		= op_read,
	.release	= op_release,
	.opendir	= op_opendir,
	.readdir	= op_readdir,
	.releasedir	= op_releasedir,
	.getxattr	= op_getxattr,
	.listxattr	= op_listxattr,
	.setxattr	= op_setxattr,
	.removexattr	= op_removexattr,
};
