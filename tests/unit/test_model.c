/*
 * test_model.c - models: one instance and file per thread, instances
 * that outlive their thread, a fork child that gets files of its own,
 * and files removed at normal exit unless kept.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmstats.h"
#include "test_writer_parse.h"
#include "testdir.h"

static const struct mmstats_field_def table[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
	MMSTATS_DEF_SIZED("state", MMSTATS_STRING, 16),
};

static uint64_t file_u64(const char *path, const char *label)
{
	struct tfield f;
	unsigned char *d;
	uint64_t v;

	if (tfind(path, label, &f, &d))
		return UINT64_MAX;
	memcpy(&v, d + f.value_off, sizeof(v));
	free(d);
	return v;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* ---- one instance per thread -------------------------------------------- */

#define NTHREADS 4

struct thread_result {
	struct mmstats_model *model;
	int index;
	pid_t tid;
	char path[256];
	bool same;
};

static void *thread_main(void *arg)
{
	struct thread_result *r = arg;
	struct mmstats *s = mmstats_model_instance(r->model);

	if (!s)
		return NULL;
	r->tid = gettid();
	r->same = mmstats_model_instance(r->model) == s;
	mmstats_incr(mmstats_field(s, 0), (uint64_t)r->index + 1);
	snprintf(r->path, sizeof(r->path), "%s", mmstats_filename(s));
	return NULL;
}

