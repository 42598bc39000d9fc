/*
 * test_onsignal.c - mmstats_remove_on_signal(): a child that asked for it
 * and is killed by SIGTERM, SIGINT or SIGHUP leaves none of the files
 * exit would remove, and dies of that signal; a signal the program
 * handles or ignores stays its own; files kept at exit, closed ones and
 * a fork child's are left alone; files removed by other threads while
 * the handler runs.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmstats.h"
#include "create.h"
#include "syscall_stop.h"
#include "testdir.h"

static const struct mmstats_field_def table[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
};

#define MAXFILES 256

/* What a child tells its parent through a pipe, line by line. */
struct child {
	pid_t pid;
	int fd;
	char *paths[MAXFILES];
	size_t npaths;
	long result;		/* the child's "result N" line, if any */
};

static int out_fd = -1;		/* in the child: its end of the pipe */

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* In the child: one line to the parent, or exit. */
static void tell(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(out_fd, line, (size_t)n) != n)
		_exit(90);
}

/* In the child: a new file in `dir`, named `name`, its path told. */
static struct mmstats *open_in(const char *dir, const char *name,
			       unsigned flags)
{
	struct mmstats_options o = { .path = dir, .filename = name,
				     .flags = flags };
	struct mmstats *s;

	if (mmstats_open(table, 1, &o, &s) < 0) {
		fprintf(stderr, "child: %s\n", mmstats_last_error());
		_exit(91);
	}
	tell("path %s", mmstats_filename(s));
	return s;
}

static void ready_and_wait(void)
{
	tell("ready");
	for (;;)
		pause();
}

/* Run fn(dir) in a child; read what it tells until "ready" or EOF. */
static void spawn(struct child *c, void (*fn)(const char *dir),
		  const char *dir)
{
	int p[2];
	FILE *in;
	char line[512];

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe(p), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(p[0]);
		out_fd = p[1];
		fn(dir);
		_exit(0);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	assert_non_null(in);
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "ready"))
			break;
		if (!strncmp(line, "path ", 5)) {
			assert_true(c->npaths < MAXFILES);
			c->paths[c->npaths++] = strdup(line + 5);
		} else if (!strncmp(line, "result ", 7)) {
			c->result = strtol(line + 7, NULL, 10);
		}
	}
	assert_string_equal(line, "ready");
	fclose(in);
}

static int wait_child(struct child *c)
{
	int status;

	assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
	return status;
}

static void free_child(struct child *c)
{
	for (size_t i = 0; i < c->npaths; i++)
		free(c->paths[i]);
}

static void assert_killed_by(int status, int sig)
{
	if (!WIFSIGNALED(status))
		fail_msg("not killed by a signal: status %#x", status);
	assert_int_equal(WTERMSIG(status), sig);
}

static const char *subdir(const char *name)
{
	static char path[sizeof(testdir_group) + 64];

	snprintf(path, sizeof(path), "%s/%s", testdir_group, name);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	return path;
}

/* ---- the signal kills, the files go ------------------------------------ */

/* Files made before the call and after it are both covered. */
static void child_basic(const char *dir)
{
	open_in(dir, "before.mmstats", 0);
	tell("result %d", mmstats_remove_on_signal(NULL, 0));
	open_in(dir, "after.mmstats", 0);
	ready_and_wait();
}

static void check_removed_on(int sig, const char *name)
{
	struct child c;

	spawn(&c, child_basic, subdir(name));
	assert_int_equal(c.result, 3);
	assert_int_equal(c.npaths, 2);
	assert_true(exists(c.paths[0]) && exists(c.paths[1]));
	assert_int_equal(kill(c.pid, sig), 0);
	assert_killed_by(wait_child(&c), sig);
	assert_false(exists(c.paths[0]));
	assert_false(exists(c.paths[1]));
	free_child(&c);
}

static void test_sigterm(void **state)
{
	(void)state;
	check_removed_on(SIGTERM, "term");
}

