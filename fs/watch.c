/*
 * watch.c - the watcher thread: one epoll loop over the source directory's
 * inotify descriptor, a pidfd per writing process, a wake-up eventfd, a
 * timer and the mount table.
 *
 * Events drive everything: a file that appears is read at once, a process
 * that exits is removed at once, and only a lost event (IN_Q_OVERFLOW)
 * costs a full rescan.  The timer runs only while there is something to
 * look at again: files that cannot be parsed yet (the reference writer
 * fills its file in after creating it, with no event) are retried every
 * RETRY_MS for MFS_PENDING_SECS, and processes left without a pidfd (no
 * descriptor to spare) are polled every MFS_POLL_MS.  An idle daemon
 * sleeps in epoll_wait.
 *
 * When the source directory's path stops naming it (srcdir.c), all it
 * showed goes at once, and the path is tried every REOPEN_MS until there
 * is a directory there again, which is then read whole.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "log.h"
#include "mmstatsfs.h"
#include "pidstat.h"
#include "pidwatch.h"
#include "signals.h"

#define RETRY_MS	20
#define REOPEN_MS	200
#define REREAD_MS	1000
#define TAG		(1ull << 62)	/* pidfd events carry the bare pid */
#define TAG_INOTIFY	(TAG | 1)
#define TAG_WAKE	(TAG | 2)
#define TAG_TIMER	(TAG | 3)
#define TAG_MOUNTS	(TAG | 4)

/*
 * Have the timer fire within ms: a deadline already sooner stands, so a
 * stream of events cannot keep pushing it back.  A delay of a second or
 * more must be split into tv_sec and tv_nsec (timerfd refuses a tv_nsec
 * of 1e9 or more), and one of 0 or less is 1 ns (0 disarms the timer).
 * Only the watcher arms the timer: a failure is logged once.
 */
static void arm_within(struct mfs *fs, long ms)
{
	static bool logged;
	struct itimerspec cur, its = { 0 };
	long long want, left;

	if (ms > 0) {
		its.it_value.tv_sec = ms / 1000;
		its.it_value.tv_nsec = ms % 1000 * 1000000L;
	} else {
		its.it_value.tv_nsec = 1;
	}
	want = (long long)its.it_value.tv_sec * 1000000000LL +
	       its.it_value.tv_nsec;
	if (timerfd_gettime(fs->timerfd, &cur) == 0) {
		left = (long long)cur.it_value.tv_sec * 1000000000LL +
		       cur.it_value.tv_nsec;
		if (left && left <= want)
			return;
	}
	if (timerfd_settime(fs->timerfd, 0, &its, NULL) < 0 && !logged) {
		logged = true;
		mfs_log(LOG_ERR, "timerfd_settime: %s (retries and polling "
			"wait for the next event; said once)",
			strerror(errno));
	}
}

/* The names one read of the inotify descriptor touched, each once. */
struct batch {
	struct mfs_strv names;
	bool rescan;
	bool check_source;	/* the source directory may have gone */
};

/* Without memory for a name, read everything again. */
static void batch_add(struct batch *b, const char *name)
{
	if (!mfs_strv_has(&b->names, name) &&
	    mfs_strv_add(&b->names, name) < 0)
		b->rescan = true;
}

static void on_event(struct mfs *fs, const struct inotify_event *ev,
		     struct batch *b)
{
	if (ev->mask & IN_Q_OVERFLOW)
		b->rescan = b->check_source = true;
	else if (mfs_srcdir_event(fs, ev))
		b->check_source = true;
	else if (ev->wd == fs->srcwd && ev->len &&
		 mfs_source_name_ok(ev->name))
		batch_add(b, ev->name);
}

/* If the source directory is there again, read it whole. */
static void reopen_source(struct mfs *fs)
{
	if (mfs_srcdir_reopen(fs) == 0)
		mfs_rescan(fs);
}

/*
 * Whether the source directory went (or is still missing): then another
 * directory may already be there (renamed or mounted into place).
 */
static bool follow_source(struct mfs *fs)
{
	if (mfs_srcdir_missing(fs)) {
		reopen_source(fs);
		return true;
	}
	if (!mfs_srcdir_moved(fs))
		return false;
	mfs_srcdir_lose(fs);
	reopen_source(fs);
	return true;
}

static void apply_batch(struct mfs *fs, const struct batch *b)
{
	if (b->check_source && follow_source(fs))
		return;		/* what its names did is moot */
	if (b->rescan) {
		mfs_log(LOG_NOTICE, "inotify queue overflow: rescanning");
		mfs_rescan(fs);
	} else if (b->names.n) {
		mfs_queue_refresh(fs, b->names.v, b->names.n);
	}
}

/*
 * Whatever happened to a name (made, written, renamed, removed), reading
 * it again tells its state now: a burst of events costs one read.
 */
