/*
 * test_fs_loop.c - mfs_loop_hot() on a real FUSE mount served by this
 * process: a tiny file system with a file whose read blocks until the test
 * lets it go ("slow") and one that answers at once ("fast").  A slow
 * request must not keep the fast one waiting (unless max_threads is 1,
 * which shows the check can fail), an idle loop must not wake up, and the
 * loop must end and join its threads on unmount and on SIGTERM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../fs/loop.h"

#define INO_SLOW	2
#define INO_FAST	3

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_int slow_waiting;	/* slow reads blocked in the daemon */

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_lock);
}

static void gate_pass(void)
{
	pthread_mutex_lock(&gate_lock);
	atomic_fetch_add(&slow_waiting, 1);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_lock);
	atomic_fetch_sub(&slow_waiting, 1);
	pthread_mutex_unlock(&gate_lock);
}

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = ino == FUSE_ROOT_ID ? 2 : 1;
	st->st_size = 3;
}

static void t_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	if (parent != FUSE_ROOT_ID)
		e.ino = 0;
	else if (!strcmp(name, "slow"))
		e.ino = INO_SLOW;
	else if (!strcmp(name, "fast"))
		e.ino = INO_FAST;
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void t_getattr(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void t_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fi->direct_io = 1;
	fuse_reply_open(req, fi);
}

static void t_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	static const char text[] = "ok\n";
	size_t n;

	(void)fi;
	if (ino == INO_SLOW && off == 0)
		gate_pass();
	if (off >= 3) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	n = 3 - (size_t)off;
	fuse_reply_buf(req, text + off, n < size ? n : size);
}

static const struct fuse_lowlevel_ops test_ops = {
	.lookup = t_lookup,
	.getattr = t_getattr,
	.open = t_open,
	.read = t_read,
};

struct mount {
	char dir[64];
	struct fuse_session *se;
	pthread_t loop;
	unsigned max_threads;
	int loop_ret;
	atomic_bool loop_done;
};

static int mount_fs(struct mount *m)
{
	char *argv[] = { "test_fs_loop", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);

	if (access("/dev/fuse", R_OK | W_OK) < 0)
		return -1;
	strcpy(m->dir, "/tmp/test_fs_loop.XXXXXX");
	assert_non_null(mkdtemp(m->dir));
	m->se = fuse_session_new(&args, &test_ops, sizeof(test_ops), NULL);
	fuse_opt_free_args(&args);
	assert_non_null(m->se);
	if (fuse_session_mount(m->se, m->dir) != 0) {
		fuse_session_destroy(m->se);
		rmdir(m->dir);
		return -1;
	}
	return 0;
}

/* After the loop: the device reports the end, so this only frees. */
static void unmount_fs(struct mount *m)
{
	umount2(m->dir, MNT_DETACH);
	fuse_session_unmount(m->se);
	fuse_session_destroy(m->se);
	rmdir(m->dir);
}

static void *loop_thread(void *arg)
{
	struct mount *m = arg;

	m->loop_ret = mfs_loop_hot(m->se, m->max_threads, UINT32_MAX);
	atomic_store(&m->loop_done, true);
	return NULL;
}

/*
 * The mount of the running test.  Its state is static, so that when an
 * assertion leaves a test early, teardown can still open the gate and
 * unmount: threads blocked on our own mount would never let us exit.
 */
static struct mount *live;

static void start(struct mount *m, unsigned max_threads)
{
	memset(m, 0, sizeof(*m));
	if (mount_fs(m) < 0)
		skip();
	m->max_threads = max_threads;
	live = m;
	assert_int_equal(pthread_create(&m->loop, NULL, loop_thread, m), 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits up to `secs` for the loop to end; true if it did. */
static bool loop_ends_within(struct mount *m, double secs)
{
	double end = now_s() + secs;

	while (!atomic_load(&m->loop_done) && now_s() < end)
		usleep(1000);
	return atomic_load(&m->loop_done);
}

static void stop(struct mount *m)
{
	gate_set(true);
	umount2(m->dir, MNT_DETACH);
	assert_true(loop_ends_within(m, 5));
	pthread_join(m->loop, NULL);
	live = NULL;
	assert_int_equal(m->loop_ret, 0);
	unmount_fs(m);
}

static int teardown(void **state)
{
	(void)state;
	if (live) {
		gate_set(true);
		umount2(live->dir, MNT_DETACH);
		if (loop_ends_within(live, 5))
			pthread_join(live->loop, NULL);
		unmount_fs(live);
		live = NULL;
	}
	return 0;
}

struct reader {
	char path[96];
	pthread_t thread;
	atomic_bool done;
	char got[8];
};

static void *read_file(void *arg)
{
	struct reader *r = arg;
	ssize_t n = -1;
	int fd;

	fd = open(r->path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, r->got, sizeof(r->got) - 1);
		close(fd);
	}
	r->got[n > 0 ? n : 0] = '\0';
	atomic_store(&r->done, true);
	return NULL;
}

static void start_read(struct reader *r, struct mount *m, const char *name)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s/%s", m->dir, name);
	assert_int_equal(pthread_create(&r->thread, NULL, read_file, r), 0);
}

static bool read_done_within(struct reader *r, double secs)
{
	double end = now_s() + secs;

	while (!atomic_load(&r->done) && now_s() < end)
		usleep(1000);
	return atomic_load(&r->done);
}

