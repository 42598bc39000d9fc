/*
 * openfile.h - an open stat file: the text its reads serve.
 *
 * As /proc's seq_file: a read at offset 0 renders the value afresh, and
 * reads past 0 go on with the text the last read at 0 got, so a reader
 * that reads in small pieces sees one value, and one that keeps the file
 * open and reads it again from 0 (pread, or lseek and read, as top and
 * monitoring agents do) sees the value of that moment.  The first read
 * at 0 after open serves the text open rendered: one open and one read
 * render once.  A read at 0 after the process or the file has gone fails
 * with ESRCH, as /proc/<pid>/stat of a dead process does; reads past 0
 * still serve the last text.
 *
 * Safe for reads of one open file from several threads at once.
 */
#ifndef MFS_OPENFILE_H
#define MFS_OPENFILE_H

#include <stdbool.h>

#include "statfile.h"

struct mfs_openfile {
	pthread_mutex_t lock;	/* reads of this open file, one at a time */
	struct mfs *fs;
	fuse_ino_t ino;
	bool unread;		/* text is open's: no read has served it */
	struct mfs_text *text;
};

/* Render node ino for `who`; -errno as mfs_statfile_render(). */
int mfs_openfile_open(struct mfs *fs, const struct mfs_caller *who,
		      fuse_ino_t ino, struct mfs_openfile **out);

/*
 * The text a read at `off` serves, as a copy of its own in *copy (free
 * it): once the reply is written, the reader may close the file and
 * another thread free f, before the reply has even returned.  -ESRCH for
 * a read at 0 once the value is gone, or another -errno.
 */
int mfs_openfile_text(struct mfs_openfile *f, const struct mfs_caller *who,
		      off_t off, struct mfs_text **copy);

void mfs_openfile_close(struct mfs_openfile *f);

#endif
