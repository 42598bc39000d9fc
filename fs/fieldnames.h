/*
 * fieldnames.h - the file names of every field of a file, and the field a
 * name stands for.
 */
#ifndef MFS_FIELDS_H
#define MFS_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "mmstats.h"

struct mfs_fieldnames {
	size_t n;
	char **name;		/* name[i] is the file of snap->stats[i] */
	char *arena;		/* where the names are */
	uint32_t *table;	/* by name: field index + 1, 0 free */
	size_t mask;		/* of table, a power of two minus one */
	uint64_t seed;		/* of table's hash */
};

/*
 * Name every field of snap (mfs_name_encode), numbering duplicates in
 * file order so that each name is unique within the file.  Linear in the
 * number of fields, however many share a label.
 */
int mfs_fieldnames_make(const struct mmstats_snapshot *snap,
			struct mfs_fieldnames *out);
void mfs_fieldnames_free(struct mfs_fieldnames *fn);

/* Index of the field named `name`, or -1.  One hash probe sequence. */
long mfs_fieldnames_find(const struct mfs_fieldnames *fn, const char *name);

#endif
