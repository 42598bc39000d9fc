/*
 * test_fs_watch.c - mmstatsfs without a mount: the full rescan (what an
 * inotify overflow costs) and the watcher thread driven by real events,
 * a real child process writing, and its death seen through its pidfd, or
 * by polling when no descriptor is left for a pidfd; the source directory
 * removed, moved away and made again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../fs/mmstatsfs.h"
#include "../../fs/budget.h"
#include "../../fs/pidstat.h"
#include "../../fs/pidwatch.h"
#include "fs_fixture.h"

static int setup(void **state)
{
	struct mfs_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	mfs_fixture_init(f, "test_fs_watch");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	mfs_fixture_fini(*state);
	free(*state);
	return 0;
}

static bool has(struct mfs_fixture *f, uint64_t parent, const char *name)
{
	bool found;

	pthread_mutex_lock(&f->fs.lock);
	found = mfs_tree_lookup(&f->fs.tree, parent, name) != NULL;
	pthread_mutex_unlock(&f->fs.lock);
	return found;
}

static bool in_files(struct mfs_fixture *f, const char *name)
{
	return has(f, f->fs.model.files_dir->ino, name);
}

/* Poll for up to 2 s; returns the milliseconds it took, or -1. */
static double wait_until(struct mfs_fixture *f,
			 bool (*pred)(struct mfs_fixture *, const char *),
			 const char *arg, bool want)
{
	struct timespec t0, t;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (double)(t.tv_sec - t0.tv_sec) * 1e3 +
		     (double)(t.tv_nsec - t0.tv_nsec) / 1e6;
		if (pred(f, arg) == want)
			return ms;
		if (ms > 2000)
			return -1;
		usleep(1000);
	}
}

static bool pid_shown(struct mfs_fixture *f, const char *pid)
{
	return has(f, MFS_ROOT_INO, pid);
}

