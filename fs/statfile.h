/*
 * statfile.h - the text of a stat file: its value, as it is now, and a
 * newline; and who may read it.
 */
#ifndef MFS_STATFILE_H
#define MFS_STATFILE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "mmstatsfs.h"

struct mfs_text {
	size_t len;
	char data[];
};

/*
 * Who reads: what a permission check needs, resolved once per request
 * by ops.c.  Supplementary groups cost a read of /proc, so they are
 * asked for only when the check comes to them.
 */
struct mfs_caller {
	uid_t uid;
	gid_t gid;
	bool (*in_groups)(const struct mfs_caller *who, gid_t gid);
	/* its supplementary groups into v[max]: how many it has, or -errno */
	int (*groups)(const struct mfs_caller *who, gid_t *v, int max);
	void *ctx;			/* for in_groups and groups */
	bool may_block;			/* may map a file (lane.h) */
};

/*
 * Render node ino for `who` into *out (free it).  The node is looked up
 * under fs->lock; the source files are read, and checked against who's
 * credentials as they are at the read, without it.  Returns 0, -ENOENT
 * when the node, its process or its file is gone, -EISDIR, -EACCES,
 * -EIO or -ENOMEM; -EWOULDBLOCK when a file is not held mapped (reading
 * it costs its size) and who may not block.
 */
int mfs_statfile_render(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_text **out);

/* What reading a node needs, copied out of the locked tree. */
struct mfs_target {
	enum mfs_kind kind;
	char *label;
	struct mfs_fileref *refs;
	size_t nrefs;
};

/*
 * Node ino's label and files, for `who`: -ENOENT, -EISDIR, -ENOMEM, or
 * -EWOULDBLOCK as mfs_statfile_render().  Free t with mfs_target_free().
 */
int mfs_statfile_target(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_target *t);
void mfs_target_free(struct mfs_target *t);

/*
 * The kind of node ino, and its pid (may be NULL; 0 for a node without
 * a writer), as they are under fs->lock: 0, or -ENOENT when it is gone.
 */
int mfs_node_kind(struct mfs *fs, fuse_ino_t ino, enum mfs_kind *kind,
		  pid_t *pid);

/*
 * Read `label` of ref's file with fn (source.h), and check that who may
 * read the file as it was at the load.  Returns 0, -EACCES, -ENOENT
 * (the field or its file is gone), -EIO, or fn's -errno.
 */
int mfs_statfile_load(struct mfs *fs, const struct mfs_caller *who,
		      const struct mfs_fileref *ref, const char *label,
		      mfs_field_fn fn, void *arg, void (*undo)(void *arg));

/*
 * Whether who may read a file of owner and mode st: 0 or -EACCES, as
 * the kernel's check of cached attributes, but against st as it is now.
 */
int mfs_may_read(const struct mfs_caller *who, const struct stat *st);

/* A copy of tx, or NULL without memory. */
struct mfs_text *mfs_text_dup(const struct mfs_text *tx);

#endif