static void test_sigint(void **state)
{
	(void)state;
	check_removed_on(SIGINT, "int");
}

static void test_sighup(void **state)
{
	(void)state;
	check_removed_on(SIGHUP, "hup");
}

/*
 * A file opened by a relative directory, then the current directory
 * changed before the call: the handler still finds it, by its
 * directory's own path, not by the current directory's.
 */
static void child_relative(const char *dir)
{
	struct mmstats_options o = { .path = ".", .filename = "rel.mmstats" };
	struct mmstats *s;

	if (chdir(dir) < 0 || mmstats_open(table, 1, &o, &s) < 0)
		_exit(92);
	tell("path %s/rel.mmstats", dir);
	if (chdir("/") < 0)
		_exit(93);
	tell("result %d", mmstats_remove_on_signal(NULL, 0));
	ready_and_wait();
}

static void test_relative_then_chdir(void **state)
{
	struct child c;

	(void)state;
	spawn(&c, child_relative, subdir("relative"));
	assert_int_equal(c.result, 3);
	assert_int_equal(c.npaths, 1);
	assert_true(exists(c.paths[0]));
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	assert_killed_by(wait_child(&c), SIGTERM);
	assert_false(exists(c.paths[0]));
	free_child(&c);
}

/* Without the call, SIGTERM leaves the file: the test above can fail. */
static void child_without(const char *dir)
{
	open_in(dir, "plain.mmstats", 0);
	ready_and_wait();
}

static void test_without_call_file_stays(void **state)
{
	struct child c;

	(void)state;
	spawn(&c, child_without, subdir("without"));
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	assert_killed_by(wait_child(&c), SIGTERM);
	assert_true(exists(c.paths[0]));
	unlink(c.paths[0]);
	free_child(&c);
}

/* ---- which files ------------------------------------------------------- */

/*
 * As at exit: kept files stay, a closed instance's file stays, a removed
 * one is not touched again; only the signals asked for are taken.
 */
static void child_which(const char *dir)
{
	const int sigs[] = { SIGTERM };
	struct mmstats *removed, *closed;

	tell("result %d", mmstats_remove_on_signal(sigs, 1));
	open_in(dir, "live.mmstats", 0);
	open_in(dir, "kept.mmstats", MMSTATS_KEEP_AT_EXIT);
	removed = open_in(dir, "removed.mmstats", 0);
	closed = open_in(dir, "closed.mmstats", 0);
	if (mmstats_remove(removed) < 0)
		_exit(92);
	mmstats_close(closed);
	ready_and_wait();
}

static void test_which_files(void **state)
{
	struct child c;

	(void)state;
	spawn(&c, child_which, subdir("which"));
	assert_int_equal(c.result, 1);
	assert_int_equal(c.npaths, 4);
	assert_false(exists(c.paths[2]));
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	assert_killed_by(wait_child(&c), SIGTERM);
	assert_false(exists(c.paths[0]));
	assert_true(exists(c.paths[1]));
	assert_true(exists(c.paths[3]));
	unlink(c.paths[1]);
	unlink(c.paths[3]);
	free_child(&c);
}

/* ---- the program's own handlers ---------------------------------------- */

static volatile sig_atomic_t got_term;

static void own_handler(int sig)
{
	(void)sig;
	got_term = 1;
}

/*
 * A program that handles SIGTERM itself (and ends by returning from
 * main, so exit removes the files) and ignores SIGINT keeps both: only
 * SIGHUP gets the library's handler.
 */
static void child_own(const char *dir)
{
	struct sigaction sa = { .sa_handler = own_handler };
	struct sigaction now;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    signal(SIGINT, SIG_IGN) == SIG_ERR)
		_exit(93);
	tell("result %d", mmstats_remove_on_signal(NULL, 0));
	if (sigaction(SIGTERM, NULL, &now) < 0 ||
	    now.sa_handler != own_handler)
		_exit(94);
	if (sigaction(SIGINT, NULL, &now) < 0 || now.sa_handler != SIG_IGN)
		_exit(95);
	open_in(dir, "own.mmstats", 0);
	tell("ready");
	while (!got_term)
		pause();
	exit(0);	/* normal exit: the library removes the file */
}

