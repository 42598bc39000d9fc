/*
 * test_defaults.c - sys.program and sys.pidns, as written and as read.
 *
 * The interpreter rule needs a process whose argv[0] is "python3" and
 * whose command line names a script: the test runs itself again under
 * that name (main() sees DEFAULTS_CHILD and only writes a file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "defaults.h"
#include "mmstats.h"
#include "testdir.h"

static const struct mmstats_field_def one[] = {
	MMSTATS_DEF("n", MMSTATS_COUNTER),
};

/* Open an instance named `file` in the group's directory; NULL on error. */
static struct mmstats *open_named(const char *file, const char *program)
{
	struct mmstats_options o = {
		.path = testdir_group, .filename = file, .program = program,
	};
	struct mmstats *s = NULL;

	if (mmstats_open(one, 1, &o, &s))
		return NULL;
	return s;
}

static void read_named(const char *file, struct mmstats_snapshot *snap)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/%s", testdir_group, file);
	err = mmstats_read_at(AT_FDCWD, path, snap);
	if (err)
		fail_msg("%s: %s", path, mmstats_last_error());
}

static void text_of(const struct mmstats_stat *st, char *out, size_t len)
{
	assert_int_equal(st->value.kind, MMSTATS_KIND_STRING);
	snprintf(out, len, "%.*s", (int)st->value.v.str.len,
		 st->value.v.str.ptr);
}

/* sys.program of a file written now with options.program `given`. */
static void program_of(const char *given, char *out, size_t len)
{
	struct mmstats *s = open_named("p.mmstats", given);
	struct mmstats_snapshot snap;
	const struct mmstats_stat *st;

	assert_non_null(s);
	read_named("p.mmstats", &snap);
	st = mmstats_snapshot_find(&snap, "sys.program");
	assert_non_null(st);
	text_of(st, out, len);
	mmstats_snapshot_free(&snap);
	mmstats_remove(s);
}

/* The two new fields: where they are, their types, no notes. */
static void test_layout(void **state)
{
	struct mmstats *s = open_named("l.mmstats", "app");
	struct mmstats_snapshot snap;
	const struct mmstats_stat *st;
	char name[80];
	struct stat ns;
	size_t n;

	(void)state;
	assert_non_null(s);
	read_named("l.mmstats", &snap);
	n = snap.nstats;
	assert_int_equal(n, 9);
	assert_string_equal(snap.stats[n - 3].label, "sys.starttime");
	assert_string_equal(snap.stats[n - 2].label, "sys.pidns");
	assert_string_equal(snap.stats[n - 2].type, "Q");
	assert_false(snap.stats[n - 2].buffered);
	assert_int_equal(snap.stats[n - 2].notes.metric,
			 MMSTATS_METRIC_UNKNOWN);
	assert_int_equal(stat("/proc/self/ns/pid", &ns), 0);
	assert_int_equal(snap.stats[n - 2].value.v.u, (uint64_t)ns.st_ino);
	st = &snap.stats[n - 1];
	assert_string_equal(st->label, "sys.program");
	assert_string_equal(st->type, "64s");
	assert_false(st->buffered);
	assert_int_equal(st->notes.metric, MMSTATS_METRIC_UNKNOWN);
	text_of(st, name, sizeof(name));
	assert_string_equal(name, "app");
	mmstats_snapshot_free(&snap);
	mmstats_remove(s);
}

/* options.program, then $MMSTATS_PROGRAM, then argv[0]'s base name. */
static void test_program_sources(void **state)
{
	char got[80];

	(void)state;
	unsetenv("MMSTATS_PROGRAM");
	program_of(NULL, got, sizeof(got));
	assert_string_equal(got, "test_defaults");
	setenv("MMSTATS_PROGRAM", "from-env", 1);
	program_of(NULL, got, sizeof(got));
	assert_string_equal(got, "from-env");
	program_of("given", got, sizeof(got));
	assert_string_equal(got, "given");
	setenv("MMSTATS_PROGRAM", "", 1);	/* empty: as if unset */
	program_of(NULL, got, sizeof(got));
	assert_string_equal(got, "test_defaults");
	unsetenv("MMSTATS_PROGRAM");
}

