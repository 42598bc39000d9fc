/*
 * mountpoint.c - the directory the tree is mounted on, checked and made
 * before the mount.
 *
 * A missing mountpoint is created, as mount(8) does with X-mount.mkdir,
 * because the usual one is under /run, which is empty after every boot,
 * and an fstab line runs before anything could make it.  Only the last
 * component is made, with mkdirat(2) in its parent, which never follows
 * a symbolic link put there; it is left after the unmount, as mount(8)
 * leaves it.  It is made with the caller's own rights: nothing a caller
 * could not do with mkdir(1).
 *
 * The path is resolved once: realpath(3), then the directory is opened
 * by walking that canonical path from "/" without following any symbolic
 * link, and checked to be what stat(2) saw; the mount goes on that
 * descriptor (/proc/self/fd/N), not on the path again.  Whoever may write
 * a directory on the path can no longer swap a component for a symbolic
 * link, between the check and the mount, to have root mount elsewhere.
 * Where that name does not work (no /proc, fusermount3, a regular
 * /etc/mtab: mountroute.c) the path is given, and resolved again.
 *
 * Mounting over a live mmstatsfs is refused: the second daemon would hide
 * the first, which would go on running unseen, and each unmount would
 * then take the wrong one.  The check and the mount are two steps, so two
 * daemons started at the same instant may still both mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mountpoint.h"

/*
 * Whether a directory made in the parent stays what was made: nobody but
 * root and us may replace it (with a symbolic link to where a mount must
 * not go) between its making and the mount.  In a directory others may
 * write, only the sticky bit keeps them from removing ours.
 */
static bool parent_trusted(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return false;
	return !(st.st_mode & (S_IWGRP | S_IWOTH)) || (st.st_mode & S_ISVTX);
}

/* mkdirat(2) the last component of path in its parent. */
static int make_last(const char *path)
{
	char *dir = strdup(path), *slash, *last;
	const char *parent = ".";
	int fd, err = 0;
	size_t n;

	if (!dir)
		return -ENOMEM;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')	/* "mnt/" names mnt */
		dir[--n] = '\0';
	slash = strrchr(dir, '/');
	last = slash ? slash + 1 : dir;
	if (!*last || !strcmp(last, ".") || !strcmp(last, "..")) {
		free(dir);
		return -ENOENT;
	}
	if (slash == dir)
		parent = "/";
	else if (slash) {
		*slash = '\0';
		parent = dir;
	}
	fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (!parent_trusted(fd))
		err = -EPERM;
	else if (mkdirat(fd, last, 0755) < 0 && errno != EEXIST)
		err = -errno;	/* EEXIST: made meanwhile; stat tells */
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

/* stat(2) path, creating it when only it is missing. */
static int stat_or_make(const char *path, struct stat *st)
{
	struct stat lst;
	int err;

	if (stat(path, st) == 0)
		return 0;
	err = -errno;
	/* a dangling symbolic link is missing too, but is not ours to fill */
	if (err != -ENOENT || lstat(path, &lst) == 0 || errno != ENOENT)
		return err;
	if ((err = make_last(path)) < 0)
		return err;
	return stat(path, st) < 0 ? -errno : 0;
}

/* The next field of a mountinfo line, its octal escapes undone, in place. */
static char *next_field(char **p)
{
	char *s = *p, *out, *f;

	while (*s == ' ')
		s++;
	if (!*s || *s == '\n')
		return NULL;
	for (f = out = s; *s && *s != ' ' && *s != '\n'; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*p = *s ? s + 1 : s;
	*out = '\0';
	return f;
}

/*
 * ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE ...
 * (proc(5)); names with spaces are escaped as \040.
 */
bool mfs_mountinfo_is_mmstatsfs(const char *line, const char *path,
				dev_t dev)
{
	char *copy = strdup(line), *p = copy, *f;
	unsigned maj, min;
	bool match = false;
	int i;

	if (!copy)
		return false;
	for (i = 0; i < 3 && (f = next_field(&p)); i++)
		;
	if (i < 3 || sscanf(f, "%u:%u", &maj, &min) != 2 ||
	    makedev(maj, min) != dev || !next_field(&p) ||
	    !(f = next_field(&p)) || strcmp(f, path))
		goto out;
	while ((f = next_field(&p)) && strcmp(f, "-"))
		;
	match = f && (f = next_field(&p)) && !strcmp(f, "fuse.mmstatsfs");
out:
	free(copy);
	return match;
}

/*
 * Whether the mount at path, of device dev, is an mmstatsfs.  Without
 * /proc nothing tells, and the mount goes on, on the path (mountroute.c).
 */
static bool is_mmstatsfs(const char *path, dev_t dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = mfs_mountinfo_is_mmstatsfs(line, path, dev);
	free(line);
	fclose(f);
	return found;
}

/*
 * Whether the daemon of the mount at path still answers.  stat(2) may be
 * answered from attributes the kernel has cached, an open never is: once
 * the daemon is gone it fails with ENOTCONN.
 */
static bool answers(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOTCONN;
}

int mfs_mountpoint_walk(const char *path)
{
	char *copy = strdup(path), *comp, *save = NULL;
	int fd, next, err;

	if (!copy)
		return -ENOMEM;
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	err = errno;
	for (comp = strtok_r(copy, "/", &save); comp && fd >= 0;
	     comp = strtok_r(NULL, "/", &save)) {
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
		err = errno;	/* close() may change it */
		close(fd);
		fd = next;
	}
	if (fd < 0)
		fd = err == ELOOP || err == ENOTDIR ? -ESTALE : -err;
	free(copy);
	return fd;
}

/* Whether the directory held is the one stat(2) saw at the given path. */
static int pin(struct mfs_mountpoint *mp, const struct stat *seen)
{
	struct stat st;

	if ((mp->fd = mfs_mountpoint_walk(mp->path)) < 0)
		return mp->fd;
	if (fstat(mp->fd, &st) < 0)
		return -errno;
	if (st.st_dev != seen->st_dev || st.st_ino != seen->st_ino)
		return -ESTALE;
	snprintf(mp->at, sizeof(mp->at), "/proc/self/fd/%d", mp->fd);
	return 0;
}

void mfs_mountpoint_close(struct mfs_mountpoint *mp)
{
	free(mp->path);
	if (mp->fd >= 0)
		close(mp->fd);
	mp->path = NULL;
	mp->fd = -1;
	mp->at[0] = '\0';
}

static int check(const char *given, struct mfs_mountpoint *mp)
{
	struct stat st;
	int err;

	if ((err = stat_or_make(given, &st)) < 0)
		return err;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (!(mp->path = realpath(given, NULL)))
		return -errno;
	if (is_mmstatsfs(mp->path, st.st_dev))
		return answers(mp->path) ? -EBUSY : -ENOTCONN;
	return pin(mp, &st);
}

int mfs_mountpoint_prepare(const char *given, struct mfs_mountpoint *mp)
{
	int err;

	memset(mp, 0, sizeof(*mp));
	mp->fd = -1;
	if ((err = check(given, mp)) < 0)
		mfs_mountpoint_close(mp);
	return err;
}
