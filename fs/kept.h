/*
 * kept.h - the counters a program's exited files leave.
 *
 * A counter of a file that goes while its program runs is read one last
 * time from the file's mapping and kept, in the program, per owner and
 * mode of the file (so that a reader never sees through the program a
 * value of a file it could not read), until the program has no process
 * left.  So a program's counter sums never go down while it has a
 * process, however its workers come and go.
 *
 * Under the model's lock, as everything of sources.h.
 */
#ifndef MFS_KEPT_H
#define MFS_KEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mmstats.h"

struct mfs_model;
struct mfs_prog;
struct mfs_src;

/*
 * One label's kept counters: the sum of the last values of the exited
 * files that had it, and what the field was (for the bulk files and the
 * extended attributes of a label only exited files had).
 */
struct mfs_kept {
	char *name;		/* the label's file name */
	char *label;		/* as read: UTF-8 cleaned */
	char *unit, *help;
	enum mmstats_metric metric;
	enum mmstats_kind kind;	/* INT, UINT: in sum; FLOAT: in dsum */
	char type[32];
	bool buffered;
	__int128 sum;
	double dsum;		/* a histogram's sum (B.sum) */
};

/* Free what k holds (not k). */
void mfs_kept_free(struct mfs_kept *k);

/*
 * The counters kept of the exited files of one owner and mode, in the
 * order they were first kept, with a hash index by name: a new label
 * costs O(1) under the lock, whatever the order labels come in.
 */
struct mfs_retired {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	size_t n, cap;
	struct mfs_kept *k;
	uint32_t *slot;		/* index + 1 into k, 0: free */
	size_t nslot;		/* a power of two, at least 2 * n */
	uint64_t seed;
	size_t bytes;		/* what k and slot cost (the owner's) */
	struct mfs_owners *owners;	/* o is charged; put when done */
	struct mfs_owner *owner;
	struct mfs_prog *prog;		/* whose set it is */
};

/*
 * What one file that left its process while its writer ran added to the
 * kept counters.  Such a file may come back (its owner or state flipped
 * for a while, its name went and came back): it is then counted live
 * again, and what it added is taken back, so that it is never counted
 * both live and kept.  A file is known by its inode and its writer (pid,
 * sys.created): a new file on a reused inode is another one.
 */
struct mfs_gone_value {
	size_t k;		/* its kept counter: the set's k[k] */
	__int128 sum;
	double dsum;
};

struct mfs_file_id {
	dev_t dev;
	ino_t ino;
	pid_t pid;
	double created;
};

struct mfs_gone {
	struct mfs_file_id id;
	uint64_t starttime;	/* of id.pid (pidstat.h), to tell it gone */
	size_t set;		/* its kept set, in g->retired */
	size_t n;
	struct mfs_gone_value *v;
};

/*
 * Kept counters and records cost their owner (the file's uid) from a
 * budget of their own, as large as the one of its shown files
 * (owner_fields counters or values recorded, owner_bytes bytes, owners.h),
 * and a program keeps at most owner_fields of them.  A file whose
 * counters do not fit is not kept at all (the program's sums go down by
 * its last values: the price of the bound), and that is logged once per
 * owner.
 */

/*
 * Forget the records of files that may come back (mfs_prog_reattach)
 * whose writer is pid, or is found gone: once per exited process, since
 * each record costs a look at /proc.
 */
void mfs_prog_forget_writers(struct mfs_prog *g, pid_t pid);

/*
 * s leaves its process: keep the last value of each of its counters,
 * unless the same file is counted live in the program under another
 * name.  Unless its writer `exited`, remember what was kept of s, until
 * the writer is found gone.
 */
void mfs_prog_retire(struct mfs_model *m, const struct mfs_src *s,
		     bool exited);
/* s (re)joined its process: take back what it added to the kept counters. */
void mfs_prog_reattach(struct mfs_model *m, const struct mfs_src *s);
/* The kept counters of the label named `name`, or NULL. */
const struct mfs_kept *mfs_retired_find(const struct mfs_retired *r,
					const char *name);
/* Drop every kept counter of g and every record of its gone files. */
void mfs_kept_drop_all(struct mfs_prog *g);

#endif
