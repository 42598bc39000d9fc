/*
 * onsignal.c - remove this process's files when SIGTERM, SIGINT or
 * SIGHUP kills it (mmstats_remove_on_signal()), then die of that signal
 * as if nothing had caught it.
 *
 * A signal handler may call no lock and no allocator, and another thread
 * may be adding or removing a file while it runs.  So the files are kept
 * in a list of entries that is only ever pushed at its head and whose
 * entries are never freed, only reused: the handler can walk it at any
 * moment.  The writers (under the registry's lock, so one at a time)
 * change an entry under a sequence count (odd while they write), and the
 * handler copies an entry and keeps the copy only if the count was even
 * and unchanged across the copy; an entry caught mid-write belongs to a
 * file being added or forgotten, see `dying` for the first.
 *
 * The handler removes a file by its absolute path, only if what is there
 * is still the file's inode (as mms_unlink_instance() does), then puts
 * back the default action and raises the signal again: the process dies
 * of it, and its parent (a shell, systemd) sees "killed by SIGTERM".
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"
#include "forklock.h"
#include "instance.h"
#include "onsignal.h"
#include "registry.h"

struct entry {
	unsigned seq;		/* odd while a writer changes the entry */
	const void *key;	/* the instance; NULL: free (writers only) */
	pid_t owner;		/* 0: free */
	dev_t dev;
	ino_t ino;
	size_t cap;		/* of path[], fixed */
	struct entry *next;	/* fixed before the entry is published */
	char path[];
};

/* What the handler copies out of an entry. */
struct copy {
	pid_t owner;
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX];
};

static struct entry *entries;
/*
 * Set by the handler before it walks the list: an entry written after
 * the walk passed it is removed by its writer (see mms_onsignal_track).
 */
static int dying;
/*
 * Threads between recording a file and naming it (mms_onsignal_begin to
 * mms_onsignal_end): the handler waits for them before it kills the
 * process, or a file linked as it dies would stay.
 */
static int linking;
/* How long a dying process waits for them: a link is one system call. */
#define LINK_WAIT_STEPS	200
#define LINK_WAIT_NS	10000000L
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static const int default_signals[] = { SIGHUP, SIGINT, SIGTERM };

/* ---- the entries ---------------------------------------------------- */

static void entry_write(struct entry *e, const void *key, pid_t owner,
			dev_t dev, ino_t ino, const char *path)
{
	unsigned seq = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);
	size_t i = 0;

	__atomic_store_n(&e->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->key = key;
	__atomic_store_n(&e->owner, owner, __ATOMIC_RELAXED);
	__atomic_store_n(&e->dev, dev, __ATOMIC_RELAXED);
	__atomic_store_n(&e->ino, ino, __ATOMIC_RELAXED);
	do
		__atomic_store_n(&e->path[i], path[i], __ATOMIC_RELAXED);
	while (path[i++]);
	/* seq_cst: ordered with the load of `dying` that follows. */
	__atomic_store_n(&e->seq, seq + 2, __ATOMIC_SEQ_CST);
}

