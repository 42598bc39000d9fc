/*
 * forklock.c - the library's mutexes across fork(2).
 *
 * A fork while another thread holds one of the library's mutexes would
 * leave the child a mutex that nobody will ever release, and the
 * child's next call that takes it would hang: a pre-fork server whose
 * master starts its workers while another of its threads opens a file
 * or installs a handler.  So the forking thread takes every such mutex
 * before the fork and releases them after it, in both processes; the
 * child first runs the hooks that make it forget what the parent's
 * other threads were doing under them (pidscan.c: a scan).  No thread
 * of the library takes one while holding another, so taking all of
 * them in any order cannot deadlock.
 */
#include <errno.h>
#include <string.h>

#include "error.h"
#include "forklock.h"

#define MAX_LOCKS	8

static pthread_mutex_t *locks[MAX_LOCKS];
static void (*child_hooks[MAX_LOCKS])(void);
static unsigned nlocks;
static pthread_mutex_t registry = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int atfork_err;

static void before_fork(void)
{
	pthread_mutex_lock(&registry);
	for (unsigned i = 0; i < nlocks; i++)
		pthread_mutex_lock(locks[i]);
}

static void after_fork(void)
{
	for (unsigned i = nlocks; i-- > 0;)
		pthread_mutex_unlock(locks[i]);
	pthread_mutex_unlock(&registry);
}

static void after_fork_child(void)
{
	for (unsigned i = 0; i < nlocks; i++)
		if (child_hooks[i])
			child_hooks[i]();
	after_fork();
}

static void install(void)
{
	atfork_err = pthread_atfork(before_fork, after_fork,
				    after_fork_child);
}

int mms_forklock_add(pthread_mutex_t *m)
{
	return mms_forklock_add_child(m, NULL);
}

int mms_forklock_add_child(pthread_mutex_t *m, void (*child)(void))
{
	unsigned i;

	pthread_once(&once, install);
	if (atfork_err)
		return mms_error(-atfork_err, "pthread_atfork: %s",
				 strerror(atfork_err));
	pthread_mutex_lock(&registry);
	for (i = 0; i < nlocks && locks[i] != m; i++)
		;
	if (i == nlocks && nlocks < MAX_LOCKS) {
		child_hooks[nlocks] = child;
		locks[nlocks++] = m;
	}
	pthread_mutex_unlock(&registry);
	if (i == MAX_LOCKS)	/* a new lock in the library: raise MAX_LOCKS */
		return mms_error(-ENOSPC, "more than %d locks to take around "
				 "fork", MAX_LOCKS);
	return 0;
}
