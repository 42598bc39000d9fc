/* mountpoint.h - the directory mmstatsfs is mounted on, made ready. */
#ifndef MFS_MOUNTPOINT_H
#define MFS_MOUNTPOINT_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * The directory to mount on, held open: mounting on `at` mounts on that
 * directory, whatever is renamed or replaced on its path meanwhile.
 * `at` works only in this process and with /proc: mountroute.h says when
 * to give it, and when `path`.
 */
struct mfs_mountpoint {
	char *path;		/* canonical: where mountinfo lists it */
	int fd;			/* O_PATH, of the directory at path */
	char at[32];		/* "/proc/self/fd/<fd>" */
};

/*
 * Make `given` ready to be mounted on, and hold it in *mp: its canonical
 * path, and the directory itself, opened by walking that path from "/"
 * one component at a time without following a symbolic link.  A missing
 * last component is created (mode 0755 less the umask) when its parent
 * directory exists.  Returns 0, or -errno (mp then holds nothing):
 * -ENOTCONN for a FUSE mount whose daemon is gone, -EBUSY when it is
 * already an mmstatsfs mount, -ENOTDIR when it is no directory, -ESTALE
 * when a component of the path was replaced while it was looked at,
 * else what stat(2), mkdir(2), realpath(3) or openat(2) said.
 */
int mfs_mountpoint_prepare(const char *given, struct mfs_mountpoint *mp);

/*
 * Open (O_PATH) the directory at path, which is canonical (no ".", "..",
 * empty component or symbolic link in it), from "/", one component at a
 * time with O_NOFOLLOW: a component turned into a symbolic link since it
 * was made canonical fails (-ESTALE) instead of being followed.  Returns
 * the descriptor or -errno.
 */
int mfs_mountpoint_walk(const char *path);

/* Close what mfs_mountpoint_prepare() holds; only once unmounted. */
void mfs_mountpoint_close(struct mfs_mountpoint *mp);

/*
 * Whether one line of /proc/self/mountinfo is an mmstatsfs mount on
 * `path` (canonical) of device `dev`: the mount one sees at `path`.
 */
bool mfs_mountinfo_is_mmstatsfs(const char *line, const char *path,
				dev_t dev);

#endif
