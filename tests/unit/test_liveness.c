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
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "pidns.h"
#include "timens.h"
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

/*
 * fork() with a pipe each way: *in and *out are, in each process, its
 * ends (the child reads what the parent writes, and back).
 */
static pid_t fork_piped(int *in, int *out)
{
	int down[2], up[2];
	pid_t pid;

	assert_int_equal(pipe(down), 0);
	assert_int_equal(pipe(up), 0);
	pid = fork();
	assert_true(pid >= 0);
	close(pid ? down[0] : down[1]);
	close(pid ? up[1] : up[0]);
	*in = pid ? up[0] : down[0];
	*out = pid ? down[1] : up[1];
	return pid;
}

static void start_child(struct child *c)
{
	pid_t parent = getpid();

	c->pid = fork_piped(&c->from, &c->to);
	if (c->pid == 0)
		child_main(c->from, c->to, parent);
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
static pid_t fork_exited_main_thread(void)
{
	struct timespec step = { .tv_nsec = 1000000 };
	pthread_t t;
	pid_t pid;
	int i;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pthread_create(&t, NULL, sleep_forever, NULL) != 0)
			_exit(1);
		pthread_exit(NULL);
	}
	for (i = 0; i < 5000 && state_of(pid) != 'Z'; i++)
		nanosleep(&step, NULL);
	assert_int_equal(state_of(pid), 'Z');
	return pid;
}

