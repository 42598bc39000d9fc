/*
 * test_fs_visible.c - when a directory that unites files' labels stops
 * having all its files of one owner and mode, the kernel is told to look
 * up again each name it holds there (visible.h): the names it was given
 * with an entry timeout may now be hidden from some callers.  And so it
 * is of a name whose lookup was judged before that and replied after it
 * (mfs_visible_replied), the invalidation coming after the reply.
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

#include "../../fs/requests.h"
#include "../../fs/statfile.h"
#include "../../fs/visible.h"
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

static struct mmstats *open_stats(const char *dir, const char *tag,
				  const char *label)
{
	struct mmstats_field_def def = MMSTATS_DEF(label, MMSTATS_COUNTER);
	char name[64];
	struct mmstats_options o = { .path = dir, .filename = name,
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

/* How many of ch tell the kernel to look up `name` of parent again. */
static size_t count_again(const struct mfs_changes *ch, uint64_t parent,
			  const char *name)
{
	size_t i, k = 0;

	for (i = 0; i < ch->n; i++)
		k += ch->v[i].kind == MFS_CHANGE_NAME &&
		     ch->v[i].parent == parent &&
		     !strcmp(ch->v[i].name, name);
	return k;
}

static size_t asked_again(const struct fixture *f, const struct mfs_node *dir,
			  const char *name)
{
	return count_again(&f->ch, dir->ino, name);
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
	struct mmstats *a = open_stats(f->dir, "a", "a.x");
	struct mmstats *b = open_stats(f->dir, "b", "b.y");
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

/*
 * A whole daemon (no mount, no watcher) over two files of this process,
 * of one owner and mode, each directory looked up as the kernel does.
 */
struct race {
	struct mfs_fixture m;
	struct mfs *fs;
	struct mmstats *a, *b;
	fuse_ino_t pid, prog, task;
	char pidname[16];
};

/* Look name up in parent for root, as ops.c does up to the reply. */
static fuse_ino_t judge(struct race *r, fuse_ino_t parent, const char *name,
			struct mfs_visible_ticket *t, double *timeout)
{
	struct mfs_caller root = { .uid = 0, .gid = 0, .may_block = true };
	struct fuse_entry_param e;

	assert_int_equal(mfs_req_lookup(r->fs, parent, name, true, &e), 0);
	assert_int_equal(mfs_visible_lookup(r->fs, &root, parent, name, &e,
					    t), 0);
	*timeout = e.entry_timeout;
	return e.ino;
}

static fuse_ino_t dir_ino(struct race *r, fuse_ino_t parent, const char *name)
{
	struct mfs_visible_ticket t;
	double timeout;

	return judge(r, parent, name, &t, &timeout);
}

static int race_setup(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	char progname[64];

	assert_non_null(r);
	mfs_fixture_init(&r->m, PROG);
	r->fs = &r->m.fs;
	r->a = open_stats(r->m.dir, "a", "a.x");
	r->b = open_stats(r->m.dir, "b", "b.y");
	mfs_refresh_one(r->fs, base(r->a));
	mfs_refresh_one(r->fs, base(r->b));
	mfs_send_changes(r->fs);
	snprintf(r->pidname, sizeof(r->pidname), "%d", (int)getpid());
	snprintf(progname, sizeof(progname), PROG "@%u", (unsigned)getuid());
	r->pid = dir_ino(r, MFS_ROOT_INO, r->pidname);
	r->prog = dir_ino(r, dir_ino(r, MFS_ROOT_INO, "programs"), progname);
	r->task = dir_ino(r, r->prog, "task");
	*state = r;
	return 0;
}

static int race_teardown(void **state)
{
	struct race *r = *state;

	mmstats_remove(r->b);
	mmstats_remove(r->a);
	mfs_fixture_fini(&r->m);
	free(r);
	return 0;
}

/*
 * The changes queued for the kernel, not sent yet (no watcher runs:
 * this thread alone touches fs).
 */
static size_t queued_again(struct race *r, fuse_ino_t parent,
			   const char *name)
{
	return count_again(&r->fs->changes, parent, name);
}

static size_t queued(struct race *r)
{
	return r->fs->changes.n;
}

/* What the watcher does for a chmod: read the file, sync, no sending. */
static void chmod_synced(struct race *r, struct mmstats *s, mode_t mode)
{
	assert_int_equal(chmod(mmstats_filename(s), mode), 0);
	mfs_refresh_one(r->fs, base(s));
	pthread_mutex_lock(&r->fs->lock);
	mfs_model_flush(&r->fs->model, &r->fs->changes);
	pthread_mutex_unlock(&r->fs->lock);
}

/* The three lookups of one name each in /<pid>, its program and task/. */
struct judged {
	struct mfs_visible_ticket pid, prog, task;
};

static void judge_all(struct race *r, struct judged *j, bool kept)
{
	double t1, t2, t3;

	judge(r, r->pid, "a.x", &j->pid, &t1);
	judge(r, r->prog, "a.x", &j->prog, &t2);
	judge(r, r->task, r->pidname, &j->task, &t3);
	assert_true(kept ? t1 > 0 && t2 > 0 && t3 > 0 :
			   t1 == 0 && t2 == 0 && t3 == 0);
}

static void replied_all(struct race *r, const struct judged *j)
{
	mfs_visible_replied(r->fs, &j->pid);
	mfs_visible_replied(r->fs, &j->prog);
	mfs_visible_replied(r->fs, &j->task);
}

static size_t queued_all(struct race *r)
{
	size_t n = queued_again(r, r->pid, "a.x");

	assert_int_equal(queued_again(r, r->prog, "a.x"), n);
	assert_int_equal(queued_again(r, r->task, r->pidname), n);
	return n;
}

/*
 * Judged while uniform; the directories turn mixed, and the watcher
 * sends their invalidations, before the replies are written: the
 * replies must be followed by an invalidation of each name again.
 */
static void test_mixed_between_judgement_and_reply(void **state)
{
	struct race *r = *state;
	struct judged j;

	judge_all(r, &j, true);
	chmod_synced(r, r->b, 0600);
	assert_int_equal(queued_all(r), 1);	/* the sync's */
	mfs_send_changes(r->fs);		/* sent before the replies */
	assert_int_equal(queued(r), 0);
	replied_all(r, &j);
	assert_int_equal(queued_all(r), 1);	/* after the replies */
	assert_int_equal(queued(r), 3);
}

/*
 * Mixed only after the replies: the sync's own invalidation comes after
 * them, and nothing is queued twice.  Judged while mixed: no timeout,
 * nothing to take back, whatever the directories turn into.
 */
static void test_mixed_after_reply_or_before_judgement(void **state)
{
	struct race *r = *state;
	struct judged j;

	judge_all(r, &j, true);
	replied_all(r, &j);
	assert_int_equal(queued(r), 0);
	chmod_synced(r, r->b, 0600);
	assert_int_equal(queued_all(r), 1);
	mfs_send_changes(r->fs);

	judge_all(r, &j, false);
	chmod_synced(r, r->a, 0600);		/* uniform again */
	chmod_synced(r, r->b, 0644);		/* and mixed again */
	mfs_send_changes(r->fs);
	replied_all(r, &j);
	assert_int_equal(queued(r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mixed_dirs_forget_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_mixed_between_judgement_and_reply,
			race_setup, race_teardown),
		cmocka_unit_test_setup_teardown(
			test_mixed_after_reply_or_before_judgement,
			race_setup, race_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
