/*
 * test_fs_requests.c - what the mount's requests do, without a kernel:
 * lookups (a miss reads again what may have missed it), getattr, the
 * listing of a directory, a stat file's text for callers of every kind
 * (mfs_statfile_render), and an open file read again at 0 as /proc is
 * (mfs_openfile_text).  Real files written by the library in this
 * process, read by a real struct mfs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../fs/budget.h"
#include "../../fs/openfile.h"
#include "../../fs/requests.h"
#include "fs_fixture.h"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
	MMSTATS_DEF_STATIC_S("version", MMSTATS_STATIC_TEXT, "1.4.2"),
};

struct req_fixture {
	struct mfs_fixture m;
	struct mfs *fs;
	struct mmstats *writer;
	char pid[16];
};

static int setup(void **state)
{
	struct req_fixture *f = calloc(1, sizeof(*f));
	struct mmstats_options o = { 0 };

	assert_non_null(f);
	mfs_fixture_init(&f->m, "test_fs_requests");
	f->fs = &f->m.fs;
	o.path = f->m.dir;
	assert_int_equal(mmstats_open(defs, 2, &o, &f->writer), 0);
	mmstats_incr(mmstats_field(f->writer, 0), 41);
	snprintf(f->pid, sizeof(f->pid), "%d", (int)getpid());
	mfs_rescan(f->fs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct req_fixture *f = *state;

	if (f->writer)
		mmstats_remove(f->writer);
	mfs_fixture_fini(&f->m);
	free(f);
	return 0;
}

static bool not_in_groups(const struct mfs_caller *who, gid_t gid)
{
	(void)who, (void)gid;
	return false;
}

static bool in_every_group(const struct mfs_caller *who, gid_t gid)
{
	(void)who, (void)gid;
	return true;
}

static struct mfs_caller caller(uid_t uid, gid_t gid,
				bool (*groups)(const struct mfs_caller *,
					       gid_t))
{
	struct mfs_caller who = { .uid = uid, .gid = gid, .in_groups = groups,
				   .may_block = true };

	return who;
}

/* The inode of a path below the root, or 0; forgets what it looked up. */
static fuse_ino_t ino_of(struct req_fixture *f, const char *path)
{
	struct fuse_entry_param e;
	char copy[256], *name, *save;
	fuse_ino_t ino = MFS_ROOT_INO;

	snprintf(copy, sizeof(copy), "%s", path);
	for (name = strtok_r(copy, "/", &save); name;
	     name = strtok_r(NULL, "/", &save)) {
		if (mfs_req_lookup(f->fs, ino, name, true, &e) < 0)
			return 0;
		mfs_req_forget(f->fs, e.ino, 1);
		ino = e.ino;
	}
	return ino;
}

static char *render(struct req_fixture *f, const struct mfs_caller *who,
		    fuse_ino_t ino, int want)
{
	static char text[256];
	struct mfs_text *t;

	assert_int_equal(mfs_statfile_render(f->fs, who, ino, &t), want);
	if (want)
		return NULL;
	assert_true(t->len < sizeof(text));
	memcpy(text, t->data, t->len);
	text[t->len] = '\0';
	free(t);
	return text;
}

static void test_lookup_getattr_listing(void **state)
{
	struct req_fixture *f = *state;
	struct fuse_entry_param e;
	struct mfs_listing *l;
	struct stat st;
	size_t i;
	bool saw_hits = false;

	assert_int_equal(mfs_req_lookup(f->fs, MFS_ROOT_INO, f->pid, true, &e), 0);
	assert_true(S_ISDIR(e.attr.st_mode));
	assert_int_equal(mfs_req_getattr(f->fs, e.ino, &st), 0);
	assert_int_equal(st.st_ino, e.ino);
	assert_int_equal(mfs_req_opendir(f->fs, e.ino, true, &l), 0);
	assert_string_equal(l->v[0].name, ".");
	assert_string_equal(l->v[1].name, "..");
	assert_int_equal(l->v[1].ino, MFS_ROOT_INO);
	for (i = 2; i < l->n; i++)
		saw_hits |= !strcmp(l->v[i].name, "hits");
	assert_true(saw_hits);
	mfs_listing_free(l);
	mfs_req_forget(f->fs, e.ino, 1);
	assert_int_equal(mfs_req_lookup(f->fs, MFS_ROOT_INO, "no such", true, &e),
			 -ENOENT);
	assert_int_equal(mfs_req_getattr(f->fs, 1u << 30, &st), -ENOENT);
	assert_int_equal(mfs_req_opendir(f->fs, ino_of(f, "files"), true, &l), 0);
	mfs_listing_free(l);
}

/* A field added to the live file makes no event: a lookup finds it. */
static void test_lookup_miss_reads_again(void **state)
{
	struct req_fixture *f = *state;
	struct mmstats_field_def late = MMSTATS_DEF_STATIC_U("late",
		MMSTATS_STATIC_UINT64, 99);
	struct mfs_caller root = caller(0, 0, not_in_groups);
	char path[64];

	snprintf(path, sizeof(path), "%s/late", f->pid);
	assert_int_equal(ino_of(f, path), 0);
	assert_int_equal(mmstats_add_field(f->writer, &late, NULL), 0);
	assert_true(ino_of(f, path) != 0);
	assert_string_equal(render(f, &root, ino_of(f, path), 0), "99\n");
}

/*
 * The thread serving the mount does no work that grows with a file: a
 * lookup that misses, an opendir or a value that must read a file not
 * held mapped say -EWOULDBLOCK (ops.c then hands them to the lane), and
 * do it when allowed to block.
 */
