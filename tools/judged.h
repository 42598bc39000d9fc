/*
 * judged.h - the files one run has judged, by device and inode, and
 * what was decided: a file met again under another name (a hard link,
 * "dir/./f", a DIR and a FILE in it) gets the same answer, without a
 * second question, whose answer could differ (mmstats_writer_pid() says
 * "cannot tell" while a scan of /proc is not due, and later need not).
 *
 * An inode number names a file only while the inode lives: once its
 * last name is gone and the last descriptor closed, ext4 and XFS hand
 * the number to the next file made, maybe a live writer's.  Keeping a
 * file is always safe, so ALIVE and KEPT are remembered by number alone;
 * a STALE verdict is remembered only with the file held open, which
 * keeps its number from being reused (see judged_add).
 */
#ifndef TOOLS_JUDGED_H
#define TOOLS_JUDGED_H

#include <sys/stat.h>

enum judged_verdict {
	JUDGED_ALIVE,		/* its writer runs: kept */
	JUDGED_KEPT,		/* could not be judged: kept */
	JUDGED_STALE,		/* its writer is gone: removed */
};

struct judged_file {
	dev_t dev;
	ino_t ino;
	enum judged_verdict verdict;
	int fd;			/* STALE: held open until judged_free, else -1 */
	char *name;		/* the name it was judged under, as shown */
};

struct judged {
	void *root;		/* tsearch(3) tree of struct judged_file */
	unsigned held;		/* descriptors held by STALE verdicts */
};

#define JUDGED_INIT { NULL, 0 }

/* The verdict on the file `st` is of, or NULL if not judged yet. */
const struct judged_file *judged_find(const struct judged *j,
				      const struct stat *st);

/*
 * Remember the verdict on `st`, judged as `name`.  For JUDGED_STALE,
 * *fd (open on that file) is taken and *fd set to -1, unless the file
 * has no name left (no other name of it can be met: nothing to
 * remember) or too many are held already (its other names are judged
 * again, which is safe): then nothing is remembered and *fd is left to
 * the caller.  Returns 0 or -ENOMEM.
 */
int judged_add(struct judged *j, const struct stat *st,
	       enum judged_verdict verdict, const char *name, int *fd);

void judged_free(struct judged *j);

#endif
