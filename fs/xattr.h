/*
 * xattr.h - the extended attributes of label files: what a value means,
 * from its field's notes (mmstats(5), Field notes):
 *	user.mmstats.kind	counter, gauge, info, histogram or unknown
 *	user.mmstats.unit	the unit ("seconds"), when the writer gave one
 *	user.mmstats.help	the help text, when the writer gave one
 * Read from the source file at each request, with the same permission
 * check as a read of the file: nobody learns through the mount what they
 * could not read from the file.  Directories have none.
 */
#ifndef MFS_XATTR_H
#define MFS_XATTR_H

#include "statfile.h"

#define MFS_XATTR_PREFIX	"user.mmstats."
#define MFS_XATTR_MAX		3
/* Bytes of the longest name, its NUL too (checked where names are made). */
#define MFS_XATTR_NAME_MAX	32
/* What listxattr(2) of a file may need: every name and its NUL. */
#define MFS_XATTR_LIST_MAX	(MFS_XATTR_MAX * MFS_XATTR_NAME_MAX)

struct mfs_xattrs {
	size_t n;
	const char *name[MFS_XATTR_MAX];
	const char *value[MFS_XATTR_MAX];
	char kind[16];
	char unit[MMSTATS_UNIT_MAX + 1];
	char help[MMSTATS_HELP_MAX + 1];
};

/* The attribute name of a metric: "counter", ..., "unknown". */
const char *mfs_xattr_kind(enum mmstats_metric m, bool histogram_file);

/*
 * The attributes of node ino for `who` into *x (none for a directory).
 * Returns 0, -ENOENT, -EACCES, -EIO, -ENOMEM, or -EWOULDBLOCK as
 * mfs_statfile_render().
 */
int mfs_xattrs_of(struct mfs *fs, const struct mfs_caller *who,
		  fuse_ino_t ino, struct mfs_xattrs *x);

/* The value of attribute `name` in *x, or NULL. */
const char *mfs_xattr_find(const struct mfs_xattrs *x, const char *name);

/* The names, each NUL-terminated, into buf (cap bytes) as listxattr(2)
 * gives them; returns the length they need. */
size_t mfs_xattr_list(const struct mfs_xattrs *x, char *buf, size_t cap);

#endif
