/*
 * loop.c - a multi-threaded session loop without a hand-off per request.
 *
 * libfuse's loop keeps every idle worker blocked in read() on /dev/fuse,
 * and the kernel wakes the one that has waited longest: the requests of a
 * single sequential client go round all the threads, each woken cold on
 * whatever CPU.  Here one thread, the leader, is the only reader; it
 * serves every request it reads itself, so a lone client always meets the
 * same hot thread.
 *
 * Concurrency comes from a standby thread that watches the leader.  The
 * leader bumps its own counter before and after each request (odd: busy);
 * the standby samples it every CHECK_NS and, when it finds the same odd
 * value twice, the leader has spent at least that long on one request:
 * the standby becomes the leader and starts reading, and another thread
 * (parked, or new up to max_threads) becomes the standby.  The deposed
 * leader finishes its request and then stands by or parks.
 *
 * The standby sleeps for good once the leader has read nothing for
 * QUIET_CHECKS samples, so an idle daemon uses no CPU; the leader's next
 * request wakes it.  Both sides publish first and look second (seq_cst,
 * as Dekker's algorithm wants), so either the standby sees the request
 * and stays awake or the leader sees it asleep and wakes it.  A request
 * costs the leader two atomic increments and two loads, no system call.
 *
 * Exit: whoever reads the end of the session (unmount) or fails posts
 * `finish`; the signals of fuse_set_signal_handlers() are blocked in
 * every worker, so they interrupt the caller's sem_wait() instead.  The
 * caller then wakes the parked threads and cancels those blocked in
 * read(), the one place where cancellation is enabled, as libfuse does.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "signals.h"

#define CHECK_NS	1000000L	/* a request this slow is handed off */
#define QUIET_CHECKS	10		/* then the standby sleeps for good */

enum slot_state { SLOT_FREE, SLOT_RUNNING, SLOT_DONE };

struct worker {
	struct hot_loop *hl;
	pthread_t thread;
	enum slot_state state;		/* under hl->lock */
	bool join;			/* by stop_all(), once stopping */
	atomic_ulong reqs;		/* odd while serving a request */
	atomic_bool deposed;		/* no longer the leader */
	struct fuse_buf buf;
};

struct hot_loop {
	struct fuse_session *se;
	pthread_mutex_t lock;
	pthread_cond_t standby_cv;	/* the standby's timer and alarm */
	pthread_cond_t idle_cv;		/* parked threads: be the standby */
	sem_t finish;			/* the session has ended */
	unsigned max_threads, max_idle;
	unsigned idle;			/* threads parked on idle_cv */
	struct worker *leader;		/* the one reader */
	struct worker *standby;		/* watches the leader, if any */
	atomic_bool standby_asleep;	/* the leader must wake it */
	bool stopping;
	atomic_int error;		/* -errno from receiving */
	struct worker *slots;		/* max_threads of them */
};

static int spawn(struct hot_loop *hl);

static void deadline_after(struct timespec *ts, long ns)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += ns;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Someone must take the standby's place: a parked thread, else a new one. */
static void replace_standby(struct hot_loop *hl)
{
	if (hl->idle > 0)
		pthread_cond_signal(&hl->idle_cv);
	else
		spawn(hl);	/* at max_threads, a deposed leader will do */
}

static void take_over(struct hot_loop *hl, struct worker *me)
{
	struct worker *old = hl->leader;

	if (old) {
		atomic_store(&old->deposed, true);
		mfs_log(LOG_DEBUG, "loop: a request is slow, another "
			"thread reads");
	}
	hl->leader = me;
	hl->standby = NULL;
	replace_standby(hl);
}

/*
 * Sleep until the leader starts a request.  Returns with standby_asleep
 * false.  Under hl->lock.
 */