static void test_serving_never_blocks(void **state)
{
	struct req_fixture *f = *state;
	struct mmstats_field_def late = MMSTATS_DEF_STATIC_U("late",
		MMSTATS_STATIC_UINT64, 99);
	struct mfs_caller serving = caller(0, 0, not_in_groups);
	const char *base = strrchr(mmstats_filename(f->writer), '/') + 1;
	struct fuse_entry_param e;
	struct mfs_listing *l;
	struct mfs_text *t;
	fuse_ino_t dir, hits;
	char path[64];

	serving.may_block = false;
	dir = ino_of(f, f->pid);
	snprintf(path, sizeof(path), "%s/hits", f->pid);
	hits = ino_of(f, path);
	assert_int_equal(mfs_req_lookup(f->fs, dir, "hits", false, &e), 0);
	mfs_req_forget(f->fs, e.ino, 1);
	assert_int_equal(mfs_req_opendir(f->fs, dir, false, &l), 0);
	mfs_listing_free(l);
	assert_int_equal(mfs_statfile_render(f->fs, &serving, hits, &t), 0);
	free(t);

	assert_int_equal(mmstats_add_field(f->writer, &late, NULL), 0);
	assert_int_equal(mfs_req_lookup(f->fs, dir, "late", false, &e),
			 -EWOULDBLOCK);
	assert_int_equal(mfs_req_lookup(f->fs, dir, "late", true, &e), 0);
	mfs_req_forget(f->fs, e.ino, 1);

	pthread_mutex_lock(&f->fs->lock);
	mfs_budget_release(&f->fs->model, mfs_model_src(&f->fs->model, base));
	pthread_mutex_unlock(&f->fs->lock);
	assert_int_equal(mfs_statfile_render(f->fs, &serving, hits, &t),
			 -EWOULDBLOCK);
	assert_int_equal(mfs_req_opendir(f->fs, dir, false, &l), -EWOULDBLOCK);
	serving.may_block = true;
	assert_int_equal(mfs_statfile_render(f->fs, &serving, hits, &t), 0);
	assert_memory_equal(t->data, "41\n", 3);
	free(t);
	assert_int_equal(mfs_req_opendir(f->fs, dir, true, &l), 0);
	mfs_listing_free(l);
}

/* Checked against the source file as it is at the read, for each caller. */
static void test_render_for_callers(void **state)
{
	struct req_fixture *f = *state;
	struct mfs_caller root = caller(0, 0, not_in_groups);
	struct mfs_caller owner = caller(4242, 1, not_in_groups);
	struct mfs_caller group = caller(5000, 4343, not_in_groups);
	struct mfs_caller member = caller(5000, 5000, in_every_group);
	struct mfs_caller other = caller(5000, 5000, not_in_groups);
	const char *file = mmstats_filename(f->writer);
	char path[64];
	fuse_ino_t ino;

	snprintf(path, sizeof(path), "%s/hits", f->pid);
	ino = ino_of(f, path);
	assert_string_equal(render(f, &root, ino, 0), "41\n");
	snprintf(path, sizeof(path), "%s/version", f->pid);
	assert_string_equal(render(f, &root, ino_of(f, path), 0), "1.4.2\n");
	assert_int_equal(chown(file, 4242, 4343), 0);
	assert_int_equal(chmod(file, 0640), 0);
	assert_string_equal(render(f, &owner, ino, 0), "41\n");
	assert_string_equal(render(f, &group, ino, 0), "41\n");
	assert_string_equal(render(f, &member, ino, 0), "41\n");
	render(f, &other, ino, -EACCES);
	assert_int_equal(chmod(file, 0604), 0);
	render(f, &group, ino, -EACCES);
	assert_string_equal(render(f, &other, ino, 0), "41\n");
	render(f, &root, ino_of(f, f->pid), -EISDIR);
	render(f, &root, 1u << 30, -ENOENT);
	assert_int_equal(chown(file, getuid(), getgid()), 0);
	assert_int_equal(chmod(file, 0644), 0);
}

/* Read again at 0: the value of the moment; past 0: the same text. */
static void test_open_file_reads_again_at_zero(void **state)
{
	struct req_fixture *f = *state;
	struct mfs_caller root = caller(0, 0, not_in_groups);
	struct mfs_openfile *of;
	struct mfs_text *t;
	char path[64];

	snprintf(path, sizeof(path), "%s/hits", f->pid);
	assert_int_equal(mfs_openfile_open(f->fs, &root, ino_of(f, path),
					   &of), 0);
	mmstats_incr(mmstats_field(f->writer, 0), 1);
	/* the first read at 0 serves what open rendered */
	assert_int_equal(mfs_openfile_text(of, &root, 0, &t), 0);
	assert_memory_equal(t->data, "41\n", 3);
	free(t);
	assert_int_equal(mfs_openfile_text(of, &root, 0, &t), 0);
	assert_memory_equal(t->data, "42\n", 3);
	free(t);
	mmstats_incr(mmstats_field(f->writer, 0), 1);
	assert_int_equal(mfs_openfile_text(of, &root, 1, &t), 0);
	assert_memory_equal(t->data, "42\n", 3);	/* past 0: same text */
	free(t);
	mfs_rescan(f->fs);
	mmstats_remove(f->writer);
	f->writer = NULL;
	mfs_rescan(f->fs);
	assert_int_equal(mfs_openfile_text(of, &root, 0, &t), -ESRCH);
	assert_int_equal(mfs_openfile_text(of, &root, 2, &t), 0);
	assert_memory_equal(t->data, "42\n", 3);
	free(t);
	mfs_openfile_close(of);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_getattr_listing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_miss_reads_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_for_callers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_serving_never_blocks,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_open_file_reads_again_at_zero, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
