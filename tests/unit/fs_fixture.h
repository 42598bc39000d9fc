/*
 * fs_fixture.h - a scratch source directory with mmstatsfs over it, for
 * the unit tests of the daemon: its tree and model alone (struct
 * fixture), or a whole struct mfs without a mount (struct mfs_fixture).
 *
 * Static functions in a header, because each test program is linked on
 * its own.
 */
#ifndef FS_FIXTURE_H
#define FS_FIXTURE_H

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../fs/budget.h"
#include "../../fs/mmstatsfs.h"
#include "../../fs/sources.h"
#include "testdir.h"

struct fixture {
	char dir[64];
	int dirfd;
	struct mfs_tree tree;
	struct mfs_model model;
	struct mfs_changes ch;
};

/* A cmocka setup: an empty source directory named after `test`. */
static inline int fixture_setup(void **state, const char *test)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(testdir_make(f->dir, sizeof(f->dir), test), 0);
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dirfd >= 0);
	assert_int_equal(mfs_tree_init(&f->tree, 0555), 0);
	assert_int_equal(mfs_model_init(&f->model, &f->tree, -1), 0);
	*state = f;
	return 0;
}

/* What the watcher does for an event on `name`: read it, apply it. */
static inline void fixture_refresh(struct fixture *f, const char *name)
{
	struct mfs_srcinfo si;
	int err = mfs_source_read(f->dirfd, name, &f->model.limits.file, &si);

	mfs_model_update(&f->model, name, err, &si, &f->ch);
	mfs_srcinfo_free(&si);
}

static inline int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	mfs_changes_free(&f->ch);
	mfs_model_destroy(&f->model);
	mfs_tree_destroy(&f->tree);
	close(f->dirfd);
	assert_int_equal(testdir_remove(f->dir), 0);
	free(f);
	return 0;
}

struct mfs_fixture {
	char dir[64];
	struct mfs fs;
};

/* A source directory named after `test`, and a daemon over it. */
static inline void mfs_fixture_init(struct mfs_fixture *f, const char *test)
{
	assert_int_equal(testdir_make(f->dir, sizeof(f->dir), test), 0);
	assert_int_equal(mfs_init(&f->fs, f->dir), 0);
}

static inline void mfs_fixture_fini(struct mfs_fixture *f)
{
	mfs_watch_stop(&f->fs);
	mfs_destroy(&f->fs);
	assert_int_equal(testdir_remove(f->dir), 0);
}

#endif
