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
 * user's program, and the name says whose it is.
 *
 * The kept counters go with the program's last process, and only then:
 * a process that loses its files for a moment (renamed, rewritten, read
 * as bad) stays in its program, recorded without a file (sources.c), and
 * one that moves to another program (a file of root's came or went)
 * stays its former member (proc->left), so that the program it left,
 * and its counters, wait for it until it exits.  A program none of
 * whose processes has a file that counts for it is not shown
 * (progdir.c), as /<pid> of a process without files is not.
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
struct mfs_src;
struct mfs_changes;
struct mfs_node;

struct mfs_prog {
	char *name;		/* its directory's, <name>@<uid> mapped */
	uid_t uid;
	struct mfs_proc *procs;	/* through proc->prog_next */
	size_t nprocs;
	struct mfs_retired *retired;
	size_t nretired;
	struct mfs_gone *gone;	/* files that may come back */
	size_t ngone;
	size_t kept_n;		/* kept labels and recorded values (kept.c) */
	size_t nformer;		/* processes whose ->left it is */
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
 * p, in no program, joins the one file `namer` names (its prog_name,
 * and p's start time: source.h).  Without memory it joins none.
 */
void mfs_prog_join(struct mfs_model *m, struct mfs_proc *p,
		   const struct mfs_src *namer);
/*
 * p moves to the program `namer` names; the one it leaves, if it keeps
 * counters, keeps p as its former member (instead of the one p left
 * before) until p comes back, moves again or exits.
 */
void mfs_prog_move(struct mfs_model *m, struct mfs_proc *p,
		   const struct mfs_src *namer);
/*
 * Whether p, left without a file, must stay recorded: it is in, or
 * left, a program whose counters would go with it.
 */
bool mfs_prog_awaits(const struct mfs_proc *p);
/*
 * The directory name of program `raw` (len bytes) of user uid: raw
 * mapped as names.h's mfs_name_encode_prog() does, then "@<uid>".
 */
void mfs_prog_dir_name(const char *raw, size_t len, uid_t uid,
		       char *out /* MFS_NAME_MAX + 1 bytes */);
/*
 * Whether a file whose program's directory name is `name` (as
 * mfs_prog_dir_name() makes it; NULL: none) is of program g.
 */
bool mfs_prog_fits(const struct mfs_prog *g, const char *name);
/*
 * p leaves its program and its former one for good (it exits): each
 * goes, with its kept counters, when it has no member left.
 */
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
