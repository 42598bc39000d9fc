/*
 * strv.h - a growing vector of strings, each a copy, NULL-terminated.
 */
#ifndef MFS_STRV_H
#define MFS_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct mfs_strv {
	char **v;		/* NULL-terminated, or NULL while empty */
	size_t n, cap;
};

/* Append a copy of s; -ENOMEM (the vector is then as it was). */
int mfs_strv_add(struct mfs_strv *sv, const char *s);
bool mfs_strv_has(const struct mfs_strv *sv, const char *s);
void mfs_strv_free(struct mfs_strv *sv);

/*
 * Sort the n strings of v (borrowed, not copies) and drop the repeats;
 * returns how many are left.
 */
size_t mfs_sort_unique(char **v, size_t n);

#endif
