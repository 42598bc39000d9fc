/*
 * test_fs_held.c - mmstatsfs holds each shown source file mapped: what it
 * reads through that map, and when it lets it go (a file replaced under
 * its name, removed, its writer gone, no descriptor or mapping left), on
 * real files written by the library in this process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "mmstats.h"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
};

static int setup(void **state)
{
	return fixture_setup(state, "test_fs_held");
}

static int teardown(void **state)
{
	return fixture_teardown(state);
}

/* A live file of this process named `name`, its counter at `hits`. */
static struct mmstats *writer(struct fixture *f, const char *name,
			      uint64_t hits)
{
	struct mmstats_options o = { .path = f->dir, .filename = name };
	struct mmstats *s;

	assert_int_equal(mmstats_open(defs, 1, &o, &s), 0);
	mmstats_set_u64(mmstats_field(s, 0), hits);
	return s;
}

static struct mfs_handle *held(struct fixture *f, const char *name)
{
	struct mfs_src *s = mfs_model_src(&f->model, name);

	return s ? s->info.handle : NULL;
}

static ino_t ino_of_fd(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static ino_t ino_of_name(struct fixture *f, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(f->dirfd, name, &st, 0), 0);
	return st.st_ino;
}

/*
 * Descriptors of this process open on inode `ino`.  (Not "(deleted)"
 * links: the writer's own descriptor of a file made with O_TMPFILE shows
 * so for ever.)
 */
static int fds_on(ino_t ino)
{
	char link[300];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		if (stat(link, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_ino == ino)
			n++;
	}
	closedir(d);
	return n;
}

/* The counter as rendering a value reads it: through h, or by name. */
static uint64_t hits_via(struct fixture *f, const char *name,
			 struct mfs_handle *h, int *err)
{
	struct mfs_value v;
	uint64_t hits = 0;

	*err = mfs_source_value(f->dirfd, name, h, 0, "hits", NULL, &v);
	if (!*err)
		hits = v.stat.value.v.u;
	mfs_value_free(&v);
	return hits;
}

/* A reference to the map the model holds for `name`, or NULL. */
static struct mfs_handle *model_handle(struct fixture *f, const char *name)
{
	struct stat was;

	return mfs_model_ident(&f->model, name, &was);
}

static int fd_of(const struct mfs_handle *h)
{
	return mmstats_map_fileno(h->map);
}

static void test_shown_file_is_held(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = writer(f, "a.mmstats", 7);
	struct mfs_handle *h;
	int err;

	fixture_refresh(f, "a.mmstats");
	assert_int_equal(f->model.held, 1);
	assert_non_null(h = held(f, "a.mmstats"));
	assert_int_equal(ino_of_fd(fd_of(h)), ino_of_name(f, "a.mmstats"));
	/* the mapping sees the writer's stores as they happen */
	mmstats_set_u64(mmstats_field(s, 0), 8);
	assert_int_equal(hits_via(f, "a.mmstats", h, &err), 8);
	assert_int_equal(err, 0);
	/* a second read of the same file keeps one map */
	fixture_refresh(f, "a.mmstats");
	assert_int_equal(f->model.held, 1);
	mmstats_remove(s);
}

static void test_replaced_file_is_reopened(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = writer(f, "a.mmstats", 1);
	struct mmstats *b = writer(f, "b.mmstats", 2);
	struct mfs_handle *old, *now;
	ino_t a_ino = ino_of_name(f, "a.mmstats");
	ino_t b_ino = ino_of_name(f, "b.mmstats");
	int err;

	fixture_refresh(f, "a.mmstats");
	old = model_handle(f, "a.mmstats");
	assert_non_null(old);
	assert_int_equal(renameat(f->dirfd, "b.mmstats", f->dirfd,
				  "a.mmstats"), 0);
	mmstats_close(a);	/* the writer's descriptors are not counted */
	/* before the event is handled: the name, not the old file */
	assert_int_equal(hits_via(f, "a.mmstats", old, &err), 2);
	assert_int_equal(err, 0);
	mfs_handle_put(old);
	assert_int_equal(fds_on(a_ino), 1);	/* still the model's */
	fixture_refresh(f, "a.mmstats");
	assert_non_null(now = held(f, "a.mmstats"));
	assert_int_equal(ino_of_fd(fd_of(now)), b_ino);
	assert_int_equal(fds_on(a_ino), 0);
	assert_int_equal(f->model.held, 1);
	assert_int_equal(hits_via(f, "a.mmstats", now, &err), 2);
	mmstats_remove(b);
}

