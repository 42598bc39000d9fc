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
 * Mappings (vm.max_map_count) left to everything but held files, on top
 * of those the daemon had at start: the heap's, thread stacks, and files
 * mapped while a request or a rescan reads them.
 */
#define MFS_MAP_RESERVE		256

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
	bool shrink_logged;		/* since it was last read */
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
	size_t held;			/* source files held mapped */
	size_t pidfds;			/* processes watched by a pidfd */
	size_t polled;			/* processes watched by polling */
	size_t fd_limit;		/* RLIMIT_NOFILE, soft */
	size_t map_limit;		/* files that may be held mapped */
	size_t evict_bucket;		/* where the next eviction looks */
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
 * Source files are held (a descriptor and a mapping each) while held +
 * pidfds + MFS_FD_RESERVE stays under fd_limit (the soft RLIMIT_NOFILE
 * at init) and held stays under map_limit (vm.max_map_count, less the
 * mappings the daemon had at init and MFS_MAP_RESERVE); pidfds come first
 * and take a held file's descriptor when there is no other.  Files not
 * held are mapped at each read instead, and processes left without a
 * pidfd are polled (mfs_model_poll), so that no number of files or
 * processes can hide one.  With epfd -1, processes are not watched.
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
/* `name` was found unchanged (mfs_source_unchanged) by a rescan. */
void mfs_model_seen(struct mfs_model *m, const char *name);
/*
 * A read found the file of `name`, mapped as h, shrunk to `size` under
 * its fields: log it, once until the file is read at another size.
 */
void mfs_model_shrank(struct mfs_model *m, const char *name,
		      const struct mfs_handle *h, off_t size);
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
 * What tells whether a source needs reading again, in *was, with a
 * reference to its map (NULL when it has none to compare with: it must
 * be read).  Free with mfs_handle_put().
 */
struct mfs_handle *mfs_model_ident(const struct mfs_model *m,
				   const char *name, struct stat *was);

#endif