/* Starts n slow reads and waits until the daemon holds them all. */
static void block_slow_reads(struct reader *r, unsigned n, struct mount *m)
{
	double end = now_s() + 5;
	unsigned i;

	gate_set(false);
	for (i = 0; i < n; i++)
		start_read(&r[i], m, "slow");
	while ((unsigned)atomic_load(&slow_waiting) < n && now_s() < end)
		usleep(1000);
	assert_int_equal(atomic_load(&slow_waiting), n);
}

static void finish_reads(struct reader *r, unsigned n)
{
	unsigned i;

	gate_set(true);
	for (i = 0; i < n; i++) {
		pthread_join(r[i].thread, NULL);
		assert_string_equal(r[i].got, "ok\n");
	}
}

static void fast_read_during_slow_on(struct mount *m, unsigned nslow)
{
	static struct reader slow[4], fast;
	double t0;

	block_slow_reads(slow, nslow, m);
	t0 = now_s();
	start_read(&fast, m, "fast");
	assert_true(read_done_within(&fast, 2));
	/* the hand-off waits a millisecond or two, not a second */
	assert_true(now_s() - t0 < 0.5);
	assert_string_equal(fast.got, "ok\n");
	assert_int_equal(atomic_load(&slow_waiting), nslow);
	pthread_join(fast.thread, NULL);
	finish_reads(slow, nslow);
}

static void fast_read_during_slow(unsigned max_threads, unsigned nslow)
{
	static struct mount m;

	start(&m, max_threads);
	fast_read_during_slow_on(&m, nslow);
	stop(&m);
}

static void test_slow_read_does_not_block_others(void **state)
{
	(void)state;
	fast_read_during_slow(10, 1);
}

/* Each stuck reader is replaced in turn, up to max_threads. */
static void test_three_slow_reads_four_threads(void **state)
{
	(void)state;
	fast_read_during_slow(4, 3);
}

/* The control: one thread has nobody to hand over to. */
static void test_one_thread_serves_in_turn(void **state)
{
	static struct reader slow, fast;
	static struct mount m;

	(void)state;
	start(&m, 1);
	block_slow_reads(&slow, 1, &m);
	start_read(&fast, &m, "fast");
	assert_false(read_done_within(&fast, 0.3));
	gate_set(true);
	assert_true(read_done_within(&fast, 5));
	assert_string_equal(fast.got, "ok\n");
	pthread_join(fast.thread, NULL);
	finish_reads(&slow, 1);
	stop(&m);
}

static long voluntary_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

/*
 * Served many requests, then idle: after the standby's quiet checks the
 * whole process sleeps (a timer per millisecond would show 300 switches).
 */
static void test_idle_loop_sleeps(void **state)
{
	static struct reader r;
	static struct mount m;
	long before;
	int i;

	(void)state;
	start(&m, 10);
	for (i = 0; i < 200; i++) {
		start_read(&r, &m, "fast");
		pthread_join(r.thread, NULL);
		assert_string_equal(r.got, "ok\n");
	}
	usleep(100 * 1000);	/* the standby's quiet checks */
	before = voluntary_switches();
	usleep(300 * 1000);
	assert_true(voluntary_switches() - before < 20);
	/* and requests after the sleep are still served, slow or not */
	fast_read_during_slow_on(&m, 1);
	stop(&m);
}

static void test_unmount_ends_loop(void **state)
{
	static struct reader r;
	static struct mount m;

	(void)state;
	start(&m, 10);
	start_read(&r, &m, "fast");
	pthread_join(r.thread, NULL);
	assert_string_equal(r.got, "ok\n");
	assert_false(loop_ends_within(&m, 0.05));
	stop(&m);	/* asserts the end and a return of 0 */
}

/* SIGTERM goes to the waiting caller, whose session exits; all join. */
static void *read_then_term(void *arg)
{
	struct mount *m = arg;
	struct reader r;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	start_read(&r, m, "fast");
	pthread_join(r.thread, NULL);
	if (strcmp(r.got, "ok\n") == 0)
		kill(getpid(), SIGTERM);
	return NULL;
}

static void test_sigterm_ends_loop(void **state)
{
	static struct mount m;
	pthread_t t;

	(void)state;
	memset(&m, 0, sizeof(m));
	if (mount_fs(&m) < 0)
		skip();
	assert_int_equal(fuse_set_signal_handlers(m.se), 0);
	assert_int_equal(pthread_create(&t, NULL, read_then_term, &m), 0);
	assert_int_equal(mfs_loop_hot(m.se, 10, UINT32_MAX), 0);
	assert_true(fuse_session_exited(m.se));
	pthread_join(t, NULL);
	fuse_remove_signal_handlers(m.se);
	unmount_fs(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_slow_read_does_not_block_others,
					  teardown),
		cmocka_unit_test_teardown(test_three_slow_reads_four_threads,
					  teardown),
		cmocka_unit_test_teardown(test_one_thread_serves_in_turn,
					  teardown),
		cmocka_unit_test_teardown(test_idle_loop_sleeps,
					  teardown),
		cmocka_unit_test_teardown(test_unmount_ends_loop,
					  teardown),
		cmocka_unit_test_teardown(test_sigterm_ends_loop,
					  teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
