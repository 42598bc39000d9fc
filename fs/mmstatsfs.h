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

#include "lane.h"
#include "sources.h"
#include "tree.h"

/* Locks of source names, each taken before `lock` (see scan.c). */
#define MFS_NAME_LOCKS	64

struct mfs {
	pthread_mutex_t lock;
	pthread_mutex_t name_locks[MFS_NAME_LOCKS];
	struct mfs_tree tree;
	struct mfs_model model;
	struct mfs_changes changes;	/* for the kernel, under lock */
	struct mfs_lane lane;		/* workers for reading files */
	int srcfd;			/* the source directory, see srcdir.c */
	char *srcpath;			/* its absolute path, to find it again */
	char *srcparent;		/* that path's directory */
	const char *srcbase;		/* and last component, in srcpath */
	int srcwd, parentwd;		/* their inotify watches, or -1 */
	int mntfd;			/* /proc/self/mountinfo, or -1 */
	unsigned srcepoch;		/* __atomic; odd: the source is missing */
	int reopen_err;			/* why it could not be opened last */
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

/*
 * The source directory (srcdir.c).  Open it at start, never through a
 * symlink in the last component, and watch it, its parent and the mount
 * table; the rest is the watcher's: given each inotify event,
 * mfs_srcdir_event() says whether it may mean that the path names
 * another directory now, or none, which mfs_srcdir_moved() then tells (a
 * change of the mount table may mean that too).  mfs_srcdir_lose()
 * forgets all the source showed, the programs' kept counters too
 * (mfs_model_forget_all); mfs_srcdir_reopen() opens the path
 * again (0 when it did: rescan it).  Readers take mfs_srcdir_epoch()
 * before they read, and apply what they read under the lock only if it
 * is unchanged.
 */
int mfs_srcdir_open(struct mfs *fs, const char *source);
int mfs_srcdir_watch(struct mfs *fs);
void mfs_srcdir_close(struct mfs *fs);
unsigned mfs_srcdir_epoch(struct mfs *fs);
bool mfs_srcdir_missing(struct mfs *fs);
struct inotify_event;
bool mfs_srcdir_event(struct mfs *fs, const struct inotify_event *ev);
bool mfs_srcdir_moved(struct mfs *fs);
void mfs_srcdir_lose(struct mfs *fs);
int mfs_srcdir_reopen(struct mfs *fs);

/* Read these source files and bring the model up to date. */
void mfs_refresh(struct mfs *fs, char *const *names, size_t n);
/*
 * Read one, for the lane: /<pid> directories it changes are brought up
 * to date by the watcher (mfs_model_flush), with those of other reads.
 */
void mfs_refresh_queued(struct mfs *fs, const char *name);
/*
 * Have the lane's workers do that, each name in its owner's turn (a stat
 * tells the owner; a name gone is forgotten here and now).
 */
void mfs_queue_refresh(struct mfs *fs, char *const *names, size_t n);
/* Queue every name of the source directory (files left out may fit). */
void mfs_queue_all(struct mfs *fs);
void mfs_refresh_one(struct mfs *fs, const char *name);
void mfs_refresh_pid(struct mfs *fs, pid_t pid);
/* Files not parsed yet (mfs_model_pending), now or, with queue, queued. */
void mfs_refresh_pending(struct mfs *fs, bool queue);
/*
 * Read the whole source directory again: what is no longer listed goes
 * at once, the rest is queued (mfs_queue_refresh).
 */
void mfs_rescan(struct mfs *fs);
/*
 * A read found the file of source `name`, mapped as h, shrunk to st's
 * size under its fields: log it once (mfs_model_shrank), and have the
 * lane read it again.
 */
void mfs_source_shrank(struct mfs *fs, const char *name,
		       const struct mfs_handle *h, const struct stat *st);

/* Have the watcher send the queued changes to the kernel. */
void mfs_kick(struct mfs *fs);
/*
 * Bring the /<pid> directories of the changes up to date, and send the
 * changes now (watcher thread only).  Returns the milliseconds after
 * which to call it again for the directories left (mfs_model_flush), or
 * -1.
 */
long mfs_send_changes(struct mfs *fs);

int mfs_watch_start(struct mfs *fs);
void mfs_watch_stop(struct mfs *fs);

extern const struct fuse_lowlevel_ops mfs_ops;

#endif
