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

/*
 * The target of symbolic link ino (/programs/<name>/task/<pid>:
 * "../../../<pid>") into buf: 0, -ENOENT, -EINVAL (no link).
 */
int mfs_link_target(struct mfs *fs, fuse_ino_t ino, char *buf, size_t len);

#endif