static void test_exited_main_thread_is_alive(void **state)
{
	uint64_t start;
	pid_t pid;

	(void)state;
	pid = fork_exited_main_thread();
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

/* ---- PID namespaces ---------------------------------------------------- */

/* The first PID namespace's inode (<linux/proc_ns.h>). */
#define PROC_PID_INIT_INO	0xEFFFFFFCull

static uint64_t own_pidns(void)
{
	struct stat st;

	assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
	return (uint64_t)st.st_ino;
}

/* A file by `pid` of namespace `ns` that started at `start`, made at
 * *created if not NULL. */
static void parse_created_file(struct mmstats_snapshot *s, pid_t pid,
			       uint64_t ns, uint64_t start,
			       const double *created)
{
	fb_init(&fb);
	fb_u32(&fb, "app.sys.pid", (uint32_t)pid);
	fb_u64(&fb, "app.sys.starttime", start);
	fb_u64(&fb, "app.sys.pidns", ns);
	if (created)
		fb_double(&fb, "app.sys.created", *created);
	assert_int_equal(mmstats_parse(fb.buf, fb.len, s), 0);
}

static void parse_ns_file(struct mmstats_snapshot *s, pid_t pid, uint64_t ns,
			  uint64_t start)
{
	parse_created_file(s, pid, ns, start, NULL);
}

/*
 * mmstats_writer_pid() once a scan of /proc was due: scans are rate
 * limited, and meanwhile the answer is EREMOTE ("cannot tell").
 */
static pid_t settled_writer_pid(const struct mmstats_snapshot *s)
{
	struct timespec step = { .tv_nsec = 10000000 };
	pid_t pid;
	int i;

	for (i = 0; (pid = mmstats_writer_pid(s)) == -EREMOTE && i < 1000; i++)
		nanosleep(&step, NULL);
	return pid;
}

/* Ours, or of no namespace (0): sys.pid as it is. */
static void test_writer_pid_own_namespace(void **state)
{
	struct mmstats_snapshot s;
	uint64_t start;

	(void)state;
	assert_int_equal(mmstats_pid_starttime(getpid(), &start), 0);
	parse_ns_file(&s, getpid(), own_pidns(), start);
	assert_int_equal(mmstats_writer_pid(&s), getpid());
	assert_int_equal(mmstats_liveness(&s), MMSTATS_ALIVE);
	mmstats_snapshot_free(&s);
	parse_ns_file(&s, getpid(), 0, start);
	assert_int_equal(mmstats_writer_pid(&s), getpid());
	mmstats_snapshot_free(&s);
	fb_init(&fb);
	fb_u64(&fb, "sys.starttime", start);
	assert_int_equal(mmstats_parse(fb.buf, fb.len, &s), 0);
	assert_int_equal(mmstats_writer_pid(&s), -ENOENT);
	mmstats_snapshot_free(&s);
}

/* Root in the first PID namespace sees every process: sure answers. */
static bool sees_all(void)
{
	return geteuid() == 0 && own_pidns() == PROC_PID_INIT_INO;
}

/*
 * Our own pid and start, claimed from a namespace that has no process:
 * never us.  Gone (ESRCH) as seen from the first namespace, which sees
 * every other one; else out of sight.
 */
static pid_t foreign_claim_of_self(void)
{
	struct mmstats_snapshot s;
	uint64_t start;
	pid_t pid;

	assert_int_equal(mmstats_pid_starttime(getpid(), &start), 0);
	parse_ns_file(&s, getpid(), 12345, start);
	pid = sees_all() ? settled_writer_pid(&s) : mmstats_writer_pid(&s);
	assert_true(pid == -ESRCH || pid == -EREMOTE);
	assert_int_equal(mmstats_liveness(&s), pid == -ESRCH ? MMSTATS_STALE :
					       MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);
	return pid;
}

/*
 * Found dead once, a writer stays dead: asked again and again, it is
 * answered at once, never "cannot tell" while the next scan is not due.
 */
static void test_writer_pid_no_such_namespace(void **state)
{
	struct mmstats_snapshot s;
	uint64_t start;
	pid_t pid;
	int i;

	(void)state;
	pid = foreign_claim_of_self();
	if (!sees_all())
		return;
	assert_int_equal(pid, -ESRCH);
	assert_int_equal(mmstats_pid_starttime(getpid(), &start), 0);
	parse_ns_file(&s, getpid(), 12345, start);
	for (i = 0; i < 1000; i++)
		assert_int_equal(mmstats_writer_pid(&s), -ESRCH);
	mmstats_snapshot_free(&s);
}

struct nschild {
	pid_t outer;		/* the process that made the namespace */
	pid_t host;		/* the writer, as we number it */
	uint64_t ns, start;
};

/* A process that is pid 1 of a new PID namespace, until killed. */
static bool start_nschild(struct nschild *c)
{
	unsigned long long ns, start;
	int up[2], inner, host;
	char buf[128];
	ssize_t n;

	assert_int_equal(pipe(up), 0);
	c->outer = fork();
	assert_true(c->outer >= 0);
	if (c->outer == 0) {
		close(up[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWPID) < 0)
			_exit(3);
		inner = fork();
		if (inner == 0) {
			struct stat st;
			uint64_t t = 0;
			char self[32] = "";

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* /proc is our parent's: "self" is our pid there */
			if (readlink("/proc/self", self, sizeof(self) - 1) < 0 ||
			    stat("/proc/self/ns/pid", &st) < 0 ||
			    mmstats_pid_starttime(atoi(self), &t) < 0)
				_exit(4);
			dprintf(up[1], "%d %s %llu %llu\n", (int)getpid(), self,
				(unsigned long long)st.st_ino,
				(unsigned long long)t);
			pause();
			_exit(0);
		}
		waitpid(inner, NULL, 0);
		_exit(0);
	}
	close(up[1]);
	n = read(up[0], buf, sizeof(buf) - 1);
	close(up[0]);
	if (n <= 0) {
		waitpid(c->outer, NULL, 0);
		return false;
	}
	buf[n] = '\0';
	assert_int_equal(sscanf(buf, "%d %d %llu %llu", &inner, &host, &ns,
				&start), 4);
	assert_int_equal(inner, 1);
	c->host = host;
	c->ns = ns;
	c->start = start;
	return true;
}

/*
 * The writer is pid 1 of its namespace; we hold pid 1 of ours too.  It
 * is found under its pid here, alive, also when the table of the last
 * look-up was made before it started; killed, it is gone (the whole
 * namespace with it).
 */
static void test_writer_pid_other_namespace(void **state)
{
	struct mmstats_snapshot s;
	struct nschild c = { 0 };

	(void)state;
	if (geteuid() != 0)
		skip();
	(void)foreign_claim_of_self();	/* a table older than the child */
	if (!start_nschild(&c))
		skip();		/* no PID namespaces here */
	parse_ns_file(&s, 1, c.ns, c.start);
	assert_int_equal(settled_writer_pid(&s), c.host);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_ALIVE);
	mmstats_snapshot_free(&s);
	/*
	 * The same pid there, another start: another process, as when a
	 * dead container's namespace inode went to a new container.  The
	 * file is never tied to it.
	 */
	parse_ns_file(&s, 1, c.ns, c.start + 1);
	assert_int_equal(mmstats_writer_pid(&s), -ESRCH);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_STALE);
	mmstats_snapshot_free(&s);
	/* no pid 2 there */
	parse_ns_file(&s, 2, c.ns, c.start);
	assert_int_equal(settled_writer_pid(&s), -ESRCH);
	mmstats_snapshot_free(&s);

	kill(c.host, SIGKILL);
	waitpid(c.outer, NULL, 0);	/* it reaped the writer first */
	parse_ns_file(&s, 1, c.ns, c.start);
	if (own_pidns() == PROC_PID_INIT_INO) {
		assert_int_equal(settled_writer_pid(&s), -ESRCH);
		assert_int_equal(mmstats_liveness(&s), MMSTATS_STALE);
	} else {
		assert_int_not_equal(mmstats_liveness(&s), MMSTATS_ALIVE);
	}
	mmstats_snapshot_free(&s);
}

