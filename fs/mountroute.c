/*
 * mountroute.c - mount on the held descriptor, or on the path.
 *
 * The descriptor's name, /proc/self/fd/N, is only good in this process
 * and with /proc mounted.  libfuse 3.14 gives that name to fusermount3
 * for auto_unmount, and also when mount(2) fails with EPERM (no
 * CAP_SYS_ADMIN, even as root): fusermount3, another process without our
 * descriptors, finds nothing there.  As root libfuse also writes the
 * name it was given into /etc/mtab when that is a regular file, where
 * /proc/<pid>/fd/N would name nothing once we are gone.  In each of these
 * cases the canonical path is given instead, as before the descriptor
 * was held: looked up again, but the mount still goes on.
 */
#include <linux/capability.h>
#include <paths.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mountroute.h"

/* Not geteuid() == 0: root in a container may lack it, others have it. */
static bool has_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

/* Whether the descriptor's name reaches the directory held: /proc is. */
static bool at_reaches(const struct mfs_mountpoint *mp)
{
	struct stat held, seen;

	return mp->fd >= 0 && mp->at[0] && fstat(mp->fd, &held) == 0 &&
	       stat(mp->at, &seen) == 0 && held.st_dev == seen.st_dev &&
	       held.st_ino == seen.st_ino;
}

void mfs_mount_facts_get(const struct mfs_mountpoint *mp, bool auto_unmount,
			 struct mfs_mount_facts *f)
{
	struct stat st;

	f->auto_unmount = auto_unmount;
	f->cap_sys_admin = has_cap_sys_admin();
	/* what libmount calls a regular mtab: lstat, a link is not one */
	f->mtab_regular = lstat(_PATH_MOUNTED, &st) == 0 &&
			  S_ISREG(st.st_mode);
	f->at_reaches = at_reaches(mp);
}

const char *mfs_mount_target(const struct mfs_mountpoint *mp,
			     const struct mfs_mount_facts *f)
{
	if (f->auto_unmount || !f->cap_sys_admin || f->mtab_regular ||
	    !f->at_reaches)
		return mp->path;
	return mp->at;
}
