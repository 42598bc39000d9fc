/*
 * mmstatsfs.h - the daemon's state, shared by the FUSE operations and the
 * watcher thread.
 *
 * One mutex guards the tree and the model.  Nothing that can block on the
 * kernel happens under it: files are read before it is taken, and cache
 * invalidations are queued in `changes` and sent by the watcher thread
 * once it is dropped (the kernel may be waiting on a request that needs
 * the lock, or, from a request handler, on the very request being served).
 */
#ifndef MFS_MMSTATSFS_H
#define MFS_MMSTATSFS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>

#include "model.h"
#include "tree.h"

struct mfs {
	pthread_mutex_t lock;
	struct mfs_tree tree;
	struct mfs_model model;
	struct mfs_changes changes;	/* for the kernel, under lock */
	int srcfd;			/* the source directory */
	int epfd;			/* watcher: inotify, pidfds, wake, timer */
	int inofd, wakefd, timerfd;
	bool stopping;			/* __atomic: watcher, stop now */
	bool watching;
	pthread_t watcher;
	struct fuse_session *se;
	uint64_t generation;		/* of every inode of this mount */
	double timeout;			/* entry and attribute cache, seconds */
};

/* Open the source directory and the watcher's descriptors. */
int mfs_init(struct mfs *fs, const char *source);
void mfs_destroy(struct mfs *fs);

/* Read these source files and bring the model up to date. */
void mfs_refresh(struct mfs *fs, char *const *names, size_t n);
void mfs_refresh_one(struct mfs *fs, const char *name);
void mfs_refresh_pid(struct mfs *fs, pid_t pid);
void mfs_refresh_pending(struct mfs *fs);
/* Read the whole source directory again. */
void mfs_rescan(struct mfs *fs);

/* Have the watcher send the queued changes to the kernel. */
void mfs_kick(struct mfs *fs);
/* Send them now (watcher thread only). */
void mfs_send_changes(struct mfs *fs);

int mfs_watch_start(struct mfs *fs);
void mfs_watch_stop(struct mfs *fs);

extern const struct fuse_lowlevel_ops mfs_ops;

#endif
