/*
 * visible.h - what a caller may see of the directories that unite the
 * labels of several files: /<pid>/, /programs/<name>/ and its task/,
 * and /programs.
 */
#ifndef MFS_VISIBLE_H
#define MFS_VISIBLE_H

#include "mmstatsfs.h"

struct mfs_caller;
struct mfs_listing;
struct fuse_entry_param;

/*
 * A lookup of `name` in directory parent found *e: whether `who` may see
 * it, 0 or -ENOENT.  In those directories a label is seen only by who
 * may read one of the files that have it (mfs_may_read), a process or a
 * program only by who may read one of its files: a name is part of the
 * file it comes from.  A name looked up in such a directory whose files
 * are not all of one owner and mode has no entry timeout, so that the
 * kernel asks again for each caller's walk instead of serving one
 * caller's dentry to the next.  Takes fs->lock.
 */
int mfs_visible_lookup(struct mfs *fs, const struct mfs_caller *who,
		       fuse_ino_t parent, const char *name,
		       struct fuse_entry_param *e);

/* The same for listing l of directory ino: what who may not see goes. */
void mfs_visible_filter(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_listing *l);

#endif
