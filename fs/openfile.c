/*
 * openfile.c - an open stat file, read again from 0 as /proc is.
 *
 * The text is replaced only under the file's lock, and a read takes its
 * copy before the lock is dropped.
 */
#include <errno.h>
#include <stdlib.h>

#include "openfile.h"

int mfs_openfile_open(struct mfs *fs, const struct mfs_caller *who,
		      fuse_ino_t ino, struct mfs_openfile **out)
{
	struct mfs_openfile *f = malloc(sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	err = mfs_statfile_render(fs, who, ino, &f->text);
	if (err) {
		free(f);
		return err;
	}
	pthread_mutex_init(&f->lock, NULL);
	f->fs = fs;
	f->ino = ino;
	f->unread = true;
	*out = f;
	return 0;
}

/*
 * A read at 0 starts over with the value of this moment.  When that
 * cannot be had the old text stays, for reads past 0.
 */
static int refresh(struct mfs_openfile *f, const struct mfs_caller *who,
		   off_t off)
{
	struct mfs_text *tx;
	int err;

	if (off != 0 || f->unread)
		return 0;
	err = mfs_statfile_render(f->fs, who, f->ino, &tx);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	free(f->text);
	f->text = tx;
	return 0;
}

int mfs_openfile_text(struct mfs_openfile *f, const struct mfs_caller *who,
		      off_t off, struct mfs_text **copy)
{
	int err;

	pthread_mutex_lock(&f->lock);
	err = refresh(f, who, off);
	if (!err && !(*copy = mfs_text_dup(f->text)))
		err = -ENOMEM;
	f->unread = false;
	pthread_mutex_unlock(&f->lock);
	return err;
}

void mfs_openfile_close(struct mfs_openfile *f)
{
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->text);
	free(f);
}
