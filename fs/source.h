/* source.h - what one file of the source directory holds. */
#ifndef MFS_SOURCE_H
#define MFS_SOURCE_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fields.h"
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
};

/* Whether a directory entry is an mmstats file (the default "*.mmstats"). */
bool mfs_source_name_ok(const char *name);

/*
 * Read `name` in dirfd (never following a symlink, never opening anything
 * but a regular file) and describe it.  Returns 0 with si filled (si->err
 * tells whether the content was good), or -errno when the file could not
 * be read at all (-ENOENT: gone).
 */
int mfs_source_read(int dirfd, const char *name, struct mfs_srcinfo *si);

/* Read only the fields, for rendering: snap must be freed by the caller. */
int mfs_source_snapshot(int dirfd, const char *name,
			struct mmstats_snapshot *snap, struct stat *st);

void mfs_srcinfo_free(struct mfs_srcinfo *si);

#endif
