/*
 * sources.h - the model: the source files and their processes.
 *
 * Every change to a source file or a process goes through the functions
 * here, under the caller's lock (the registry, sources.c).  Four jobs
 * share these types, each in its own file:
 *  - sources.c: the registry of files and processes, what each file's
 *    state is, and what a read of a label needs;
 *  - project.c: the tree the registry makes (/<pid>, /files), brought up
 *    to date at each change, the changes the kernel must hear of appended
 *    to a struct mfs_changes, to be sent once the lock is dropped;
 *  - budget.c: how many files may be held mapped, and which are;
 *  - pidwatch.c: a pidfd for each process, or polling without one.
 */
#ifndef MFS_SOURCES_H
#define MFS_SOURCES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "owners.h"
#include "program.h"
#include "source.h"
#include "strv.h"
#include "tree.h"

#define MFS_SRC_BUCKETS		1024
#define MFS_PROC_BUCKETS	256

/* How long a file that cannot be parsed yet is retried before logged. */
#define MFS_PENDING_SECS	3

enum mfs_src_state {
	MFS_SRC_BAD,		/* nothing readable (yet) */
	MFS_SRC_STALE,		/* its writer is gone */
	MFS_SRC_ALIVE,		/* its writer runs: /<pid> and /files */
	MFS_SRC_UNKNOWN,	/* no sys.pid: /files only */
	MFS_SRC_OVER,		/* over its owner's budget: not shown */
};

struct mfs_proc;

struct mfs_src {
	char *name;
	struct mfs_srcinfo info;
	enum mfs_src_state state;
	struct timespec bad_since;	/* CLOCK_MONOTONIC */
	bool logged;			/* trouble with this inode logged */
	ino_t logged_ino;
	bool shrink_logged;		/* since it was read at this size */
	unsigned seen;			/* sweep of the last refresh */
	struct mfs_owner *owner;	/* of the file last read */
	size_t fields, bytes;		/* charged to owner: shown, indexed */
	bool left_out;			/* charged as OVER */
	struct mfs_proc *proc;
	bool in_prog;			/* counts for proc's program: its own
					 * name and user are the program's */
	char *prog_name;		/* the directory name of the program
					 * it names (mfs_prog_dir_name), made
					 * once a reading; NULL: none */
	struct mfs_src *hash_next, *proc_next;
};

struct mfs_proc {
	pid_t pid;
	int pidfd;			/* -1: polled, or not watched */
	bool polled;			/* no descriptor was left for a pidfd */
	uint64_t starttime;		/* clock ticks since boot, from its
					 * first file's reading (source.h) or
					 * polled; 0: not known */
	struct mfs_src *srcs;
	struct mfs_proc *hash_next;
	bool dirty;			/* /<pid> is to be synced */
	struct mfs_proc *dirty_next;
	struct mfs_prog *prog;		/* its program (program.h), or NULL */
	bool prog_by_root;		/* named by a file of root's */
	struct mfs_prog *left;		/* the program it moved from, which
					 * waits for it (program.h), or NULL */
	struct mfs_owner *awaiting;	/* charged for it, while it has no
					 * file and stays for its program */
	bool uniform;			/* its files share owner and mode, as
					 * last synced (visible.h) */
	struct mfs_proc *prog_next;
};

struct mfs_model {
	struct mfs_tree *tree;
	struct mfs_node *files_dir;
	int epfd;			/* pidfds go here; -1: none */
	unsigned sweep;			/* see mfs_model_sweep_begin() */
	uint64_t seed;			/* of the name hash */
	size_t held;			/* source files held mapped */
	size_t pidfds;			/* processes watched by a pidfd */
	size_t polled;			/* processes watched by polling */
	size_t fd_limit;		/* RLIMIT_NOFILE, soft */
	size_t map_limit;		/* files that may be held mapped */
	size_t evict_bucket;		/* where the next eviction looks */
	struct mfs_limits limits;	/* what a file, an owner may cost */
	struct mfs_owners owners;
	bool reread_wanted;		/* files left out may fit now */
	/*
	 * With coalesce, a change of a process's files marks its /<pid>
	 * dirty, and mfs_model_flush() syncs it: /<pid> shows the union of
	 * its files' labels, so syncing it costs all of them, and a process
	 * with many files read one by one would cost their square.
	 */
	bool coalesce;
	struct mfs_proc *dirty;
	struct timespec big_sync_after;	/* the next sync of a big /<pid> */
	struct mfs_progs progs;		/* /programs */
	int srcfd;			/* the source directory, to read a
					 * file not held mapped one last time
					 * when it goes (kept.c); -1 */
	struct mfs_src *src_hash[MFS_SRC_BUCKETS];
	struct mfs_proc *proc_hash[MFS_PROC_BUCKETS];
};

/* One file holding a label, for reading its value. */
struct mfs_fileref {
	char *name;
	bool main;
	double created;
	struct mfs_handle *handle;	/* a reference, or NULL: by name */
	long index;			/* of the label in handle's map */
};

/*
 * The model of the tree t.  With epfd -1, processes are not watched (nor
 * are they ever removed but by their files).
 */
int mfs_model_init(struct mfs_model *m, struct mfs_tree *t, int epfd);
void mfs_model_destroy(struct mfs_model *m);

