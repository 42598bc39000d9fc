/*
 * handle.c - reference-counted descriptors of source files.
 */
#include <stdlib.h>
#include <unistd.h>

#include "handle.h"

struct mfs_handle *mfs_handle_new(int fd)
{
	struct mfs_handle *h = malloc(sizeof(*h));

	if (!h) {
		close(fd);
		return NULL;
	}
	h->fd = fd;
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
	close(h->fd);
	free(h);
}
