/*
 * test_fs_program.c - a program's kept counters (kept.h): a file that
 * leaves its process and comes back while its writer runs (renamed, or
 * judged not to be its process's for a while) is counted live or kept,
 * never both, and kept at most once.  And the program a process is in:
 * the one its root-owned file names, whichever file came first.  And a
 * program's counters never go down while one of its processes lives,
 * even when it has no file for a moment: they go when it exits, as the
 * pidfd the model watches it by tells.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_fixture.h"
#include "mmstats.h"

#define PROG	"test_fs_program"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("hits", MMSTATS_COUNTER),
};

static int setup(void **state)
{
	return fixture_setup(state, PROG);
}

static int teardown(void **state)
{
	return fixture_teardown(state);
}

/*
 * Processes watched by a pidfd, as the daemon watches them: the tests
 * wait for the pidfd of an exited child and apply it as the watcher
 * does (the epoll descriptor is closed by the kernel with the test).
 */
static int setup_watched(void **state)
{
	struct fixture *f;

	fixture_setup(state, PROG);
	f = *state;
	f->model.epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(f->model.epfd >= 0);
	return 0;
}

static int teardown_watched(void **state)
{
	struct fixture *f = *state;
	int epfd = f->model.epfd;

	fixture_teardown(state);
	close(epfd);
	return 0;
}

/* Let child pid go, and apply its pidfd's word, as watch.c does. */
static void child_exits(struct fixture *f, pid_t pid, int done)
{
	struct epoll_event ev;
	int status;

	close(done);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(epoll_wait(f->model.epfd, &ev, 1, -1), 1);
	assert_int_equal(ev.data.u64, (uint64_t)pid);
	mfs_model_proc_exit(&f->model, pid, &f->ch);
}

/* Files of this process, named apart by `tag`. */
static struct mmstats *open_stats(struct fixture *f, const char *tag,
				  uint64_t hits)
{
	char name[64];
	struct mmstats_options o = { .path = f->dir, .filename = name };
	struct mmstats *s;

	snprintf(name, sizeof(name), "%s-{PID}.mmstats", tag);
	assert_int_equal(mmstats_open(defs, 1, &o, &s), 0);
	mmstats_incr(mmstats_field(s, 0), hits);
	return s;
}

static const char *base(const struct mmstats *s)
{
	return strrchr(mmstats_filename(s), '/') + 1;
}

/* Program "<prog>@<uid>", or NULL. */
static const struct mfs_prog *prog_named(struct fixture *f, const char *prog,
				       uid_t uid)
{
	char name[64];

	snprintf(name, sizeof(name), "%s@%u", prog, (unsigned)uid);
	return mfs_prog_find(&f->model, name);
}

/* The kept sum of "hits" in program "<prog>@<uid>", which must exist. */
static long long kept_of(struct fixture *f, const char *prog, uid_t uid)
{
	const struct mfs_prog *g = prog_named(f, prog, uid);
	const struct mfs_kept *k;
	long long sum = 0;
	size_t i;

	assert_non_null(g);
	for (i = 0; i < g->nretired; i++)
		if ((k = mfs_retired_find(&g->retired[i], "hits")))
			sum += (long long)k->sum;
	return sum;
}

/* This process's program (program.h), and its kept "hits". */
static const struct mfs_prog *prog(struct fixture *f)
{
	return prog_named(f, PROG, getuid());
}

static long long kept_hits(struct fixture *f)
{
	return kept_of(f, PROG, getuid());
}

static size_t live_files(struct fixture *f)
{
	const struct mfs_proc *p = mfs_model_proc(&f->model, getpid());
	const struct mfs_src *s;
	size_t n = 0;

	for (s = p ? p->srcs : NULL; s; s = s->proc_next)
		n++;
	return n;
}

/*
 * Two files of this process (the first keeps it in its program while the
 * second comes and goes); the second is renamed: its old name goes first
 * (kept), then its new one is found (live: no longer kept), and renamed
 * back with the new name found first (never kept).
 */
