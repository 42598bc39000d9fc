/*
 * srcdir.c - the source directory, held open and followed by its path.
 *
 * Every file is read through the directory's descriptor (openat), never
 * by a path that may have changed meanwhile.  When the path stops naming
 * that directory (removed, moved away, replaced by a rename, a file
 * system unmounted from under it), what it showed goes, and the path is
 * opened again, as at start, until a directory is there: the new one
 * takes the old descriptor's number (dup3), so no reader of fs->srcfd
 * has to know.
 *
 * rmdir() says nothing to a watch on the directory itself while a
 * descriptor holds it (the kernel sends IN_DELETE_SELF when the last
 * reference goes, and ours is one).  So the parent is watched too, for
 * removals and renames of the name, and for its own move; those events
 * and the directory's own IN_MOVE_SELF or lost watch are hints only: what
 * decides is whether the path still names the inode held.  Mounts give
 * no inotify event: a change of the mount table (/proc/self/mountinfo
 * polls with POLLPRI) makes the same comparison, so that a file system
 * mounted over the path or unmounted from under it is followed too.
 *
 * fs->srcepoch is odd while the source is missing.  Readers take it
 * before they read and apply what they read only if it has not changed
 * meanwhile, so nothing read from a directory that went is ever shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mmstatsfs.h"

/* A symlink in the last component is never followed, at start or after. */
#define DIR_FLAGS	(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

#define DIR_EVENTS	(IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | \
			 IN_ATTRIB | IN_CLOSE_WRITE | IN_MODIFY | IN_ONLYDIR | \
			 IN_DELETE_SELF | IN_MOVE_SELF)
#define PARENT_EVENTS	(IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
			 IN_MOVE_SELF | IN_DELETE_SELF | IN_ONLYDIR)

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* The directory at path, if it is one and still linked; or -errno. */
static int open_dir(const char *path)
{
	struct stat st;
	int fd, err;

	if ((fd = open(path, DIR_FLAGS)) < 0)
		return -errno;
	err = fstat(fd, &st) < 0 ? -errno : st.st_nlink == 0 ? -ENOENT : 0;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The path of the directory open at fd, absolute and without ".", ".."
 * or symlinks (the daemon leaves its working directory when it goes to
 * the background), checked to name that very directory.
 */
static int path_of(struct mfs *fs, const char *source, int fd)
{
	struct stat held, named;
	char *slash;

	if (!(fs->srcpath = realpath(source, NULL)))
		return -errno;
	if (lstat(fs->srcpath, &named) < 0 || fstat(fd, &held) < 0)
		return -errno;
	if (!same_inode(&named, &held))
		return -EAGAIN;		/* replaced while we opened it */
	slash = strrchr(fs->srcpath, '/');
	fs->srcbase = slash + 1;
	fs->srcparent = slash == fs->srcpath ? strdup("/") :
			strndup(fs->srcpath, (size_t)(slash - fs->srcpath));
	return fs->srcparent ? 0 : -ENOMEM;
}

int mfs_srcdir_open(struct mfs *fs, const char *source)
{
	fs->srcwd = fs->parentwd = fs->mntfd = -1;
	if ((fs->srcfd = open_dir(source)) < 0)
		return fs->srcfd;
	return path_of(fs, source, fs->srcfd);
}

void mfs_srcdir_close(struct mfs *fs)
{
	if (fs->srcfd >= 0)
		close(fs->srcfd);
	if (fs->mntfd >= 0)
		close(fs->mntfd);
	fs->mntfd = -1;
	free(fs->srcpath);
	free(fs->srcparent);
	fs->srcfd = -1;
	fs->srcpath = fs->srcparent = NULL;
	fs->srcbase = NULL;
}

/* inotify on the directory open at fd, even if its path changes. */
static int watch_fd(struct mfs *fs, int fd)
{
	char path[64];
	int wd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	wd = inotify_add_watch(fs->inofd, path, DIR_EVENTS);
	return wd < 0 ? -errno : wd;
}

/* The root has no parent to lose it from. */
static int watch_parent(struct mfs *fs)
{
	int wd;

	if (!fs->srcbase[0])
		return -1;
	wd = inotify_add_watch(fs->inofd, fs->srcparent, PARENT_EVENTS);
	return wd < 0 ? -errno : wd;
}

int mfs_srcdir_watch(struct mfs *fs)
{
	int wd, pwd;

	if ((pwd = watch_parent(fs)) < -1)
		return pwd;
	if ((wd = watch_fd(fs, fs->srcfd)) < 0)
		return wd;
	fs->srcwd = wd;
	fs->parentwd = pwd;
	/* without it, only mounts go unnoticed */
	fs->mntfd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fs->mntfd < 0)
		mfs_log(LOG_WARNING, "/proc/self/mountinfo: %s: mounts on the "
			"source path are not followed", strerror(errno));
	return 0;
}

