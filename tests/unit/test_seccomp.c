/*
 * test_seccomp.c - updates make no system call.  A child under seccomp
 * updates every field type of an instance its parent created, and asks
 * its model for its own instance (the fast path) and updates that; the
 * parent then finds the values in both files.
 *
 * SECCOMP_MODE_STRICT (any system call but read, write, _exit and
 * sigreturn kills) also disables the TSC, so clock_gettime() faults
 * there even from the vDSO: timers are tested under a filter instead
 * that kills the process on any system call but exit.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmstats.h"
#include "test_writer_parse.h"

static char dir[64];

static const struct mmstats_field_def all_defs[] = {
	MMSTATS_DEF("counter", MMSTATS_COUNTER),
	MMSTATS_DEF("average", MMSTATS_AVERAGE),
	MMSTATS_DEF_SIZED("mavg", MMSTATS_MOVING_AVERAGE, 2),
	MMSTATS_DEF("timer", MMSTATS_TIMER),
	MMSTATS_DEF("u64", MMSTATS_UINT64),
	MMSTATS_DEF("u32", MMSTATS_UINT32),
	MMSTATS_DEF("i32", MMSTATS_INT32),
	MMSTATS_DEF("i16", MMSTATS_INT16),
	MMSTATS_DEF("u16", MMSTATS_UINT16),
	MMSTATS_DEF("byte", MMSTATS_BYTE),
	MMSTATS_DEF("float", MMSTATS_FLOAT),
	MMSTATS_DEF("sfloat", MMSTATS_STATIC_FLOAT),
	MMSTATS_DEF("double", MMSTATS_DOUBLE),
	MMSTATS_DEF("sdouble", MMSTATS_STATIC_DOUBLE),
	MMSTATS_DEF("bool", MMSTATS_BOOL),
	MMSTATS_DEF_SIZED("string", MMSTATS_STRING, 4),
	MMSTATS_DEF("su32", MMSTATS_STATIC_UINT32),
	MMSTATS_DEF("si64", MMSTATS_STATIC_INT64),
	MMSTATS_DEF("su64", MMSTATS_STATIC_UINT64),
	MMSTATS_DEF("text", MMSTATS_STATIC_TEXT),
};
#define NALL (sizeof(all_defs) / sizeof(all_defs[0]))

static struct mmstats_model model = MMSTATS_MODEL_INIT("m.", all_defs);

/* Field `name` of the table, whatever the instance's label prefix. */
static struct mmstats_field *F(struct mmstats *s, const char *name)
{
	size_t i = 0;

	while (i < NALL && strcmp(all_defs[i].label, name))
		i++;
	return mmstats_field(s, i);
}

/* clock_gettime() without a system call needs a vDSO clocksource. */
static bool vdso_clock(void)
{
	char buf[64] = "";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/"
			"current_clocksource", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return !strcmp(buf, "tsc\n") || !strcmp(buf, "kvm-clock\n") ||
	       !strcmp(buf, "arch_sys_counter\n") ||
	       !strcmp(buf, "hyperv_clocksource_tsc_page\n");
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void update_all(struct mmstats *s, bool timers)
{
	mmstats_incr(F(s, "counter"), 41);
	mmstats_incr(F(s, "counter"), 1);
	mmstats_average_add(F(s, "average"), 1.0);
	mmstats_average_add(F(s, "average"), 2.0);
	mmstats_moving_average_add(F(s, "mavg"), 1.0);
	mmstats_moving_average_add(F(s, "mavg"), 5.0);
	mmstats_moving_average_add(F(s, "mavg"), 7.0);
	mmstats_set_u64(F(s, "u64"), UINT64_MAX - 1);
	mmstats_set_u32(F(s, "u32"), 4000000000u);
	mmstats_set_i32(F(s, "i32"), -7);
	mmstats_set_i16(F(s, "i16"), -300);
	mmstats_set_u16(F(s, "u16"), 60000);
	mmstats_set_byte(F(s, "byte"), -5);
	mmstats_set_float(F(s, "float"), 1.5f);
	mmstats_set_float(F(s, "sfloat"), -1.5f);
	mmstats_set_double(F(s, "double"), 2.25);
	mmstats_set_double(F(s, "sdouble"), -2.25);
	mmstats_set_bool(F(s, "bool"), true);
	mmstats_set_string(F(s, "string"), "h\xc3\xa9\xc3\xa9");
	mmstats_set_u32(F(s, "su32"), 9);
	mmstats_set_u64(F(s, "si64"), (uint64_t)-9);
	mmstats_set_u64(F(s, "su64"), 99);
	mmstats_set_string(F(s, "text"), "static");
	if (timers) {
		struct timespec t0;

		/* Our clock is read after the timer's, so the wait is a
		 * lower bound of what the timer measures. */
		mmstats_timer_start(F(s, "timer"));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (since(&t0) < 0.002)
			;
		mmstats_timer_stop(F(s, "timer"));
	}
}

/* Only exit(2) is allowed: anything else kills the process. */
static int forbid_syscalls(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]), .filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void child(struct mmstats *parents, bool strict)
{
	struct mmstats *mine = mmstats_model_instance(&model);
	int err;

	if (!mine)
		syscall(SYS_exit, 3);
	err = strict ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)
		     : forbid_syscalls();
	if (err)
		syscall(SYS_exit, 2);
	update_all(parents, !strict);
	/* the model's fast path, after creation */
	if (mmstats_model_instance(&model) != mine)
		syscall(SYS_exit, 4);
	update_all(mine, !strict);
	syscall(SYS_exit, 0);
}

