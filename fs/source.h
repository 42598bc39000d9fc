/* source.h - what one file of the source directory holds. */
#ifndef MFS_SOURCE_H
#define MFS_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fieldnames.h"
#include "handle.h"
#include "mmstats.h"

struct mfs_srcinfo {
	int err;		/* 0, or why parsing failed or stopped */
	char errmsg[200];
	bool usable;		/* at least one field could be read */
	struct stat st;		/* owner, mode, dev/ino, size, when read */
	pid_t pid;		/* sys.pid, or 0 */
	pid_t tid;		/* without sys.starttime (the reference's
				 * files), {TID} of a name
				 * "...-{PID}-{TID}.mmstats"; else sys.tid,
				 * else pid */
	double created;		/* sys.created, or 0 */
	/*
	 * Whose program its live writer is in (program.h): the name
	 * (sys.program whole, else what /proc says: progname.h; NULL when
	 * not live), the user (its owner, or for root's file the writer's
	 * real uid) and the writer's start time (clock ticks since boot, 0:
	 * not known), all found when read, without the model's lock.
	 */
	char *program;
	size_t program_len;
	uid_t prog_uid;
	uint64_t starttime;
	enum mmstats_liveness live;
	bool foreign;		/* owned by a user the process is not */
	size_t fields;		/* indexed */
	size_t label_bytes;	/* of their labels */
	struct mfs_fieldnames names;	/* of the fields of handle's map */
	struct mfs_handle *handle;	/* the file read, still mapped; or NULL */
};

/* Whether a directory entry is an mmstats file (the default "*.mmstats"). */
bool mfs_source_name_ok(const char *name);

/*
 * Open `name` in dirfd (never following a symlink, never opening anything
 * but a regular file), map it, index and describe it, keeping the map in
 * si->handle; no more of it than `lim` allows is read (si->err is then
 * -E2BIG, and the fields before the limit are indexed).  Returns 0 with
 * si filled (si->err tells whether the content was good), or -errno when
 * the file could not be read at all (-ENOENT: gone).
 */
int mfs_source_read(int dirfd, const char *name,
		    const struct mmstats_limits *lim, struct mfs_srcinfo *si);

/*
 * Whether `name` is still the file mapped as h (same inode, owner and
 * mode as *was, its status when read), holding the same fields: if so,
 * reading it again would change nothing, for its values are loaded from
 * the mapping each time.  One fstatat, and mmstats_map_changed().
 */
bool mfs_source_unchanged(int dirfd, const char *name,
			  const struct stat *was, struct mfs_handle *h);

/* A field of a source, with its value of the moment. */
struct mfs_value {
	struct mmstats_stat stat;	/* as indexed, value as loaded; its
					 * label, raw_label and notes strings
					 * point into strs, not into the map
					 * (which may be closed once read) */
	struct stat st;			/* the file, after the load */
	unsigned char *big;		/* a long string's bytes, or NULL */
	char *strs;			/* stat's strings, copied */
	unsigned char small[256];	/* a short one's */
};

/*
 * The field named `label` of source `name`, now: from h, the file held
 * mapped (its field `index`; -1: h has no such field), unless h is NULL
 * or its file has lost its name (removed, or replaced by a rename), else
 * from the file under the name now, read within `lim`.  Free *out with
 * mfs_value_free().  Returns 0, -ENOENT when there is no such file or
 * field, -ESTALE when the file shrank and the field is no longer in it,
 * or -errno.
 */
int mfs_source_value(int dirfd, const char *name, struct mfs_handle *h,
		     long index, const char *label,
		     const struct mmstats_limits *lim, struct mfs_value *out);
void mfs_value_free(struct mfs_value *v);

/*
 * What reads a field: fn(map, i, arg, st) reads field i of map (one
 * mmstats_map_value() per value, st the file's status after the last)
 * into arg; it must not keep pointers into map, which may be closed
 * once it returns.
 */
struct mmstats_map;
typedef int (*mfs_field_fn)(const struct mmstats_map *map, size_t i,
			    void *arg, struct stat *st);

/*
 * As mfs_source_value(), with fn reading the field: from h's map, or,
 * when its file has lost its name, after undo(arg) (may be NULL) from the
 * file under the name now.  Returns fn's result or -errno as above.
 */
int mfs_source_with_field(int dirfd, const char *name, struct mfs_handle *h,
			  long index, const char *label,
			  const struct mmstats_limits *lim, mfs_field_fn fn,
			  void *arg, void (*undo)(void *arg),
			  struct stat *st);
/* The fn and undo of mfs_source_value(): arg is a struct mfs_value. */
int mfs_value_read(const struct mmstats_map *map, size_t i, void *arg,
		   struct stat *st);
void mfs_value_undo(void *arg);

/* Free what si holds, and let go of its file. */
void mfs_srcinfo_free(struct mfs_srcinfo *si);

#endif