/* 63 bytes at most, never half a character. */
static void test_program_cut(void **state)
{
	char name[128], got[80];

	(void)state;
	memset(name, 'a', 62);
	strcpy(name + 62, "\xc3\xa9z");		/* 'é' across byte 63 */
	program_of(name, got, sizeof(got));
	assert_int_equal(strlen(got), 62);
	assert_memory_equal(got, name, 62);
	memset(name, 'b', 61);
	strcpy(name + 61, "\xc3\xa9z");		/* 'é' fits whole */
	program_of(name, got, sizeof(got));
	assert_int_equal(strlen(got), 63);
	assert_memory_equal(got, name, 63);
}

/* Run this test as argv (argv[0] the name it runs under); its sys.program. */
static void program_as(char *const argv[], char *out, size_t len)
{
	struct mmstats_snapshot snap;
	const struct mmstats_stat *st;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("DEFAULTS_CHILD", testdir_group, 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	read_named("child.mmstats", &snap);
	st = mmstats_snapshot_find(&snap, "sys.program");
	assert_non_null(st);
	text_of(st, out, len);
	mmstats_snapshot_free(&snap);
}

/* An interpreter's processes are named by their script, end to end. */
static void test_program_interpreters(void **state)
{
	char *py[] = { "python3", "-u", "/srv/app/billing.py", "x", NULL };
	char *py2[] = { "/usr/bin/python3.11", "-W", "ignore", "-m", "tool",
			NULL };
	char *sh[] = { "sh", "-e", "./deploy.sh", NULL };
	char *login[] = { "-bash", "-o", "vi", "rc.sh", NULL };
	char *bare[] = { "perl", "-w", NULL };
	char *notone[] = { "shell", "/srv/app/billing.py", NULL };
	char got[80];

	(void)state;
	program_as(py, got, sizeof(got));
	assert_string_equal(got, "billing.py");
	program_as(py2, got, sizeof(got));
	assert_string_equal(got, "tool");
	program_as(sh, got, sizeof(got));
	assert_string_equal(got, "deploy.sh");
	program_as(login, got, sizeof(got));
	assert_string_equal(got, "rc.sh");
	program_as(bare, got, sizeof(got));	/* no script: its own name */
	assert_string_equal(got, "perl");
	program_as(notone, got, sizeof(got));
	assert_string_equal(got, "shell");
}

/* One command line (argv[0] first, NULL-terminated) and its program. */
struct cmdline {
	const char *argv[8];
	const char *program;
};

/*
 * The options of each interpreter that take an argument: that argument
 * is never taken for the program.  Code given on the command line has
 * no name: the interpreter's is kept.
 */
static void test_program_option_tables(void **state)
{
	static const struct cmdline cases[] = {
		{ { "python3", "-W", "ignore", "x.py" }, "x.py" },
		{ { "python3", "-Wignore", "x.py" }, "x.py" },
		{ { "python3", "-X", "dev", "-u", "/a/x.py" }, "x.py" },
		{ { "python3", "-uX", "dev", "x.py" }, "x.py" },
		{ { "python3", "-c", "import x", "y.py" }, "python3" },
		{ { "python3", "-uc", "import x" }, "python3" },
		{ { "python3", "-m", "http.server", "8000" }, "http.server" },
		{ { "python3", "-mhttp.server" }, "http.server" },
		{ { "python3", "-I", "-", "x.py" }, "python3" },
		{ { "python3", "--", "-x.py" }, "-x.py" },
		{ { "python3.12", "-E", "-s" }, "python3.12" },
		{ { "pypy3", "-W", "error", "bench.py" }, "bench.py" },
		{ { "perl", "-e", "print 1", "x.pl" }, "perl" },
		{ { "perl", "-lne", "print", "f" }, "perl" },
		{ { "perl", "-I", "lib", "-w", "tool.pl" }, "tool.pl" },
		{ { "perl", "-MData::Dumper", "dump.pl" }, "dump.pl" },
		{ { "ruby", "-e", "puts 1" }, "ruby" },
		{ { "ruby", "-r", "json", "-I", "lib", "app.rb" }, "app.rb" },
		{ { "node", "-e", "1", "x.js" }, "node" },
		{ { "node", "-p", "1" }, "node" },
		{ { "node", "-r", "dotenv/config", "srv.js" }, "srv.js" },
		{ { "node", "--require", "ts-node", "--inspect", "a.js" },
		  "a.js" },
		{ { "node", "--eval", "1" }, "node" },
		{ { "bash", "-c", "echo x", "name" }, "bash" },
		{ { "bash", "-ec", "echo x" }, "bash" },
		{ { "bash", "-o", "pipefail", "run.sh" }, "run.sh" },
		{ { "bash", "-O", "extglob", "run.sh" }, "run.sh" },
		{ { "bash", "--rcfile", "rc", "run.sh" }, "run.sh" },
		{ { "bash", "-s", "arg" }, "bash" },
		{ { "-bash" }, "bash" },
		{ { "-bash", "-i" }, "bash" },
		{ { "dash", "/etc/init.d/x" }, "x" },
		{ { "zsh", "-f", "z.zsh" }, "z.zsh" },
		{ { "java", "-cp", "a.jar:b.jar", "com.example.Main" },
		  "com.example.Main" },
		{ { "java", "-classpath", "a.jar", "Main" }, "Main" },
		{ { "java", "--class-path=a.jar", "Main" }, "Main" },
		{ { "java", "-Xmx1g", "-Dk=v", "-jar", "/opt/app.jar", "x" },
		  "app.jar" },
		{ { "java", "-version" }, "java" },
		{ { "node", "dir/" }, "node" },
		{ { "cat", "-n", "file" }, "cat" },
		{ { "-sh", "x.sh" }, "x.sh" },
	};
	char name[MMS_PROGRAM_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct cmdline *c = &cases[i];
		size_t n = 0;

		while (n + 1 < 8 && c->argv[n + 1])
			n++;
		mms_program_of(c->argv[0], (char *const *)(c->argv + 1), n,
			       name);
		if (strcmp(name, c->program))
			fail_msg("case %zu (%s %s): %s, not %s", i,
				 c->argv[0], c->argv[1] ? c->argv[1] : "",
				 name, c->program);
	}
}

/* A file of our own namespace: mmstats_writer_pid() is sys.pid. */
static void test_writer_pid_here(void **state)
{
	struct mmstats *s = open_named("w.mmstats", NULL);
	struct mmstats_snapshot snap;

	(void)state;
	assert_non_null(s);
	read_named("w.mmstats", &snap);
	assert_int_equal(mmstats_writer_pid(&snap), getpid());
	assert_int_equal(mmstats_liveness(&snap), MMSTATS_ALIVE);
	mmstats_snapshot_free(&snap);
	mmstats_remove(s);
}

/* The child of program_as(): write a file and leave it. */
static int child_main(const char *dir)
{
	struct mmstats_options o = {
		.path = dir, .filename = "child.mmstats",
		.flags = MMSTATS_KEEP_AT_EXIT,
	};
	struct mmstats *s;

	unsetenv("MMSTATS_PROGRAM");
	if (mmstats_open(one, 1, &o, &s)) {
		fprintf(stderr, "child: %s\n", mmstats_last_error());
		return 1;
	}
	return 0;
}

int main(void)
{
	const char *child = getenv("DEFAULTS_CHILD");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_program_sources),
		cmocka_unit_test(test_program_cut),
		cmocka_unit_test(test_program_interpreters),
		cmocka_unit_test(test_program_option_tables),
		cmocka_unit_test(test_writer_pid_here),
	};

	if (child)
		return child_main(child);
	return testdir_run_group("test_defaults", tests);
}