static void test_removed_file_is_closed(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = writer(f, "a.mmstats", 3);
	struct mfs_handle *reader;
	ino_t ino = ino_of_name(f, "a.mmstats");
	int err;

	fixture_refresh(f, "a.mmstats");
	reader = model_handle(f, "a.mmstats");
	assert_non_null(reader);
	assert_int_equal(mmstats_remove(s), 0);
	/* a removed file is no longer served, even before the event */
	hits_via(f, "a.mmstats", reader, &err);
	assert_int_equal(err, -ENOENT);
	fixture_refresh(f, "a.mmstats");
	assert_null(mfs_model_src(&f->model, "a.mmstats"));
	assert_int_equal(f->model.held, 0);
	/* a read in progress keeps its map until it is done */
	assert_int_equal(fds_on(ino), 1);
	assert_int_equal(ino_of_fd(fd_of(reader)), ino);
	mfs_handle_put(reader);
	assert_int_equal(fds_on(ino), 0);
}

static void test_writer_exit_lets_go(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = writer(f, "a.mmstats", 4);
	ino_t ino = ino_of_name(f, "a.mmstats");

	fixture_refresh(f, "a.mmstats");
	assert_int_equal(f->model.held, 1);
	assert_int_equal(fds_on(ino), 2);	/* the writer's and ours */
	mfs_model_proc_exit(&f->model, getpid(), &f->ch);
	assert_int_equal(fds_on(ino), 1);
	assert_int_equal(f->model.held, 0);
	assert_null(held(f, "a.mmstats"));
	mmstats_remove(s);
}

/*
 * With room for one file, b is not held but indexed all the same, and
 * read by mapping it again; held again at its next read once a is gone.
 */
static void check_room_for_one(struct fixture *f)
{
	struct mmstats *a = writer(f, "a.mmstats", 5);
	struct mmstats *b = writer(f, "b.mmstats", 6);
	int err;

	fixture_refresh(f, "a.mmstats");
	fixture_refresh(f, "b.mmstats");
	assert_int_equal(f->model.held, 1);
	assert_non_null(held(f, "a.mmstats"));
	assert_null(held(f, "b.mmstats"));
	assert_null(model_handle(f, "b.mmstats"));
	assert_int_equal(mfs_fieldnames_find(&mfs_model_src(&f->model,
			 "b.mmstats")->info.names, "hits"), 0);
	mmstats_set_u64(mmstats_field(b, 0), 60);
	assert_int_equal(hits_via(f, "b.mmstats", NULL, &err), 60);
	assert_int_equal(err, 0);
	mmstats_remove(a);
	fixture_refresh(f, "a.mmstats");
	fixture_refresh(f, "b.mmstats");
	assert_non_null(held(f, "b.mmstats"));
	assert_int_equal(f->model.held, 1);
	mmstats_remove(b);
}

static void test_past_the_fd_budget_maps_by_name(void **state)
{
	struct fixture *f = *state;

	f->model.fd_limit = MFS_FD_RESERVE + 1;
	check_room_for_one(f);
}

/* The mapping budget binds as the descriptor budget does. */
static void test_past_the_map_budget_maps_by_name(void **state)
{
	struct fixture *f = *state;

	f->model.map_limit = 1;
	check_room_for_one(f);
}

