/*
 * test_tools_files.c - which files the tools read: the default glob,
 * argument expansion (strict: what finds nothing is said), and the safety of globs sent by web clients
 * (no '..', no '/', never a symlink, never a directory).
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
#include <unistd.h>

#include "../../tools/files.h"
#include "testdir.h"

static char dir[64];

static void touch(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static int setup(void **state)
{
	char path[128];

	(void)state;
	if (testdir_make(dir, sizeof(dir), "test_tools_files") < 0)
		return -1;
	touch("b.mmstats");
	touch("a.mmstats");
	touch(".hidden.mmstats");
	touch("other.txt");
	snprintf(path, sizeof(path), "%s/sub.mmstats", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/link.mmstats", dir);
	if (symlink("/etc/passwd", path) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return testdir_remove(dir);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void test_default_glob(void **state)
{
	char buf[256];

	(void)state;
	unsetenv("MMSTATS_GLOB");
	unsetenv("MMSTATS_PATH");
	assert_string_equal(files_default_glob(buf, sizeof(buf)),
			    "/tmp/*.mmstats");
	assert_string_equal(files_stats_dir(), "/tmp");
	setenv("MMSTATS_PATH", "/var/stats", 1);
	assert_string_equal(files_default_glob(buf, sizeof(buf)),
			    "/var/stats/*.mmstats");
	setenv("MMSTATS_GLOB", "/x/app-*.mmstats", 1);
	assert_string_equal(files_default_glob(buf, sizeof(buf)),
			    "/x/app-*.mmstats");
	assert_null(files_default_glob(buf, 5));	/* too long: refused */
	setenv("MMSTATS_GLOB", "", 1);	/* empty counts as unset */
	assert_string_equal(files_default_glob(buf, sizeof(buf)),
			    "/var/stats/*.mmstats");
	unsetenv("MMSTATS_GLOB");
	unsetenv("MMSTATS_PATH");
}

/* A directory template finds the files of every writer it names. */
static void test_default_glob_template(void **state)
{
	static const char *const cases[][2] = {
		{ "/run/app-{CMD}", "/run/app-*/*.mmstats" },
		{ "/run/{CMD}/{PID:05d}", "/run/*/*/*.mmstats" },
		{ "/run/{PID:{TID}}x", "/run/*x/*.mmstats" },
		{ "/run/{{lit}}", "/run/{lit}/*.mmstats" },
		{ "/run/a*b?[c]", "/run/a\\*b\\?\\[c]/*.mmstats" },
		{ "/run/open{", "/run/open{/*.mmstats" },
		{ "/run/close}", "/run/close}/*.mmstats" },
	};
	char buf[256];

	(void)state;
	unsetenv("MMSTATS_GLOB");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("MMSTATS_PATH", cases[i][0], 1);
		assert_string_equal(files_default_glob(buf, sizeof(buf)),
				    cases[i][1]);
	}
	unsetenv("MMSTATS_PATH");
}

/* files_stats_dirs() with MMSTATS_PATH set to dir + `rest`. */
static void stats_dirs_of(const char *rest, struct pathlist *l, bool *tmpl)
{
	char path[128];

	snprintf(path, sizeof(path), "%s%s", dir, rest);
	setenv("MMSTATS_PATH", path, 1);
	pathlist_free(l);
	assert_int_equal(files_stats_dirs(l, tmpl), 0);
}

/*
 * Where a client's glob looks by default: the directories the default
 * glob looks in, a template's included; a path without fields as it
 * is, {{ }} unescaped, whether it exists or not.
 */
static void test_stats_dirs(void **state)
{
	struct pathlist l = PATHLIST_INIT;
	char want[128];
	bool is_tmpl;

	(void)state;
	unsetenv("MMSTATS_PATH");
	assert_int_equal(files_stats_dirs(&l, &is_tmpl), 0);
	assert_false(is_tmpl);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "/tmp");
	/* files, the symlink to a file and the dotfile are no directories */
	stats_dirs_of("/{CMD}", &l, &is_tmpl);
	assert_true(is_tmpl);
	assert_int_equal(l.n, 1);
	snprintf(want, sizeof(want), "%s/sub.mmstats", dir);
	assert_string_equal(l.v[0], want);
	stats_dirs_of("/{PID:05d}-{TID}", &l, &is_tmpl);
	assert_true(is_tmpl);
	assert_int_equal(l.n, 0);
	stats_dirs_of("/{{x}}*", &l, &is_tmpl);
	assert_false(is_tmpl);
	assert_int_equal(l.n, 1);
	snprintf(want, sizeof(want), "%s/{x}*", dir);
	assert_string_equal(l.v[0], want);
	pathlist_free(&l);
	unsetenv("MMSTATS_PATH");
}

static void test_client_glob_checks(void **state)
{
	(void)state;
	assert_int_equal(files_check_client_glob("web-*.mmstats"), 0);
	assert_int_equal(files_check_client_glob("*"), 0);
	assert_int_equal(files_check_client_glob(""), -EINVAL);
	assert_int_equal(files_check_client_glob(".."), -EINVAL);
	assert_int_equal(files_check_client_glob("../etc/*"), -EINVAL);
	assert_int_equal(files_check_client_glob("a..b"), -EINVAL);
	assert_int_equal(files_check_client_glob("/etc/passwd"), -EINVAL);
	assert_int_equal(files_check_client_glob("sub/*"), -EINVAL);
	assert_int_equal(files_check_client_glob("a\\b"), -EINVAL);
	assert_int_equal(files_check_client_glob("a\nb"), -EINVAL);
}