/*
 * Record what reading `name` gave: err < 0 when it could not be read (it
 * is then forgotten), else *si, which the model takes over.
 */
void mfs_model_update(struct mfs_model *m, const char *name, int err,
		      struct mfs_srcinfo *si, struct mfs_changes *ch);
void mfs_model_remove(struct mfs_model *m, const char *name,
		      struct mfs_changes *ch);
/*
 * Whether `name`, owned by uid, may be read: it is recorded already, or
 * its owner has room for one more file (owners.h).
 */
bool mfs_model_admits(struct mfs_model *m, const char *name, uid_t uid);
/*
 * Whether files left out for their owner's budget may fit now (an
 * owner's files went or shrank); the flag is cleared.
 */
bool mfs_model_reread(struct mfs_model *m);
/* `name` was found unchanged (mfs_source_unchanged): still there. */
void mfs_model_seen(struct mfs_model *m, const char *name);
/*
 * A read found the file of `name`, mapped as h, shrunk to `size` under
 * its fields: log it, once until the file is read at another size.
 */
void mfs_model_shrank(struct mfs_model *m, const char *name,
		      const struct mfs_handle *h, off_t size);
/*
 * Bring every /<pid> marked dirty up to date (see coalesce); those of
 * more than MFS_INLINE_FIELDS labels in all hold the lock long, so each
 * such sync is followed by 4 times its length without one (the lock is
 * free 80% of the time, whatever an owner's files do).  Returns the
 * milliseconds until the dirty ones left may be synced, or -1: none left.
 */
long mfs_model_flush(struct mfs_model *m, struct mfs_changes *ch);
/* The process behind pidfd events has exited. */
void mfs_model_proc_exit(struct mfs_model *m, pid_t pid,
			 struct mfs_changes *ch);

/*
 * A sweep: every source updated or seen between mfs_model_sweep_begin()
 * and mfs_model_sweep_end() stays, the others are forgotten.
 * mfs_model_forget_all() forgets every source, and every process and
 * program with them, kept counters and all (the source directory went:
 * nothing of it may add to what another directory shows).
 */
void mfs_model_sweep_begin(struct mfs_model *m);
void mfs_model_sweep_end(struct mfs_model *m, struct mfs_changes *ch);
void mfs_model_forget_all(struct mfs_model *m, struct mfs_changes *ch);

struct mfs_src *mfs_model_src(const struct mfs_model *m, const char *name);
struct mfs_proc *mfs_model_proc(const struct mfs_model *m, pid_t pid);

/*
 * What tells whether a source needs reading again, in *was, with a
 * reference to its map (NULL when it has none to compare with: it must
 * be read).  Free with mfs_handle_put().
 */
struct mfs_handle *mfs_model_ident(const struct mfs_model *m,
				   const char *name, struct stat *was);

/*
 * Names of sources to read again, into *out (mfs_strv_free()): those
 * still unreadable and younger than MFS_PENDING_SECS (older ones are
 * logged, once, and dropped from this list), or those of process pid.
 * -ENOMEM leaves a part.
 */
int mfs_model_pending(struct mfs_model *m, struct mfs_strv *out);
int mfs_model_proc_names(const struct mfs_model *m, pid_t pid,
			 struct mfs_strv *out);

/*
 * The files holding `label` (a file name in the tree) of process pid, or
 * of source `name`, each with a reference to its map and the label's
 * index there, in *out (free with mfs_filerefs_free).  Returns 0, -ENOENT
 * when the process or source is gone, or -ENOMEM.
 */
int mfs_model_pid_label(const struct mfs_model *m, pid_t pid,
			const char *label, struct mfs_fileref **out,
			size_t *n);
int mfs_model_src_label(const struct mfs_model *m, const char *name,
			const char *label, struct mfs_fileref **out,
			size_t *n);
void mfs_filerefs_free(struct mfs_fileref *v, size_t n);

/*
 * What checking the files of process pid (or source `name`) for a change
 * costs, in fields: SIZE_MAX when one of them is not held mapped (it is
 * read whole).  A request may do up to MFS_INLINE_FIELDS of that work in
 * the thread serving the mount; more goes to the lane (lane.h).
 */
#define MFS_INLINE_FIELDS	4096
size_t mfs_model_check_cost(const struct mfs_model *m, pid_t pid,
			    const char *name);

/*
 * The file that speaks for a process (its directory's owner and mode):
 * root's files first, then those of its program's user, then the others
 * (a process that changed users may be named by a file of a user that
 * must not speak for it); then its main thread's, then the oldest.  The
 * one that speaks for it in its program: the same, of the files that
 * count for the program (NULL: none).
 */
struct mfs_src *mfs_model_main_src(const struct mfs_proc *p);
struct mfs_src *mfs_model_prog_main(const struct mfs_proc *p);
/* Whether p has a file that counts for its program. */
bool mfs_model_prog_counts(const struct mfs_proc *p);
/* How early s comes in that order for its owner: 0, 1 or 2. */
int mfs_src_rank(const struct mfs_src *s);
/* The program s counts for, or NULL. */
struct mfs_prog *mfs_src_prog(const struct mfs_src *s);

#endif
