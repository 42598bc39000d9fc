/*
 * test_tools_judged.c - the verdicts of one cleanstats run: a file met
 * again under another name gets its first answer, but a STALE answer
 * never outlives the inode it was about, whose number ext4 and XFS give
 * to the next file made (a live writer's, maybe).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/judged.h"
#include "testdir.h"

static char dir[64];

/* A new file in the scratch directory, open; its stat into st. */
static int make_file(const char *name, struct stat *st)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, st), 0);
	return fd;
}

static void unlink_file(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
}

static void link_file(const char *from, const char *to)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/%s", dir, from);
	snprintf(b, sizeof(b), "%s/%s", dir, to);
	assert_int_equal(link(a, b), 0);
}

/* Kept files are remembered by number, and never hold a descriptor. */
static void test_kept_remembered(void **state)
{
	struct judged j = JUDGED_INIT;
	const struct judged_file *f;
	struct stat st;
	int fd = make_file("alive", &st), fd2 = fd;

	(void)state;
	assert_int_equal(judged_add(&j, &st, JUDGED_ALIVE, "alive", &fd), 0);
	assert_int_equal(fd, fd2);
	f = judged_find(&j, &st);
	assert_non_null(f);
	assert_int_equal(f->verdict, JUDGED_ALIVE);
	assert_string_equal(f->name, "alive");
	assert_int_equal(f->fd, -1);
	judged_free(&j);
	close(fd);
	unlink_file("alive");
}

/*
 * A stale file whose last name is gone (removed by this run) is not
 * remembered: once closed, its number may be a new file's.
 */
static void test_stale_without_name_forgotten(void **state)
{
	struct judged j = JUDGED_INIT;
	struct stat st;
	int fd = make_file("dead", &st), fd2 = fd;

	(void)state;
	unlink_file("dead");
	assert_int_equal(judged_add(&j, &st, JUDGED_STALE, "dead", &fd), 0);
	assert_int_equal(fd, fd2);	/* still the caller's to close */
	assert_null(judged_find(&j, &st));
	judged_free(&j);
	close(fd);
}

/*
 * A stale file with another name left is remembered, and held open:
 * after both its names are gone its number stays its own, so a file
 * made then is another inode.
 */
static void test_stale_with_name_held(void **state)
{
	struct judged j = JUDGED_INIT;
	const struct judged_file *f;
	struct stat st, fresh;
	int fd = make_file("dead", &st), nfd;

	(void)state;
	link_file("dead", "dead-link");
	unlink_file("dead");
	assert_int_equal(judged_add(&j, &st, JUDGED_STALE, "dead", &fd), 0);
	assert_int_equal(fd, -1);	/* taken */
	f = judged_find(&j, &st);
	assert_non_null(f);
	assert_int_equal(f->verdict, JUDGED_STALE);
	assert_true(f->fd >= 0);
	unlink_file("dead-link");
	nfd = make_file("new", &fresh);
	assert_false(fresh.st_dev == st.st_dev && fresh.st_ino == st.st_ino);
	close(nfd);
	unlink_file("new");
	judged_free(&j);
	assert_null(judged_find(&j, &st));
}

static int setup(void **state)
{
	(void)state;
	return testdir_make(dir, sizeof(dir), "mmstats-judged");
}

static int teardown(void **state)
{
	(void)state;
	return testdir_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_remembered),
		cmocka_unit_test(test_stale_without_name_forgotten),
		cmocka_unit_test(test_stale_with_name_held),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