unsigned mfs_srcdir_epoch(struct mfs *fs)
{
	return __atomic_load_n(&fs->srcepoch, __ATOMIC_ACQUIRE);
}

bool mfs_srcdir_missing(struct mfs *fs)
{
	return mfs_srcdir_epoch(fs) & 1;
}

/*
 * A watch that went (IN_IGNORED: removed, or its file system unmounted)
 * tells nothing more: forgetting it makes mfs_srcdir_moved() true, so
 * that both are made again.
 */
bool mfs_srcdir_event(struct mfs *fs, const struct inotify_event *ev)
{
	int *wd = ev->wd == fs->srcwd ? &fs->srcwd :
		  ev->wd == fs->parentwd ? &fs->parentwd : NULL;

	if (!wd || *wd < 0)
		return false;		/* an old watch's last words */
	if (ev->mask & IN_IGNORED)
		*wd = -1;
	if (wd == &fs->srcwd)
		return ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT |
				   IN_IGNORED);
	return !ev->len || !strcmp(ev->name, fs->srcbase);
}

bool mfs_srcdir_moved(struct mfs *fs)
{
	struct stat held, named;

	if (fs->srcwd < 0 || (fs->srcbase[0] && fs->parentwd < 0))
		return true;
	if (fstat(fs->srcfd, &held) < 0 || held.st_nlink == 0)
		return true;
	if (lstat(fs->srcpath, &named) < 0)
		return errno == ENOENT || errno == ENOTDIR;
	return !same_inode(&held, &named);
}

static void forget_watch(struct mfs *fs, int *wd)
{
	if (*wd >= 0)
		inotify_rm_watch(fs->inofd, *wd);
	*wd = -1;
}

/*
 * The old directory is let go at once (a removed one's storage, a moved
 * one's files): its number now holds a descriptor that is no directory,
 * the wake-up eventfd, through which every openat() fails (ENOTDIR).
 */
void mfs_srcdir_lose(struct mfs *fs)
{
	mfs_log(LOG_WARNING, "source directory %s was removed, moved away or "
		"replaced: waiting for it to come back", fs->srcpath);
	forget_watch(fs, &fs->srcwd);
	pthread_mutex_lock(&fs->lock);
	__atomic_store_n(&fs->srcepoch, fs->srcepoch + 1, __ATOMIC_RELEASE);
	if (dup3(fs->wakefd, fs->srcfd, O_CLOEXEC) < 0)
		mfs_log(LOG_ERR, "dup3: %s", strerror(errno));
	mfs_model_forget_all(&fs->model, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
	fs->reopen_err = 0;
}

/* Say why the path cannot be opened, once per reason. */
static void log_reopen(struct mfs *fs, int err)
{
	if (err == fs->reopen_err)
		return;
	fs->reopen_err = err;
	if (err != -ENOENT)
		mfs_log(LOG_WARNING, "source directory %s: %s%s", fs->srcpath,
			err == -ENOTDIR ? "not a directory (a symlink is not "
			"followed)" : strerror(-err), ": still waiting");
}

/*
 * The parent is watched first (again: it may be another directory now),
 * so that the new directory cannot go unnoticed once it is opened.
 */
static int reopen(struct mfs *fs)
{
	int fd, wd, pwd, err;

	if ((pwd = watch_parent(fs)) < -1)
		return pwd;
	if (pwd != fs->parentwd) {
		forget_watch(fs, &fs->parentwd);
		fs->parentwd = pwd;
	}
	if ((fd = open_dir(fs->srcpath)) < 0)
		return fd;
	if ((wd = watch_fd(fs, fd)) < 0) {
		close(fd);
		return wd;
	}
	pthread_mutex_lock(&fs->lock);
	err = dup3(fd, fs->srcfd, O_CLOEXEC) < 0 ? -errno : 0;
	if (!err)
		__atomic_store_n(&fs->srcepoch, fs->srcepoch + 1,
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&fs->lock);
	close(fd);
	if (err) {
		inotify_rm_watch(fs->inofd, wd);
		return err;
	}
	fs->srcwd = wd;
	return 0;
}

int mfs_srcdir_reopen(struct mfs *fs)
{
	int err = reopen(fs);

	if (err < 0) {
		log_reopen(fs, err);
		return err;
	}
	mfs_log(LOG_NOTICE, "source directory %s is back", fs->srcpath);
	return 0;
}
