/* fields.h - the file names of every field of a snapshot. */
#ifndef MFS_FIELDS_H
#define MFS_FIELDS_H

#include <stddef.h>

#include "mmstats.h"

struct mfs_fieldnames {
	size_t n;
	char **name;		/* name[i] is the file of snap->stats[i] */
};

/*
 * Name every field of snap (mfs_name_encode), numbering duplicates in
 * file order so that each name is unique within the file.
 */
int mfs_fieldnames_make(const struct mmstats_snapshot *snap,
			struct mfs_fieldnames *out);
void mfs_fieldnames_free(struct mfs_fieldnames *fn);

/* Index of `name`, or -1. */
long mfs_fieldnames_find(const struct mfs_fieldnames *fn, const char *name);

/*
 * Index of the field of snap named `name` (as mfs_fieldnames_make() would
 * name it), or -1, or -ENOMEM.  Without allocating for names that decode
 * back to a label: the n-th duplicate of a label is its n-th field.
 */
long mfs_field_lookup(const struct mmstats_snapshot *snap, const char *name);

#endif