/*
 * Pid 1 of a new PID namespace that forks a process there (pid 2, 3...)
 * for each byte it reads, and answers for each, and for itself, "NSPID
 * HOSTPID NS".  Its children are reaped as they die (SIGCHLD ignored).
 */
static void forker_tell(int out)
{
	char self[32] = "";
	struct stat st;

	/* /proc is our parent's: "self" is our pid there */
	if (readlink("/proc/self", self, sizeof(self) - 1) < 0 ||
	    stat("/proc/self/ns/pid", &st) < 0)
		_exit(4);
	dprintf(out, "%d %s %llu\n", (int)getpid(), self,
		(unsigned long long)st.st_ino);
}

static void forker_main(int in, int out)
{
	pid_t inner;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWPID) < 0 || (inner = fork()) < 0)
		_exit(3);
	if (inner) {
		waitpid(inner, NULL, 0);
		_exit(0);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGCHLD, SIG_IGN);
	forker_tell(out);
	while (read(in, &c, 1) == 1) {
		if (fork() == 0) {
			forker_tell(out);
			for (;;)
				pause();
		}
	}
	_exit(0);
}

/* The next process of the forker's namespace (the first, pid 1, if
 * `to` is -1); false if none came. */
static bool forked(int to, int from, pid_t *nspid, pid_t *host,
		   uint64_t *ns)
{
	unsigned long long n;
	char buf[128];
	ssize_t len;
	int a, b;

	if (to >= 0 && write(to, "f", 1) != 1)
		return false;
	if ((len = read(from, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[len] = '\0';
	assert_int_equal(sscanf(buf, "%d %d %llu", &a, &b, &n), 3);
	*nspid = a;
	*host = b;
	*ns = n;
	return true;
}

/*
 * Two files that differ only in sys.created do not share a remembered
 * verdict.  Pid 2 of a namespace is found dead for the first (none
 * there), then forked: the first stays dead, as remembered; the second
 * is looked up, and found (the start is never compared with the
 * process in the look-up, only after it, here to say "not its writer").
 * Without sys.created in the key it would be taken for the dead one,
 * as a live writer on a reused namespace inode, at a reused pid, from
 * the same tick, would be.
 */
static void test_dead_memory_keyed_on_created(void **state)
{
	const double made = 1700000000.25, later = made + 1;
	struct mmstats_snapshot dead, born;
	pid_t outer, nspid, one, two;
	uint64_t ns, ns2, start = 1234;
	int to, from, i;

	(void)state;
	if (geteuid() != 0)
		skip();
	outer = fork_piped(&from, &to);
	if (outer == 0)
		forker_main(from, to);
	if (!forked(-1, from, &nspid, &one, &ns)) {
		waitpid(outer, NULL, 0);
		skip();		/* no PID namespaces here */
	}
	assert_int_equal(nspid, 1);
	parse_created_file(&dead, 2, ns, start, &made);
	parse_created_file(&born, 2, ns, start, &later);
	if (settled_writer_pid(&dead) == -EREMOTE) {
		kill(outer, SIGKILL);
		waitpid(outer, NULL, 0);
		skip();		/* some process cannot be looked at */
	}
	assert_int_equal(mmstats_writer_pid(&dead), -ESRCH);
	assert_true(forked(to, from, &nspid, &two, &ns2));
	assert_int_equal(nspid, 2);
	assert_true(ns2 == ns);
	/* remembered: dead at once, never "cannot tell" */
	for (i = 0; i < 100; i++)
		assert_int_equal(mmstats_writer_pid(&dead), -ESRCH);
	assert_int_equal(mms_pidns_lookup(ns, 2, true, start, made), -ESRCH);
	/* another key: looked up, found */
	assert_int_equal(settled_writer_pid(&born), -ESRCH);
	assert_non_null(strstr(mmstats_last_error(), "did not write it"));
	assert_int_equal(mms_pidns_lookup(ns, 2, true, start, later), two);
	/* without sys.created (0), a key of its own too */
	assert_int_equal(mms_pidns_lookup(ns, 2, true, start, 0), two);
	mmstats_snapshot_free(&dead);
	mmstats_snapshot_free(&born);
	kill(one, SIGKILL);
	close(to);
	close(from);
	waitpid(outer, NULL, 0);
}

/* Use up the descriptors below the soft limit; returns how many. */
static int exhaust_fds(int fds[], int max)
{
	struct rlimit rl;
	int n = 0;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 32;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < max && (fds[n] = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	assert_int_equal(errno, EMFILE);
	return n;
}

static void restore_fds(int fds[], int n, rlim_t cur)
{
	struct rlimit rl;

	while (n--)
		close(fds[n]);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = cur;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/*
 * Out of descriptors, /proc/PID/status cannot be opened: that says
 * nothing of the writer.  Its file is never stale, in our namespace or
 * in another.
 */
static void test_no_descriptors_is_not_stale(void **state)
{
	enum mmstats_liveness mine, theirs;
	struct mmstats_snapshot s, t;
	struct nschild c = { 0 };
	struct rlimit rl;
	pid_t theirs_pid;
	int fds[64], n;

	(void)state;
	if (geteuid() != 0)
		skip();
	if (!start_nschild(&c))
		skip();
	parse_ns_file(&s, 1, c.ns, c.start);
	assert_int_equal(settled_writer_pid(&s), c.host);	/* in the table */
	parse_ns_file(&t, getpid(), own_pidns(), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	n = exhaust_fds(fds, 64);
	theirs_pid = mmstats_writer_pid(&s);
	theirs = mmstats_liveness(&s);
	mine = mmstats_liveness(&t);
	restore_fds(fds, n, rl.rlim_cur);
	assert_true(theirs_pid == c.host || theirs_pid == -EREMOTE);
	assert_int_not_equal(theirs, MMSTATS_STALE);
	assert_int_not_equal(mine, MMSTATS_STALE);
	mmstats_snapshot_free(&s);
	mmstats_snapshot_free(&t);
	kill(c.host, SIGKILL);
	waitpid(c.outer, NULL, 0);
}

/*
 * sys.pidns 0: the writer could not tell its namespace.  A free pid
 * proves nothing (it may be a container's pid): unknown.  A process
 * that holds the pid and started at sys.starttime is the writer.
 */
static void test_unknown_namespace(void **state)
{
	struct mmstats_snapshot s;
	struct child c;
	uint64_t start;

	(void)state;
	start_child(&c);
	assert_int_equal(mmstats_pid_starttime(c.pid, &start), 0);
	parse_ns_file(&s, c.pid, 0, start);
	assert_int_equal(mmstats_writer_pid(&s), c.pid);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_ALIVE);
	mmstats_snapshot_free(&s);
	parse_ns_file(&s, c.pid, 0, start + 1);
	assert_int_equal(mmstats_writer_pid(&s), -EREMOTE);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);
	stop_child(&c);
	parse_ns_file(&s, c.pid, 0, start);
	assert_int_equal(mmstats_writer_pid(&s), -EREMOTE);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_UNKNOWN);
	mmstats_snapshot_free(&s);
}

/*
 * The time namespace of a process whose main thread has exited (its
 * own ns links are gone) is read from a live thread's; of a process
 * that is not there, it cannot be told.
 */
static void test_timens_of_exited_main_thread(void **state)
{
	struct stat st;
	uint64_t start;
	pid_t pid;

	(void)state;
	if (stat("/proc/self/ns/time", &st) < 0)
		skip();		/* no time namespaces here */
	pid = fork_exited_main_thread();
	assert_int_equal(mmstats_pid_starttime(pid, &start), 0);
	assert_int_equal(mms_timens_same_start(pid, start, start), 1);
	assert_int_equal(mms_timens_same_start(pid, start + 1, start), 0);
	/* alive, and a start that is not its own proves reuse */
	assert_int_equal(liveness_of(pid, NULL, &start), MMSTATS_ALIVE);
	start++;
	assert_int_equal(liveness_of(pid, NULL, &start), MMSTATS_STALE);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* equal is alive before any look; else it cannot be told */
	assert_int_equal(mms_timens_same_start(pid, start, start), 1);
	assert_true(mms_timens_same_start(pid, start + 1, start) < 0);
}

/*
 * Writers in a time namespace whose boot clock is TIMENS_SHIFT seconds
 * ahead of ours (a whole number of ticks): `outer` made the namespace
 * (and a PID namespace, if asked) and forks them on demand.
 */
#define TIMENS_SHIFT	100000

struct tchild {
	pid_t outer;
	int to, from;
	pid_t last;		/* outer's last writer, to reap (outer's) */
	uint64_t last_start;
};

struct twriter {
	pid_t host;		/* as we number it */
	uint64_t ns;		/* its PID namespace */
	uint64_t start;		/* as it recorded it, on its clock */
};

/* The writer: report who it is and its start as it sees it. */
static void twriter_main(int out, bool exit_main)
{
	char self[32] = "";
	struct stat st;
	uint64_t t = 0;
	pthread_t th;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* /proc is our grandparent's: "self" is our pid there */
	if (readlink("/proc/self", self, sizeof(self) - 1) < 0 ||
	    stat("/proc/self/ns/pid", &st) < 0 ||
	    mmstats_pid_starttime(atoi(self), &t) < 0)
		_exit(4);
	dprintf(out, "%s %llu %llu\n", self, (unsigned long long)st.st_ino,
		(unsigned long long)t);
	if (exit_main) {
		if (pthread_create(&th, NULL, sleep_forever, NULL) != 0)
			_exit(1);
		pthread_exit(NULL);
	}
	for (;;)
		pause();
}

/* Wait until our boot clock is past `tick`. */
static void wait_past_tick(uint64_t tick)
{
	struct timespec ts, step = { .tv_nsec = 1000000 };
	long hz = sysconf(_SC_CLK_TCK);

	for (;;) {
		clock_gettime(CLOCK_BOOTTIME, &ts);
		if ((uint64_t)ts.tv_sec * hz +
		    (uint64_t)ts.tv_nsec / (1000000000 / hz) > tick)
			return;
		nanosleep(&step, NULL);
	}
}

/*
 * Each command "PID MODE": fork a writer, MODE 'e' one whose main thread
 * exits; with PID, the writer of the last command's (killed by the test)
 * is reaped, and the new one is to take PID: ns_last_pid is set to the
 * one below, in a tick after the last one started, so that the new
 * writer is another process as /proc can tell.
 */
static void touter_main(int in, int out, int flags)
{
	FILE *cmd = fdopen(in, "r");
	pid_t last = 0, want;
	char mode;
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!cmd || unshare(CLONE_NEWTIME | flags) < 0 ||
	    (fd = open("/proc/self/timens_offsets", O_WRONLY)) < 0 ||
	    dprintf(fd, "boottime %d 0\n", TIMENS_SHIFT) < 0 ||
	    close(fd) < 0)
		_exit(3);
	while (fscanf(cmd, "%d %c", &want, &mode) == 2) {
		if (last)
			waitpid(last, NULL, 0);
		if (want > 1 && (fd = open("/proc/sys/kernel/ns_last_pid",
					   O_WRONLY)) >= 0) {
			dprintf(fd, "%d", (int)want - 1);
			close(fd);
		}
		if ((last = fork()) == 0)
			twriter_main(out, mode == 'e');
	}
	_exit(0);
}

static void start_touter(struct tchild *c, int flags)
{
	c->outer = fork_piped(&c->from, &c->to);
	if (c->outer == 0)
		touter_main(c->from, c->to, flags);
}

/* A new writer (at `want`, if not 0); false if the namespace failed. */
static bool twriter(struct tchild *c, pid_t want, char mode,
		    struct twriter *w)
{
	unsigned long long ns, start;
	char buf[128];
	int host;
	ssize_t n;

	/* our clock is TIMENS_SHIFT behind the writers' */
	if (want)
		wait_past_tick(c->last_start - (uint64_t)TIMENS_SHIFT *
			       sysconf(_SC_CLK_TCK));
	dprintf(c->to, "%d %c\n", (int)want, mode);
	n = read(c->from, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	assert_int_equal(sscanf(buf, "%d %llu %llu", &host, &ns, &start), 3);
	w->host = host;
	w->ns = ns;
	w->start = c->last_start = start;
	return true;
}

static void stop_touter(struct tchild *c)
{
	close(c->to);
	close(c->from);
	kill(c->outer, SIGKILL);
	waitpid(c->outer, NULL, 0);
}

/*
 * The namespace(s) and a first writer (MODE as twriter's), or skip: not
 * root, or no time namespaces here.
 */
static void start_timens(struct tchild *c, int flags, char mode,
			 struct twriter *w)
{
	struct stat st;

	if (geteuid() != 0 || stat("/proc/self/ns/time", &st) < 0)
		skip();
	start_touter(c, flags);
	if (!twriter(c, 0, mode, w)) {
		stop_touter(c);
		skip();
	}
}

/*
 * A writer in a time namespace a day ahead: its record, set on our
 * clock, is its start; a record a tick off, or our clock's reading of
 * its start, is another process's; and a process that took its pid
 * once it was killed (in a later tick) is not taken for it.
 */
static void test_timens_writer_judged(void **state)
{
	struct tchild c;
	struct twriter w, w2;
	uint64_t seen, other;
	int i;

	(void)state;
	start_timens(&c, 0, 'w', &w);
	assert_int_equal(mmstats_pid_starttime(w.host, &seen), 0);
	assert_int_equal(w.start - seen,
			 (uint64_t)TIMENS_SHIFT * sysconf(_SC_CLK_TCK));
	assert_int_equal(liveness_of(w.host, NULL, &w.start), MMSTATS_ALIVE);
	other = w.start + 1;
	assert_int_equal(liveness_of(w.host, NULL, &other), MMSTATS_STALE);
	/* our reading: what it would record had it setns()'d from our
	 * namespace after recording its start */
	assert_int_equal(liveness_of(w.host, NULL, &seen), MMSTATS_ALIVE);

	for (i = 0; i < 20; i++) {
		kill(w.host, SIGKILL);
		if (!twriter(&c, w.host, 'w', &w2))
			fail_msg("no second writer");
		if (w2.host == w.host)
			break;
		w = w2;		/* another fork came between: again */
	}
	if (i == 20) {
		stop_touter(&c);
		skip();		/* the pid never came back to us */
	}
	assert_int_not_equal(w2.start, w.start);
	assert_int_equal(liveness_of(w.host, NULL, &w.start), MMSTATS_STALE);
	assert_int_equal(liveness_of(w.host, NULL, &w2.start), MMSTATS_ALIVE);
	stop_touter(&c);
}

/* Pid 1 of a PID namespace in a time namespace: found, and judged. */
static void test_timens_other_pidns(void **state)
{
	struct mmstats_snapshot s;
	struct tchild c;
	struct twriter w;

	(void)state;
	start_timens(&c, CLONE_NEWPID, 'w', &w);
	parse_ns_file(&s, 1, w.ns, w.start);
	assert_int_equal(settled_writer_pid(&s), w.host);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_ALIVE);
	mmstats_snapshot_free(&s);
	parse_ns_file(&s, 1, w.ns, w.start + 1);
	assert_int_equal(mmstats_writer_pid(&s), -ESRCH);
	assert_int_equal(mmstats_liveness(&s), MMSTATS_STALE);
	mmstats_snapshot_free(&s);
	stop_touter(&c);
}

/*
 * A writer in another time namespace whose main thread has exited: its
 * namespace's offsets cannot be read (they are the main thread's), so
 * its record proves nothing either way.
 */
static void test_timens_unreadable_is_unknown(void **state)
{
	struct timespec step = { .tv_nsec = 1000000 };
	struct tchild c;
	struct twriter w;
	uint64_t other;
	int i;

	(void)state;
	start_timens(&c, 0, 'e', &w);
	for (i = 0; i < 5000 && state_of(w.host) != 'Z'; i++)
		nanosleep(&step, NULL);
	assert_int_equal(state_of(w.host), 'Z');
	assert_int_equal(liveness_of(w.host, NULL, &w.start), MMSTATS_UNKNOWN);
	other = w.start + 1;
	assert_int_equal(liveness_of(w.host, NULL, &other), MMSTATS_UNKNOWN);
	stop_touter(&c);
}

/*
 * Run fn in a child; its exit status.  fn runs in a process of its own
 * (a new PID or mount namespace stays there).
 */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* In a new PID namespace, under the old /proc: pid 1 is ours, /proc/1
 * is the host's init.  Exit 0 if nothing is judged stale. */
static int judge_under_foreign_proc(void)
{
	struct mmstats_snapshot s;
	uint64_t start;
	pid_t inner;
	int status;

	if (unshare(CLONE_NEWPID) < 0)
		return 77;
	inner = fork();
	if (inner < 0)
		return 2;
	if (inner > 0)
		return waitpid(inner, &status, 0) == inner && WIFEXITED(status) ?
		       WEXITSTATUS(status) : 3;
	if (mms_proc_is_ours())
		_exit(4);
	if (mmstats_pid_starttime(1, &start) < 0)
		_exit(5);
	/* our own file (pid 1 here), with some start time */
	parse_ns_file(&s, 1, own_pidns(), start + 1);
	if (mmstats_liveness(&s) != MMSTATS_UNKNOWN)
		_exit(6);
	mmstats_snapshot_free(&s);
	/* another namespace's: its /proc cannot be read as ours */
	parse_ns_file(&s, 1, 12345, start);
	if (mmstats_writer_pid(&s) != -EREMOTE)
		_exit(7);
	mmstats_snapshot_free(&s);
	_exit(0);
}

static void test_foreign_proc_is_unknown(void **state)
{
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_true(mms_proc_is_ours());
	rc = in_child(judge_under_foreign_proc);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

/* Under a /proc mounted with hidepid=, a process not listed may be
 * hidden: never gone.  Exit 0 if the claim is unknown. */
static int claim_under_hidepid(void)
{
	struct mmstats_snapshot s;
	uint64_t start;
	int i;
	pid_t pid = -EREMOTE;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", 0, "hidepid=2") < 0)
		return 77;
	if (mmstats_pid_starttime(getpid(), &start) < 0)
		return 2;
	parse_ns_file(&s, getpid(), 12345, start);
	/* every answer, before and after the scan is due */
	for (i = 0; i < 20; i++) {
		struct timespec step = { .tv_nsec = 20000000 };

		pid = mmstats_writer_pid(&s);
		if (pid != -EREMOTE ||
		    mmstats_liveness(&s) != MMSTATS_UNKNOWN)
			return 3;
		nanosleep(&step, NULL);
	}
	mmstats_snapshot_free(&s);
	return 0;
}

static void test_hidepid_is_unknown(void **state)
{
	int rc;

	(void)state;
	if (!sees_all())
		skip();
	rc = in_child(claim_under_hidepid);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

/*
 * Enter a new time namespace whose boot clock reads 0 now (setns(), so
 * single-threaded): every process that started before has a negative
 * start there, which the kernel shows wrapped modulo 2^64.
 */
static bool enter_timens_at_zero(void)
{
	struct timespec now;
	long long sec;
	long nsec;
	int fd, n;

	if (unshare(CLONE_NEWTIME) < 0 ||
	    clock_gettime(CLOCK_BOOTTIME, &now) < 0 ||
	    (fd = open("/proc/self/timens_offsets", O_WRONLY)) < 0)
		return false;
	/* -now, with nanoseconds in [0, 1e9) as the kernel wants them */
	sec = -(long long)now.tv_sec - (now.tv_nsec > 0);
	nsec = now.tv_nsec ? 1000000000L - now.tv_nsec : 0;
	n = dprintf(fd, "boottime %lld %ld\n", sec, nsec);
	if (close(fd) < 0 || n < 0 ||
	    (fd = open("/proc/self/ns/time_for_children", O_RDONLY)) < 0)
		return false;
	n = setns(fd, CLONE_NEWTIME);
	close(fd);
	return n == 0;
}

/* A start in ticks from a negative one in nanoseconds, wrapped. */
static bool wrapped(uint64_t ticks)
{
	return ticks > (uint64_t)INT64_MAX /
		       (uint64_t)(1000000000 / sysconf(_SC_CLK_TCK));
}

static pid_t wrapped_writer;
static uint64_t wrapped_start;

/* Exit 0 if, in a namespace where the writer's start wrapped, its
 * record is alive and another is stale. */
static int judge_wrapped(void)
{
	uint64_t seen, other = wrapped_start - 2;

	if (!enter_timens_at_zero())
		return 77;
	if (mmstats_pid_starttime(wrapped_writer, &seen) < 0)
		return 2;
	if (!wrapped(seen))
		return 3;	/* it did not wrap: no test */
	if (liveness_of(wrapped_writer, NULL, &wrapped_start) != MMSTATS_ALIVE)
		return 4;
	/* two ticks off: an offset of no whole ticks leaves one possible */
	if (liveness_of(wrapped_writer, NULL, &other) != MMSTATS_STALE)
		return 5;
	return 0;
}

/*
 * A reader in a time namespace whose boot clock began after our writer
 * started (unshare -T --boottime=-UPTIME): it sees the start wrapped
 * past 2^64, and judges the record by the same arithmetic.
 */
static void test_timens_wrapped_seen(void **state)
{
	struct stat st;
	struct child c;
	int rc;

	(void)state;
	if (geteuid() != 0 || stat("/proc/self/ns/time", &st) < 0)
		skip();
	start_child(&c);
	wrapped_writer = c.pid;
	assert_int_equal(mmstats_pid_starttime(c.pid, &wrapped_start), 0);
	rc = in_child(judge_wrapped);
	stop_child(&c);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

/* The writer of a wrapped start: it tells it, and waits. */
static void wrapped_writer_main(int out)
{
	uint64_t t;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!enter_timens_at_zero() ||
	    mmstats_pid_starttime(getpid(), &t) < 0)
		_exit(3);
	dprintf(out, "%llu\n", (unsigned long long)t);
	for (;;)
		pause();
}

/* A writer in such a namespace recorded a wrapped start: alive. */
static void test_timens_wrapped_recorded(void **state)
{
	uint64_t start, other;
	struct child c;
	struct stat st;
	char buf[32] = "";

	(void)state;
	if (geteuid() != 0 || stat("/proc/self/ns/time", &st) < 0)
		skip();
	c.pid = fork_piped(&c.from, &c.to);
	if (c.pid == 0)
		wrapped_writer_main(c.to);
	if (read(c.from, buf, sizeof(buf) - 1) <= 0) {
		stop_child(&c);
		skip();		/* no such namespace here */
	}
	start = strtoull(buf, NULL, 10);
	assert_true(wrapped(start));
	assert_int_equal(liveness_of(c.pid, NULL, &start), MMSTATS_ALIVE);
	other = start - 2;
	assert_int_equal(liveness_of(c.pid, NULL, &other), MMSTATS_STALE);
	/* past the largest tick a u64 of nanoseconds gives: not a start */
	other = UINT64_MAX;
	assert_int_equal(liveness_of(c.pid, NULL, &other), MMSTATS_UNKNOWN);
	stop_child(&c);
}

static pid_t other_uid_writer;
static uint64_t other_uid_start;

/* Exit 0 if, as uid 1000, another user's writer is judged by its start
 * alone where its time namespace cannot be read. */
static int judge_other_uid(void)
{
	char path[64], link[64];
	uint64_t other = other_uid_start + 1;

	if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
		return 2;
	snprintf(path, sizeof(path), "/proc/%d/ns/time", (int)other_uid_writer);
	if (readlink(path, link, sizeof(link)) >= 0 || errno != EACCES)
		return 3;	/* readable: no test */
	if (liveness_of(other_uid_writer, NULL, &other_uid_start) !=
	    MMSTATS_ALIVE)
		return 4;
	/* another start, on a clock we cannot tell: no proof */
	if (liveness_of(other_uid_writer, NULL, &other) != MMSTATS_UNKNOWN)
		return 5;
	return 0;
}

/*
 * A writer of uid 65534 in our namespaces, read by uid 1000, which may
 * not read its namespace links (ptrace rights) but sees its start.
 */
static void test_other_uid_writer_is_alive(void **state)
{
	struct stat st;
	struct child c;
	char ack;

	(void)state;
	if (geteuid() != 0 || stat("/proc/self/ns/time", &st) < 0)
		skip();
	c.pid = fork_piped(&c.from, &c.to);
	if (c.pid == 0) {
		/* a change of credentials clears the death signal */
		if (setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    write(c.to, "k", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	assert_int_equal(read(c.from, &ack, 1), 1);
	other_uid_writer = c.pid;
	assert_int_equal(mmstats_pid_starttime(c.pid, &other_uid_start), 0);
	assert_int_equal(in_child(judge_other_uid), 0);
	stop_child(&c);
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
		cmocka_unit_test(test_writer_pid_own_namespace),
		cmocka_unit_test(test_writer_pid_no_such_namespace),
		cmocka_unit_test(test_writer_pid_other_namespace),
		cmocka_unit_test(test_dead_memory_keyed_on_created),
		cmocka_unit_test(test_no_descriptors_is_not_stale),
		cmocka_unit_test(test_unknown_namespace),
		cmocka_unit_test(test_timens_of_exited_main_thread),
		cmocka_unit_test(test_timens_writer_judged),
		cmocka_unit_test(test_timens_other_pidns),
		cmocka_unit_test(test_timens_unreadable_is_unknown),
		cmocka_unit_test(test_foreign_proc_is_unknown),
		cmocka_unit_test(test_hidepid_is_unknown),
		cmocka_unit_test(test_timens_wrapped_seen),
		cmocka_unit_test(test_timens_wrapped_recorded),
		cmocka_unit_test(test_other_uid_writer_is_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
