/*
 * test_liveness.c - stale or alive, against real processes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "reader_build.h"

static struct fbuild fb;

static double now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A child that waits for a name on its pipe, renames itself to it,
 * answers, and waits to be killed.  It dies with the test, whatever
 * happens to the test, and never holds the test's output open.
 */
struct child {
	pid_t pid;
	int to, from;
};

static void child_main(int in, int out, pid_t parent)
{
	char name[16] = { 0 };
	int null = open("/dev/null", O_RDWR);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	if (read(in, name, sizeof(name) - 1) > 0)
		prctl(PR_SET_NAME, name);
	if (write(out, "k", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

static void start_child(struct child *c)
{
	int down[2], up[2];
	pid_t parent = getpid();

	assert_int_equal(pipe(down), 0);
	assert_int_equal(pipe(up), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(down[1]);
		close(up[0]);
		child_main(down[0], up[1], parent);
	}
	close(down[0]);
	close(up[1]);
	c->to = down[1];
	c->from = up[0];
}

static void stop_child(struct child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->to);
	close(c->from);
}

static void rename_child(struct child *c, const char *name)
{
	size_t n = strlen(name);
	char ack;

	assert_int_equal(write(c->to, name, n), (ssize_t)n);
	assert_int_equal(read(c->from, &ack, 1), 1);
}

/* A file by `pid`, with sys.created and/or sys.starttime if wanted. */
static enum mmstats_liveness liveness_of(pid_t pid, const double *created,
					 const uint64_t *starttime)
{
	struct mmstats_snapshot s;
	enum mmstats_liveness l;

	fb_init(&fb);
	fb_u64(&fb, "app.requests", 12);
	fb_u32(&fb, "app.sys.pid", (uint32_t)pid);
	if (created)
		fb_double(&fb, "app.sys.created", *created);
	if (starttime)
		fb_u64(&fb, "app.sys.starttime", *starttime);
	assert_int_equal(mmstats_parse(fb.buf, fb.len, &s), 0);
	assert_int_equal(mmstats_snapshot_pid(&s), pid);
	l = mmstats_liveness(&s);
	mmstats_snapshot_free(&s);
	return l;
}

static void test_vectors_are_stale_or_unknown(void **state)
{
	const char *dir = getenv("MMSTATS_VECTORS");
	struct mmstats_snapshot s;
	char path[1024];
	pid_t pid;

	(void)state;
	if (!dir || !*dir)
		dir = "tests/vectors";
	snprintf(path, sizeof(path), "%s/all_types.mmstats", dir);
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, &s), 0);
	/* Its writer is gone: stale, unless some process holds its pid
	 * now (a reference file has no sys.starttime to tell it apart). */
	pid = mmstats_snapshot_pid(&s);
	assert_true(pid > 0);
	if (kill(pid, 0) < 0 && errno == ESRCH)
		assert_int_equal(mmstats_liveness(&s), MMSTATS_STALE);
	else
		assert_int_not_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);

	snprintf(path, sizeof(path), "%s/many_fields.mmstats", dir);
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, &s), 0);
	assert_int_equal(mmstats_snapshot_pid(&s), -ENOENT);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);
}

/*
 * The reference's file (no sys.starttime) naming a running process that
 * started long after the file's sys.created: alive.  A clock stepped
 * forward since the file was made looks just the same, and only
 * sys.starttime can prove reuse.
 */
static void test_vector_pid_running_is_alive(void **state)
{
	struct mmstats_snapshot s;
	const struct mmstats_stat *created;
	struct child c;
	uint64_t start, other;
	char path[1024];
	const char *dir = getenv("MMSTATS_VECTORS");

	(void)state;
	snprintf(path, sizeof(path), "%s/all_types.mmstats",
		 dir && *dir ? dir : "tests/vectors");
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, &s), 0);
	created = mmstats_snapshot_find(&s, "sys.created");
	assert_non_null(created);
	start_child(&c);
	assert_int_equal(mmstats_pid_starttime(c.pid, &start), 0);
	/* The same file, but claiming the child's pid. */
	assert_int_equal(liveness_of(c.pid, &created->value.v.d, NULL),
			 MMSTATS_ALIVE);
	/* With a start time that is not the child's, reuse is proven. */
	other = start + 1;
	assert_int_equal(liveness_of(c.pid, &created->value.v.d, &other),
			 MMSTATS_STALE);
	stop_child(&c);
	assert_int_equal(liveness_of(c.pid, &created->value.v.d, NULL),
			 MMSTATS_STALE);
	mmstats_snapshot_free(&s);
}

