/*
 * handle.c - reference-counted maps of source files.
 */
#include <stdlib.h>

#include "handle.h"

struct mfs_handle *mfs_handle_new(struct mmstats_map *map)
{
	struct mfs_handle *h = malloc(sizeof(*h));

	if (!h) {
		mmstats_map_close(map);
		return NULL;
	}
	h->map = map;
	h->refs = 1;
	return h;
}

struct mfs_handle *mfs_handle_get(struct mfs_handle *h)
{
	if (h)
		__atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
	return h;
}

void mfs_handle_put(struct mfs_handle *h)
{
	if (!h || __atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL))
		return;
	mmstats_map_close(h->map);
	free(h);
}
