/*
 * test_fs_model.c - mmstatsfs's model on real files: which tree the files
 * of a source directory make (live writers, files without a pid, stale
 * and bad files), stable inode numbers across re-reads, thread files,
 * process exit and removal, and the changes reported for the kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "mmstats.h"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
	MMSTATS_DEF("a/b", MMSTATS_UINT64),
};

static void copy_vector(struct fixture *f, const char *name)
{
	const char *v = getenv("MMSTATS_VECTORS");
	char src[512], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/%s", v ? v : "tests/vectors", name);
	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	out = openat(f->dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static struct mfs_node *at(struct fixture *f, const char *path)
{
	char buf[512], *save, *part;
	struct mfs_node *n = f->tree.root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, "/", &save); part && n;
	     part = strtok_r(NULL, "/", &save))
		n = mfs_tree_lookup(&f->tree, n->ino, part);
	return n;
}

static size_t nchildren(const struct mfs_node *d)
{
	size_t n = 0;

	for (d = d->children; d; d = d->sib_next)
		n++;
	return n;
}

static struct mmstats *open_stats(struct fixture *f)
{
	struct mmstats_options o = { .path = f->dir };
	struct mmstats *s;

	assert_int_equal(mmstats_open(defs, 2, &o, &s), 0);
	return s;
}

static int setup(void **state)
{
	return fixture_setup(state, "test_fs_model");
}

static int teardown(void **state)
{
	return fixture_teardown(state);
}

static void test_files_make_the_tree(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = open_stats(f);
	const char *mine = strrchr(mmstats_filename(s), '/') + 1;
	char path[256];
	struct mfs_node *n;

	copy_vector(f, "many_fields.mmstats");
	copy_vector(f, "all_types.mmstats");
	fixture_refresh(f, "many_fields.mmstats");
	fixture_refresh(f, "all_types.mmstats");
	fixture_refresh(f, mine);
	snprintf(path, sizeof(path), "%d", (int)getpid());
	n = at(f, path);
	assert_non_null(n);
	assert_int_equal(n->kind, MFS_PID_DIR);
	assert_int_equal(n->mode & 0777, 0555);
	snprintf(path, sizeof(path), "%d/hits", (int)getpid());
	assert_non_null(n = at(f, path));
	assert_int_equal(n->kind, MFS_PID_LABEL);
	assert_int_equal(n->mode, S_IFREG | 0444);
	snprintf(path, sizeof(path), "%d/a%%2Fb", (int)getpid());
	assert_non_null(at(f, path));
	snprintf(path, sizeof(path), "%d/task/%d/hits", (int)getpid(),
		 (int)gettid());
	assert_non_null(n = at(f, path));
	assert_null(n->source);		/* its directory's: */
	assert_string_equal(mfs_tree_get(&f->tree, n->parent)->source, mine);
	/* no pid: /files only; stale: nowhere */
	assert_non_null(at(f, "files/many_fields.mmstats/bulk.counter.499"));
	assert_null(at(f, "files/all_types.mmstats"));
	snprintf(path, sizeof(path), "files/%s/hits", mine);
	assert_non_null(at(f, path));
	assert_int_equal(nchildren(f->tree.root), 2);	/* files, pid */
	mmstats_remove(s);
}

static void test_reread_keeps_inodes(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = open_stats(f);
	const char *mine = strrchr(mmstats_filename(s), '/') + 1;
	struct mfs_node *d;
	uint64_t dino, lino;
	char path[64];

	fixture_refresh(f, mine);
	snprintf(path, sizeof(path), "%d", (int)getpid());
	d = at(f, path);
	assert_non_null(d);
	mfs_tree_ref(d);
	dino = d->ino;
	snprintf(path, sizeof(path), "%d/hits", (int)getpid());
	lino = at(f, path)->ino;
	fixture_refresh(f, mine);
	fixture_refresh(f, mine);
	assert_int_equal(at(f, path)->ino, lino);
	snprintf(path, sizeof(path), "%d", (int)getpid());
	assert_int_equal(at(f, path)->ino, dino);
	assert_int_equal(f->ch.n, 0);	/* nothing the kernel must drop */
	mmstats_remove(s);
}

