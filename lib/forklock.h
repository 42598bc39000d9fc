/*
 * forklock.h - the library's mutexes across fork(2).
 */
#ifndef MMS_FORKLOCK_H
#define MMS_FORKLOCK_H

#include <pthread.h>

/*
 * Have m taken by the forking thread before every fork and released
 * after it, in parent and child (pthread_atfork): a child never gets m
 * held by a thread it does not have.  Call it before taking m, never
 * while holding it or another such mutex.  0, or -errno (reported).
 */
int mms_forklock_add(pthread_mutex_t *m);
/*
 * The same, and in the child `child` runs with every such mutex held,
 * before they are released: for what the child must forget of the
 * parent's other threads (a scan one of them was making).
 */
int mms_forklock_add_child(pthread_mutex_t *m, void (*child)(void));

#endif
