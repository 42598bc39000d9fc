/*
 * test_fs_program.c - a program's kept counters (kept.h): a file that
 * leaves its process and comes back while its writer runs (renamed, or
 * judged not to be its process's for a while) is counted live or kept,
 * never both, and kept at most once.  And the program a process is in:
 * the one its root-owned file names, whichever file came first.
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

/* This process's program: its name and uid (program.h). */
static const struct mfs_prog *prog(struct fixture *f)
{
	char name[64];

	snprintf(name, sizeof(name), "%s@%u", PROG, (unsigned)getuid());
	return mfs_prog_find(&f->model, name);
}

/* The kept sum of "hits" over the program's kept sets. */
static long long kept_hits(struct fixture *f)
{
	const struct mfs_prog *g = prog(f);
	const struct mfs_kept *k;
	long long sum = 0;
	size_t i;

	assert_non_null(g);
	for (i = 0; i < g->nretired; i++)
		if ((k = mfs_retired_find(&g->retired[i], "hits")))
			sum += (long long)k->sum;
	return sum;
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
	const struct mfs_prog *g;
	const struct mfs_proc *p;
	char name[64];

	snprintf(name, sizeof(name), "%s@%u", prog, (unsigned)uid);
	g = mfs_prog_find(&f->model, name);
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

/*
 * A root process running with effective uid 1000 (a daemon between
 * requests) writes uid 1000's file "u" first, then, as root for a
 * moment, its own "r"; it tells the parent and waits, with effective
 * uid 1000 again, for its pipe to close.
 */
static pid_t spawn_euid_writer(const char *dir, int *done)
{
	int ready[2], hold[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	if ((pid = fork()) == 0) {
		struct mmstats_options o = { .path = dir, .program = "rejoin" };
		struct mmstats *u, *r;

		close(ready[0]);
		close(hold[1]);
		o.filename = "u-{PID}.mmstats";
		if (setresuid(0, 1000, 0) || mmstats_open(defs, 1, &o, &u) ||
		    seteuid(0))
			_exit(1);
		o.filename = "r-{PID}.mmstats";
		if (mmstats_open(defs, 1, &o, &r) || seteuid(1000))
			_exit(1);
		mmstats_incr(mmstats_field(r, 0), 7);
		if (write(ready[1], "r", 1) != 1)
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

static void test_root_file_names_program(void **state)
{
	struct fixture *f = *state;
	char u[64], r[64];
	int done, status;
	pid_t pid;

	if (geteuid() != 0)
		skip();
	assert_int_equal(fchmod(f->dirfd, 01777), 0);
	pid = spawn_euid_writer(f->dir, &done);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_renamed_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flapping_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_root_file_names_program,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
