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
#include "reader_build.h"

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

/*
 * A reference file (no sys.starttime) is alive while any process holds
 * its sys.pid, so the vector's writer is made certainly gone: a pid
 * above the largest pid_max (2^22) that no process can hold.
 */
static void bury_writer(struct fixture *f, const char *name)
{
	struct mmstats_snapshot s;
	const struct mmstats_stat *pid;
	uint32_t gone = 1u << 30;
	int fd;

	assert_int_equal(mmstats_read_at(f->dirfd, name, &s), 0);
	pid = mmstats_snapshot_find(&s, "sys.pid");
	assert_non_null(pid);
	assert_int_equal(pid->value_size, sizeof(gone));
	fd = openat(f->dirfd, name, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &gone, sizeof(gone),
				(off_t)pid->value_offset), sizeof(gone));
	close(fd);
	mmstats_snapshot_free(&s);
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
	bury_writer(f, "all_types.mmstats");
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
	/* its program (NAME@UID), and the bulk files (bulk.h) */
	snprintf(path, sizeof(path), "programs/test_fs_model@%u/hits",
		 (unsigned)getuid());
	assert_non_null(n = at(f, path));
	assert_int_equal(n->kind, MFS_PROG_LABEL);
	snprintf(path, sizeof(path), "programs/test_fs_model@%u/task/%d",
		 (unsigned)getuid(), (int)getpid());
	assert_non_null(n = at(f, path));
	assert_int_equal(n->kind, MFS_PROG_LINK);
	snprintf(path, sizeof(path), "%d/%%all", (int)getpid());
	assert_non_null(n = at(f, path));
	assert_int_equal(n->kind, MFS_BULK_TEXT);
	snprintf(path, sizeof(path), "programs/test_fs_model@%u/%%metrics",
		 (unsigned)getuid());
	assert_non_null(n = at(f, path));
	assert_int_equal(n->kind, MFS_BULK_PROM);
	/* files, programs, pid */
	assert_int_equal(nchildren(f->tree.root), 3);
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

/*
 * A file as the reference writes it for one thread: sys.tid holds the
 * main thread's tid (its bug), the name the thread's own; `state` says
 * which file it is.
 */
static void ref_thread_file(struct fixture *f, const char *name,
			    double created, const char *state)
{
	static struct fbuild b;
	char path[300], val[16] = { 0 };
	int64_t tid = getpid();

	fb_init(&b);
	fb_u32(&b, "sys.pid", (uint32_t)getpid());
	fb_field(&b, "sys.tid", "q", 0xff, &tid, sizeof(tid));
	fb_double(&b, "sys.created", created);
	snprintf(val, sizeof(val), "%s", state);
	fb_field(&b, "state", "16s", 0xff, val, sizeof(val));
	fb_pad(&b);
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(fb_write(&b, path), 0);
	fixture_refresh(f, name);
}

/* The name of the file that speaks for /<pid>/<label>. */
static const char *speaker(struct fixture *f, const char *label, char *buf,
			   size_t len)
{
	struct mfs_fileref *refs;
	size_t n, i, mains = 0;

	assert_int_equal(mfs_model_pid_label(&f->model, getpid(), label,
					     &refs, &n), 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (refs[i].main && ++mains)
			snprintf(buf, len, "%s", refs[i].name);
	mfs_filerefs_free(refs, n);
	assert_int_equal(mains, 1);
	return buf;
}

/*
 * The reference's files of 4 threads, all with the main thread's
 * sys.tid, named by their own tids; the main thread's file neither the
 * first found nor the oldest: task/ is named by the tids of the names,
 * and the main thread's file speaks for the process.
 */
static void test_reference_thread_files(void **state)
{
	struct fixture *f = *state;
	pid_t pid = getpid();
	char name[4][64], path[128], buf[64];
	struct mfs_node *task, *d;
	int i;

	for (i = 3; i >= 0; i--) {	/* the main thread's last, newest */
		snprintf(name[i], sizeof(name[i]), "mmstats-py-thing-%d-%d%s",
			 (int)pid, (int)pid + 10 * i, MMSTATS_SUFFIX);
		ref_thread_file(f, name[i], 1e9 + 10 - i, i ? "worker" : "main");
	}
	snprintf(path, sizeof(path), "%d/task", (int)pid);
	assert_non_null(task = at(f, path));
	assert_int_equal(nchildren(task), 4);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%d/task/%d", (int)pid,
			 (int)pid + 10 * i);
		assert_non_null(d = at(f, path));
		assert_string_equal(d->source, name[i]);
	}
	assert_string_equal(speaker(f, "state", buf, sizeof(buf)), name[0]);
	assert_string_equal(mfs_model_main_src(mfs_model_proc(&f->model,
					       pid))->name, name[0]);
}

/*
 * Files that all claim the main thread with nothing in their names to
 * tell them apart: the oldest is task/<pid> and speaks, whatever the
 * order they were found in; the others are <pid>-2, <pid>-3.
 */