static void copy_vector(struct mfs_fixture *f, const char *name)
{
	const char *v = getenv("MMSTATS_VECTORS");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp %s/%s %s/", v ? v : "tests/vectors",
		 name, f->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_rescan(void **state)
{
	struct mfs_fixture *f = *state;
	char path[128];

	copy_vector(f, "many_fields.mmstats");
	mfs_rescan(&f->fs);
	assert_true(in_files(f, "many_fields.mmstats"));
	snprintf(path, sizeof(path), "%s/many_fields.mmstats", f->dir);
	assert_int_equal(unlink(path), 0);
	mfs_rescan(&f->fs);		/* no event was read: a rescan */
	assert_false(in_files(f, "many_fields.mmstats"));
}

/* A child that writes one file and waits to be killed. */
static pid_t spawn_writer(struct mfs_fixture *f)
{
	static const struct mmstats_field_def defs[] = {
		MMSTATS_DEF("hits", MMSTATS_COUNTER),
	};
	struct mmstats_options o = { .path = f->dir };
	int ready[2];
	struct mmstats *s;
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (mmstats_open(defs, 1, &o, &s) < 0)
			_exit(1);
		(void)!write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void test_watcher_follows_processes(void **state)
{
	struct mfs_fixture *f = *state;
	char pidname[16];
	double ms;
	pid_t pid;

	assert_int_equal(mfs_watch_start(&f->fs), 0);
	pid = spawn_writer(f);
	snprintf(pidname, sizeof(pidname), "%d", (int)pid);
	ms = wait_until(f, pid_shown, pidname, true);
	assert_true(ms >= 0);
	print_message("appeared after %.1f ms\n", ms);
	/* exit, not reaping, is what counts: a zombie is gone too */
	kill(pid, SIGKILL);
	ms = wait_until(f, pid_shown, pidname, false);
	waitpid(pid, NULL, 0);
	assert_true(ms >= 0);
	print_message("vanished %.1f ms after SIGKILL\n", ms);
	/* killed: its file stays, stale, and shows nowhere */
	copy_vector(f, "buffered_flip_states.mmstats");
	assert_true(wait_until(f, in_files, "buffered_flip_states.mmstats",
			       true) >= 0);
}

/* Descriptors for nothing but the reserve: no pidfd, no held file. */
static void starve(struct mfs_fixture *f)
{
	pthread_mutex_lock(&f->fs.lock);
	f->fs.model.fd_limit = MFS_FD_RESERVE;
	pthread_mutex_unlock(&f->fs.lock);
}

static size_t polled(struct mfs_fixture *f)
{
	size_t n;

	pthread_mutex_lock(&f->fs.lock);
	n = f->fs.model.polled;
	pthread_mutex_unlock(&f->fs.lock);
	return n;
}

static int pidfd_of(struct mfs_fixture *f, pid_t pid)
{
	struct mfs_proc *p;
	int fd;

	pthread_mutex_lock(&f->fs.lock);
	p = mfs_model_proc(&f->fs.model, pid);
	fd = p ? p->pidfd : -2;
	pthread_mutex_unlock(&f->fs.lock);
	return fd;
}

static bool timer_armed(struct mfs_fixture *f)
{
	struct itimerspec its;

	assert_int_equal(timerfd_gettime(f->fs.timerfd, &its), 0);
	return its.it_value.tv_sec || its.it_value.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Shown and gone without a pidfd: the exit (a zombie's) seen by polling. */
static void test_polled_processes(void **state)
{
	struct mfs_fixture *f = *state;
	double ms[5];
	char pidname[16];
	size_t i;
	pid_t pid;

	starve(f);
	assert_int_equal(mfs_watch_start(&f->fs), 0);
	for (i = 0; i < 5; i++) {
		pid = spawn_writer(f);
		snprintf(pidname, sizeof(pidname), "%d", (int)pid);
		assert_true(wait_until(f, pid_shown, pidname, true) >= 0);
		assert_int_equal(pidfd_of(f, pid), -1);
		assert_int_equal(polled(f), 1);
		kill(pid, SIGKILL);
		ms[i] = wait_until(f, pid_shown, pidname, false);
		waitpid(pid, NULL, 0);
		assert_true(ms[i] >= 0);
		assert_int_equal(polled(f), 0);
		print_message("polled pid vanished %.1f ms after SIGKILL\n",
			      ms[i]);
	}
	qsort(ms, 5, sizeof(ms[0]), cmp_double);
	assert_true(ms[2] < 100);	/* the median: MFS_POLL_MS and change */
	/* nothing left to poll: the timer stops, the watcher sleeps */
	usleep(3 * MFS_POLL_MS * 1000);
	assert_false(timer_armed(f));
}

/* A polled process gets its pidfd once descriptors free up. */
static void test_polled_gets_pidfd(void **state)
{
	struct mfs_fixture *f = *state;
	char pidname[16];
	pid_t pid;
	int i;

	starve(f);
	assert_int_equal(mfs_watch_start(&f->fs), 0);
	pid = spawn_writer(f);
	snprintf(pidname, sizeof(pidname), "%d", (int)pid);
	assert_true(wait_until(f, pid_shown, pidname, true) >= 0);
	assert_int_equal(pidfd_of(f, pid), -1);
	pthread_mutex_lock(&f->fs.lock);
	f->fs.model.fd_limit = 1024;
	pthread_mutex_unlock(&f->fs.lock);
	for (i = 0; i < 200 && pidfd_of(f, pid) < 0; i++)
		usleep(1000);
	assert_true(pidfd_of(f, pid) >= 0);
	assert_int_equal(polled(f), 0);
	usleep(3 * MFS_POLL_MS * 1000);
	assert_false(timer_armed(f));
	kill(pid, SIGKILL);
	assert_true(wait_until(f, pid_shown, pidname, false) >= 0);
	waitpid(pid, NULL, 0);
}

static bool source_missing(struct mfs_fixture *f, const char *unused)
{
	(void)unused;
	return mfs_srcdir_missing(&f->fs);
}

/* The watches the daemon's inotify descriptor holds, from its fdinfo. */
static int inotify_watches(struct mfs_fixture *f)
{
	char path[64], line[512];
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", f->fs.inofd);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp))
		n += !strncmp(line, "inotify wd:", 11);
	fclose(fp);
	return n;
}

/* The writer's pid shown within 2 s, as a string in buf. */
static pid_t spawn_shown(struct mfs_fixture *f, char *buf, size_t len)
{
	pid_t pid = spawn_writer(f);

	snprintf(buf, len, "%d", (int)pid);
	assert_true(wait_until(f, pid_shown, buf, true) >= 0);
	return pid;
}

/*
 * The source directory removed, then moved away, and each time made
 * again: its writers go, the new directory's come, the same descriptor
 * number serves, and no inotify watch is left behind (the directory's
 * and its parent's: 2).
 */
static void test_source_followed(void **state)
{
	struct mfs_fixture *f = *state;
	char moved[80], name[3][16];
	int srcfd = f->fs.srcfd;
	pid_t pid[3];
	double ms;

	assert_int_equal(mfs_watch_start(&f->fs), 0);
	assert_int_equal(inotify_watches(f), 2);
	pid[0] = spawn_shown(f, name[0], sizeof(name[0]));
	assert_int_equal(testdir_remove(f->dir), 0);
	assert_true(wait_until(f, source_missing, NULL, true) >= 0);
	assert_false(pid_shown(f, name[0]));
	assert_int_equal(mkdir(f->dir, 0755), 0);
	pid[1] = spawn_shown(f, name[1], sizeof(name[1]));
	assert_false(source_missing(f, NULL));

	snprintf(moved, sizeof(moved), "%s.moved", f->dir);
	assert_int_equal(rename(f->dir, moved), 0);
	ms = wait_until(f, pid_shown, name[1], false);
	assert_true(ms >= 0);
	print_message("moved away: its writer gone after %.1f ms\n", ms);
	assert_int_equal(mkdir(f->dir, 0755), 0);
	pid[2] = spawn_shown(f, name[2], sizeof(name[2]));
	assert_false(pid_shown(f, name[1]));
	assert_int_equal(f->fs.srcfd, srcfd);
	assert_int_equal(inotify_watches(f), 2);
	for (int i = 0; i < 3; i++) {
		kill(pid[i], SIGKILL);
		waitpid(pid[i], NULL, 0);
	}
	assert_int_equal(testdir_remove(moved), 0);
}

/* What polling asks: runs, exited but not reaped, reaped, pid reused. */
static void test_pid_runs(void **state)
{
	uint64_t t = 0, t2;
	pid_t pid;

	(void)state;
	assert_int_equal(mfs_pid_runs(getpid(), &t), 1);
	assert_true(t > 0);
	t2 = t;
	assert_int_equal(mfs_pid_runs(getpid(), &t2), 1);
	assert_true(t2 == t);
	t2 = t + 1;		/* another process under our pid */
	assert_int_equal(mfs_pid_runs(getpid(), &t2), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	t = 0;
	for (int i = 0; i < 1000 && mfs_pid_runs(pid, &t) != 0; i++)
		usleep(1000);
	assert_int_equal(mfs_pid_runs(pid, &t), 0);	/* a zombie */
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(mfs_pid_runs(pid, &t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rescan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watcher_follows_processes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_polled_processes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_polled_gets_pidfd,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_followed,
						setup, teardown),
		cmocka_unit_test(test_pid_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
