/*
 * registry.c - every instance this process created, so that
 * mmstats_remove_all() and normal exit can remove their files, as the
 * reference's MmStats.remove() does.
 *
 * After fork() the child inherits the list but not the files: entries
 * are only acted on by the process that created them (owner pid).
 *
 * Once the program has asked for removal on a signal, every instance
 * that would be removed at exit is also in onsignal.c's list, which a
 * signal handler can read; the lock below keeps that list's writers one
 * at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mmstats.h"
#include "error.h"
#include "instance.h"
#include "onsignal.h"
#include "forklock.h"
#include "registry.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmstats *head;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static int exit_err;
/* Whether instances go into onsignal.c's list too (under `lock`). */
static bool tracking;

static bool mine(const struct mmstats *s)
{
	return s->owner == getpid() && !s->removed;
}

int mms_unlink_instance(struct mmstats *s)
{
	struct stat st;

	if (s->removed)
		return 0;
	s->removed = true;
	/* Never remove a file that replaced ours under the same name. */
	if (fstatat(s->dirfd, s->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return mms_error(-errno, "%s: %s", s->path,
				 strerror(errno));
	if (st.st_dev != s->dev || st.st_ino != s->ino)
		return mms_error(-ESTALE, "%s: replaced by another "
				 "file; not removed", s->path);
	if (unlinkat(s->dirfd, s->name, 0) < 0)
		return mms_error(-errno, "%s: %s", s->path,
				 strerror(errno));
	return 0;
}

/* What a signal that kills the process removes: what exit removes. */
static bool removed_at_exit(const struct mmstats *s)
{
	return mine(s) && !(s->flags & MMSTATS_KEEP_AT_EXIT);
}

static void register_exit(void);

static void lock_registry(void)
{
	pthread_once(&exit_once, register_exit);
	pthread_mutex_lock(&lock);
}

static int unlink_all(bool at_exit)
{
	struct mmstats *s;
	int err = 0, e;

	lock_registry();
	for (s = head; s; s = s->reg_next) {
		if (!mine(s) || (at_exit && (s->flags & MMSTATS_KEEP_AT_EXIT)))
			continue;
		if (!s->linked) {	/* being named: named() unlinks it */
			s->unlink_pending = true;
			continue;
		}
		e = mms_unlink_instance(s);
		/* Forgotten after the unlink: a signal between has it. */
		if (tracking)
			mms_onsignal_forget(s);
		if (e < 0 && err == 0)
			err = e;
	}
	pthread_mutex_unlock(&lock);
	return err;
}

/*
 * Only the files go: other threads may still be writing into their
 * mappings while the process exits, so nothing is unmapped.
 */
static void remove_at_exit(void)
{
	unlink_all(true);
}

/*
 * Once, before the lock is first taken: the removal at exit, and the
 * lock taken around fork (forklock.h).
 */
static void register_exit(void)
{
	if (atexit(remove_at_exit))
		exit_err = -ENOMEM;
	else
		exit_err = mms_forklock_add(&lock);
}

int mms_registry_add(struct mmstats *s)
{
	int err;

	pthread_once(&exit_once, register_exit);
	if (exit_err)
		return mms_error(exit_err, "cannot register "
				 "removal at exit");
	lock_registry();
	s->reg_next = head;
	head = s;
	if (tracking && removed_at_exit(s)) {
		err = mms_onsignal_track(s);
		if (err) {
			head = s->reg_next;
			pthread_mutex_unlock(&lock);
			return err;
		}
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

static void unlist(struct mmstats *s)
{
	struct mmstats **pp;

	for (pp = &head; *pp; pp = &(*pp)->reg_next) {
		if (*pp == s) {
			*pp = s->reg_next;
			break;
		}
	}
	/* Whether or not tracking: a failed first call may have left it. */
	mms_onsignal_forget(s);
}

void mms_registry_del(struct mmstats *s)
{
	lock_registry();
	unlist(s);
	pthread_mutex_unlock(&lock);
}

void mms_registry_named(struct mmstats *s)
{
	lock_registry();
	s->linked = true;
	if (s->unlink_pending)		/* mmstats_remove_all() meanwhile */
		mms_unlink_instance(s);
	else if (tracking && removed_at_exit(s))
		mms_onsignal_named(s);
	pthread_mutex_unlock(&lock);
}

int mms_registry_remove(struct mmstats *s)
{
	int err;

	lock_registry();
	/* unlinked first: a signal in between finds no file of its inode */
	err = s->owner == getpid() ? mms_unlink_instance(s) : 0;
	unlist(s);
	pthread_mutex_unlock(&lock);
	return err;
}

int mms_registry_track_signals(void)
{
	struct mmstats *s;
	int err = 0;

	pthread_once(&exit_once, register_exit);
	if (exit_err)
		return mms_error(exit_err, "cannot register "
				 "removal at exit");
	lock_registry();
	for (s = head; s && !tracking && !err; s = s->reg_next)
		if (removed_at_exit(s))
			err = mms_onsignal_track(s);
	if (!err)
		tracking = true;
	pthread_mutex_unlock(&lock);
	return err;
}

int mms_registry_building(const void *key, int dirfd, const char *name,
			  dev_t dev, ino_t ino)
{
	int err;

	lock_registry();
	err = mms_onsignal_track_name(key, dirfd, name, dev, ino);
	if (!tracking)
		err = 0;
	pthread_mutex_unlock(&lock);
	return err;
}

void mms_registry_built(const void *key)
{
	lock_registry();
	mms_onsignal_forget(key);
	pthread_mutex_unlock(&lock);
}

bool mms_registry_owns(dev_t dev, ino_t ino)
{
	struct mmstats *s;
	bool found = false;

	lock_registry();
	for (s = head; s && !found; s = s->reg_next)
		found = mine(s) && s->dev == dev && s->ino == ino;
	pthread_mutex_unlock(&lock);
	return found;
}

int mmstats_remove_all(void)
{
	return unlink_all(false);
}
