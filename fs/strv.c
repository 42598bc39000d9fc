/*
 * strv.c - vectors of strings.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int mfs_strv_add(struct mfs_strv *sv, const char *s)
{
	size_t cap = sv->cap ? 2 * sv->cap : 16;
	char **v, *copy;

	if (sv->n + 1 >= sv->cap) {
		if (!(v = realloc(sv->v, cap * sizeof(*v))))
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	if (!(copy = strdup(s)))
		return -ENOMEM;
	sv->v[sv->n++] = copy;
	sv->v[sv->n] = NULL;
	return 0;
}

bool mfs_strv_has(const struct mfs_strv *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

void mfs_strv_free(struct mfs_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t mfs_sort_unique(char **v, size_t n)
{
	size_t i, k = 0;

	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]))
			v[k++] = v[i];
	return k;
}
