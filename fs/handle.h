/*
 * handle.h - a source file held mapped by the daemon, shared by the
 * model and the operations reading it.
 *
 * The model owns one reference for as long as the map is the one of the
 * file under its name, in its present shape; a read takes another (under
 * the daemon's lock, where it finds the handle) and drops it when done,
 * without the lock.  The map goes with the last reference, so a reader
 * never loads from a mapping that has meanwhile been unmapped.
 */
#ifndef MFS_HANDLE_H
#define MFS_HANDLE_H

#include "mmstats.h"

struct mfs_handle {
	struct mmstats_map *map;
	unsigned refs;		/* __atomic */
};

/* Take over map with one reference, or NULL (map closed) without memory. */
struct mfs_handle *mfs_handle_new(struct mmstats_map *map);
/* Another reference, to a handle the caller holds or found under lock. */
struct mfs_handle *mfs_handle_get(struct mfs_handle *h);
/* Drop one reference (NULL is fine); the last one closes the map. */
void mfs_handle_put(struct mfs_handle *h);

#endif