static void test_match_dir_skips_links_dirs_dotfiles(void **state)
{
	struct pathlist l = PATHLIST_INIT;

	(void)state;
	assert_int_equal(files_match_dir(dir, "*.mmstats", &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(base(l.v[0]), "a.mmstats");
	assert_string_equal(base(l.v[1]), "b.mmstats");
	assert_memory_equal(l.v[0], dir, strlen(dir));
	pathlist_free(&l);
	assert_int_equal(files_match_dir(dir, "link*", &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(files_match_dir("/nonexistent.dir", "*", &l), -ENOENT);
}

static void test_expand_args(void **state)
{
	struct pathlist l = PATHLIST_INIT;
	char pattern[128], file[128];
	char *args[4];

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/*.mmstats", dir);
	snprintf(file, sizeof(file), "%s/a.mmstats", dir);
	args[0] = file;
	args[1] = dir;		/* its *.mmstats: a, b (a again: dropped) */
	args[2] = pattern;	/* a, b, link (not sub, a directory) */
	args[3] = "missing.mmstats";	/* kept, reported when read */
	assert_int_equal(files_expand_args(args, 4, &l, NULL), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(base(l.v[0]), "a.mmstats");
	assert_string_equal(base(l.v[1]), "b.mmstats");
	assert_string_equal(base(l.v[2]), "link.mmstats");
	assert_string_equal(l.v[3], "missing.mmstats");
	pathlist_free(&l);
}

static void test_expand_default(void **state)
{
	struct pathlist l = PATHLIST_INIT;

	(void)state;
	setenv("MMSTATS_PATH", dir, 1);
	assert_int_equal(files_expand_args(NULL, 0, &l, NULL), 0);
	/* glob(3) skips the dotfile; the symlink is refused when read. */
	assert_int_equal(l.n, 3);
	pathlist_free(&l);
	unsetenv("MMSTATS_PATH");
}

/* What the strict expansion said, as "NAME: WHY" lines. */
static char said[1024];

static void record(const char *name, const char *why)
{
	size_t n = strlen(said);

	snprintf(said + n, sizeof(said) - n, "%s: %s\n", name, why);
}

static void test_expand_strict(void **state)
{
	struct pathlist l = PATHLIST_INIT;
	char empty[128], nomatch[128], nodir[128], file[128], want[1024];
	char *args[5];

	(void)state;
	snprintf(empty, sizeof(empty), "%s/sub.mmstats", dir);
	snprintf(nomatch, sizeof(nomatch), "%s/*.none", dir);
	snprintf(nodir, sizeof(nodir), "%s/nodir/*.mmstats", dir);
	snprintf(file, sizeof(file), "%s/a.mmstats", dir);
	args[0] = empty;	/* a directory without *.mmstats */
	args[1] = nomatch;
	args[2] = nodir;	/* its directory's error */
	args[3] = "missing.mmstats";
	args[4] = file;		/* still expanded after the others */
	said[0] = '\0';
	assert_int_equal(files_expand_args_strict(args, 5, &l, record),
			 -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: no mmstats file\n%s: no file matches\n"
		 "%s/nodir: No such file or directory\n"
		 "missing.mmstats: No such file or directory\n",
		 empty, nomatch, dir);
	assert_string_equal(said, want);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], file);
	pathlist_free(&l);
	/* What files_expand_args finds, it finds too, and says nothing. */
	args[0] = dir;
	said[0] = '\0';
	assert_int_equal(files_expand_args_strict(args, 1, &l, record), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(said, "");
	pathlist_free(&l);
}

static void test_expand_strict_default(void **state)
{
	struct pathlist l = PATHLIST_INIT;
	char sub[128], want[256];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub.mmstats", dir);
	unsetenv("MMSTATS_GLOB");
	setenv("MMSTATS_PATH", sub, 1);
	said[0] = '\0';
	assert_int_equal(files_expand_args_strict(NULL, 0, &l, record),
			 -ENOENT);
	snprintf(want, sizeof(want), "%s: no mmstats file\n", sub);
	assert_string_equal(said, want);
	setenv("MMSTATS_PATH", "/nonexistent.dir", 1);
	said[0] = '\0';
	assert_int_equal(files_expand_args_strict(NULL, 0, &l, record),
			 -ENOENT);
	assert_string_equal(said,
			    "/nonexistent.dir: No such file or directory\n");
	setenv("MMSTATS_GLOB", "/nonexistent.dir/x*", 1);
	said[0] = '\0';
	assert_int_equal(files_expand_args_strict(NULL, 0, &l, record),
			 -ENOENT);
	assert_string_equal(said,
			    "/nonexistent.dir: No such file or directory\n");
	setenv("MMSTATS_PATH", dir, 1);
	unsetenv("MMSTATS_GLOB");
	said[0] = '\0';
	assert_int_equal(files_expand_args_strict(NULL, 0, &l, record), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(said, "");
	pathlist_free(&l);
	unsetenv("MMSTATS_PATH");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_glob),
		cmocka_unit_test(test_default_glob_template),
		cmocka_unit_test(test_stats_dirs),
		cmocka_unit_test(test_client_glob_checks),
		cmocka_unit_test(test_match_dir_skips_links_dirs_dotfiles),
		cmocka_unit_test(test_expand_args),
		cmocka_unit_test(test_expand_default),
		cmocka_unit_test(test_expand_strict),
		cmocka_unit_test(test_expand_strict_default),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
