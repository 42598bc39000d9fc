/*
 * model.h - the source files and their processes, and the tree they make.
 *
 * Every change to a source file or a process goes through here, under the
 * caller's lock; the tree is brought up to date at once and the changes
 * the kernel must hear of are appended to a struct mfs_changes, to be sent
 * once the lock is dropped.
 */
#ifndef MFS_MODEL_H
#define MFS_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "source.h"
#include "tree.h"

#define MFS_SRC_BUCKETS		1024
#define MFS_PROC_BUCKETS	256

/*
 * Descriptors left to everything but held files and pidfds: the FUSE
 * device, epoll, inotify, directories, and files opened by name while a
 * request or a rescan reads them.
 */
#define MFS_FD_RESERVE		32

/*
 * How often processes without a pidfd are checked: what their exit may
 * take to show, instead of a pidfd's next to nothing.
 */
#define MFS_POLL_MS		50

/* How long a file that cannot be parsed yet is retried before logged. */
#define MFS_PENDING_SECS	3

enum mfs_src_state {
	MFS_SRC_BAD,		/* nothing readable (yet) */
	MFS_SRC_STALE,		/* its writer is gone */
	MFS_SRC_ALIVE,		/* its writer runs: /<pid> and /files */
	MFS_SRC_UNKNOWN,	/* no sys.pid: /files only */
};

struct mfs_proc;

struct mfs_src {
	char *name;
	struct mfs_srcinfo info;
	enum mfs_src_state state;
	struct timespec bad_since;	/* CLOCK_MONOTONIC */
	bool logged;			/* trouble with this inode logged */
	ino_t logged_ino;
	unsigned seen;			/* rescan generation */
	struct mfs_proc *proc;
	struct mfs_src *hash_next, *proc_next;
};

struct mfs_proc {
	pid_t pid;
	int pidfd;			/* -1: polled, or not watched */
	bool polled;			/* no descriptor was left for a pidfd */
	uint64_t starttime;		/* polled: clock ticks; 0: not known */
	struct mfs_src *srcs;
	struct mfs_proc *hash_next;
};

struct mfs_model {
	struct mfs_tree *tree;
	struct mfs_node *files_dir;
	int epfd;			/* pidfds go here; -1: none */
	unsigned generation;
	size_t held;			/* source files held open */
	size_t pidfds;			/* processes watched by a pidfd */
	size_t polled;			/* processes watched by polling */
	size_t fd_limit;		/* RLIMIT_NOFILE, soft */
	size_t evict_bucket;		/* where the next eviction looks */
	struct mfs_src *src_hash[MFS_SRC_BUCKETS];
	struct mfs_proc *proc_hash[MFS_PROC_BUCKETS];
};

/* One file of a process, for rendering its labels. */
struct mfs_fileref {
	char *name;
	bool main;
	double created;
	struct mfs_handle *handle;	/* a reference, or NULL */
};

/*
 * Source files are held open while held + pidfds + MFS_FD_RESERVE stays
 * under fd_limit (the soft RLIMIT_NOFILE at init); pidfds come first and
 * take a held file's descriptor when there is no other.  Files not held
 * are opened at each read instead, and processes left without a pidfd
 * are polled (mfs_model_poll), so that no number of processes can hide
 * one.  With epfd -1, processes are not watched at all.
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
/* The process behind pidfd events has exited. */
void mfs_model_proc_exit(struct mfs_model *m, pid_t pid,
			 struct mfs_changes *ch);
/*
 * Processes watched without a pidfd are polled in two steps, so that the
 * lock is not held while /proc is read: mfs_model_polled() lists them
 * (free the array), mfs_pid_runs() checks each without the lock, and
 * mfs_model_poll() applies the answers: removes those that exited
 * (zombies too) or whose pid was reused, and gives the others a pidfd if
 * descriptors have freed up.  It returns how many are still polled.
 */
struct mfs_pollee {
	pid_t pid;
	uint64_t starttime;
	int runs;		/* mfs_pid_runs(): 1, 0, or -errno */
};

struct mfs_pollee *mfs_model_polled(const struct mfs_model *m, size_t *n);
size_t mfs_model_poll(struct mfs_model *m, const struct mfs_pollee *v,
		      size_t n, struct mfs_changes *ch);
/* Forget every source not updated since generation was last bumped. */
void mfs_model_prune(struct mfs_model *m, struct mfs_changes *ch);

struct mfs_src *mfs_model_src(const struct mfs_model *m, const char *name);
/* A reference to the open file of source `name`, or NULL: read by name. */
struct mfs_handle *mfs_model_handle(const struct mfs_model *m,
				    const char *name);
struct mfs_proc *mfs_model_proc(const struct mfs_model *m, pid_t pid);

/*
 * Names of sources to read again, as a NULL-terminated array to free with
 * mfs_strv_free(), *n their count: those still unreadable and younger
 * than MFS_PENDING_SECS (older ones are logged, once, and dropped from
 * this list), or those of process pid.
 */
char **mfs_model_pending(struct mfs_model *m, size_t *n);
char **mfs_model_proc_names(const struct mfs_model *m, pid_t pid, size_t *n);
void mfs_strv_free(char **v);

/* The files of a process, for aggregation; free with mfs_filerefs_free. */
struct mfs_fileref *mfs_model_proc_files(const struct mfs_model *m, pid_t pid,
					 size_t *n);
void mfs_filerefs_free(struct mfs_fileref *v, size_t n);

#endif
