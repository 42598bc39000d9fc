/*
 * program.h - /programs/<name>/: the processes of one program, their
 * labels summed (progsum.h), and the counters of its exited processes
 * kept (kept.h).
 *
 * A program is the processes of one user that share a name: a process
 * is in the program its first file names (sys.program, else what /proc
 * says of it: progname.h), or a later file of root's (sources.c), of the
 * user its files are vetted as (source.h, prog_uid), from when it
 * appears until it goes.  Its directory
 * is <name>@<uid>, always: nobody can join, shadow or pre-empt another
 * user's program, and the name says whose it is.  The kept counters go
 * with the program's last process.
 *
 * Only the files whose own (name, user) are the program's count for it
 * (mfs_prog_fits): a root process that drops to a user, or runs with
 * its effective uid, may be named by that user's files, which stay in
 * its /<pid> and never reach root's program.
 *
 * Under the model's lock, as everything of sources.h.
 */
#ifndef MFS_PROGRAM_H
#define MFS_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "kept.h"

#define MFS_PROG_BUCKETS	256

struct mfs_model;
struct mfs_proc;
struct mfs_changes;
struct mfs_node;
struct mfs_srcinfo;

struct mfs_prog {
	char *name;		/* its directory's, <name>@<uid> mapped */
	uid_t uid;
	struct mfs_proc *procs;	/* through proc->prog_next */
	size_t nprocs;
	struct mfs_retired *retired;
	size_t nretired;
	struct mfs_gone *gone;	/* files that may come back */
	size_t ngone;
	bool dirty;		/* /programs/<name> is to be synced */
	bool uniform;		/* its files share owner and mode, as last
				   synced (visible.h) */
	struct mfs_prog *hash_next, *dirty_next;
};

struct mfs_progs {
	struct mfs_node *dir;	/* /programs */
	struct mfs_prog *hash[MFS_PROG_BUCKETS];
	struct mfs_prog *dirty;
};

int mfs_progs_init(struct mfs_model *m);
void mfs_progs_destroy(struct mfs_model *m);

/*
 * p joins the program of the file read as si (its name, user and p's
 * start time: source.h).  Without memory it joins none.
 */
void mfs_prog_join(struct mfs_model *m, struct mfs_proc *p,
		   const struct mfs_srcinfo *si);
/*
 * The directory name of program `raw` (len bytes) of user uid: raw
 * mapped as names.h's mfs_name_encode_prog() does, then "@<uid>".
 */
void mfs_prog_dir_name(const char *raw, size_t len, uid_t uid,
		       char *out /* MFS_NAME_MAX + 1 bytes */);
/* Whether a file read as si is of program g: its name and user. */
bool mfs_prog_fits(const struct mfs_prog *g, const struct mfs_srcinfo *si);
/* p leaves its program, which goes with its kept counters when empty. */
void mfs_prog_leave(struct mfs_model *m, struct mfs_proc *p);
/* p's files or labels changed: its program's directory is to be synced. */
void mfs_prog_touch(struct mfs_model *m, struct mfs_proc *p);
/* Sync the programs touched. */
void mfs_progs_flush(struct mfs_model *m, struct mfs_changes *ch);

struct mfs_prog *mfs_prog_find(const struct mfs_model *m, const char *name);
/*
 * The process that speaks for the program: of those with a file that
 * counts for it, the one that started first,
 * by its real start time (never by sys.created, which its writer sets).
 */
struct mfs_proc *mfs_prog_rep(const struct mfs_prog *g);

#endif
