/*
 * bulk.h - the files that read many values at once: a program's summed
 * labels (/programs/<name>/<label>), and the bulk files %all (the text
 * slurpstats prints) and %metrics (Prometheus text) of /<pid>/ and
 * /programs/<name>/, which hold every label of their directory with the
 * value its own file shows.
 *
 * What is needed is copied out of the tree under the daemon's lock
 * (bulkgroup.h); the values are loaded once it is dropped (bulkitems.h),
 * from the held maps, as every value is.  A reader needs read permission
 * on every file that gives a value (and on the owner and mode of every
 * kept counter).
 */
#ifndef MFS_BULK_H
#define MFS_BULK_H

#include "statfile.h"

/*
 * Render node ino for `who` into *out, if it is one of those files:
 * -ENOTSUP when it is not (mfs_statfile_render renders it), else as
 * mfs_statfile_render() does.
 */
int mfs_bulk_render(struct mfs *fs, const struct mfs_caller *who,
		    fuse_ino_t ino, struct mfs_text **out);

/* What a program's label file means: its extended attributes (xattr.h). */
struct mfs_notes_copy {
	enum mmstats_metric metric;
	bool histogram;			/* the file is a histogram's */
	char unit[MMSTATS_UNIT_MAX + 1];
	char help[MMSTATS_HELP_MAX + 1];
};

/*
 * The notes of /programs/<name>/<label> (node ino) for `who`: those of
 * the field whose value it shows (the oldest live process's), else, for
 * a label only kept counters have, those their field had.  -ENOTSUP when
 * ino is no such file; else as mfs_bulk_render().
 */
int mfs_bulk_notes(struct mfs *fs, const struct mfs_caller *who,
		   fuse_ino_t ino, struct mfs_notes_copy *nc);

#endif