static void drain_inotify(struct mfs *fs)
{
	char buf[64 * 1024]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	struct batch b = { 0 };
	ssize_t n;
	char *p;

	while ((n = read(fs->inofd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			on_event(fs, ev, &b);
		}
	}
	apply_batch(fs, &b);
	mfs_strv_free(&b.names);
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
}

static void on_pid_exit(struct mfs *fs, pid_t pid)
{
	pthread_mutex_lock(&fs->lock);
	mfs_model_proc_exit(&fs->model, pid, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
}

/* Check the processes left without a pidfd; /proc is read unlocked. */
static void poll_procs(struct mfs *fs)
{
	struct mfs_pollee *v;
	size_t n, i;

	pthread_mutex_lock(&fs->lock);
	v = mfs_pidwatch_polled(&fs->model, &n);
	pthread_mutex_unlock(&fs->lock);
	if (!v)
		return;
	for (i = 0; i < n; i++)
		v[i].runs = mfs_pid_runs(v[i].pid, &v[i].starttime);
	pthread_mutex_lock(&fs->lock);
	mfs_pidwatch_apply(&fs->model, v, n, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
	free(v);
}

/* Any request may have made a process that must be polled. */
static bool any_polled(struct mfs *fs)
{
	size_t n;

	pthread_mutex_lock(&fs->lock);
	n = fs->model.polled;
	pthread_mutex_unlock(&fs->lock);
	return n > 0;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/*
 * Files left out for their owner's budget may fit once the owner's other
 * files went or shrank: read the directory again, at most every
 * REREAD_MS, so that an owner making and removing files cannot make the
 * daemon list the directory at each event.
 */
static void reread_left_out(struct mfs *fs, struct timespec *last)
{
	long ms = ms_since(last);
	bool wanted;

	pthread_mutex_lock(&fs->lock);
	wanted = fs->model.reread_wanted;
	if (wanted && ms >= REREAD_MS)
		mfs_model_reread(&fs->model);
	pthread_mutex_unlock(&fs->lock);
	if (!wanted)
		return;
	if (ms < REREAD_MS) {
		arm_within(fs, REREAD_MS - ms);
		return;
	}
	mfs_queue_all(fs);
	clock_gettime(CLOCK_MONOTONIC, last);
}

static bool any_pending(struct mfs *fs)
{
	struct mfs_strv names = { 0 };
	bool any;

	pthread_mutex_lock(&fs->lock);
	mfs_model_pending(&fs->model, &names);
	pthread_mutex_unlock(&fs->lock);
	any = names.n > 0;
	mfs_strv_free(&names);
	return any;
}

static void *watcher(void *arg)
{
	struct mfs *fs = arg;
	struct epoll_event evs[64];
	struct timespec reread = { 0 };
	bool check_pending;
	long later;
	int n, i;

	while (!__atomic_load_n(&fs->stopping, __ATOMIC_ACQUIRE)) {
		n = epoll_wait(fs->epfd, evs, 64, -1);
		if (n < 0 && errno != EINTR) {
			mfs_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
		check_pending = false;
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case TAG_INOTIFY:
				drain_inotify(fs);
				check_pending = true;
				break;
			case TAG_WAKE:
				drain(fs->wakefd);
				break;
			case TAG_MOUNTS:	/* epoll's poll took the news */
				follow_source(fs);
				break;
			case TAG_TIMER:
				drain(fs->timerfd);
				if (mfs_srcdir_missing(fs))
					reopen_source(fs);
				mfs_refresh_pending(fs, true);
				poll_procs(fs);
				check_pending = true;
				break;
			default:
				on_pid_exit(fs, (pid_t)evs[i].data.u64);
			}
		}
		if (check_pending && any_pending(fs))
			arm_within(fs, RETRY_MS);
		if (any_polled(fs))
			arm_within(fs, MFS_POLL_MS);
		if (mfs_srcdir_missing(fs))
			arm_within(fs, REOPEN_MS);
		reread_left_out(fs, &reread);
		later = mfs_send_changes(fs);
		if (later >= 0)
			arm_within(fs, later + 1);
	}
	return NULL;
}

static int add_fd(struct mfs *fs, int fd, uint32_t events, uint64_t tag)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	return epoll_ctl(fs->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int mfs_watch_start(struct mfs *fs)
{
	sigset_t old;
	int err;

	if ((err = add_fd(fs, fs->inofd, EPOLLIN, TAG_INOTIFY)) < 0 ||
	    (err = add_fd(fs, fs->wakefd, EPOLLIN, TAG_WAKE)) < 0 ||
	    (err = add_fd(fs, fs->timerfd, EPOLLIN, TAG_TIMER)) < 0 ||
	    (fs->mntfd >= 0 &&
	     (err = add_fd(fs, fs->mntfd, EPOLLPRI, TAG_MOUNTS)) < 0))
		return err;
	if (any_pending(fs))
		arm_within(fs, RETRY_MS);
	if (any_polled(fs))
		arm_within(fs, MFS_POLL_MS);
	mfs_block_stop_signals(&old);
	err = mfs_lane_start(fs);
	if (!err)
		err = -pthread_create(&fs->watcher, NULL, watcher, fs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fs->watching = !err;
	if (err)
		mfs_lane_stop(fs);
	return err;
}

void mfs_watch_stop(struct mfs *fs)
{
	if (!fs->watching)
		return;
	__atomic_store_n(&fs->stopping, true, __ATOMIC_RELEASE);
	mfs_kick(fs);
	pthread_join(fs->watcher, NULL);
	mfs_lane_stop(fs);
	fs->watching = false;
}
