/*
 * onsignal.h - the files to remove when a signal kills the process
 * (mmstats_remove_on_signal()), kept where a signal handler can read
 * them without a lock or an allocation.
 */
#ifndef MMS_ONSIGNAL_H
#define MMS_ONSIGNAL_H

#include <signal.h>
#include <sys/types.h>

struct mmstats;

/*
 * Record `s`'s file for removal on a signal.  Called with the registry's
 * lock held, which is what keeps the writers of the list one at a time.
 */
int mms_onsignal_track(const struct mmstats *s);
/*
 * The same for a name being built (create.c's temporary name, without
 * O_TMPFILE or while a stale file is replaced): `name` in directory
 * dirfd while it is inode dev/ino, under `key`.  Same lock.
 */
int mms_onsignal_track_name(const void *key, int dirfd, const char *name,
			    dev_t dev, ino_t ino);
/*
 * Around recording a file and giving it its name: signals are blocked in
 * this thread, and a handler running in another waits for the name
 * before it kills the process.  -EINTR when the process is dying.
 */
int mms_onsignal_begin(sigset_t *old);
void mms_onsignal_end(const sigset_t *old);
/* `s`'s file, recorded before, now has its name.  Same lock. */
void mms_onsignal_named(const struct mmstats *s);
/* Forget the file of `key` (closed, removed, or about to be).  Same lock. */
void mms_onsignal_forget(const void *key);

#endif