static void doze(struct hot_loop *hl, unsigned long seen)
{
	atomic_store(&hl->standby_asleep, true);
	if (atomic_load(&hl->leader->reqs) == seen)
		while (atomic_load(&hl->standby_asleep) && !hl->stopping)
			pthread_cond_wait(&hl->standby_cv, &hl->lock);
	atomic_store(&hl->standby_asleep, false);
}

/*
 * The standby's watch.  Returns true when it has become the leader, false
 * when the loop stops.  Under hl->lock.
 */
static bool stand_by(struct hot_loop *hl, struct worker *me)
{
	struct worker *watched = NULL;
	unsigned long seen = 0, now;
	unsigned quiet = 0;
	struct timespec ts;

	while (!hl->stopping) {
		if (!hl->leader) {
			take_over(hl, me);
			return true;
		}
		now = atomic_load(&hl->leader->reqs);
		if (hl->leader == watched && now == seen) {
			if (now & 1) {
				take_over(hl, me);
				return true;
			}
			quiet++;
		} else {
			quiet = 0;
		}
		watched = hl->leader;
		seen = now;
		if (quiet >= QUIET_CHECKS) {
			doze(hl, seen);
			watched = NULL;
			quiet = 0;
			continue;
		}
		deadline_after(&ts, CHECK_NS);
		pthread_cond_timedwait(&hl->standby_cv, &hl->lock, &ts);
	}
	return false;
}

/*
 * A thread that does not lead: it leads if nobody does, stands by if
 * nobody does, else parks or, past max_idle, ends.  Returns true when it
 * is to lead.  Under hl->lock.
 */
static bool follow(struct hot_loop *hl, struct worker *me)
{
	while (!hl->stopping) {
		if (!hl->leader) {
			hl->leader = me;
			return true;
		}
		if (!hl->standby) {
			hl->standby = me;
			return stand_by(hl, me);
		}
		if (hl->idle >= hl->max_idle)
			return false;
		hl->idle++;
		pthread_cond_wait(&hl->idle_cv, &hl->lock);
		hl->idle--;
	}
	return false;
}

static void wake_standby(struct hot_loop *hl)
{
	pthread_mutex_lock(&hl->lock);
	if (atomic_load(&hl->standby_asleep)) {
		atomic_store(&hl->standby_asleep, false);
		pthread_cond_signal(&hl->standby_cv);
	}
	pthread_mutex_unlock(&hl->lock);
}

/* Cancellation only here, where nothing is held (see the top). */
static int receive(struct hot_loop *hl, struct worker *me)
{
	int res;

	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	res = fuse_session_receive_buf(hl->se, &me->buf);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	return res;
}

/*
 * Read and serve until deposed and not needed (returns true: this thread
 * ends) or until the session ends (false).
 */
static bool lead(struct hot_loop *hl, struct worker *me)
{
	bool again;
	int res;

	while (!fuse_session_exited(hl->se)) {
		res = receive(hl, me);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0) {		/* 0: unmounted */
			if (res < 0)
				atomic_store(&hl->error, res);
			break;
		}
		atomic_fetch_add(&me->reqs, 1);		/* busy: publish... */
		if (atomic_load(&hl->standby_asleep))	/* ...then look */
			wake_standby(hl);
		fuse_session_process_buf(hl->se, &me->buf);
		atomic_fetch_add(&me->reqs, 1);
		if (!atomic_load(&me->deposed))
			continue;
		pthread_mutex_lock(&hl->lock);
		atomic_store(&me->deposed, false);
		again = follow(hl, me);
		pthread_mutex_unlock(&hl->lock);
		if (!again)
			return true;
	}
	fuse_session_exit(hl->se);
	sem_post(&hl->finish);
	return false;
}

static void *worker_main(void *arg)
{
	struct worker *me = arg;
	struct hot_loop *hl = me->hl;
	bool leads;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&hl->lock);
	leads = follow(hl, me);
	pthread_mutex_unlock(&hl->lock);
	if (leads && !lead(hl, me))
		return NULL;	/* the session ended: the caller joins us */
	pthread_mutex_lock(&hl->lock);
	me->state = SLOT_DONE;
	pthread_mutex_unlock(&hl->lock);
	return NULL;
}

