/* source.h - what one file of the source directory holds. */
#ifndef MFS_SOURCE_H
#define MFS_SOURCE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fields.h"
#include "handle.h"
#include "mmstats.h"

struct mfs_srcinfo {
	int err;		/* 0, or why parsing failed or stopped */
	char errmsg[200];
	bool usable;		/* at least one field could be read */
	struct stat st;		/* owner, mode, dev/ino */
	pid_t pid;		/* sys.pid, or 0 */
	pid_t tid;		/* sys.tid, or pid */
	double created;		/* sys.created, or 0 */
	enum mmstats_liveness live;
	bool foreign;		/* owned by a user the process is not */
	struct mfs_fieldnames names;
	struct mfs_handle *handle;	/* the file read, still open; or NULL */
};

/* Whether a directory entry is an mmstats file (the default "*.mmstats"). */
bool mfs_source_name_ok(const char *name);

/*
 * Open `name` in dirfd (never following a symlink, never opening anything
 * but a regular file), read it and describe it, keeping it open in
 * si->handle.  Returns 0 with si filled (si->err tells whether the
 * content was good), or -errno when the file could not be read at all
 * (-ENOENT: gone).
 */
int mfs_source_read(int dirfd, const char *name, struct mfs_srcinfo *si);

/*
 * Read only the fields, for rendering, with *st the file as it is now:
 * through h, the file held open, unless h is NULL or its file has lost
 * its name (removed, or replaced by a rename), else by name in dirfd.
 * snap must be freed by the caller.
 */
int mfs_source_snapshot(int dirfd, const char *name, struct mfs_handle *h,
			struct mmstats_snapshot *snap, struct stat *st);

/* Free what si holds, and let go of its file. */
void mfs_srcinfo_free(struct mfs_srcinfo *si);

#endif
