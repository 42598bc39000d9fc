/*
 * test_create.c - file names from templates, and safe creation: a
 * symlink or another user's file at the name is refused, a stale file
 * of ours replaced, a missing or unwritable directory reported, files
 * appear complete, and the same holds without O_TMPFILE or renameat2().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "mmstats.h"
#include "create.h"
#include "test_writer_parse.h"
#include "testdir.h"

#define NOBODY 65534

static char dir[64];

static int setup(void **state)
{
	(void)state;
	if (testdir_make(dir, sizeof(dir), "test_create") < 0)
		return -1;
	/* let a child that dropped root look inside */
	return chmod(dir, 0755);
}

static int teardown(void **state)
{
	(void)state;
	return testdir_remove(dir);
}

/* Tests run with O_TMPFILE, without it, and without renameat2() too. */
static int with_tmpfile(void **state)
{
	(void)state;
	mms_no_tmpfile = false;
	mms_no_renameat2 = false;
	return 0;
}

static int without_tmpfile(void **state)
{
	(void)state;
	mms_no_tmpfile = true;
	mms_no_renameat2 = false;
	return 0;
}

/* As on a kernel or filesystem without renameat2(): link + unlink. */
static int without_renameat2(void **state)
{
	(void)state;
	mms_no_tmpfile = true;
	mms_no_renameat2 = true;
	return 0;
}

static int open_named(const char *name, struct mmstats **s)
{
	struct mmstats_options o = { .path = dir, .filename = name };

	return mmstats_open(NULL, 0, &o, s);
}