static double get_d(const char *path, const char *label)
{
	struct tfield f;
	unsigned char *d;
	double v = NAN;

	if (tfind(path, label, &f, &d) == 0) {
		memcpy(&v, d + f.value_off, sizeof(v));
		free(d);
	}
	return v;
}

/* The first n bytes of the value (all of it, but for static text). */
static void expect(const char *path, const char *label, const void *want,
		   size_t n)
{
	struct tfield f = { .value_size = 0 };
	unsigned char *d = NULL;

	if (tfind(path, label, &f, &d))
		fail_msg("%s: no field %s", path, label);
	if (strstr(label, "text"))
		assert_true(f.value_size >= n);
	else
		assert_int_equal(f.value_size, n);
	assert_memory_equal(d + f.value_off, want, n);
	free(d);
}

#define EXPECT(path, label, type, v) do {		\
	type v_ = (v);					\
	expect((path), (label), &v_, sizeof(v_));	\
} while (0)

static void check_all(const char *path, const char *p, bool timers)
{
	char l[64];

#define L(name) (snprintf(l, sizeof(l), "%s%s", p, name), l)
	EXPECT(path, L("counter"), uint64_t, 42);
	EXPECT(path, L("average"), double, 1.5);
	EXPECT(path, L("mavg"), double, 6.0);
	EXPECT(path, L("u64"), uint64_t, UINT64_MAX - 1);
	EXPECT(path, L("u32"), uint32_t, 4000000000u);
	EXPECT(path, L("i32"), int32_t, -7);
	EXPECT(path, L("i16"), int16_t, -300);
	EXPECT(path, L("u16"), uint16_t, 60000);
	EXPECT(path, L("byte"), int8_t, -5);
	EXPECT(path, L("float"), float, 1.5f);
	EXPECT(path, L("sfloat"), float, -1.5f);
	EXPECT(path, L("double"), double, 2.25);
	EXPECT(path, L("sdouble"), double, -2.25);
	EXPECT(path, L("bool"), uint8_t, 1);
	expect(path, L("string"), "h\xc3\xa9\0", 4);
	EXPECT(path, L("su32"), uint32_t, 9);
	EXPECT(path, L("si64"), int64_t, -9);
	EXPECT(path, L("su64"), uint64_t, 99);
	expect(path, L("text"), "static\0", 7);
	if (timers) {
		double t = get_d(path, L("timer"));

		assert_true(t >= 0.002 && t < 10.0);
	}
#undef L
}

static void run_child(bool strict)
{
	struct mmstats_options o = { .path = dir, .filename = "parent.mmstats",
				     .label_prefix = "p." };
	bool timers = !strict;
	struct mmstats *s;
	char child_path[256];
	int status;
	pid_t pid;

	model.opts.path = dir;
	model.opts.filename = "child-{PID}.mmstats";
	assert_int_equal(mmstats_open(all_defs, NALL, &o, &s), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(s, strict);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d: a system call was made",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	check_all(mmstats_filename(s), "p.", timers);
	snprintf(child_path, sizeof(child_path), "%s/child-%d.mmstats", dir,
		 pid);
	check_all(child_path, "m.", timers);
	unlink(child_path);
	mmstats_remove(s);
}

static void test_updates_strict(void **state)
{
	(void)state;
	run_child(true);
}

static void test_updates_and_timers_filtered(void **state)
{
	(void)state;
	if (!vdso_clock())
		skip();		/* clock_gettime() would be a system call */
	run_child(false);
}

/* The test can fail: a system call in the child is seen as SIGKILL. */
static void catches(bool strict)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (strict ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)
			   : forbid_syscalls())
			syscall(SYS_exit, 2);
		syscall(SYS_getppid);
		syscall(SYS_exit, 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), strict ? SIGKILL : SIGSYS);
}

static void test_seccomp_catches_syscalls(void **state)
{
	(void)state;
	catches(true);
	catches(false);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_seccomp.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp_catches_syscalls),
		cmocka_unit_test(test_updates_strict),
		cmocka_unit_test(test_updates_and_timers_filtered),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
