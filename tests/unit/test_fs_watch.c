/*
 * test_fs_watch.c - mmstatsfs without a mount: the full rescan (what an
 * inotify overflow costs) and the watcher thread driven by real events,
 * a real child process writing, and its death seen through its pidfd.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../fs/mmstatsfs.h"

struct fixture {
	char dir[64];
	struct mfs fs;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_fs_watch.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(mfs_init(&f->fs, f->dir), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	mfs_watch_stop(&f->fs);
	mfs_destroy(&f->fs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static bool has(struct fixture *f, uint64_t parent, const char *name)
{
	bool found;

	pthread_mutex_lock(&f->fs.lock);
	found = mfs_tree_lookup(&f->fs.tree, parent, name) != NULL;
	pthread_mutex_unlock(&f->fs.lock);
	return found;
}

static bool in_files(struct fixture *f, const char *name)
{
	return has(f, f->fs.model.files_dir->ino, name);
}

/* Poll for up to 2 s; returns the milliseconds it took, or -1. */
static double wait_until(struct fixture *f, bool (*pred)(struct fixture *,
							 const char *),
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

static bool pid_shown(struct fixture *f, const char *pid)
{
	return has(f, MFS_ROOT_INO, pid);
}

static void copy_vector(struct fixture *f, const char *name)
{
	const char *v = getenv("MMSTATS_VECTORS");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp %s/%s %s/", v ? v : "tests/vectors",
		 name, f->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_rescan(void **state)
{
	struct fixture *f = *state;
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
static pid_t spawn_writer(struct fixture *f)
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
	struct fixture *f = *state;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rescan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watcher_follows_processes,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