/* The directory holds exactly `want` entries (no temporary files). */
static void assert_entries(int want)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	assert_int_equal(n, want);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool file_is(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

/* ---- names ------------------------------------------------------------ */

static void test_expand_name(void **state)
{
	char buf[256], want[256];
	char *saved = program_invocation_short_name;

	(void)state;
	assert_int_equal(mms_expand_name(MMSTATS_DEFAULT_FILES, buf,
					 sizeof(buf)), 0);
	snprintf(want, sizeof(want), "%s-%d-%d.mmstats",
		 program_invocation_short_name, getpid(), gettid());
	assert_string_equal(buf, want);
	assert_int_equal(mms_expand_name("x{PID}{PID}{{X}}", buf,
					 sizeof(buf)), 0);
	snprintf(want, sizeof(want), "x%d%d{X}", getpid(), getpid());
	assert_string_equal(buf, want);
	/* the whole template language is in test_template.c */
	assert_int_equal(mms_expand_name("{X}{TID", buf, sizeof(buf)),
			 -EINVAL);

	program_invocation_short_name = "../evil/cmd";
	assert_int_equal(mms_expand_name("{CMD}.mmstats", buf, sizeof(buf)), 0);
	assert_string_equal(buf, ".._evil_cmd.mmstats");
	program_invocation_short_name = saved;

	assert_int_equal(mms_expand_name("/a/b", buf, sizeof(buf)), -EINVAL);
	assert_non_null(strstr(mmstats_last_error(), "/a/b"));
	assert_int_equal(mms_expand_name("a/../b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mms_expand_name("..", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mms_expand_name(".", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mms_expand_name("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(mms_expand_name("{PID}{PID}{PID}", buf, 8),
			 -ENAMETOOLONG);
	assert_int_equal(mms_expand_name("abcdefgh", buf, 8), -ENAMETOOLONG);
	assert_int_equal(mms_expand_name("abcdefg", buf, 8), 0);
}

/* MMSTATS_PATH and MMSTATS_FILES are used when the options say nothing. */
static void test_environment(void **state)
{
	struct mmstats *s;
	char want[256];

	(void)state;
	setenv(MMSTATS_ENV_PATH, dir, 1);
	setenv(MMSTATS_ENV_FILES, "env-{PID}.mmstats", 1);
	assert_int_equal(mmstats_open(NULL, 0, NULL, &s), 0);
	snprintf(want, sizeof(want), "%s/env-%d.mmstats", dir, getpid());
	assert_string_equal(mmstats_filename(s), want);
	assert_int_equal(access(want, F_OK), 0);
	mmstats_remove(s);
	unsetenv(MMSTATS_ENV_PATH);
	unsetenv(MMSTATS_ENV_FILES);
	assert_entries(0);
}

/* ---- what may be at the name ------------------------------------------ */

static void test_symlink_refused(void **state)
{
	char link[128], victim[128];
	struct mmstats *s;

	(void)state;
	snprintf(link, sizeof(link), "%s/l.mmstats", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	write_file(victim, "precious");
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(open_named("l.mmstats", &s), -EEXIST);
	assert_null(s);
	assert_non_null(strstr(mmstats_last_error(), "symbolic link"));
	assert_true(file_is(victim, "precious"));
	/* a dangling symlink is not followed to create a file either */
	unlink(victim);
	assert_int_equal(open_named("l.mmstats", &s), -EEXIST);
	assert_int_equal(access(victim, F_OK), -1);
	unlink(link);
	assert_entries(0);
}

static void test_other_users_file_refused(void **state)
{
	char path[128];
	struct mmstats *s;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/o.mmstats", dir);
	write_file(path, "theirs");
	assert_int_equal(chown(path, NOBODY, NOBODY), 0);
	assert_int_equal(open_named("o.mmstats", &s), -EEXIST);
	assert_non_null(strstr(mmstats_last_error(), "belongs to uid 65534"));
	assert_true(file_is(path, "theirs"));
	unlink(path);
	assert_entries(0);
}

static void test_directory_refused(void **state)
{
	char path[128];
	struct mmstats *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/d.mmstats", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(open_named("d.mmstats", &s), -EEXIST);
	assert_non_null(strstr(mmstats_last_error(), "not a regular file"));
	rmdir(path);
	assert_entries(0);
}

static void test_stale_file_replaced(void **state)
{
	char path[128];
	struct stat before, after;
	unsigned char *d;
	size_t len = 0;
	struct mmstats *s;

	(void)state;
	snprintf(path, sizeof(path), "%s/stale.mmstats", dir);
	write_file(path, "stale junk");
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(open_named("stale.mmstats", &s), 0);
	assert_int_equal(stat(path, &after), 0);
	assert_true(before.st_ino != after.st_ino);
	d = tread(path, &len);
	assert_non_null(d);
	assert_int_equal(len, 4096);
	assert_int_equal(d[0], 1);
	free(d);
	assert_entries(1);
	/* ...but not the file of a live instance of ours */
	struct mmstats *again;

	assert_int_equal(open_named("stale.mmstats", &again), -EEXIST);
	assert_non_null(strstr(mmstats_last_error(), "in use"));
	assert_int_equal(mmstats_remove(s), 0);
	assert_entries(0);
}

/* ---- the directory -------------------------------------------------------- */

static void test_missing_directory(void **state)
{
	struct mmstats_options o = { .path = "/nonexistent/dir" };
	struct mmstats *s;

	(void)state;
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -ENOENT);
	assert_string_equal(mmstats_last_error(),
			    "/nonexistent/dir: No such file or directory");
	o.path = "/etc/passwd";
	assert_int_equal(mmstats_open(NULL, 0, &o, &s), -ENOTDIR);
	assert_string_equal(mmstats_last_error(),
			    "/etc/passwd: Not a directory");
}

/* As a user who may not write there (root may write anywhere). */
static void test_unwritable_directory(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mmstats_options o = { .path = dir };
		struct mmstats *s;
		int err;

		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(10);
		err = mmstats_open(NULL, 0, &o, &s);
		if (err != -EACCES)
			_exit(11);
		char want[128];

		snprintf(want, sizeof(want), "%s: Permission denied",
			 dir);
		if (strcmp(mmstats_last_error(), want))
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_entries(0);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Instances in one directory share its descriptor: one fd each. */
static void test_shared_directory(void **state)
{
	struct mmstats *s[40];
	int before = count_fds();

	(void)state;
	for (int i = 0; i < 40; i++) {
		char name[32];

		snprintf(name, sizeof(name), "n%d.mmstats", i);
		assert_int_equal(open_named(name, &s[i]), 0);
	}
	assert_int_equal(count_fds(), before + 41);
	for (int i = 0; i < 40; i++)
		mmstats_remove(s[i]);
	assert_int_equal(count_fds(), before);
	assert_entries(0);
}

/* A directory replaced under the same path is not the one shared. */
static void test_replaced_directory(void **state)
{
	char sub[128], old[128], path[256];
	struct mmstats_options o = { .path = sub, .filename = "r.mmstats" };
	struct mmstats *a, *b;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(old, sizeof(old), "%s/old", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mmstats_open(NULL, 0, &o, &a), 0);
	assert_int_equal(rename(sub, old), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mmstats_open(NULL, 0, &o, &b), 0);
	snprintf(path, sizeof(path), "%s/r.mmstats", sub);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/r.mmstats", old);
	assert_int_equal(access(path, F_OK), 0);
	/* each removes its own file, through its own directory */
	assert_int_equal(mmstats_remove(a), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(mmstats_remove(b), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(old), 0);
	assert_entries(0);
}

/* ---- publication ---------------------------------------------------------- */

/* A watcher sees each *.mmstats name only once the file is complete. */
static void test_appears_complete(void **state)
{
	char buf[4096] __attribute__((aligned(8)));
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	struct mmstats *s[8];
	int seen = 0, temporary = 0;
	ssize_t n;

	(void)state;
	assert_true(in >= 0);
	assert_true(inotify_add_watch(in, dir, IN_CREATE | IN_MOVED_TO) >= 0);
	for (int i = 0; i < 8; i++) {
		char name[32];

		snprintf(name, sizeof(name), "c%d.mmstats", i);
		assert_int_equal(open_named(name, &s[i]), 0);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (void *)p;
			char path[256];
			unsigned char *d;
			size_t len = 0;
			struct tfield f[10];

			p += sizeof(*e) + e->len;
			if (strncmp(e->name, ".mmstats-", 9) == 0)
				temporary++;
			if (strlen(e->name) < 8 ||
			    strcmp(e->name + strlen(e->name) - 8, ".mmstats"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->name);
			d = tread(path, &len);
			assert_non_null(d);
			assert_int_equal(len, 4096);
			assert_int_equal(tparse(d, len, f, 10), 8);
			assert_string_equal(f[0].label, "sys.pid");
			free(d);
			seen++;
		}
	}
	close(in);
	assert_int_equal(seen, 8);
	/* the fallback really ran where asked, and only there */
	assert_int_equal(temporary, mms_no_tmpfile ? 8 : 0);
	for (int i = 0; i < 8; i++)
		mmstats_remove(s[i]);
	assert_entries(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_name),
		cmocka_unit_test_setup(test_environment, with_tmpfile),
		cmocka_unit_test_setup(test_symlink_refused, with_tmpfile),
		cmocka_unit_test_setup(test_symlink_refused, without_tmpfile),
		cmocka_unit_test_setup(test_other_users_file_refused, with_tmpfile),
		cmocka_unit_test_setup(test_other_users_file_refused, without_tmpfile),
		cmocka_unit_test_setup(test_directory_refused, with_tmpfile),
		cmocka_unit_test_setup(test_directory_refused, without_tmpfile),
		cmocka_unit_test_setup(test_stale_file_replaced, with_tmpfile),
		cmocka_unit_test_setup(test_stale_file_replaced, without_tmpfile),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test_setup(test_shared_directory, with_tmpfile),
		cmocka_unit_test_setup(test_replaced_directory, with_tmpfile),
		cmocka_unit_test_setup(test_unwritable_directory, with_tmpfile),
		cmocka_unit_test_setup(test_unwritable_directory, without_tmpfile),
		cmocka_unit_test_setup(test_appears_complete, with_tmpfile),
		cmocka_unit_test_setup(test_appears_complete, without_tmpfile),
		cmocka_unit_test_setup(test_symlink_refused, without_renameat2),
		cmocka_unit_test_setup(test_other_users_file_refused,
				       without_renameat2),
		cmocka_unit_test_setup(test_stale_file_replaced,
				       without_renameat2),
		cmocka_unit_test_setup(test_appears_complete, without_renameat2),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
