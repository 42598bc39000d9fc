/*
 * test_forklock.c - a fork while another thread holds one of the
 * library's mutexes (forklock.h) waits for it, and the child gets it
 * free: without that, the child's next call that takes it would hang.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/forklock.h"

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int held[2];	/* the holder says it holds m */

/* Holds m for 100 ms: the fork made meanwhile must wait for it. */
static void *holder(void *arg)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	(void)arg;
	pthread_mutex_lock(&m);
	assert_int_equal(write(held[1], "h", 1), 1);
	nanosleep(&ts, NULL);
	pthread_mutex_unlock(&m);
	return NULL;
}

static void test_child_gets_mutex_free(void **state)
{
	pthread_t t;
	int status;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(mms_forklock_add(&m), 0);
	assert_int_equal(mms_forklock_add(&m), 0);	/* once is enough */
	assert_int_equal(pipe(held), 0);
	assert_int_equal(pthread_create(&t, NULL, holder, NULL), 0);
	assert_int_equal(read(held[0], &c, 1), 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(pthread_mutex_trylock(&m) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(pthread_mutex_trylock(&m), 0);	/* the parent's too */
	pthread_mutex_unlock(&m);
	pthread_join(t, NULL);
}

static pthread_mutex_t m2 = PTHREAD_MUTEX_INITIALIZER;
static int hook_runs;		/* in the child, with m2 held */

static void child_hook(void)
{
	if (pthread_mutex_trylock(&m2) != 0)	/* held: by the fork */
		hook_runs++;
	else
		pthread_mutex_unlock(&m2);
}

/* A child hook runs in the child only, while the mutex is still held. */
static void test_child_hook(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(mms_forklock_add_child(&m2, child_hook), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(hook_runs == 1 && pthread_mutex_trylock(&m2) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(hook_runs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_child_gets_mutex_free),
		cmocka_unit_test(test_child_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