static void *thread_open(void *arg)
{
	return open_stats(arg);
}

static void test_threads_and_exit(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = open_stats(f), *t;
	char path[600], mine[256], theirs[256];
	struct mfs_fileref *refs;
	struct mfs_node *d;
	pthread_t th;
	size_t n;

	assert_int_equal(pthread_create(&th, NULL, thread_open, f), 0);
	assert_int_equal(pthread_join(th, (void **)&t), 0);
	snprintf(mine, sizeof(mine), "%s", strrchr(mmstats_filename(s), '/') + 1);
	snprintf(theirs, sizeof(theirs), "%s",
		 strrchr(mmstats_filename(t), '/') + 1);
	fixture_refresh(f, mine);
	fixture_refresh(f, theirs);
	snprintf(path, sizeof(path), "%d/task", (int)getpid());
	assert_int_equal(nchildren(at(f, path)), 2);
	assert_int_equal(mfs_model_pid_label(&f->model, getpid(), "sys.tid",
					     &refs, &n), 0);
	assert_int_equal(n, 2);
	assert_true(refs[0].main != refs[1].main);	/* one main thread */
	assert_true(refs[0].index >= 0 && refs[1].index >= 0);
	mfs_filerefs_free(refs, n);
	assert_int_equal(mfs_model_pid_label(&f->model, getpid(), "no.such",
					     &refs, &n), 0);
	assert_true(n == 2 && refs[0].index == -1 && refs[1].index == -1);
	mfs_filerefs_free(refs, n);
	assert_int_equal(mfs_model_pid_label(&f->model, 1, "sys.tid", &refs,
					     &n), -ENOENT);
	/* one file goes: the thread's directory goes with it */
	mfs_model_remove(&f->model, theirs, &f->ch);
	assert_int_equal(nchildren(at(f, path)), 1);
	/* the process ends: /<pid> and its /files entries go */
	snprintf(path, sizeof(path), "%d", (int)getpid());
	d = at(f, path);
	mfs_tree_ref(d);
	mfs_model_proc_exit(&f->model, getpid(), &f->ch);
	assert_null(at(f, path));
	snprintf(path, sizeof(path), "files/%s", mine);
	assert_null(at(f, path));
	assert_int_equal(f->ch.n, 1);
	assert_int_equal(f->ch.v[0].ino, d->ino);
	assert_int_equal(f->ch.v[0].parent, MFS_ROOT_INO);
	assert_null(mfs_model_proc(&f->model, getpid()));
	mfs_tree_forget(&f->tree, d, 1);
	mmstats_remove(t);
	mmstats_remove(s);
}

static void test_bad_and_vanished_files(void **state)
{
	struct fixture *f = *state;
	struct mfs_strv pending = { 0 };
	int fd;

	fd = openat(f->dirfd, "bad.mmstats", O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "\x01\xff\xff", 3), 3);
	close(fd);
	assert_int_equal(symlinkat("/etc/passwd", f->dirfd, "link.mmstats"), 0);
	fixture_refresh(f, "bad.mmstats");
	fixture_refresh(f, "link.mmstats");
	fixture_refresh(f, "gone.mmstats");
	assert_null(at(f, "files/bad.mmstats"));
	assert_null(at(f, "files/link.mmstats"));
	assert_non_null(mfs_model_src(&f->model, "bad.mmstats"));
	assert_null(mfs_model_src(&f->model, "link.mmstats"));
	assert_null(mfs_model_src(&f->model, "gone.mmstats"));
	assert_int_equal(mfs_model_pending(&f->model, &pending), 0);
	assert_int_equal(pending.n, 1);
	assert_string_equal(pending.v[0], "bad.mmstats");
	mfs_strv_free(&pending);
	/* a rescan that no longer sees it forgets it */
	mfs_model_forget_all(&f->model, &f->ch);
	assert_null(mfs_model_src(&f->model, "bad.mmstats"));
}