static void test_own_handler_stays(void **state)
{
	const struct timespec pause_ms = { 0, 50 * 1000 * 1000 };
	struct child c;
	int status;

	(void)state;
	spawn(&c, child_own, subdir("own"));
	assert_int_equal(c.result, 1);
	/* Ignored: the child lives on, its file too. */
	assert_int_equal(kill(c.pid, SIGINT), 0);
	nanosleep(&pause_ms, NULL);
	assert_int_equal(waitpid(c.pid, &status, WNOHANG), 0);
	assert_true(exists(c.paths[0]));
	/* Its own handler ran: it exited 0, and exit removed the file. */
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	status = wait_child(&c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(exists(c.paths[0]));
	free_child(&c);
}

/* A handler installed after the call replaces the library's. */
static void child_later(const char *dir)
{
	struct sigaction sa = { .sa_handler = own_handler };

	tell("result %d", mmstats_remove_on_signal(NULL, 0));
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		_exit(93);
	open_in(dir, "later.mmstats", MMSTATS_KEEP_AT_EXIT);
	tell("ready");
	while (!got_term)
		pause();
	_exit(7);
}

static void test_later_handler_wins(void **state)
{
	struct child c;
	int status;

	(void)state;
	spawn(&c, child_later, subdir("later"));
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	status = wait_child(&c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	assert_true(exists(c.paths[0]));
	unlink(c.paths[0]);
	free_child(&c);
}

/* ---- fork ---------------------------------------------------------------- */

/* A fork child inherits the handler and the list, not the files. */
static void child_forks(const char *dir)
{
	pid_t pid;
	int status;

	tell("result %d", mmstats_remove_on_signal(NULL, 0));
	open_in(dir, "parent.mmstats", 0);
	pid = fork();
	if (pid < 0)
		_exit(96);
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != SIGTERM)
		_exit(97);
	ready_and_wait();
}

static void test_fork_child(void **state)
{
	struct child c;

	(void)state;
	spawn(&c, child_forks, subdir("fork"));
	/* The grandchild died of SIGTERM without taking our file. */
	assert_true(exists(c.paths[0]));
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	assert_killed_by(wait_child(&c), SIGTERM);
	assert_false(exists(c.paths[0]));
	free_child(&c);
}

/* ---- files removed by other threads while the signal comes -------------- */

#define CHURN_THREADS 4
#define CHURN_EACH 40

static struct mmstats *churn[CHURN_THREADS][CHURN_EACH];
static pthread_barrier_t churn_go;

/* Signals blocked: the handler runs in the main thread, beside us. */
static void *churn_main(void *arg)
{
	struct mmstats **mine = arg;
	const struct timespec gap = { 0, 100 * 1000 };

	pthread_barrier_wait(&churn_go);
	for (int i = 0; i < CHURN_EACH; i++) {
		if (i % 2)
			mmstats_close(mine[i]);
		else
			mmstats_remove(mine[i]);
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void child_churn(const char *dir)
{
	pthread_t t[CHURN_THREADS];
	sigset_t all, old;
	char name[64];

	tell("result %d", mmstats_remove_on_signal(NULL, 0));
	for (int i = 0; i < CHURN_THREADS; i++)
		for (int j = 0; j < CHURN_EACH; j++) {
			snprintf(name, sizeof(name), "churn-%d-%d.mmstats", i, j);
			churn[i][j] = open_in(dir, name, 0);
		}
	open_in(dir, "steady.mmstats", 0);
	pthread_barrier_init(&churn_go, NULL, CHURN_THREADS + 1);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < CHURN_THREADS; i++)
		if (pthread_create(&t[i], NULL, churn_main, churn[i]))
			_exit(98);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_barrier_wait(&churn_go);
	ready_and_wait();
}

/*
 * Closed files stay (as at exit); every other one is gone, whether the
 * handler or its thread removed it.
 */
static void test_churn(void **state)
{
	const struct timespec wait = { 0, 2 * 1000 * 1000 };
	struct child c;

	(void)state;
	spawn(&c, child_churn, subdir("churn"));
	assert_int_equal(c.npaths, CHURN_THREADS * CHURN_EACH + 1);
	nanosleep(&wait, NULL);
	assert_int_equal(kill(c.pid, SIGTERM), 0);
	assert_killed_by(wait_child(&c), SIGTERM);
	for (size_t i = 0; i < c.npaths; i++) {
		int j = (int)(i % CHURN_EACH);

		if (i + 1 < c.npaths && j % 2)
			unlink(c.paths[i]);
		else if (exists(c.paths[i]))
			fail_msg("%s was left", c.paths[i]);
	}
	free_child(&c);
}

/* ---- a signal while a file is built under a temporary name ---------------- */

/* Traced from its first instruction on: the parent stops it where it likes. */
static void child_traced_build(const char *dir)
{
	mms_no_tmpfile = true;	/* as on a file system without O_TMPFILE */
	if (mmstats_remove_on_signal(NULL, 0) != 3 ||
	    ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || raise(SIGSTOP))
		_exit(92);
	open_in(dir, "built.mmstats", 0);
	ready_and_wait();
}

/* Whether the traced child's descriptor fd is a temporary name of ours. */
static bool is_tmpname(pid_t pid, long fd)
{
	char path[64], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strstr(target, "/.mmstats-") != NULL;
}

/* The openat() of the traced child's temporary name has returned. */
static bool opened_tmpname(pid_t pid, long nr, long rval)
{
	return nr == __NR_openat && rval >= 0 && is_tmpname(pid, rval);
}

/*
 * Without O_TMPFILE a file is built under a temporary name: a SIGTERM
 * that comes right after the name exists (the child stopped there by
 * ptrace, the signal queued, the child let go) leaves no name at all.
 */
static void test_signal_while_built(void **state)
{
	const char *dir = subdir("built");
	struct dirent *e;
	int status;
	pid_t pid;
	DIR *d;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		out_fd = open("/dev/null", O_WRONLY);
		child_traced_build(dir);
	}
	run_to_syscall(pid, opened_tmpname);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(ptrace(PTRACE_DETACH, pid, NULL, 0), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_killed_by(status, SIGTERM);
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || strncmp(e->d_name, ".mmstats-", 9) == 0)
			fail_msg("%s/%s was left", dir, e->d_name);
	closedir(d);
}

/* ---- refusals -------------------------------------------------------------- */

static void test_refused(void **state)
{
	const int bad[] = { SIGKILL, SIGBUS, SIGCHLD, SIGSTOP, SIGCONT,
			    SIGWINCH, 0, -1, NSIG };
	const int mixed[] = { SIGTERM, SIGCHLD };
	struct sigaction sa;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mmstats_remove_on_signal(&bad[i], 1), -EINVAL);
		assert_true(strlen(mmstats_last_error()) > 0);
		/* Callers put their own name in front, once. */
		assert_null(strstr(mmstats_last_error(), "mmstats:"));
	}
	assert_int_equal(mmstats_remove_on_signal(NULL, 1), -EINVAL);
	/* Nothing at all is installed when one signal is refused. */
	assert_int_equal(mmstats_remove_on_signal(mixed, 2), -EINVAL);
	assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigterm),
		cmocka_unit_test(test_sigint),
		cmocka_unit_test(test_sighup),
		cmocka_unit_test(test_relative_then_chdir),
		cmocka_unit_test(test_without_call_file_stays),
		cmocka_unit_test(test_which_files),
		cmocka_unit_test(test_own_handler_stays),
		cmocka_unit_test(test_later_handler_wins),
		cmocka_unit_test(test_fork_child),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_signal_while_built),
		cmocka_unit_test(test_refused),
	};

	return testdir_run_group("test_onsignal", tests);
}
