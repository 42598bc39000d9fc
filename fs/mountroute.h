/*
 * mountroute.h - the name libfuse is given to mount on: the held
 * directory's descriptor (/proc/self/fd/N) only where that name works.
 */
#ifndef MFS_MOUNTROUTE_H
#define MFS_MOUNTROUTE_H

#include <stdbool.h>

#include "mountpoint.h"

/* What decides it, gathered by mfs_mount_facts_get(). */
struct mfs_mount_facts {
	bool auto_unmount;	/* -o auto_unmount: fusermount3 mounts */
	bool cap_sys_admin;	/* in our effective set: mount(2) is ours */
	bool mtab_regular;	/* /etc/mtab a regular file: libfuse writes
				   the name it was given there */
	bool at_reaches;	/* stat(mp->at) is the held directory */
};

/* The facts as they are now, for mp held by mfs_mountpoint_prepare(). */
void mfs_mount_facts_get(const struct mfs_mountpoint *mp, bool auto_unmount,
			 struct mfs_mount_facts *f);

/*
 * mp->at when libfuse will call mount(2) itself, may, finds the held
 * directory through /proc, and records no name in /etc/mtab; otherwise
 * mp->path, which fusermount3, a mount without /proc and /etc/mtab all
 * take, looked up again.
 */
const char *mfs_mount_target(const struct mfs_mountpoint *mp,
			     const struct mfs_mount_facts *f);

#endif
