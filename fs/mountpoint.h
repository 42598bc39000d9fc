/* mountpoint.h - the directory mmstatsfs is mounted on, made ready. */
#ifndef MFS_MOUNTPOINT_H
#define MFS_MOUNTPOINT_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Make `given` ready to be mounted on, and name it by its canonical
 * path in *real (malloc'd; NULL on error).  A missing last component is
 * created (mode 0755 less the umask) when its parent directory exists.
 * Returns 0, or -errno: -ENOTCONN for a FUSE mount whose daemon is gone,
 * -EBUSY when it is already an mmstatsfs mount, -ENOTDIR when it is no
 * directory, else what stat(2), mkdir(2) or realpath(3) said.
 */
int mfs_mountpoint_prepare(const char *given, char **real);

/*
 * Whether one line of /proc/self/mountinfo is an mmstatsfs mount on
 * `path` (canonical) of device `dev`: the mount one sees at `path`.
 */
bool mfs_mountinfo_is_mmstatsfs(const char *line, const char *path,
				dev_t dev);

#endif