/* A child process with a live file `name`, until *lifeline is closed. */
static pid_t child_writer(struct fixture *f, const char *name, int *lifeline)
{
	int ready[2], life[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(life), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct mmstats *s;

		close(ready[0]);
		close(life[1]);
		s = writer(f, name, 10);
		if (write(ready[1], "x", 1) != 1 || read(life[0], &c, 1) < 0)
			_exit(1);
		mmstats_remove(s);
		_exit(0);
	}
	close(ready[1]);
	close(life[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*lifeline = life[1];
	return pid;
}

/* A new process is worth more than a held file: it takes its descriptor. */
static void test_pidfd_takes_a_held_files_place(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = writer(f, "a.mmstats", 1);
	int epfd = epoll_create1(EPOLL_CLOEXEC), lifeline, status;
	pid_t pid;

	assert_true(epfd >= 0);
	f->model.epfd = epfd;		/* pidfds are opened and counted */
	f->model.fd_limit = MFS_FD_RESERVE + 2;
	fixture_refresh(f, "a.mmstats");
	assert_int_equal(f->model.pidfds, 1);
	assert_int_equal(f->model.held, 1);
	pid = child_writer(f, "c.mmstats", &lifeline);
	fixture_refresh(f, "c.mmstats");
	assert_non_null(mfs_model_proc(&f->model, pid));
	assert_true(mfs_model_proc(&f->model, pid)->pidfd >= 0);
	assert_int_equal(f->model.pidfds, 2);
	assert_int_equal(f->model.held, 0);
	assert_null(held(f, "a.mmstats"));
	assert_null(held(f, "c.mmstats"));
	close(lifeline);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	mfs_model_proc_exit(&f->model, pid, &f->ch);
	assert_int_equal(f->model.pidfds, 1);
	/* the room is back: a is held again at its next read */
	fixture_refresh(f, "a.mmstats");
	assert_int_equal(f->model.held, 1);
	mmstats_remove(a);
	mfs_model_destroy(&f->model);	/* its pidfds, before epfd goes */
	assert_int_equal(mfs_model_init(&f->model, &f->tree, -1), 0);
	close(epfd);
}

/*
 * Any size hint reads every field: it only sizes the mapping, which is
 * made again at the file's size when the fields run into its end.
 */
static void test_size_hint_is_only_a_hint(void **state)
{
	struct fixture *f = *state;
	struct mmstats *s = writer(f, "a.mmstats", 9);
	const off_t hints[] = { -1, 0, 1, 2, 3, 100, 4095, 4096, 4097,
				1 << 20 };
	struct mmstats_snapshot snap, whole;
	struct stat st;
	size_t i;
	int fd = mmstats_open_at(f->dirfd, "a.mmstats", &st);

	assert_true(fd >= 0);
	assert_int_equal(mmstats_read_fd(fd, &whole), 0);
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		assert_int_equal(mmstats_read_fd_sized(fd, hints[i], &snap), 0);
		assert_int_equal(snap.nstats, whole.nstats);
		assert_true(snap.size <= (size_t)st.st_size);
		assert_int_equal(mmstats_snapshot_find(&snap, "hits")->value.v.u,
				 9);
		mmstats_snapshot_free(&snap);
	}
	mmstats_snapshot_free(&whole);
	close(fd);
	mmstats_remove(s);
}

static void test_open_at_refuses_what_it_must(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(symlinkat("/etc/passwd", f->dirfd, "l.mmstats"), 0);
	assert_int_equal(mkfifoat(f->dirfd, "p.mmstats", 0600), 0);
	assert_int_equal(mmstats_open_at(f->dirfd, "l.mmstats", &st), -ELOOP);
	assert_int_equal(mmstats_open_at(f->dirfd, "p.mmstats", &st), -EINVAL);
	assert_int_equal(mmstats_open_at(f->dirfd, "none.mmstats", &st),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shown_file_is_held,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced_file_is_reopened,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_file_is_closed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_exit_lets_go,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_past_the_fd_budget_maps_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_past_the_map_budget_maps_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_pidfd_takes_a_held_files_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_hint_is_only_a_hint,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_open_at_refuses_what_it_must, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