static void test_renamed_file(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = open_stats(f, "a", 3), *b = open_stats(f, "b", 5);
	char old[256], tmp[300];

	snprintf(old, sizeof(old), "%s", base(b));
	snprintf(tmp, sizeof(tmp), "moved-%s", old);
	fixture_refresh(f, base(a));
	fixture_refresh(f, old);
	assert_int_equal(live_files(f), 2);
	assert_int_equal(kept_hits(f), 0);

	assert_int_equal(renameat(f->dirfd, old, f->dirfd, tmp), 0);
	fixture_refresh(f, old);		/* gone: kept */
	assert_int_equal(live_files(f), 1);
	assert_int_equal(kept_hits(f), 5);
	mmstats_incr(mmstats_field(b, 0), 1);
	fixture_refresh(f, tmp);		/* back: live, not kept */
	assert_int_equal(live_files(f), 2);
	assert_int_equal(kept_hits(f), 0);

	assert_int_equal(renameat(f->dirfd, tmp, f->dirfd, old), 0);
	fixture_refresh(f, old);		/* both names live a moment */
	fixture_refresh(f, tmp);		/* one goes: still live */
	assert_int_equal(live_files(f), 1 + 1);
	assert_int_equal(kept_hits(f), 0);

	/* it goes for good: kept once, at its last value */
	assert_int_equal(unlinkat(f->dirfd, old, 0), 0);
	fixture_refresh(f, old);
	assert_int_equal(live_files(f), 1);
	assert_int_equal(kept_hits(f), 6);
	/* remembered while its writer runs, in case it comes back */
	assert_int_equal(prog(f)->ngone, 1);
	mmstats_close(b);
	mmstats_remove(a);
}

/*
 * The second file is judged another user's for a while (its owner
 * changed: shown under /files only), then given back.
 */
static void test_flapping_owner(void **state)
{
	struct fixture *f = *state;
	struct mmstats *a = open_stats(f, "a", 3), *b = open_stats(f, "b", 5);

	if (geteuid() != 0) {
		mmstats_remove(b);
		mmstats_remove(a);
		skip();
	}
	fixture_refresh(f, base(a));
	fixture_refresh(f, base(b));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fchownat(f->dirfd, base(b), 65534, 65534, 0),
				 0);
		fixture_refresh(f, base(b));
		assert_int_equal(live_files(f), 1);
		assert_int_equal(kept_hits(f), 5 + i);
		mmstats_incr(mmstats_field(b, 0), 1);
		assert_int_equal(fchownat(f->dirfd, base(b), 0, 0, 0), 0);
		fixture_refresh(f, base(b));
		assert_int_equal(live_files(f), 2);
		assert_int_equal(kept_hits(f), 0);
	}
	assert_int_equal(prog(f)->ngone, 0);
	mmstats_remove(b);
	mmstats_remove(a);
}

