/*
 * lane.h - where work that grows with a file runs: worker threads taking
 * jobs from one queue per user, in turn.
 *
 * The thread serving the mount answers from memory only (a lookup in the
 * tree, a load from a held mapping).  Whatever costs in proportion to a
 * source file (reading it, naming its fields, mapping a file not held, a
 * lookup that must read files first) is a job here, and a FUSE request
 * that needs one is answered by the worker that runs it: only the readers
 * of that file wait for it.  Jobs are queued per user (the file's owner,
 * or the caller of the request) and the queues are served in turn, one
 * job each, so one user's thousand jobs delay another user's next job by
 * at most one job per worker.  A file to read is queued once however many
 * events name it before a worker takes it.
 */
#ifndef MFS_LANE_H
#define MFS_LANE_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#define MFS_LANE_THREADS	2
#define MFS_LANE_BUCKETS	1024

struct mfs;
struct mfs_job;

/*
 * run() does the job and frees it; with `cancel` (the daemon is stopping)
 * it only answers its request, if any, and frees it.
 */
typedef void mfs_job_fn(struct mfs *fs, struct mfs_job *j, bool cancel);

struct mfs_job {
	mfs_job_fn *run;
	uid_t uid;			/* whose turn it takes */
	char *name;			/* a source to read, or NULL */
	struct mfs_job *next;		/* in its user's queue */
	struct mfs_job *hash_next;	/* names queued, by name */
};

struct mfs_lane_user;

struct mfs_lane {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct mfs_lane_user *turn;	/* ring of users with jobs, or NULL */
	struct mfs_lane_user *last;	/* the one before turn in the ring */
	struct mfs_job *queued[MFS_LANE_BUCKETS];	/* reads, by name */
	uint64_t seed;
	size_t njobs;
	bool stopping;
	pthread_t threads[MFS_LANE_THREADS];
	unsigned nthreads;
};

int mfs_lane_init(struct mfs_lane *l);
/* Start the workers; the lane must outlive them (mfs_lane_stop). */
int mfs_lane_start(struct mfs *fs);
/* Stop the workers; jobs not yet taken are cancelled. */
void mfs_lane_stop(struct mfs *fs);
void mfs_lane_destroy(struct mfs_lane *l);

/* Queue j (its run and uid set) in uid's turn. */
void mfs_lane_push(struct mfs *fs, struct mfs_job *j);
/*
 * Have source `name`, owned by uid, read again (mfs_refresh_one) in
 * uid's turn, unless a read of it is already queued.  Returns 0 or
 * -ENOMEM.
 */
int mfs_lane_refresh(struct mfs *fs, const char *name, uid_t uid);
/* Jobs queued and not yet taken. */
size_t mfs_lane_queued(struct mfs_lane *l);

#endif
