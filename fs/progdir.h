/*
 * progdir.h - /programs/<name>/ in the tree: task/, the bulk files and
 * the union of the labels of the program's files, live and kept.
 */
#ifndef MFS_PROGDIR_H
#define MFS_PROGDIR_H

#include <stddef.h>

#include "mmstatsfs.h"

struct mfs_model;
struct mfs_prog;
struct mfs_changes;

/* Sync g's directory with g (remove it when g has no file left). */
void mfs_progdir_sync(struct mfs_model *m, struct mfs_prog *g,
		      struct mfs_changes *ch);

struct mfs_caller;
struct mfs_listing;
struct fuse_entry_param;

/*
 * A lookup of `name` in directory parent found *e: when parent is
 * /programs, whether `who` may see it, that is read one of its files,
 * live or kept (the name is in each of them; mfs_may_read): 0, or
 * -ENOENT.  A directory seen has no entry timeout, so that the kernel
 * asks again for each caller's walk instead of serving its dentry to
 * anyone.  Takes fs->lock.
 */
int mfs_progdir_lookup(struct mfs *fs, const struct mfs_caller *who,
		       fuse_ino_t parent, const char *name,
		       struct fuse_entry_param *e);
/* The same for listing l of directory ino: what who may not see goes. */
void mfs_progdir_filter(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_listing *l);

/*
 * The target of symbolic link ino (/programs/<name>/task/<pid>:
 * "../../../<pid>") into buf: 0, -ENOENT, -EINVAL (no link).
 */
int mfs_link_target(struct mfs *fs, fuse_ino_t ino, char *buf, size_t len);

#endif