/* Start a thread in a free slot, if any.  Under hl->lock. */
static int spawn(struct hot_loop *hl)
{
	struct worker *w = NULL;
	unsigned i;
	int err;

	if (hl->stopping)
		return -ESHUTDOWN;
	for (i = 0; i < hl->max_threads && !w; i++)
		if (hl->slots[i].state != SLOT_RUNNING)
			w = &hl->slots[i];
	if (!w)
		return -EAGAIN;
	if (w->state == SLOT_DONE)	/* it has dropped the lock for good */
		pthread_join(w->thread, NULL);
	w->state = SLOT_FREE;
	atomic_store(&w->deposed, false);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		mfs_log(LOG_ERR, "loop: thread: %s", strerror(err));
		return -err;
	}
	w->state = SLOT_RUNNING;
	return 0;
}

/* Ask every thread to end and wait for them. */
static void stop_all(struct hot_loop *hl)
{
	unsigned i;

	pthread_mutex_lock(&hl->lock);
	hl->stopping = true;
	pthread_cond_broadcast(&hl->standby_cv);
	pthread_cond_broadcast(&hl->idle_cv);
	for (i = 0; i < hl->max_threads; i++) {
		hl->slots[i].join = hl->slots[i].state != SLOT_FREE;
		if (hl->slots[i].join)
			pthread_cancel(hl->slots[i].thread);
	}
	pthread_mutex_unlock(&hl->lock);
	/* spawn() refuses now: no thread starts after this */
	for (i = 0; i < hl->max_threads; i++) {
		if (hl->slots[i].join)
			pthread_join(hl->slots[i].thread, NULL);
		free(hl->slots[i].buf.mem);
	}
}

static int hot_loop_init(struct hot_loop *hl, struct fuse_session *se,
			 unsigned max_threads, unsigned max_idle)
{
	pthread_condattr_t ca;
	unsigned i;

	memset(hl, 0, sizeof(*hl));
	hl->se = se;
	hl->max_threads = max_threads ? max_threads : 1;
	hl->max_idle = max_idle;
	hl->slots = calloc(hl->max_threads, sizeof(*hl->slots));
	if (!hl->slots)
		return -ENOMEM;
	for (i = 0; i < hl->max_threads; i++)
		hl->slots[i].hl = hl;
	pthread_mutex_init(&hl->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hl->standby_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&hl->idle_cv, NULL);
	sem_init(&hl->finish, 0, 0);
	return 0;
}

static void hot_loop_fini(struct hot_loop *hl)
{
	sem_destroy(&hl->finish);
	pthread_cond_destroy(&hl->idle_cv);
	pthread_cond_destroy(&hl->standby_cv);
	pthread_mutex_destroy(&hl->lock);
	free(hl->slots);
}

/* The leader, and its standby if there may be one; signals stay here. */
static int start(struct hot_loop *hl)
{
	sigset_t old;
	int err;

	mfs_block_stop_signals(&old);
	pthread_mutex_lock(&hl->lock);
	err = spawn(hl);
	if (!err && hl->max_threads > 1)
		spawn(hl);	/* without a standby we only lose concurrency */
	pthread_mutex_unlock(&hl->lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

int mfs_loop_hot(struct fuse_session *se, unsigned max_threads,
		 unsigned max_idle_threads)
{
	struct hot_loop hl;
	int err;

	if ((err = hot_loop_init(&hl, se, max_threads, max_idle_threads)))
		return err;
	err = start(&hl);
	if (!err)
		while (!fuse_session_exited(se))
			sem_wait(&hl.finish);	/* EINTR: a signal */
	stop_all(&hl);
	if (!err)
		err = atomic_load(&hl.error);
	hot_loop_fini(&hl);
	return err;
}