/* The process in program "<prog>@<uid>", if pid is, else NULL. */
static const struct mfs_proc *member(struct fixture *f, const char *prog,
				     uid_t uid, pid_t pid)
{
	const struct mfs_prog *g = prog_named(f, prog, uid);
	const struct mfs_proc *p;

	for (p = g ? g->procs : NULL; p; p = p->prog_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* Whether the file `tag`-<pid>.mmstats counts for its process's program. */
static bool counts(struct fixture *f, const char *tag, pid_t pid)
{
	const struct mfs_src *s;
	char name[64];

	snprintf(name, sizeof(name), "%s-%d.mmstats", tag, (int)pid);
	s = mfs_model_src(&f->model, name);
	assert_non_null(s);
	return mfs_src_prog(s) != NULL;
}

/* Whether /programs/<prog>@<uid> is in the tree. */
static bool shown(struct fixture *f, const char *prog, uid_t uid)
{
	char name[64];

	snprintf(name, sizeof(name), "%s@%u", prog, (unsigned)uid);
	return mfs_tree_lookup(&f->tree, f->model.progs.dir->ino, name);
}

/*
 * In a child: close every descriptor from 3 up but a and b, so that a
 * sibling's pipe end it inherited does not keep that sibling waiting.
 */
static void keep_only(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	close_range((unsigned)hi + 1, ~0U, 0);
}

/*
 * A child that makes its files with make(dir, extra) (0, or not 0 on
 * failure), tells the parent, and waits for its pipe to close; then it
 * exits leaving its files, as a killed worker does.
 */
static pid_t spawn(int (*make)(const char *, bool), const char *dir,
		   bool extra, int *done)
{
	int ready[2], hold[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	if ((pid = fork()) == 0) {
		keep_only(ready[1], hold[0]);
		if (make(dir, extra) || write(ready[1], "r", 1) != 1)
			_exit(1);
		(void)read(hold[0], &c, 1);
		_exit(0);
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*done = hold[1];
	return pid;
}

/* Program "lone": "old" (3 hits) and "a" (5). */
static int lone_files(const char *dir, bool extra)
{
	struct mmstats_options o = { .path = dir, .program = "lone" };
	struct mmstats *old, *a;

	(void)extra;
	o.filename = "old-{PID}.mmstats";
	if (mmstats_open(defs, 1, &o, &old))
		return -1;
	o.filename = "a-{PID}.mmstats";
	if (mmstats_open(defs, 1, &o, &a))
		return -1;
	mmstats_incr(mmstats_field(old, 0), 3);
	mmstats_incr(mmstats_field(a, 0), 5);
	return 0;
}

/* A "lone" child, with its "old" gone for good: 3 kept. */
struct lone {
	pid_t pid;
	int done;
	char a[64], moved[64];
};

static void lone_start(struct fixture *f, struct lone *l)
{
	char old[64];

	l->pid = spawn(lone_files, f->dir, false, &l->done);
	snprintf(old, sizeof(old), "old-%d.mmstats", (int)l->pid);
	snprintf(l->a, sizeof(l->a), "a-%d.mmstats", (int)l->pid);
	snprintf(l->moved, sizeof(l->moved), "moved-%d.mmstats",
		 (int)l->pid);
	fixture_refresh(f, old);
	fixture_refresh(f, l->a);
	assert_int_equal(unlinkat(f->dirfd, old, 0), 0);
	fixture_refresh(f, old);
}

/*
 * The program's only process loses its only file for a moment (renamed
 * away and back, then judged another user's and given back): the
 * program waits for it, hidden, with its counters, which never go
 * down; they go when the process exits.
 */
static void test_lone_file_leaves_for_a_moment(void **state)
{
	struct fixture *f = *state;
	uid_t uid = geteuid();
	struct lone l;
	const char *a = l.a, *moved = l.moved;

	lone_start(f, &l);
	assert_int_equal(kept_of(f, "lone", uid), 3);
	assert_true(shown(f, "lone", uid));

	assert_int_equal(renameat(f->dirfd, a, f->dirfd, moved), 0);
	fixture_refresh(f, a);			/* no file left */
	assert_int_equal(kept_of(f, "lone", uid), 3 + 5);
	assert_false(shown(f, "lone", uid));
	assert_non_null(member(f, "lone", uid, l.pid));
	fixture_refresh(f, moved);		/* back: live again */
	assert_int_equal(kept_of(f, "lone", uid), 3);
	assert_true(shown(f, "lone", uid));
	assert_true(counts(f, "moved", l.pid));

	if (uid == 0) {				/* another user's a while */
		assert_int_equal(fchownat(f->dirfd, moved, 65534, 65534, 0),
				 0);
		fixture_refresh(f, moved);
		assert_int_equal(kept_of(f, "lone", uid), 3 + 5);
		assert_false(shown(f, "lone", uid));
		assert_int_equal(fchownat(f->dirfd, moved, 0, 0, 0), 0);
		fixture_refresh(f, moved);
		assert_int_equal(kept_of(f, "lone", uid), 3);
		assert_true(shown(f, "lone", uid));
	}

	child_exits(f, l.pid, l.done);		/* and the program with it */
	assert_null(prog_named(f, "lone", uid));
	assert_null(mfs_model_proc(&f->model, l.pid));
	assert_int_equal(unlinkat(f->dirfd, moved, 0), 0);
}

/*
 * A root process running with effective uid 1000 (a daemon between
 * requests) writes uid 1000's file "u" first, then, as root for a
 * moment, its own "r" (7 hits), and with `extra` "k" (2), and waits
 * with effective uid 1000 again.
 */
static int euid_files(const char *dir, bool extra)
{
	struct mmstats_options o = { .path = dir, .program = "rejoin" };
	struct mmstats *u, *r, *k;

	o.filename = "u-{PID}.mmstats";
	if (setresuid(0, 1000, 0) || mmstats_open(defs, 1, &o, &u) ||
	    seteuid(0))
		return -1;
	o.filename = "r-{PID}.mmstats";
	if (mmstats_open(defs, 1, &o, &r))
		return -1;
	mmstats_incr(mmstats_field(r, 0), 7);
	o.filename = "k-{PID}.mmstats";
	if (extra && mmstats_open(defs, 1, &o, &k))
		return -1;
	if (extra)
		mmstats_incr(mmstats_field(k, 0), 2);
	return seteuid(1000);
}

static void test_root_file_names_program(void **state)
{
	struct fixture *f = *state;
	char u[64], r[64];
	int done, status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(fchmod(f->dirfd, 01777), 0);
	pid = spawn(euid_files, f->dir, false, &done);
	snprintf(u, sizeof(u), "u-%d.mmstats", (int)pid);
	snprintf(r, sizeof(r), "r-%d.mmstats", (int)pid);

	fixture_refresh(f, u);			/* the user's file first */
	assert_non_null(member(f, "rejoin", 1000, pid));
	assert_true(counts(f, "u", pid));
	fixture_refresh(f, r);			/* root's moves it */
	assert_non_null(member(f, "rejoin", 0, pid));
	assert_null(member(f, "rejoin", 1000, pid));
	assert_true(counts(f, "r", pid));
	assert_false(counts(f, "u", pid));
	fixture_refresh(f, u);			/* and nothing moves it back */
	assert_non_null(member(f, "rejoin", 0, pid));

	assert_int_equal(unlinkat(f->dirfd, r, 0), 0);
	fixture_refresh(f, r);			/* root's gone: the user's */
	assert_non_null(member(f, "rejoin", 1000, pid));
	assert_null(member(f, "rejoin", 0, pid));
	assert_true(counts(f, "u", pid));

	close(done);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(unlinkat(f->dirfd, u, 0), 0);
}

/*
 * The same process with a second file of root's, "k" (2 hits), which
 * goes for good first: root's program keeps its 2.  Then root's "r"
 * (7) leaves for a moment: the process moves to the user's program,
 * and root's, emptied, waits for it with its 2 + 7; back, it is 2 kept
 * and 7 live, never less.  Both programs go when the process exits.
 */
static void test_root_file_leaves_for_a_moment(void **state)
{
	struct fixture *f = *state;
	char u[64], r[64], k[64], moved[64];
	int done;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(fchmod(f->dirfd, 01777), 0);
	pid = spawn(euid_files, f->dir, true, &done);
	snprintf(u, sizeof(u), "u-%d.mmstats", (int)pid);
	snprintf(r, sizeof(r), "r-%d.mmstats", (int)pid);
	snprintf(k, sizeof(k), "k-%d.mmstats", (int)pid);
	snprintf(moved, sizeof(moved), "moved-%d.mmstats", (int)pid);
	fixture_refresh(f, u);
	fixture_refresh(f, r);
	fixture_refresh(f, k);
	assert_non_null(member(f, "rejoin", 0, pid));
	assert_int_equal(unlinkat(f->dirfd, k, 0), 0);
	fixture_refresh(f, k);			/* gone for good: kept */
	assert_int_equal(kept_of(f, "rejoin", 0), 2);

	assert_int_equal(renameat(f->dirfd, r, f->dirfd, moved), 0);
	fixture_refresh(f, r);			/* root's gone: the user's */
	assert_non_null(member(f, "rejoin", 1000, pid));
	assert_int_equal(kept_of(f, "rejoin", 0), 2 + 7);
	assert_false(shown(f, "rejoin", 0));
	fixture_refresh(f, moved);		/* back to root's */
	assert_non_null(member(f, "rejoin", 0, pid));
	assert_true(counts(f, "moved", pid));
	assert_int_equal(kept_of(f, "rejoin", 0), 2);
	assert_true(shown(f, "rejoin", 0));
	/* and the user's program it left waits for it in turn */
	assert_non_null(prog_named(f, "rejoin", 1000));
	assert_false(shown(f, "rejoin", 1000));

	child_exits(f, pid, done);
	assert_null(prog_named(f, "rejoin", 0));
	assert_null(prog_named(f, "rejoin", 1000));
	assert_int_equal(unlinkat(f->dirfd, moved, 0), 0);
	assert_int_equal(unlinkat(f->dirfd, u, 0), 0);
}

/* Program "gauges": "g1" and "g2", of gauges only, no counter. */
static int gauge_files(const char *dir, bool extra)
{
	static const struct mmstats_field_def gauges[] = {
		MMSTATS_DEF_NOTED("queue", MMSTATS_UINT64,
				  MMSTATS_METRIC_GAUGE, "", "Jobs queued"),
		MMSTATS_DEF("load", MMSTATS_DOUBLE),
	};
	struct mmstats_options o = { .path = dir, .program = "gauges" };
	struct mmstats *g1, *g2;

	(void)extra;
	o.filename = "g1-{PID}.mmstats";
	if (mmstats_open(gauges, 2, &o, &g1))
		return -1;
	o.filename = "g2-{PID}.mmstats";
	return mmstats_open(gauges, 2, &o, &g2);
}

/*
 * A program that keeps nothing has nothing to wait for: its worker's
 * files go, one, then the other, and it goes with the last, neither
 * left with an empty kept set nor waited for.
 */
static void test_gauges_not_awaited(void **state)
{
	struct fixture *f = *state;
	uid_t uid = geteuid();
	char g1[64], g2[64];
	int done, status;
	pid_t pid = spawn(gauge_files, f->dir, false, &done);

	snprintf(g1, sizeof(g1), "g1-%d.mmstats", (int)pid);
	snprintf(g2, sizeof(g2), "g2-%d.mmstats", (int)pid);
	fixture_refresh(f, g1);
	fixture_refresh(f, g2);
	assert_non_null(member(f, "gauges", uid, pid));
	assert_int_equal(unlinkat(f->dirfd, g1, 0), 0);
	fixture_refresh(f, g1);
	assert_int_equal(prog_named(f, "gauges", uid)->nretired, 0);
	assert_int_equal(prog_named(f, "gauges", uid)->kept_n, 0);
	assert_int_equal(unlinkat(f->dirfd, g2, 0), 0);
	fixture_refresh(f, g2);			/* nothing kept: it goes */
	assert_null(mfs_model_proc(&f->model, pid));
	assert_null(prog_named(f, "gauges", uid));

	close(done);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Program "wait": "w" (5 hits). */
static int wait_file(const char *dir, bool extra)
{
	struct mmstats_options o = { .path = dir, .program = "wait",
				     .filename = "w-{PID}.mmstats" };
	struct mmstats *w;

	(void)extra;
	if (mmstats_open(defs, 1, &o, &w))
		return -1;
	mmstats_incr(mmstats_field(w, 0), 5);
	return 0;
}

/* Files this test's user has recorded, and processes waiting, as files. */
static size_t owner_files(struct fixture *f)
{
	const struct mfs_owner *o = mfs_owner_find(&f->model.owners,
						   geteuid());

	return o ? o->files : 0;
}

/*
 * A process waiting for its files costs its user a file: with
 * owner_files 2, workers A and B, each with a file, then A waiting (its
 * file renamed away) in the room its file left, leave none for C's file,
 * until A exits.  So one user's processes, waiting or not, hold at most
 * owner_files pidfds.
 */
static void test_waiting_costs_a_file(void **state)
{
	struct fixture *f = *state;
	uid_t uid = geteuid();
	char wa[64], wb[64], wc[64], moved[64];
	int da, db, dc;
	pid_t a, b, c;

	f->model.limits.owner_files = 2;
	a = spawn(wait_file, f->dir, false, &da);
	b = spawn(wait_file, f->dir, false, &db);
	c = spawn(wait_file, f->dir, false, &dc);
	snprintf(wa, sizeof(wa), "w-%d.mmstats", (int)a);
	snprintf(wb, sizeof(wb), "w-%d.mmstats", (int)b);
	snprintf(wc, sizeof(wc), "w-%d.mmstats", (int)c);
	snprintf(moved, sizeof(moved), "moved-%d.mmstats", (int)a);
	fixture_refresh(f, wa);
	fixture_refresh(f, wb);
	assert_int_equal(owner_files(f), 2);

	assert_int_equal(renameat(f->dirfd, wa, f->dirfd, moved), 0);
	fixture_refresh(f, wa);			/* A waits, kept 5 */
	assert_non_null(member(f, "wait", uid, a));
	assert_int_equal(kept_of(f, "wait", uid), 5);
	assert_int_equal(owner_files(f), 2);
	fixture_refresh(f, wc);			/* no room for C's */
	assert_null(mfs_model_src(&f->model, wc));
	assert_null(mfs_model_proc(&f->model, c));

	child_exits(f, a, da);			/* A's room is free */
	assert_int_equal(owner_files(f), 1);
	fixture_refresh(f, wc);
	assert_non_null(member(f, "wait", uid, c));
	assert_int_equal(owner_files(f), 2);

	child_exits(f, b, db);
	child_exits(f, c, dc);
	assert_null(prog_named(f, "wait", uid));
	assert_int_equal(owner_files(f), 2);	/* their files, stale */
	assert_int_equal(unlinkat(f->dirfd, moved, 0), 0);
	assert_int_equal(unlinkat(f->dirfd, wb, 0), 0);
	assert_int_equal(unlinkat(f->dirfd, wc, 0), 0);
	fixture_refresh(f, wb);
	fixture_refresh(f, wc);
	assert_int_equal(owner_files(f), 0);
}

/*
 * The source directory goes (mfs_model_forget_all) while program "lone"
 * waits for its only process, its counters kept: all of it goes, and
 * a directory in its place that shows the process's file again starts
 * the program afresh, its kept counters not added to.
 */
static void test_lost_source_forgets_programs(void **state)
{
	struct fixture *f = *state;
	uid_t uid = geteuid();
	const struct mfs_owner *o;
	struct lone l;
	const char *a = l.a, *moved = l.moved;

	lone_start(f, &l);
	assert_int_equal(renameat(f->dirfd, a, f->dirfd, moved), 0);
	fixture_refresh(f, a);
	assert_int_equal(kept_of(f, "lone", uid), 3 + 5);
	assert_non_null(member(f, "lone", uid, l.pid));

	mfs_model_forget_all(&f->model, &f->ch);
	assert_null(mfs_model_proc(&f->model, l.pid));
	assert_null(prog_named(f, "lone", uid));
	o = mfs_owner_find(&f->model.owners, uid);
	assert_true(!o || (!o->files && !o->kept && !o->kept_bytes));

	fixture_refresh(f, moved);		/* the directory now there */
	assert_non_null(member(f, "lone", uid, l.pid));
	assert_int_equal(kept_of(f, "lone", uid), 0);

	child_exits(f, l.pid, l.done);
	assert_null(prog_named(f, "lone", uid));
	assert_int_equal(unlinkat(f->dirfd, moved, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_renamed_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flapping_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_root_file_names_program,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lone_file_leaves_for_a_moment, setup_watched,
			teardown_watched),
		cmocka_unit_test_setup_teardown(
			test_root_file_leaves_for_a_moment, setup_watched,
			teardown_watched),
		cmocka_unit_test_setup_teardown(test_gauges_not_awaited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiting_costs_a_file,
						setup_watched,
						teardown_watched),
		cmocka_unit_test_setup_teardown(
			test_lost_source_forgets_programs, setup_watched,
			teardown_watched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