static void test_live_child_by_starttime(void **state)
{
	struct child c;
	uint64_t start, other;
	double now = now_realtime();

	(void)state;
	start_child(&c);
	assert_int_equal(mmstats_pid_starttime(c.pid, &start), 0);
	assert_int_equal(liveness_of(c.pid, NULL, &start), MMSTATS_ALIVE);
	assert_int_equal(liveness_of(c.pid, &now, &start), MMSTATS_ALIVE);
	/* The start time rules over sys.created: exact, both ways. */
	other = start - 1;
	assert_int_equal(liveness_of(c.pid, &now, &other), MMSTATS_STALE);
	other = start + 1;
	assert_int_equal(liveness_of(c.pid, &now, &other), MMSTATS_STALE);
	stop_child(&c);
	/* Gone (and reaped): stale. */
	assert_int_equal(liveness_of(c.pid, &now, &start), MMSTATS_STALE);
	assert_int_equal(mmstats_pid_starttime(c.pid, &other), -ENOENT);
}

/*
 * A reference writer's file (sys.created, no sys.starttime) after the
 * wall clock was stepped: forward by more than the old second of
 * tolerance (NTP at boot), by an hour, by decades (a machine without a
 * real-time clock that booted in 1970), or back.  The writer runs: alive
 * every time.
 */
static void test_clock_steps_fake_no_reuse(void **state)
{
	static const double steps[] = {
		0, 1.5, 5, 3600, 56.0 * 365 * 86400, -5, -3600,
	};
	struct child c;
	double made, t;
	size_t i;

	(void)state;
	start_child(&c);
	made = now_realtime();
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		t = made - steps[i];
		assert_int_equal(liveness_of(c.pid, &t, NULL), MMSTATS_ALIVE);
	}
	t = 0;
	assert_int_equal(liveness_of(c.pid, &t, NULL), MMSTATS_ALIVE);
	/* Nothing to compare: the pid's existence is all there is. */
	assert_int_equal(liveness_of(c.pid, NULL, NULL), MMSTATS_ALIVE);
	stop_child(&c);
	/* The pid is free: stale, whatever sys.created says. */
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		t = made - steps[i];
		assert_int_equal(liveness_of(c.pid, &t, NULL), MMSTATS_STALE);
	}
}

/*
 * A child that has exited but is not reaped yet holds its pid as a
 * zombie: its writer is gone, for a reference file too.
 */
static void test_zombie_is_stale(void **state)
{
	struct child c;
	uint64_t start;
	double now = now_realtime();
	siginfo_t si;

	(void)state;
	start_child(&c);
	assert_int_equal(mmstats_pid_starttime(c.pid, &start), 0);
	kill(c.pid, SIGKILL);
	/* wait for the exit, but leave the zombie */
	assert_int_equal(waitid(P_PID, (id_t)c.pid, &si, WEXITED | WNOWAIT),
			 0);
	assert_int_equal(kill(c.pid, 0), 0);
	assert_int_equal(liveness_of(c.pid, &now, NULL), MMSTATS_STALE);
	assert_int_equal(liveness_of(c.pid, NULL, &start), MMSTATS_STALE);
	stop_child(&c);
}

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* /proc/PID/stat's state letter, read here on its own. */
static char state_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) && p[1] == ' ' ? p[2] : '?';
}

/*
 * A process whose main thread called pthread_exit() while another runs
 * shows as a zombie ("Zl") but runs: its writer is alive.
 */
static void test_exited_main_thread_is_alive(void **state)
{
	struct timespec step = { .tv_nsec = 1000000 };
	uint64_t start;
	pthread_t t;
	pid_t pid;
	int i;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (pthread_create(&t, NULL, sleep_forever, NULL) != 0)
			_exit(1);
		pthread_exit(NULL);
	}
	for (i = 0; i < 5000 && state_of(pid) != 'Z'; i++)
		nanosleep(&step, NULL);
	assert_int_equal(state_of(pid), 'Z');
	assert_int_equal(mmstats_pid_starttime(pid, &start), 0);
	assert_int_equal(liveness_of(pid, NULL, &start), MMSTATS_ALIVE);
	assert_int_equal(liveness_of(pid, NULL, NULL), MMSTATS_ALIVE);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* PF_KTHREAD of the flags of /proc/PID/stat, read here on their own. */
