/*
 * testdir.h - a scratch directory for a group of tests, and its removal.
 *
 * Static functions in a header, because each test program is linked on
 * its own.  Removal walks the tree itself instead of running "rm -rf"
 * through a shell, so no name can be taken as shell syntax, and it
 * never follows a symlink a test left there.
 */
#ifndef TESTDIR_H
#define TESTDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* Make /tmp/NAME.XXXXXX; its path goes into buf. */
static inline int testdir_make(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/tmp/%s.XXXXXX", name);
	return mkdtemp(buf) ? 0 : -1;
}

static inline int testdir_remove_entry(const char *path,
				       const struct stat *st, int type,
				       struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* Remove `path` and everything in it. */
static inline int testdir_remove(const char *path)
{
	return nftw(path, testdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * One scratch directory for a whole group of tests, made and removed by
 * cmocka's group setup and teardown; tmp_path() names a file in it.
 */
static char testdir_group[64] __attribute__((unused));
static const char *testdir_group_name __attribute__((unused)) = "test";

static inline int testdir_group_setup(void **state)
{
	(void)state;
	return testdir_make(testdir_group, sizeof(testdir_group),
			    testdir_group_name);
}

static inline int testdir_group_teardown(void **state)
{
	(void)state;
	return testdir_remove(testdir_group);
}

/* cmocka_run_group_tests() with a scratch directory named `name`. */
#define testdir_run_group(name, tests)					\
	(testdir_group_name = (name),					\
	 cmocka_run_group_tests(tests, testdir_group_setup,		\
				testdir_group_teardown))

/* The path of `name` in the group's directory (a static buffer). */
static inline const char *tmp_path(const char *name)
{
	static char path[sizeof(testdir_group) + 256];

	snprintf(path, sizeof(path), "%s/%s", testdir_group, name);
	return path;
}

#endif
