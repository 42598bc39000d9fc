/*
 * lane.c - worker threads and their queues, one per user, served in turn.
 *
 * The users with jobs form a ring; a worker takes the first job of the
 * user whose turn it is and passes the turn on, so each user's jobs run
 * in the order they came, and users alternate.  A user leaves the ring
 * once its queue is empty: the ring is as long as the users waiting.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "lane.h"
#include "log.h"
#include "mmstatsfs.h"

struct mfs_lane_user {
	uid_t uid;
	struct mfs_job *head, *tail;
	struct mfs_lane_user *next;	/* in the ring */
};

int mfs_lane_init(struct mfs_lane *l)
{
	memset(l, 0, sizeof(*l));
	l->seed = mfs_hash_seed();
	if (pthread_mutex_init(&l->lock, NULL))
		return -ENOMEM;
	if (pthread_cond_init(&l->wake, NULL)) {
		pthread_mutex_destroy(&l->lock);
		return -ENOMEM;
	}
	return 0;
}

/* Where the queued read of `name` is, or would be linked. */
static struct mfs_job **queued_slot(struct mfs_lane *l, const char *name)
{
	size_t b = mfs_hash_mix(mfs_hash_str(l->seed, name)) %
		   MFS_LANE_BUCKETS;
	struct mfs_job **pp = &l->queued[b];

	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->hash_next;
	return pp;
}

/* uid's place in the ring; a new one comes last, before the turn. */
static struct mfs_lane_user *user_of(struct mfs_lane *l, uid_t uid)
{
	struct mfs_lane_user *u = l->turn;

	if (u) {
		do {
			if (u->uid == uid)
				return u;
			u = u->next;
		} while (u != l->turn);
	}
	if (!(u = calloc(1, sizeof(*u))))
		return NULL;
	u->uid = uid;
	if (!l->turn) {
		u->next = u;
		l->turn = l->last = u;
	} else {
		u->next = l->turn;
		l->last->next = u;
		l->last = u;
	}
	return u;
}

/* Under l->lock. */
static int push_locked(struct mfs_lane *l, struct mfs_job *j)
{
	struct mfs_lane_user *u = user_of(l, j->uid);

	if (!u)
		return -ENOMEM;
	j->next = NULL;
	if (u->tail)
		u->tail->next = j;
	else
		u->head = j;
	u->tail = j;
	l->njobs++;
	pthread_cond_signal(&l->wake);
	return 0;
}

/* The next job in turn, or NULL; the turn passes on.  Under l->lock. */
static struct mfs_job *pop_locked(struct mfs_lane *l)
{
	struct mfs_lane_user *u = l->turn;
	struct mfs_job *j;

	if (!u)
		return NULL;
	j = u->head;
	if (!(u->head = j->next))
		u->tail = NULL;
	if (u->head) {
		l->last = u;
		l->turn = u->next;
	} else if (u->next == u) {
		l->turn = l->last = NULL;
		free(u);
	} else {
		l->last->next = u->next;
		l->turn = u->next;
		free(u);
	}
	if (j->name)		/* from now on, a new event queues it again */
		*queued_slot(l, j->name) = j->hash_next;
	l->njobs--;
	return j;
}

void mfs_lane_push(struct mfs *fs, struct mfs_job *j)
{
	struct mfs_lane *l = &fs->lane;
	int err;

	pthread_mutex_lock(&l->lock);
	err = push_locked(l, j);
	pthread_mutex_unlock(&l->lock);
	if (err) {		/* no memory for a ring entry: run it here */
		mfs_log(LOG_ERR, "out of memory: a job runs in the caller");
		j->run(fs, j, false);
	}
}

static void run_refresh(struct mfs *fs, struct mfs_job *j, bool cancel)
{
	if (!cancel)
		mfs_refresh_queued(fs, j->name);
	free(j->name);
	free(j);
}

int mfs_lane_refresh(struct mfs *fs, const char *name, uid_t uid)
{
	struct mfs_lane *l = &fs->lane;
	struct mfs_job **slot, *j;
	int err = 0;

	if (!l->nthreads) {	/* no workers (yet): read it now */
		mfs_refresh_one(fs, name);
		return 0;
	}
	pthread_mutex_lock(&l->lock);
	slot = queued_slot(l, name);
	if (*slot)
		goto out;
	if (!(j = calloc(1, sizeof(*j))) || !(j->name = strdup(name))) {
		free(j);
		err = -ENOMEM;
		goto out;
	}
	j->run = run_refresh;
	j->uid = uid;
	if ((err = push_locked(l, j)) < 0) {
		free(j->name);
		free(j);
	} else {
		*slot = j;
	}
out:
	pthread_mutex_unlock(&l->lock);
	return err;
}

size_t mfs_lane_queued(struct mfs_lane *l)
{
	size_t n;

	pthread_mutex_lock(&l->lock);
	n = l->njobs;
	pthread_mutex_unlock(&l->lock);
	return n;
}

static void *worker(void *arg)
{
	struct mfs *fs = arg;
	struct mfs_lane *l = &fs->lane;
	struct mfs_job *j;

	pthread_mutex_lock(&l->lock);
	while (!l->stopping) {
		if (!(j = pop_locked(l))) {
			pthread_cond_wait(&l->wake, &l->lock);
			continue;
		}
		pthread_mutex_unlock(&l->lock);
		j->run(fs, j, false);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int mfs_lane_start(struct mfs *fs)
{
	struct mfs_lane *l = &fs->lane;
	int err = 0;

	while (l->nthreads < MFS_LANE_THREADS && !err) {
		err = -pthread_create(&l->threads[l->nthreads], NULL, worker,
				      fs);
		if (!err)
			l->nthreads++;
	}
	if (err && l->nthreads)
		mfs_log(LOG_WARNING, "%u of %d worker threads: %s",
			l->nthreads, MFS_LANE_THREADS, strerror(-err));
	return l->nthreads ? 0 : err;
}

void mfs_lane_stop(struct mfs *fs)
{
	struct mfs_lane *l = &fs->lane;
	struct mfs_job *j;
	unsigned i;

	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_broadcast(&l->wake);
	pthread_mutex_unlock(&l->lock);
	for (i = 0; i < l->nthreads; i++)
		pthread_join(l->threads[i], NULL);
	l->nthreads = 0;
	pthread_mutex_lock(&l->lock);
	while ((j = pop_locked(l))) {
		pthread_mutex_unlock(&l->lock);
		j->run(fs, j, true);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
}

void mfs_lane_destroy(struct mfs_lane *l)
{
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->lock);
}