static bool is_kernel_thread(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned flags;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return (p = strrchr(buf, ')')) &&
	       sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %u", &flags) == 1 &&
	       (flags & 0x00200000u);
}

/*
 * A dead writer's pid taken by a kernel thread (they share the pid
 * space): stale, for a reference file whatever its sys.created, and for
 * this library's file even at the thread's own start tick.
 */
static void test_kernel_thread_is_stale(void **state)
{
	double now = now_realtime();
	uint64_t start;
	pid_t pid;

	(void)state;
	for (pid = 2; pid < 4096 && !is_kernel_thread(pid); pid++)
		;
	if (pid == 4096)
		skip();		/* another pid namespace: none to be seen */
	assert_int_equal(mmstats_pid_starttime(pid, &start), 0);
	assert_int_equal(liveness_of(pid, &now, NULL), MMSTATS_STALE);
	assert_int_equal(liveness_of(pid, NULL, NULL), MMSTATS_STALE);
	assert_int_equal(liveness_of(pid, &now, &start), MMSTATS_STALE);
}

/* comm can hold ')' and spaces: the start time must not move. */
static void test_starttime_with_hostile_comm(void **state)
{
	static const char *names[] = { "a) b c) d 7 8", ")", "x (y) z)" };
	struct child c;
	uint64_t before, after;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		start_child(&c);
		assert_int_equal(mmstats_pid_starttime(c.pid, &before), 0);
		rename_child(&c, names[i]);
		assert_int_equal(mmstats_pid_starttime(c.pid, &after), 0);
		assert_true(before == after);
		stop_child(&c);
	}
	assert_int_equal(mmstats_pid_starttime(getpid(), &before), 0);
	assert_true(before <= after);
	assert_int_equal(mmstats_pid_starttime(0, &before), -EINVAL);
	assert_int_equal(mmstats_pid_starttime(-5, &before), -EINVAL);
}

/* A pid that is no pid never reaches kill(): kill(0) or kill(-1)
 * would signal whole process groups. */
static void test_bogus_pids_are_unknown(void **state)
{
	struct mmstats_snapshot s;
	int32_t neg = -1;
	uint64_t big = (uint64_t)1 << 40;

	(void)state;
	fb_init(&fb);
	fb_u32(&fb, "sys.pid", 0);
	assert_int_equal(mmstats_parse(fb.buf, fb.len, &s), 0);
	assert_int_equal(mmstats_snapshot_pid(&s), -ERANGE);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);

	fb_init(&fb);
	fb_field(&fb, "sys.pid", "i", 0xff, &neg, sizeof(neg));
	assert_int_equal(mmstats_parse(fb.buf, fb.len, &s), 0);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);

	fb_init(&fb);
	fb_u64(&fb, "sys.pid", big);
	assert_int_equal(mmstats_parse(fb.buf, fb.len, &s), 0);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);

	fb_init(&fb);
	fb_field(&fb, "sys.pid", "8s", 0xff, "12345\0\0\0", 8);
	assert_int_equal(mmstats_parse(fb.buf, fb.len, &s), 0);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);
}

static void test_self_is_alive(void **state)
{
	double now = now_realtime();
	uint64_t start;

	(void)state;
	assert_int_equal(mmstats_pid_starttime(getpid(), &start), 0);
	assert_int_equal(liveness_of(getpid(), &now, &start), MMSTATS_ALIVE);
	assert_int_equal(liveness_of(getpid(), &now, NULL), MMSTATS_ALIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors_are_stale_or_unknown),
		cmocka_unit_test(test_vector_pid_running_is_alive),
		cmocka_unit_test(test_live_child_by_starttime),
		cmocka_unit_test(test_clock_steps_fake_no_reuse),
		cmocka_unit_test(test_zombie_is_stale),
		cmocka_unit_test(test_exited_main_thread_is_alive),
		cmocka_unit_test(test_kernel_thread_is_stale),
		cmocka_unit_test(test_starttime_with_hostile_comm),
		cmocka_unit_test(test_bogus_pids_are_unknown),
		cmocka_unit_test(test_self_is_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