/* Async-signal-safe.  False when the entry was being written. */
static bool entry_read(const struct entry *e, struct copy *c)
{
	unsigned seq = __atomic_load_n(&e->seq, __ATOMIC_SEQ_CST);
	size_t i;

	if (seq & 1)
		return false;
	c->owner = __atomic_load_n(&e->owner, __ATOMIC_RELAXED);
	c->dev = __atomic_load_n(&e->dev, __ATOMIC_RELAXED);
	c->ino = __atomic_load_n(&e->ino, __ATOMIC_RELAXED);
	for (i = 0; i < e->cap; i++) {
		c->path[i] = __atomic_load_n(&e->path[i], __ATOMIC_RELAXED);
		if (!c->path[i])
			break;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return i < e->cap && __atomic_load_n(&e->seq, __ATOMIC_RELAXED) == seq;
}

/* Async-signal-safe: never a file that has taken our file's name. */
static void remove_file(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}

/* A free entry with room for `len` bytes, or a new one. */
static struct entry *free_entry(size_t len)
{
	struct entry *e;

	for (e = entries; e; e = e->next)
		if (!e->key && e->cap >= len)
			return e;
	e = calloc(1, sizeof(*e) + len);
	if (!e)
		return NULL;
	e->cap = len;
	e->next = entries;
	/* Whole before the handler can reach it. */
	__atomic_store_n(&entries, e, __ATOMIC_RELEASE);
	return e;
}

/*
 * The handler may run after a chdir(): it needs the absolute path, that
 * of the directory the file is in (its descriptor's, whatever the
 * current directory was when it was opened or is now).
 */
static int absolute_path(int dirfd, const char *name, char *buf, size_t len)
{
	char fdpath[32];
	ssize_t n;
	size_t nlen = strlen(name);

	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", dirfd);
	n = readlink(fdpath, buf, len);
	if (n < 0)
		return mms_error(-errno, "%s: its directory, to remove the "
				 "file on a signal: %s", name,
				 strerror(errno));
	if ((size_t)n + 1 + nlen >= len)
		return mms_error(-ENAMETOOLONG, "%s: path too long", name);
	buf[n] = '/';
	memcpy(buf + n + 1, name, nlen + 1);
	return 0;
}

int mms_onsignal_track_name(const void *key, int dirfd, const char *name,
			    dev_t dev, ino_t ino)
{
	char path[PATH_MAX];
	sigset_t all, old;
	struct entry *e;
	int err = absolute_path(dirfd, name, path, sizeof(path));

	if (err)
		return err;
	e = free_entry(strlen(path) + 1);
	if (!e)
		return mms_error(-ENOMEM, "out of memory");
	/*
	 * A signal taken by this thread in the middle of the write would
	 * find the entry odd, skip it, and kill us with the file left.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	entry_write(e, key, getpid(), dev, ino, path);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/*
	 * The handler sets `dying` before its walk, we wrote the entry
	 * before this load (both seq_cst): either the walk sees the entry,
	 * or we see `dying` and remove the file ourselves.
	 */
	if (__atomic_load_n(&dying, __ATOMIC_SEQ_CST))
		remove_file(path, dev, ino);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

int mms_onsignal_track(const struct mmstats *s)
{
	return mms_onsignal_track_name(s, s->dirfd, s->name, s->dev, s->ino);
}

int mms_onsignal_begin(sigset_t *old)
{
	sigset_t all;

	/* The handler must never wait for its own thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	__atomic_add_fetch(&linking, 1, __ATOMIC_SEQ_CST);
	/*
	 * Either the handler's load of `linking` sees us, and waits, or
	 * this load sees `dying` (both seq_cst), and no file is linked.
	 */
	if (__atomic_load_n(&dying, __ATOMIC_SEQ_CST)) {
		mms_onsignal_end(old);
		return mms_error(-EINTR, "the process is being killed by a "
				 "signal");
	}
	return 0;
}

void mms_onsignal_end(const sigset_t *old)
{
	__atomic_sub_fetch(&linking, 1, __ATOMIC_SEQ_CST);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/*
 * The file just got its name, after its entry was written.  A handler
 * whose walk ran in between found no file there and is killing the
 * process: this load sees `dying` (set before that walk, seq_cst), and
 * the file goes here; or it does not, and the walk starts after the
 * link, finds the file and removes it.
 */
void mms_onsignal_named(const struct mmstats *s)
{
	const struct entry *e;
	struct copy c;

	if (!__atomic_load_n(&dying, __ATOMIC_SEQ_CST))
		return;
	for (e = entries; e; e = e->next)
		if (e->key == s && entry_read(e, &c))
			remove_file(c.path, c.dev, c.ino);
}

void mms_onsignal_forget(const void *key)
{
	struct entry *e;

	for (e = entries; e; e = e->next)
		if (e->key == key)
			entry_write(e, NULL, 0, 0, 0, "");
}

/* ---- the handler ---------------------------------------------------- */

/* Async-signal-safe: every file of this process in the list. */
static void remove_all(pid_t me)
{
	const struct entry *e;
	struct copy c;

	for (e = __atomic_load_n(&entries, __ATOMIC_ACQUIRE); e; e = e->next)
		/* A fork child inherits the list, not the files. */
		if (entry_read(e, &c) && c.owner == me)
			remove_file(c.path, c.dev, c.ino);
}

/* Async-signal-safe: true when some thread was naming a file. */
static bool wait_for_links(void)
{
	struct timespec step = { .tv_nsec = LINK_WAIT_NS };
	bool waited = false;

	for (int i = 0; i < LINK_WAIT_STEPS &&
	     __atomic_load_n(&linking, __ATOMIC_SEQ_CST); i++) {
		nanosleep(&step, NULL);
		waited = true;
	}
	return waited;
}

static void on_signal(int sig)
{
	struct sigaction dfl;
	pid_t me = getpid();
	int saved = errno;

	__atomic_store_n(&dying, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	remove_all(me);
	/*
	 * Threads naming a file now remove it themselves when they see
	 * `dying`; wait for them, then look again for what they linked.
	 */
	if (wait_for_links())
		remove_all(me);
	/* Blocked until we return, then the default action: death. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
	errno = saved;
}

/* ---- installing it ---------------------------------------------------- */

/*
 * Signals whose default action ends the process, less SIGKILL (which
 * cannot be caught) and SIGBUS (the readers' guard has it, mmstats(3)).
 */
static bool removable_on(int sig)
{
	switch (sig) {
	case SIGKILL: case SIGBUS: case SIGSTOP: case SIGTSTP:
	case SIGTTIN: case SIGTTOU: case SIGCHLD: case SIGCONT:
	case SIGURG: case SIGWINCH:
		return false;
	default:
		return sig > 0 && sig < NSIG;
	}
}

static bool is_ours(const struct sigaction *sa)
{
	return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == on_signal;
}

static bool is_default(const struct sigaction *sa)
{
	return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == SIG_DFL;
}

/*
 * 1 when `sig` now removes the files, 0 when the program handles or
 * ignores it (its choice stands: it decides whether and how it ends),
 * or -errno.
 */
static int install(int sig)
{
	struct sigaction sa, old;

	if (sigaction(sig, NULL, &old) < 0)
		return mms_error(-errno, "signal %d: %s", sig,
				 strerror(errno));
	if (is_ours(&old))
		return 1;
	if (!is_default(&old))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* Nothing else runs in this thread while the files go. */
	sigfillset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old) < 0)
		return mms_error(-errno, "signal %d: %s", sig,
				 strerror(errno));
	if (is_default(&old) || is_ours(&old))
		return 1;
	/* The program set its own in between: it stays. */
	sigaction(sig, &old, NULL);
	return 0;
}

int mmstats_remove_on_signal(const int *signals, size_t n)
{
	int err = 0, ours = 0, r;

	if (!signals) {
		if (n)
			return mms_error(-EINVAL, "no signals but a count");
		signals = default_signals;
		n = sizeof(default_signals) / sizeof(default_signals[0]);
	}
	for (size_t i = 0; i < n; i++)
		if (!removable_on(signals[i]))
			return mms_error(-EINVAL, "signal %d: not one whose "
					 "default action ends the process, "
					 "or SIGKILL or SIGBUS", signals[i]);
	/* Every file in the list before a handler can look at it. */
	err = mms_registry_track_signals();
	if (!err)
		err = mms_forklock_add(&install_lock);
	if (err)
		return err;
	pthread_mutex_lock(&install_lock);
	for (size_t i = 0; i < n && !err; i++) {
		r = install(signals[i]);
		if (r < 0)
			err = r;
		else
			ours += r;
	}
	pthread_mutex_unlock(&install_lock);
	return err ? err : ours;
}
