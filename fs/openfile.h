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

#include "render.h"

struct mfs_openfile {
	pthread_mutex_t lock;	/* reads of this open file, one at a time */
	fuse_ino_t ino;
	bool unread;		/* text is open's: no read has served it */
	struct mfs_text *text;
};

/* Render node ino for the opener; -errno as mfs_render(). */
int mfs_openfile_open(fuse_req_t req, fuse_ino_t ino,
		      struct mfs_openfile **out);

/* Reply to a read of size bytes at off (with a copy, never f's text). */
void mfs_openfile_read(fuse_req_t req, struct mfs_openfile *f, size_t size,
		       off_t off);

void mfs_openfile_close(struct mfs_openfile *f);

#endif
