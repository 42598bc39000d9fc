/*
 * openfile.c - an open stat file, read again from 0 as /proc is.
 *
 * The text is replaced only under the file's lock, and a read copies its
 * slice out before the lock is dropped and the reply sent: once the reply
 * is written the reader may close the file, and another thread free it,
 * before fuse_reply_buf() has even returned here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "openfile.h"

int mfs_openfile_open(fuse_req_t req, fuse_ino_t ino,
		      struct mfs_openfile **out)
{
	struct mfs_openfile *f = malloc(sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	err = mfs_render(req, ino, &f->text);
	if (err) {
		free(f);
		return err;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->ino = ino;
	f->unread = true;
	*out = f;
	return 0;
}

/*
 * A read at 0 starts over with the value of this moment.  When that
 * cannot be had the old text stays, for reads past 0.
 */
static int refresh(fuse_req_t req, struct mfs_openfile *f, off_t off)
{
	struct mfs_text *tx;
	int err;

	if (off != 0 || f->unread)
		return 0;
	err = mfs_render(req, f->ino, &tx);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	free(f->text);
	f->text = tx;
	return 0;
}

/* The bytes of tx a read of size at off gets, into buf or malloc'd. */
static int copy_slice(const struct mfs_text *tx, size_t size, off_t off,
		      char *buf, size_t bufsize, char **copy, size_t *len)
{
	*copy = buf;
	*len = 0;
	if (off < 0 || (size_t)off >= tx->len)
		return 0;
	*len = tx->len - (size_t)off;
	if (size < *len)
		*len = size;
	if (*len > bufsize && !(*copy = malloc(*len)))
		return -ENOMEM;
	memcpy(*copy, tx->data + off, *len);
	return 0;
}

void mfs_openfile_read(fuse_req_t req, struct mfs_openfile *f, size_t size,
		       off_t off)
{
	char stackbuf[4096], *copy = stackbuf;
	size_t len = 0;
	int err;

	pthread_mutex_lock(&f->lock);
	err = refresh(req, f, off);
	if (!err)
		err = copy_slice(f->text, size, off, stackbuf,
				 sizeof(stackbuf), &copy, &len);
	f->unread = false;
	pthread_mutex_unlock(&f->lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, copy, len);
	if (copy != stackbuf)
		free(copy);
}

void mfs_openfile_close(struct mfs_openfile *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->text);
	free(f);
}
