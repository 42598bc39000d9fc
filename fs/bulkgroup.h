/*
 * bulkgroup.h - what rendering a program's label file or a bulk file
 * (bulk.h) needs, copied out of the tree under the daemon's lock: its
 * labels, the files that may have them, and a program's kept counters.
 * The values are then loaded without the lock (bulkitems.h).
 */
#ifndef MFS_BULKGROUP_H
#define MFS_BULKGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "statfile.h"

/* The buffer a value is first rendered into; a longer one gets more. */
#define MFS_BULK_VALUE_MAX	4096

struct mfs_bulk_file {
	char *name;
	struct mfs_handle *h;
	bool main;		/* speaks for its process */
	bool rep;		/* of the process that speaks for the program */
	double created;
};

/* A file that has a label, and the label's field in it (-1: unknown). */
struct mfs_bulk_hit {
	size_t file;
	long field;
};

struct mfs_bulk_group {
	enum mfs_kind kind;
	bool prog;
	char *title;
	char *pname;		/* a program's name as its writers give it */
	char **labels;
	size_t nlabels;
	struct mfs_bulk_file *files;
	size_t nfiles;
	/*
	 * The files of label l: hits[at[l]] to hits[at[l + 1]], by file.
	 * One entry per field of the files, not files x labels: built by
	 * walking each file's fields once.  A program's label file lists
	 * every file (a file not held is read by name, as its own is).
	 */
	struct mfs_bulk_hit *hits;
	size_t *at;
	size_t maxhits;		/* of any one label */
	struct stat *ret_st;	/* owner and mode of each kept set */
	size_t nret;
	__int128 *ret_sum;	/* [r * nlabels + l] */
	double *ret_dsum;	/* [r * nlabels + l], a histogram's sum */
	bool *ret_has;
	struct mfs_kept *meta;	/* [l]: what a kept label was (name NULL:
				 * none kept), for a label no live file has */
	bool hist;		/* a program's histogram file (labels[0]) */
	struct mfs_kept *hkept;	/* its kept .sum and .le.* counters, summed
				 * over the kept sets */
	size_t nhkept;
};

/*
 * Copy out what rendering node ino needs into *g (zeroed), taking the
 * lock: -ENOTSUP when ino is neither a program's label file nor a bulk
 * file, -ENOENT when it is gone, -EWOULDBLOCK (nothing built) unless
 * `may_block` when it costs more than a request may do in the thread
 * serving the mount: more than MFS_INLINE_FIELDS fields or labels, or a
 * file not held mapped.  That is told from counts, before anything is
 * built; building is then linear in the fields.  mfs_bulk_group_free()
 * g in any case.
 */
int mfs_bulk_group_get(struct mfs *fs, fuse_ino_t ino, bool may_block,
		       struct mfs_bulk_group *g);
void mfs_bulk_group_free(struct mfs_bulk_group *g);

/* Where file `file` is among the hits of label l, or SIZE_MAX. */
size_t mfs_bulk_group_hit(const struct mfs_bulk_group *g, size_t l,
			  size_t file);

#endif
