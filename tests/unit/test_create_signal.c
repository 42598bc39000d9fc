/*
 * test_create_signal.c - a stale file replaced from an O_TMPFILE file
 * goes through a temporary name: when the rename fails, a signal that
 * comes before that name is removed leaves it to the handler, which
 * removes it.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmstats.h"
#include "syscall_stop.h"
#include "testdir.h"

static const struct mmstats_field_def table[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
};

/* Traced from its first instruction on; it dies of the test's SIGTERM. */
static void child_replacing(const char *dir)
{
	struct mmstats_options o = { .path = dir, .filename = "x.mmstats" };
	struct mmstats *s;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (mmstats_remove_on_signal(NULL, 0) != 3 ||
	    ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || raise(SIGSTOP))
		_exit(92);
	mmstats_open(table, 1, &o, &s);
	_exit(93);		/* the signal was not taken */
}

/*
 * The traced child's first linkat() that succeeds has returned: the one
 * of the temporary name (the final name exists).
 */
static bool linked(pid_t pid, long nr, long rval)
{
	(void)pid;
	return nr == __NR_linkat && rval == 0;
}

static int count_tmpnames(const char *dir)
{
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, ".mmstats-", 9) == 0;
	closedir(d);
	return n;
}

/*
 * The child stopped with its temporary name linked; the stale file is
 * then made a directory, so that the rename fails, and a SIGTERM is
 * queued, which it takes once it lets signals in, before it removes
 * the name itself.
 */
static void test_failed_replace_then_signal(void **state)
{
	char dir[sizeof(testdir_group) + 16], stale[sizeof(dir) + 16];
	int fd, status;
	pid_t pid;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/replace", testdir_group);
	snprintf(stale, sizeof(stale), "%s/x.mmstats", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	if ((fd = open(dir, O_TMPFILE | O_RDWR, 0600)) < 0)
		skip();		/* the replacing is another path then */
	close(fd);
	assert_true((fd = open(stale, O_CREAT | O_WRONLY, 0644)) >= 0);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_replacing(dir);
	run_to_syscall(pid, linked);
	assert_int_equal(count_tmpnames(dir), 1);
	assert_int_equal(unlink(stale), 0);
	assert_int_equal(mkdir(stale, 0700), 0);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(ptrace(PTRACE_DETACH, pid, NULL, 0), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	assert_int_equal(count_tmpnames(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_replace_then_signal),
	};

	return testdir_run_group("test_create_signal", tests);
}