static void test_files_claiming_one_thread(void **state)
{
	struct fixture *f = *state;
	static const char *names[] = { "c.mmstats", "a.mmstats", "b.mmstats" };
	pid_t pid = getpid();
	char path[128], buf[64];
	struct mfs_node *d;

	ref_thread_file(f, names[0], 1e9 + 3, "newest");
	ref_thread_file(f, names[1], 1e9 + 2, "middle");
	ref_thread_file(f, names[2], 1e9 + 1, "oldest");
	snprintf(path, sizeof(path), "%d/task/%d", (int)pid, (int)pid);
	assert_non_null(d = at(f, path));
	assert_string_equal(d->source, "b.mmstats");
	snprintf(path, sizeof(path), "%d/task/%d-3", (int)pid, (int)pid);
	assert_non_null(d = at(f, path));
	assert_string_equal(d->source, "c.mmstats");
	assert_string_equal(speaker(f, "state", buf, sizeof(buf)),
			    "b.mmstats");
}

/* Names that only look like "...-{PID}-{TID}": sys.tid it is. */
static void test_names_not_of_a_thread(void **state)
{
	struct fixture *f = *state;
	pid_t pid = getpid();
	char name[5][64], path[128];
	int i;

	snprintf(name[0], sizeof(name[0]), "x-%d-%d.mmstats", (int)pid + 1,
		 (int)pid + 7);			/* another pid */
	snprintf(name[1], sizeof(name[1]), "x-%d-0%d.mmstats", (int)pid,
		 (int)pid + 7);			/* a leading zero */
	snprintf(name[2], sizeof(name[2]), "%d-%d.mmstats", (int)pid,
		 (int)pid + 7);			/* no "-" before the pid */
	snprintf(name[3], sizeof(name[3]), "x-%d-%d.mmstats.x", (int)pid,
		 (int)pid + 7);			/* not *.mmstats: ignored */
	snprintf(name[4], sizeof(name[4]), "x-%d-10000000000.mmstats",
		 (int)pid);			/* no tid */
	for (i = 0; i < 5; i++)
		ref_thread_file(f, name[i], 1e9 + i, "x");
	snprintf(path, sizeof(path), "%d/task/%d", (int)pid, (int)pid + 7);
	assert_null(at(f, path));
	snprintf(path, sizeof(path), "%d/task", (int)pid);
	assert_int_equal(nchildren(at(f, path)), 5);
	snprintf(path, sizeof(path), "%d/task/%d-5", (int)pid, (int)pid);
	assert_non_null(at(f, path));
}

/*
 * This library's files record the right sys.tid, and have sys.starttime:
 * their names are not read for a tid, whatever a template made of them
 * (here "{CMD}-{PID}-{TID:x}" of tid 0x100 looks like tid 100).
 */
static void test_library_files_keep_sys_tid(void **state)
{
	struct fixture *f = *state;
	static struct fbuild b;
	pid_t pid = getpid();
	int64_t tid = pid + 256;
	uint64_t start;
	char name[64], path[128];

	assert_int_equal(mmstats_pid_starttime(pid, &start), 0);
	snprintf(name, sizeof(name), "app-%d-100%s", (int)pid, MMSTATS_SUFFIX);
	fb_init(&b);
	fb_u32(&b, "sys.pid", (uint32_t)pid);
	fb_field(&b, "sys.tid", "q", 0xff, &tid, sizeof(tid));
	fb_double(&b, "sys.created", 1e9);
	fb_u64(&b, "sys.starttime", start);
	fb_pad(&b);
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	assert_int_equal(fb_write(&b, path), 0);
	fixture_refresh(f, name);
	snprintf(path, sizeof(path), "%d/task/%d", (int)pid, (int)tid);
	assert_non_null(at(f, path));
	snprintf(path, sizeof(path), "%d/task/100", (int)pid);
	assert_null(at(f, path));
}

/*
 * A writer whose liveness cannot be told (mmstats_liveness() says
 * UNKNOWN: a time namespace whose offset is out of sight, say) is no
 * proof of death: its file shows in /files, as one of a PID namespace
 * out of sight does, and never under a pid it may not be.
 */
static void test_unjudged_writer_shows_in_files(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = open_stats(f);
	const char *mine = strrchr(mmstats_filename(s), '/') + 1;
	struct mfs_srcinfo si;
	char path[256];

	assert_int_equal(mfs_source_read(f->dirfd, mine,
					 &f->model.limits.file, &si), 0);
	assert_true(si.pid > 0);
	si.live = MMSTATS_UNKNOWN;
	mfs_model_update(&f->model, mine, 0, &si, &f->ch);
	mfs_srcinfo_free(&si);
	snprintf(path, sizeof(path), "files/%s/hits", mine);
	assert_non_null(at(f, path));
	snprintf(path, sizeof(path), "%d", (int)getpid());
	assert_null(at(f, path));
	/* judged again, alive: under its pid */
	fixture_refresh(f, mine);
	assert_non_null(at(f, path));
	mmstats_remove(s);
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
		cmocka_unit_test_setup_teardown(test_reference_thread_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_files_claiming_one_thread,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_not_of_a_thread,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_library_files_keep_sys_tid,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unjudged_writer_shows_in_files, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
