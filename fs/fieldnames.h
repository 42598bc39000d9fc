/*
 * fieldnames.h - the file names of every field of a file, and the field a
 * name stands for.
 */
#ifndef MFS_FIELDS_H
#define MFS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmstats.h"

/*
 * Names [0, nfields) are the fields' own: name i is snap->stats[i]'s.
 * Names [nfields, n) are the histograms': name i stands for the .sum
 * field hist_sum[i - nfields].  n counts all names, nfields only the
 * first ones: n - nfields histograms, each with its one entry in
 * hist_sum, so that a field's name costs no map entry.
 */
struct mfs_fieldnames {
	size_t n;		/* all names */
	size_t nfields;		/* the fields' names: snap->nstats */
	char **name;		/* name[i]: a file name */
	uint32_t *hist_sum;	/* n - nfields: the .sum of each histogram */
	char *arena;		/* where the names are */
	uint32_t *table;	/* by name: name index + 1, 0 free */
	size_t mask;		/* of table, a power of two minus one */
	uint64_t seed;		/* of table's hash */
};

/*
 * Name every field of snap (mfs_name_encode), numbering duplicates in
 * file order so that each name is unique within the file.  Linear in the
 * number of fields, however many share a label.  Then each histogram
 * (a field whose notes say it is a histogram's sum) gets a name of its
 * own, its name's (the first notes.name_len bytes of the label), unless
 * a field or an earlier histogram has that name: the name stands for the
 * .sum field (histfile.h).
 */
int mfs_fieldnames_make(const struct mmstats_snapshot *snap,
			struct mfs_fieldnames *out);
void mfs_fieldnames_free(struct mfs_fieldnames *fn);

/*
 * Index of the field named `name` (for a histogram's name, its .sum's),
 * or -1.  One hash probe sequence.
 */
long mfs_fieldnames_find(const struct mfs_fieldnames *fn, const char *name);

/* The field name i (< fn->n) stands for: i, or a histogram's .sum. */
static inline size_t mfs_fieldnames_field(const struct mfs_fieldnames *fn,
					  size_t i)
{
	return i < fn->nfields ? i : fn->hist_sum[i - fn->nfields];
}

/* Whether `name` is a histogram's name (not a field's) in fn. */
bool mfs_fieldnames_is_hist(const struct mfs_fieldnames *fn, const char *name);

#endif
