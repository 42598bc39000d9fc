/*
 * state.c - the daemon's descriptors, and delivery of cache changes.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mmstatsfs.h"

void mfs_kick(struct mfs *fs)
{
	uint64_t one = 1;

	if (fs->wakefd >= 0 && write(fs->wakefd, &one, sizeof(one)) < 0)
		mfs_log(LOG_DEBUG, "wake: %s", strerror(errno));
}

/*
 * Tell the kernel one change.  ENOENT: it had already let go of the
 * entry or inode, which is no news; anything else leaves its cache stale
 * until the entry times out, and is said.
 */
static void notify(struct mfs *fs, const struct mfs_change *c)
{
	int err;

	static const char *const what[] = {
		[MFS_CHANGE_ATTR] = "changed", [MFS_CHANGE_GONE] = "is gone",
		[MFS_CHANGE_NAME] = "is seen by others",
	};

	if (c->kind == MFS_CHANGE_GONE)
		err = fuse_lowlevel_notify_delete(fs->se, c->parent, c->ino,
						  c->name, strlen(c->name));
	else if (c->kind == MFS_CHANGE_NAME)
		err = fuse_lowlevel_notify_inval_entry(fs->se, c->parent,
						       c->name,
						       strlen(c->name));
	else
		err = fuse_lowlevel_notify_inval_inode(fs->se, c->ino, -1, 0);
	if (err < 0 && err != -ENOENT)
		mfs_log(LOG_WARNING, "telling the kernel that inode %llu %s: "
			"%s (cached for up to %g s)", (unsigned long long)c->ino,
			what[c->kind], strerror(-err), fs->timeout);
}

long mfs_send_changes(struct mfs *fs)
{
	struct mfs_changes ch;
	size_t i;
	long wait;

	pthread_mutex_lock(&fs->lock);
	wait = mfs_model_flush(&fs->model, &fs->changes);
	ch = fs->changes;
	memset(&fs->changes, 0, sizeof(fs->changes));
	pthread_mutex_unlock(&fs->lock);
	for (i = 0; fs->se && i < ch.n; i++)
		notify(fs, &ch.v[i]);
	if (ch.oom)
		mfs_log(LOG_ERR, "out of memory: kernel caches may be stale "
			"for up to %g s", fs->timeout);
	mfs_changes_free(&ch);
	return wait;
}

int mfs_init(struct mfs *fs, const char *source)
{
	int err, i;

	memset(fs, 0, sizeof(*fs));
	if ((err = mfs_lane_init(&fs->lane)) < 0)
		return err;
	for (i = 0; i < MFS_NAME_LOCKS; i++)
		pthread_mutex_init(&fs->name_locks[i], NULL);
	fs->inofd = fs->wakefd = fs->timerfd = fs->epfd = -1;
	fs->timeout = 1.0;
	fs->generation = (uint64_t)time(NULL);
	pthread_mutex_init(&fs->lock, NULL);
	if ((err = mfs_srcdir_open(fs, source)) < 0) {
		mfs_destroy(fs);
		return err;
	}
	fs->epfd = epoll_create1(EPOLL_CLOEXEC);
	fs->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	fs->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	fs->timerfd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (fs->epfd < 0 || fs->inofd < 0 || fs->wakefd < 0 ||
	    fs->timerfd < 0) {
		err = -errno;
		mfs_destroy(fs);
		return err;
	}
	if ((err = mfs_srcdir_watch(fs)) < 0) {
		mfs_destroy(fs);
		return err;
	}
	err = mfs_tree_init(&fs->tree, 0555);
	if (!err && (err = mfs_model_init(&fs->model, &fs->tree,
					  fs->epfd)) < 0)
		mfs_tree_destroy(&fs->tree);
	fs->model.coalesce = true;	/* mfs_send_changes() flushes */
	fs->model.srcfd = fs->srcfd;	/* srcdir.c keeps its number */
	if (err) {
		fs->tree.root = NULL;
		mfs_destroy(fs);
	}
	return err;
}

void mfs_destroy(struct mfs *fs)
{
	int i;

	if (fs->tree.root) {
		mfs_model_destroy(&fs->model);
		mfs_tree_destroy(&fs->tree);
	}
	mfs_changes_free(&fs->changes);
	mfs_srcdir_close(fs);
	if (fs->epfd >= 0)
		close(fs->epfd);
	if (fs->inofd >= 0)
		close(fs->inofd);
	if (fs->wakefd >= 0)
		close(fs->wakefd);
	if (fs->timerfd >= 0)
		close(fs->timerfd);
	pthread_mutex_destroy(&fs->lock);
	for (i = 0; i < MFS_NAME_LOCKS; i++)
		pthread_mutex_destroy(&fs->name_locks[i]);
	mfs_lane_destroy(&fs->lane);
	fs->epfd = fs->inofd = fs->wakefd = fs->timerfd = -1;
}
