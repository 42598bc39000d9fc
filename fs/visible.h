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
 * What a lookup's judgement let the kernel keep: an entry with a timeout
 * in a directory of united files, as of the directory's forgets count
 * (tree.h).  For mfs_visible_replied().
 */
struct mfs_visible_ticket {
	bool kept;
	fuse_ino_t parent, ino;
	unsigned forgets;
};

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
		       struct fuse_entry_param *e, struct mfs_visible_ticket *t);

/*
 * Once the entry judged as t is replied: if the directory stopped being
 * of one owner and mode since, have the kernel look the name up again.
 * Only queued, for the watcher to send: takes fs->lock.
 */
void mfs_visible_replied(struct mfs *fs, const struct mfs_visible_ticket *t);

/* The same for listing l of directory ino: what who may not see goes. */
void mfs_visible_filter(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_listing *l);

struct mfs_proc;
struct mfs_prog;
struct mfs_node;
struct mfs_changes;

/*
 * Whether all of p's files (of g's, live and kept) share one owner and
 * mode: who may search the directory may then read each of them, and
 * nothing in it is to be hidden from anyone.  Under the model's lock.
 */
bool mfs_visible_proc_uniform(const struct mfs_proc *p);
bool mfs_visible_prog_uniform(const struct mfs_prog *g);

/*
 * At a sync of dir: if its files were of one owner and mode and are no
 * longer, the kernel is to look up again the names it was given with an
 * entry timeout, which are now to be hidden from some callers.
 */
void mfs_visible_resync(struct mfs_node *dir, bool *was_uniform,
			bool uniform_now, struct mfs_changes *ch);

#endif