static void test_instance_per_thread(void **state)
{
	static struct mmstats_model model = MMSTATS_MODEL_INIT("m.", table);
	struct thread_result r[NTHREADS];
	pthread_t t[NTHREADS];
	struct mmstats *mine;

	(void)state;
	model.opts.path = testdir_group;
	mine = mmstats_model_instance(&model);
	assert_non_null(mine);
	assert_ptr_equal(mmstats_model_instance(&model), mine);
	for (int i = 0; i < NTHREADS; i++) {
		r[i] = (struct thread_result){ .model = &model, .index = i };
		assert_int_equal(pthread_create(&t[i], NULL, thread_main,
						&r[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < NTHREADS; i++) {
		char want[256];

		snprintf(want, sizeof(want), "%s/%s-%d-%d.mmstats",
			 testdir_group, program_invocation_short_name,
			 getpid(), r[i].tid);
		/* the thread is gone, its instance and file are not */
		assert_string_equal(r[i].path, want);
		assert_true(r[i].same);
		assert_true(exists(r[i].path));
		assert_int_equal(file_u64(r[i].path, "m.hits"), i + 1);
		assert_int_equal(file_u64(r[i].path, "m.sys.tid"), r[i].tid);
		assert_int_equal(file_u64(r[i].path, "m.sys.pid") & 0xffffffff,
				 getpid());
		for (int j = 0; j < i; j++)
			assert_true(r[i].tid != r[j].tid);
		assert_string_not_equal(r[i].path, mmstats_filename(mine));
	}
	assert_int_equal(mmstats_remove_all(), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_false(exists(r[i].path));
	assert_false(exists(mmstats_filename(mine)));
}

/* A failure is reported, not remembered: the next call tries again. */
static void test_instance_failure(void **state)
{
	static struct mmstats_model model = MMSTATS_MODEL_INIT("f.", table);
	struct mmstats *s;

	(void)state;
	model.opts.path = "/nonexistent";
	assert_null(mmstats_model_instance(&model));
	assert_string_equal(mmstats_last_error(),
			    "/nonexistent: No such file or directory");
	model.opts.path = testdir_group;
	s = mmstats_model_instance(&model);
	assert_non_null(s);
	assert_int_equal(mmstats_remove_all(), 0);
}

/* ---- fork ------------------------------------------------------------------ */

static int fork_child(struct mmstats_model *model, struct mmstats *parent,
		      const char *parent_path)
{
	struct mmstats *s = mmstats_model_instance(model);
	char want[256];

	/* (the parent's struct is freed here, so its address may return) */
	(void)parent;
	if (!s)
		return 10;
	snprintf(want, sizeof(want), "%s/k-%d.mmstats", testdir_group,
		 getpid());
	if (strcmp(mmstats_filename(s), want))
		return 11;
	if (file_u64(want, "k.sys.pid") % (1ull << 32) != (uint64_t)getpid())
		return 12;
	mmstats_incr(mmstats_field(s, 0), 100);
	if (file_u64(want, "k.hits") != 100 ||
	    file_u64(parent_path, "k.hits") != 1)
		return 13;
	if (mmstats_model_instance(model) != s)
		return 14;
	return 0;
}

static void test_fork_generation(void **state)
{
	static struct mmstats_model model = MMSTATS_MODEL_INIT("k.", table);
	struct mmstats *parent;
	char parent_path[256], child_path[256];
	pid_t pid;
	int status;

	(void)state;
	model.opts.path = testdir_group;
	model.opts.filename = "k-{PID}.mmstats";
	parent = mmstats_model_instance(&model);
	assert_non_null(parent);
	mmstats_incr(mmstats_field(parent, 0), 1);
	snprintf(parent_path, sizeof(parent_path), "%s",
		 mmstats_filename(parent));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		exit(fork_child(&model, parent, parent_path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the child's exit removed its own file, not ours */
	snprintf(child_path, sizeof(child_path), "%s/k-%d.mmstats",
		 testdir_group, pid);
	assert_false(exists(child_path));
	assert_true(exists(parent_path));
	assert_int_equal(file_u64(parent_path, "k.hits"), 1);
	assert_ptr_equal(mmstats_model_instance(&model), parent);
	assert_int_equal(mmstats_remove_all(), 0);
}

/* ---- removal at exit --------------------------------------------------------- */

static void *exit_thread(void *arg)
{
	struct mmstats_model *model = arg;

	return mmstats_model_instance(model);
}

static void test_removed_at_exit(void **state)
{
	static struct mmstats_model model = MMSTATS_MODEL_INIT("x.", table);
	static struct mmstats_model kept = MMSTATS_MODEL_INIT("y.", table);
	char a[256], b[256], c[256];
	int fds[2], status;
	pid_t pid;

	(void)state;
	model.opts.path = kept.opts.path = testdir_group;
	model.opts.filename = "x-{PID}-{TID}.mmstats";
	kept.opts.filename = "y-{PID}.mmstats";
	kept.opts.flags = MMSTATS_KEEP_AT_EXIT;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pthread_t t;
		void *other = NULL;
		struct mmstats *s = mmstats_model_instance(&model);
		struct mmstats *k = mmstats_model_instance(&kept);

		if (pthread_create(&t, NULL, exit_thread, &model) ||
		    pthread_join(t, &other) || !s || !k || !other)
			_exit(1);
		dprintf(fds[1], "%s\n%s\n%s\n", mmstats_filename(s),
			mmstats_filename(other), mmstats_filename(k));
		exit(0);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%255s %255s %255s", a, b, c), 3);
	fclose(f);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_false(exists(a));	/* main thread's */
	assert_false(exists(b));	/* an exited thread's */
	assert_true(exists(c));		/* MMSTATS_KEEP_AT_EXIT */
	unlink(c);
}

/* _exit() or a kill leaves the files for cleanstats: nothing runs. */
static void test_kept_when_killed(void **state)
{
	static struct mmstats_model model = MMSTATS_MODEL_INIT("z.", table);
	char path[256];
	int status;
	pid_t pid;

	(void)state;
	model.opts.path = testdir_group;
	model.opts.filename = "z-{PID}.mmstats";
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (!mmstats_model_instance(&model))
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(path, sizeof(path), "%s/z-%d.mmstats", testdir_group, pid);
	assert_true(exists(path));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_per_thread),
		cmocka_unit_test(test_instance_failure),
		cmocka_unit_test(test_fork_generation),
		cmocka_unit_test(test_removed_at_exit),
		cmocka_unit_test(test_kept_when_killed),
	};

	return testdir_run_group("test_model", tests);
}
