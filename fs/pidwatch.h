/*
 * pidwatch.h - how the model learns that a process has exited: a pidfd
 * in the watcher's epoll set, or, when no descriptor is left for one,
 * polling (pidstat.c), so that no number of processes can hide one.
 */
#ifndef MFS_PIDWATCH_H
#define MFS_PIDWATCH_H

#include "sources.h"

/*
 * How often processes without a pidfd are checked: what their exit may
 * take to show, instead of a pidfd's next to nothing.
 */
#define MFS_POLL_MS		50

/*
 * Watch p by a pidfd, else by polling: whatever stands in the way of a
 * pidfd (no descriptor, no memory, epoll's limit), the process is shown.
 * Fails (-ESRCH) only when p has exited.  A polled process's start time
 * is learnt at its first poll, without the lock.
 */
int mfs_pidwatch_add(struct mfs_model *m, struct mfs_proc *p);
/* Stop watching p (its pidfd leaves the epoll set as it is closed). */
void mfs_pidwatch_remove(struct mfs_model *m, struct mfs_proc *p);

/*
 * Processes watched without a pidfd are polled in two steps, so that the
 * lock is not held while /proc is read: mfs_pidwatch_polled() lists them
 * (free the array), mfs_pid_runs() checks each without the lock, and
 * mfs_pidwatch_apply() applies the answers: removes those that exited
 * (zombies too) or whose pid was reused, and gives the others a pidfd if
 * descriptors have freed up.  It returns how many are still polled.
 */
struct mfs_pollee {
	pid_t pid;
	uint64_t starttime;
	int runs;		/* mfs_pid_runs(): 1, 0, or -errno */
};

struct mfs_pollee *mfs_pidwatch_polled(const struct mfs_model *m, size_t *n);
size_t mfs_pidwatch_apply(struct mfs_model *m, const struct mfs_pollee *v,
			  size_t n, struct mfs_changes *ch);

#endif
