/*
 * program.h - /programs/<name>/: the processes of one program, their
 * labels summed, and the counters of its exited processes kept.
 *
 * A process joins the program its first file names (sys.program, else
 * what /proc says of it) when it appears, and leaves it when it goes.
 * A counter of a file that goes while its program runs is read one last
 * time from the file's mapping and kept, in the program, per owner and
 * mode of the file (so that a reader never sees through the program a
 * value of a file it could not read), until the program has no process
 * left.  So a program's counter sums never go down while it has a
 * process, however its workers come and go.
 *
 * Under the model's lock, as everything of sources.h.
 */
#ifndef MFS_PROGRAM_H
#define MFS_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mmstats.h"

#define MFS_PROG_BUCKETS	256
#define MFS_PROGRAM_MAX		64	/* bytes of sys.program, its NUL too */

struct mfs_model;
struct mfs_proc;
struct mfs_src;
struct mfs_changes;
struct mfs_node;

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

/* The counters kept of the exited files of one owner and mode. */
struct mfs_retired {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	size_t n, cap;
	struct mfs_kept *k;	/* sorted by name */
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
	const char *name;	/* the kept's (they live as long as g) */
	__int128 sum;
	double dsum;
};

struct mfs_gone {
	dev_t dev;
	ino_t ino;
	pid_t pid;
	uint64_t starttime;	/* of pid (pidstat.h), to tell it gone */
	double created;
	size_t set;		/* its kept set, in g->retired */
	size_t n;
	struct mfs_gone_value *v;
};

struct mfs_prog {
	char *name;		/* its directory's, a mapped file name */
	struct mfs_proc *procs;	/* through proc->prog_next */
	size_t nprocs;
	struct mfs_retired *retired;
	size_t nretired;
	struct mfs_gone *gone;	/* files that may come back */
	size_t ngone;
	bool dirty;		/* /programs/<name> is to be synced */
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
 * p (of file s, its first) joins its program; named by s's sys.program
 * (`program`, may be ""), else by /proc.  Without memory it joins none.
 */
void mfs_prog_join(struct mfs_model *m, struct mfs_proc *p,
		   const char *program);
/* p leaves its program, which goes with its kept counters when empty. */
void mfs_prog_leave(struct mfs_model *m, struct mfs_proc *p);
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
/* p's files or labels changed: its program's directory is to be synced. */
void mfs_prog_touch(struct mfs_model *m, struct mfs_proc *p);
/* Sync the programs touched. */
void mfs_progs_flush(struct mfs_model *m, struct mfs_changes *ch);

struct mfs_prog *mfs_prog_find(const struct mfs_model *m, const char *name);
/* The process that speaks for the program: the oldest. */
struct mfs_proc *mfs_prog_rep(const struct mfs_prog *g);
/* The kept counters of the label named `name`, or NULL. */
const struct mfs_kept *mfs_retired_find(const struct mfs_retired *r,
					const char *name);

/*
 * Whether a field is a counter, whose sum over a program keeps its
 * exited processes: an integer whose notes say counter or histogram
 * bucket, or that has none (the reference's files) and is buffered, the
 * rule of a process's sums.
 */
bool mfs_is_counter(const struct mmstats_stat *st);
/* A histogram's sum (B.sum, a double): summed and kept as its buckets. */
bool mfs_is_hist_sum(const struct mmstats_stat *st);
/*
 * A buffered integer its notes call a gauge: summed over live processes
 * only.  An unbuffered one is a static field (an index, a size), whose
 * sum means nothing, as in a process's sums.
 */
bool mfs_is_gauge_int(const struct mmstats_stat *st);

/*
 * The program name of process pid from /proc: the script's for an
 * interpreter (python*, perl*, ruby*, node, java, sh, bash: the first
 * argument not starting with '-'), else argv[0]'s basename, else comm;
 * into out (MFS_PROGRAM_MAX bytes).  Returns its length, 0 if unknown.
 */
size_t mfs_proc_program(pid_t pid, char *out);

#endif
