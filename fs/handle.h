/*
 * handle.h - a source file held open by the daemon, shared by the model
 * and the operations reading it.
 *
 * The model owns one reference for as long as the file is the one under
 * its name; an open of a stat file takes another (under the daemon's
 * lock, where it finds the handle) and drops it when read, without the
 * lock.  The descriptor is closed with the last reference, so a reader
 * never preads a descriptor number that has meanwhile been reused.
 */
#ifndef MFS_HANDLE_H
#define MFS_HANDLE_H

struct mfs_handle {
	int fd;
	unsigned refs;		/* __atomic */
};

/* Take over fd with one reference, or NULL (fd closed) without memory. */
struct mfs_handle *mfs_handle_new(int fd);
/* Another reference, to a handle the caller holds or found under lock. */
struct mfs_handle *mfs_handle_get(struct mfs_handle *h);
/* Drop one reference (NULL is fine); the last one closes the file. */
void mfs_handle_put(struct mfs_handle *h);

#endif