/* A file another user put there cannot speak for this process. */
static void test_foreign_owner(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s;
	const char *mine;
	char path[300];

	if (geteuid() != 0)
		skip();
	s = open_stats(f);
	mine = strrchr(mmstats_filename(s), '/') + 1;
	assert_int_equal(fchownat(f->dirfd, mine, 65534, 65534, 0), 0);
	fixture_refresh(f, mine);
	snprintf(path, sizeof(path), "%d", (int)getpid());
	assert_null(at(f, path));
	snprintf(path, sizeof(path), "files/%s/hits", mine);
	assert_non_null(at(f, path));
	assert_int_equal(mfs_model_src(&f->model, mine)->state,
			 MFS_SRC_UNKNOWN);
	/* given back to us, it does */
	assert_int_equal(fchownat(f->dirfd, mine, 0, 0, 0), 0);
	fixture_refresh(f, mine);
	snprintf(path, sizeof(path), "%d/hits", (int)getpid());
	assert_non_null(at(f, path));
	mmstats_remove(s);
}

static void copy_as(struct fixture *f, const char *name)
{
	copy_vector(f, "many_fields.mmstats");
	assert_int_equal(renameat(f->dirfd, "many_fields.mmstats", f->dirfd,
				  name), 0);
}

/*
 * What one owner's files may cost (owners.h): fields shown, files
 * recorded, and what is read again once room is made.
 */
static void test_owner_budgets(void **state)
{
	struct fixture *f = *state;
	struct mfs_limits *lim = &f->model.limits;
	size_t n;

	copy_as(f, "a.mmstats");
	fixture_refresh(f, "a.mmstats");
	n = mfs_model_src(&f->model, "a.mmstats")->info.fields;
	assert_true(n >= 100);
	lim->owner_fields = 2 * n;
	lim->owner_files = 3;
	copy_as(f, "b.mmstats");
	copy_as(f, "c.mmstats");
	copy_as(f, "d.mmstats");
	fixture_refresh(f, "b.mmstats");
	fixture_refresh(f, "c.mmstats");
	assert_non_null(at(f, "files/b.mmstats/bulk.counter.499"));
	assert_null(at(f, "files/c.mmstats"));	/* past owner_fields */
	assert_int_equal(mfs_model_src(&f->model, "c.mmstats")->state,
			 MFS_SRC_OVER);
	assert_false(f->model.reread_wanted);
	/* a fourth file is not even recorded */
	assert_false(mfs_model_admits(&f->model, "d.mmstats", getuid()));
	assert_true(mfs_model_admits(&f->model, "c.mmstats", getuid()));
	fixture_refresh(f, "d.mmstats");
	assert_null(mfs_model_src(&f->model, "d.mmstats"));
	/* room made: what was left out is read again, and fits */
	mfs_model_remove(&f->model, "a.mmstats", &f->ch);
	assert_true(mfs_model_reread(&f->model));
	assert_false(mfs_model_reread(&f->model));
	fixture_refresh(f, "c.mmstats");
	assert_non_null(at(f, "files/c.mmstats/bulk.counter.499"));
	/* another owner has a budget of its own */
	if (geteuid() == 0) {
		assert_int_equal(fchownat(f->dirfd, "d.mmstats", 65534, 65534,
					  0), 0);
		assert_true(mfs_model_admits(&f->model, "d.mmstats", 65534));
		fixture_refresh(f, "d.mmstats");
		assert_non_null(at(f, "files/d.mmstats/bulk.counter.499"));
	}
}

/* One file is read up to max_fields: the fields before are shown. */
static void test_file_limit(void **state)
{
	struct fixture *f = *state;
	struct mfs_src *s;

	f->model.limits.file.max_fields = 100;
	copy_as(f, "a.mmstats");
	fixture_refresh(f, "a.mmstats");
	s = mfs_model_src(&f->model, "a.mmstats");
	assert_int_equal(s->info.err, -E2BIG);
	assert_int_equal(s->info.fields, 100);
	assert_int_equal(nchildren(at(f, "files/a.mmstats")), 100);
	assert_non_null(at(f, "files/a.mmstats/bulk.counter.099"));
	assert_null(at(f, "files/a.mmstats/bulk.counter.100"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files_make_the_tree,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reread_keeps_inodes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_and_exit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_and_vanished_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_budgets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_file_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_owner,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
