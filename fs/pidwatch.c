/*
 * pidwatch.c - pidfds, and polling for processes without one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "budget.h"
#include "log.h"
#include "pidwatch.h"

static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A pidfd for p in the epoll set, if a descriptor is to spare. */
static int watch_pidfd(struct mfs_model *m, struct mfs_proc *p)
{
	struct epoll_event ev = {
		.events = EPOLLIN, .data.u64 = (uint64_t)p->pid,
	};
	int fd, err;

	if (!mfs_budget_fds(m, 1))
		mfs_budget_evict_one(m);
	if (!mfs_budget_fds(m, 1))
		return -EMFILE;
	if ((fd = open_pidfd(p->pid)) < 0)
		return -errno;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	p->pidfd = fd;
	m->pidfds++;
	return 0;
}

int mfs_pidwatch_add(struct mfs_model *m, struct mfs_proc *p)
{
	int err = watch_pidfd(m, p);

	if (!err || err == -ESRCH)
		return err;
	mfs_log(LOG_DEBUG, "pid %d: polled (pidfd: %s)", (int)p->pid,
		strerror(-err));
	p->polled = true;
	m->polled++;
	return 0;
}

void mfs_pidwatch_remove(struct mfs_model *m, struct mfs_proc *p)
{
	if (p->pidfd >= 0) {
		close(p->pidfd);	/* leaves the epoll set with it */
		p->pidfd = -1;
		m->pidfds--;
	}
	if (p->polled) {
		p->polled = false;
		m->polled--;
	}
}

struct mfs_pollee *mfs_pidwatch_polled(const struct mfs_model *m, size_t *n)
{
	struct mfs_pollee *v;
	struct mfs_proc *p;
	size_t b;

	*n = 0;
	if (!m->polled || !(v = calloc(m->polled, sizeof(*v))))
		return NULL;
	for (b = 0; b < MFS_PROC_BUCKETS && *n < m->polled; b++) {
		for (p = m->proc_hash[b]; p && *n < m->polled;
		     p = p->hash_next) {
			if (!p->polled)
				continue;
			v[*n].pid = p->pid;
			v[(*n)++].starttime = p->starttime;
		}
	}
	return v;
}

size_t mfs_pidwatch_apply(struct mfs_model *m, const struct mfs_pollee *v,
			  size_t n, struct mfs_changes *ch)
{
	struct mfs_proc *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = mfs_model_proc(m, v[i].pid);
		if (!p || !p->polled)
			continue;	/* gone or watched meanwhile */
		if (v[i].runs == 0) {
			mfs_model_proc_exit(m, p->pid, ch);	/* frees p */
			continue;
		}
		if (v[i].runs > 0)
			p->starttime = v[i].starttime;
		if (watch_pidfd(m, p) == 0) {
			p->polled = false;
			m->polled--;
		}
	}
	return m->polled;
}
