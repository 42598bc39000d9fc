/*
 * snapshot.c - read a file of a live writer into a snapshot.
 *
 * Files are read through a read-only shared mapping (mapped.c), never
 * with read(): the kernel's copy is not single-copy atomic, a load from
 * the mapping is.  The mapping lives for the one read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "mapped.h"

int mmstats_read_fd_sized(int fd, off_t size, struct mmstats_snapshot *snap)
{
	struct mms_mapped m;
	struct stat st;
	int err;

	if (size <= 0) {
		memset(snap, 0, sizeof(*snap));
		if (fstat(fd, &st) < 0)
			snap->err = mms_error(-errno, "fstat: %s",
					      strerror(errno));
		else if (!S_ISREG(st.st_mode))
			snap->err = mms_error(-EINVAL, "not a regular file");
		if (snap->err) {
			snprintf(snap->errmsg, sizeof(snap->errmsg), "%s",
				 mmstats_last_error());
			return snap->err;
		}
		size = st.st_size;
	}
	err = mms_mapped_read(fd, (size_t)size, NULL, snap, false, &m, &st);
	mms_mapped_release(&m);
	return err;
}

int mmstats_read_fd(int fd, struct mmstats_snapshot *snap)
{
	return mmstats_read_fd_sized(fd, 0, snap);
}

static int check_regular(const char *name, const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	if (S_ISLNK(st->st_mode))
		return mms_error(-ELOOP, "%s: is a symbolic link, not followed",
				 name);
	if (S_ISDIR(st->st_mode))
		return mms_error(-EISDIR, "%s: is a directory", name);
	return mms_error(-EINVAL, "%s: not a regular file, not opened", name);
}

/*
 * Without /proc: the lstat before the open keeps FIFOs and devices named
 * so from being opened, and the fstat after it tells the file opened is
 * the one looked at.  One swapped in between the two is opened, then
 * refused.
 */
static int open_checked(int dirfd, const char *name, struct stat *after)
{
	struct stat before;
	int fd, err;

	if (fstatat(dirfd, name, &before, AT_SYMLINK_NOFOLLOW) < 0)
		return mms_error(-errno, "%s: %s", name, strerror(errno));
	err = check_regular(name, &before);
	if (err)
		return err;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mms_error(-errno, "%s: %s", name, strerror(errno));
	if (fstat(fd, after) < 0) {
		err = mms_error(-errno, "%s: %s", name, strerror(errno));
	} else if (!S_ISREG(after->st_mode) || after->st_dev != before.st_dev ||
		   after->st_ino != before.st_ino) {
		err = mms_error(-ESTALE, "%s: replaced while being opened",
				name);
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * An O_PATH descriptor names an inode without opening it (no FIFO
 * rendezvous, no device driver's open): its fstat decides, and only
 * then is that very inode opened, through /proc/self/fd, so nothing
 * swapped in under the name meanwhile can be opened.
 */
int mmstats_open_at(int dirfd, const char *name, struct stat *st)
{
	char proc[32];
	int path, fd, err;

	path = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (path < 0)
		return mms_error(-errno, "%s: %s", name, strerror(errno));
	if (fstat(path, st) < 0)
		err = mms_error(-errno, "%s: %s", name, strerror(errno));
	else
		err = check_regular(name, st);
	if (err) {
		close(path);
		return err;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	err = fd < 0 ? errno : 0;
	close(path);
	if (fd >= 0)
		return fd;
	if (err == ENOENT)	/* no /proc here */
		return open_checked(dirfd, name, st);
	return mms_error(-err, "%s: %s", name, strerror(err));
}

int mmstats_read_at(int dirfd, const char *name, struct mmstats_snapshot *snap)
{
	char why[sizeof(snap->errmsg)];
	struct stat st;
	int fd, err;

	memset(snap, 0, sizeof(*snap));
	fd = mmstats_open_at(dirfd, name, &st);
	if (fd < 0) {
		snap->err = fd;
		snprintf(snap->errmsg, sizeof(snap->errmsg), "%s",
			 mmstats_last_error());
		return fd;
	}
	err = mmstats_read_fd_sized(fd, st.st_size, snap);
	close(fd);
	if (err) {
		snprintf(why, sizeof(why), "%s", mmstats_last_error());
		mms_error(err, "%s: %s", name, why);
	}
	return err;
}

void mmstats_snapshot_free(struct mmstats_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->data);
	free(snap->stats);
	free(snap->labels);
	memset(snap, 0, sizeof(*snap));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

const struct mmstats_stat *
mmstats_snapshot_find(const struct mmstats_snapshot *snap, const char *suffix)
{
	size_t i;

	/* the last one, as the reference's tools keep the last they see */
	for (i = snap->nstats; i-- > 0;)
		if (ends_with(snap->stats[i].label, suffix))
			return &snap->stats[i];
	return NULL;
}
