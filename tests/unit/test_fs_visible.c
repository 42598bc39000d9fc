/*
 * test_fs_visible.c - when a directory that unites files' labels stops
 * having all its files of one owner and mode, the kernel is told to look
 * up again each name it holds there (visible.h): the names it was given
 * with an entry timeout may now be hidden from some callers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "mmstats.h"

#define PROG	"test_fs_visible"

static int setup(void **state)
{
	return fixture_setup(state, PROG);
}

static int teardown(void **state)
{
	return fixture_teardown(state);
}

static struct mmstats *open_stats(struct fixture *f, const char *tag,
				  const char *label)
{
	struct mmstats_field_def def = MMSTATS_DEF(label, MMSTATS_COUNTER);
	char name[64];
	struct mmstats_options o = { .path = f->dir, .filename = name,
				     .program = PROG };
	struct mmstats *s;

	snprintf(name, sizeof(name), "%s-{PID}.mmstats", tag);
	assert_int_equal(mmstats_open(&def, 1, &o, &s), 0);
	return s;
}

static const char *base(const struct mmstats *s)
{
	return strrchr(mmstats_filename(s), '/') + 1;
}

/* Node `name` of dir, which the kernel is made to hold (a lookup). */
static struct mfs_node *held(struct fixture *f, struct mfs_node *dir,
			     const char *name)
{
	struct mfs_node *n = mfs_tree_lookup(&f->tree, dir->ino, name);

	assert_non_null(n);
	n->nlookup++;
	return n;
}

/* How many changes tell the kernel to look up `name` of dir again. */
static size_t asked_again(const struct fixture *f, const struct mfs_node *dir,
			  const char *name)
{
	size_t i, k = 0;

	for (i = 0; i < f->ch.n; i++)
		k += f->ch.v[i].kind == MFS_CHANGE_NAME &&
		     f->ch.v[i].parent == dir->ino &&
		     !strcmp(f->ch.v[i].name, name);
	return k;
}

static void chmod_and_read(struct fixture *f, struct mmstats *s, mode_t mode)
{
	mfs_changes_free(&f->ch);
	assert_int_equal(fchmodat(f->dirfd, base(s), mode, 0), 0);
	fixture_refresh(f, base(s));
	mfs_model_flush(&f->model, &f->ch);
}

static void test_mixed_dirs_forget_names(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = open_stats(f, "a", "a.x");
	struct mmstats *b = open_stats(f, "b", "b.y");
	struct mfs_node *pid, *prog, *task;
	char pidname[16], progname[64];

	snprintf(pidname, sizeof(pidname), "%d", (int)getpid());
	snprintf(progname, sizeof(progname), PROG "@%u", (unsigned)getuid());
	fixture_refresh(f, base(a));
	fixture_refresh(f, base(b));
	mfs_model_flush(&f->model, &f->ch);
	pid = mfs_tree_lookup(&f->tree, MFS_ROOT_INO, pidname);
	prog = mfs_tree_lookup(&f->tree, f->model.progs.dir->ino, progname);
	assert_non_null(pid);
	assert_non_null(prog);
	task = held(f, prog, "task");
	held(f, pid, "a.x");
	held(f, pid, "b.y");
	held(f, prog, "a.x");
	held(f, task, pidname);

	chmod_and_read(f, b, 0600);		/* 0644 and 0600 now */
	assert_int_equal(asked_again(f, pid, "a.x"), 1);
	assert_int_equal(asked_again(f, pid, "b.y"), 1);
	assert_int_equal(asked_again(f, prog, "a.x"), 1);
	assert_int_equal(asked_again(f, prog, "task"), 1);
	assert_int_equal(asked_again(f, task, pidname), 1);

	chmod_and_read(f, a, 0640);		/* still mixed: nothing new */
	assert_int_equal(asked_again(f, pid, "a.x"), 0);
	assert_int_equal(asked_again(f, prog, "a.x"), 0);

	chmod_and_read(f, a, 0600);		/* one mode again: the same */
	assert_int_equal(asked_again(f, pid, "a.x"), 0);
	chmod_and_read(f, b, 0644);		/* and mixed again */
	assert_int_equal(asked_again(f, pid, "a.x"), 1);
	assert_int_equal(asked_again(f, prog, "a.x"), 1);
	mmstats_remove(b);
	mmstats_remove(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mixed_dirs_forget_names,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
