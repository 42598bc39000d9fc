/*
 * test_fs_tree.c - the inode table of mmstatsfs: insert, lookup by name
 * and by inode, sync, removal of subtrees, lookup counts and forget, the
 * changes reported for the kernel, and growth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../fs/tree.h"

static struct mfs_want want(const char *name, mode_t mode)
{
	struct mfs_want w = {
		.name = name, .kind = S_ISDIR(mode) ? MFS_PID_DIR :
			MFS_PID_LABEL,
		.mode = mode, .uid = 7, .gid = 8, .pid = 42,
	};
	return w;
}

static int setup(void **state)
{
	struct mfs_tree *t = malloc(sizeof(*t));

	assert_non_null(t);
	assert_int_equal(mfs_tree_init(t, 0555), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	mfs_tree_destroy(*state);
	free(*state);
	return 0;
}

static void test_root(void **state)
{
	struct mfs_tree *t = *state;

	assert_ptr_equal(mfs_tree_get(t, MFS_ROOT_INO), t->root);
	assert_int_equal(t->root->mode, S_IFDIR | 0555);
	assert_null(mfs_tree_lookup(t, MFS_ROOT_INO, "x"));
	assert_null(mfs_tree_get(t, 999));
}

static void test_put_and_lookup(void **state)
{
	struct mfs_tree *t = *state;
	struct mfs_want w = want("42", S_IFDIR | 0555);
	struct mfs_node *d, *f, *again;

	d = mfs_tree_put(t, t->root, &w, NULL);
	assert_non_null(d);
	w = want("count", S_IFREG | 0444);
	w.source = "a.mmstats";
	f = mfs_tree_put(t, d, &w, NULL);
	assert_non_null(f);
	assert_ptr_equal(mfs_tree_lookup(t, MFS_ROOT_INO, "42"), d);
	assert_ptr_equal(mfs_tree_lookup(t, d->ino, "count"), f);
	assert_null(mfs_tree_lookup(t, MFS_ROOT_INO, "count"));
	assert_ptr_equal(mfs_tree_get(t, f->ino), f);
	assert_int_equal(f->parent, d->ino);
	assert_string_equal(f->source, "a.mmstats");
	assert_int_equal(f->uid, 7);
	/* a second put updates in place: same node, same inode */
	w.uid = 9;
	again = mfs_tree_put(t, d, &w, NULL);
	assert_ptr_equal(again, f);
	assert_int_equal(f->uid, 9);
}

static void test_sync_adds_updates_removes(void **state)
{
	struct mfs_tree *t = *state;
	struct mfs_want w[3] = {
		want("a", S_IFREG | 0444), want("b", S_IFREG | 0444),
		want("c", S_IFREG | 0444),
	};
	struct mfs_changes ch = { 0 };
	struct mfs_node *a, *b, *c;
	uint64_t bino;

	assert_int_equal(mfs_tree_sync(t, t->root, w, 3, &ch), 0);
	a = mfs_tree_lookup(t, 1, "a");
	b = mfs_tree_lookup(t, 1, "b");
	c = mfs_tree_lookup(t, 1, "c");
	assert_true(a && b && c);
	assert_int_equal(ch.n, 0);	/* the kernel knows none of them */
	mfs_tree_ref(b);
	mfs_tree_ref(c);
	bino = b->ino;
	w[1] = w[2];
	w[0].mode = S_IFREG | 0400;	/* attributes of a change */
	mfs_tree_ref(a);
	assert_int_equal(mfs_tree_sync(t, t->root, w, 2, &ch), 0);
	assert_null(mfs_tree_lookup(t, 1, "b"));
	assert_ptr_equal(mfs_tree_lookup(t, 1, "a"), a);
	assert_ptr_equal(mfs_tree_lookup(t, 1, "c"), c);
	/* b is unlinked but the kernel still holds it: kept by inode */
	assert_ptr_equal(mfs_tree_get(t, bino), b);
	assert_false(b->linked);
	assert_int_equal(ch.n, 2);
	assert_int_equal(ch.v[0].ino, a->ino);
	assert_null(ch.v[0].name);
	assert_int_equal(ch.v[1].ino, bino);
	assert_string_equal(ch.v[1].name, "b");
	assert_int_equal(ch.v[1].parent, MFS_ROOT_INO);
	mfs_tree_forget(t, b, 1);
	assert_null(mfs_tree_get(t, bino));
	mfs_changes_free(&ch);
}

static void test_remove_subtree(void **state)
{
	struct mfs_tree *t = *state;
	struct mfs_want wd = want("42", S_IFDIR | 0555);
	struct mfs_want wt = want("task", S_IFDIR | 0555);
	struct mfs_want wf = want("x", S_IFREG | 0444);
	struct mfs_changes ch = { 0 };
	struct mfs_node *d, *task, *f, *g;
	uint64_t dino, tino, fino, gino;

	d = mfs_tree_put(t, t->root, &wd, NULL);
	task = mfs_tree_put(t, d, &wt, NULL);
	f = mfs_tree_put(t, d, &wf, NULL);
	g = mfs_tree_put(t, task, &wf, NULL);
	dino = d->ino, tino = task->ino, fino = f->ino, gino = g->ino;
	mfs_tree_ref(d);
	mfs_tree_ref(g);
	mfs_tree_ref(g);
	mfs_tree_remove(t, d, &ch);
	assert_null(mfs_tree_lookup(t, 1, "42"));
	assert_null(mfs_tree_lookup(t, dino, "x"));
	assert_null(mfs_tree_lookup(t, tino, "x"));
	assert_null(mfs_tree_get(t, tino));	/* never looked up: freed */
	assert_null(mfs_tree_get(t, fino));
	assert_ptr_equal(mfs_tree_get(t, gino), g);
	assert_ptr_equal(mfs_tree_get(t, dino), d);
	/* what the kernel knows, children before their directory */
	assert_int_equal(ch.n, 2);
	assert_int_equal(ch.v[0].ino, gino);
	assert_int_equal(ch.v[0].parent, tino);
	assert_string_equal(ch.v[0].name, "x");
	assert_int_equal(ch.v[1].ino, dino);
	assert_string_equal(ch.v[1].name, "42");
	mfs_tree_forget(t, g, 1);
	assert_ptr_equal(mfs_tree_get(t, gino), g);
	mfs_tree_forget(t, g, 5);		/* more than held: clamps */
	assert_null(mfs_tree_get(t, gino));
	mfs_tree_forget(t, d, 1);
	assert_null(mfs_tree_get(t, dino));
	mfs_changes_free(&ch);
	/* a node of the same name again gets a new inode number */
	d = mfs_tree_put(t, t->root, &wd, NULL);
	assert_true(d->ino > gino);
}

static void test_forget_keeps_linked(void **state)
{
	struct mfs_tree *t = *state;
	struct mfs_want w = want("a", S_IFREG | 0444);
	struct mfs_node *a = mfs_tree_put(t, t->root, &w, NULL);

	mfs_tree_ref(a);
	mfs_tree_forget(t, a, 1);
	assert_ptr_equal(mfs_tree_lookup(t, 1, "a"), a);
	assert_int_equal(a->nlookup, 0);
}

static void test_many_nodes(void **state)
{
	struct mfs_tree *t = *state;
	struct mfs_want wd = want("d", S_IFDIR | 0555);
	struct mfs_node *d = mfs_tree_put(t, t->root, &wd, NULL), *n;
	char name[32];
	int i;

	for (i = 0; i < 20000; i++) {
		struct mfs_want w;

		snprintf(name, sizeof(name), "label.%d", i);
		w = want(name, S_IFREG | 0444);
		/* the same names under two parents must not mix */
		assert_non_null(mfs_tree_put(t, i % 2 ? d : t->root, &w,
					     NULL));
	}
	assert_true(t->nbuckets >= t->nnodes);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "label.%d", i);
		n = mfs_tree_lookup(t, i % 2 ? d->ino : 1, name);
		assert_non_null(n);
		assert_ptr_equal(mfs_tree_get(t, n->ino), n);
		assert_null(mfs_tree_lookup(t, i % 2 ? 1 : d->ino, name));
	}
	assert_int_equal(mfs_tree_sync(t, d, NULL, 0, NULL), 0);
	assert_null(d->children);
	assert_int_equal(t->nnodes, 1 + 1 + 10000);
}

static void assert_order(const struct mfs_node *dir, const char *want)
{
	char got[64] = "";
	const struct mfs_node *c;

	for (c = dir->children; c; c = c->sib_next)
		strcat(got, c->name);
	assert_string_equal(got, want);
}

static void test_children_keep_order(void **state)
{
	struct mfs_tree *t = *state;
	struct mfs_want w[4] = {
		want("a", S_IFREG | 0444), want("b", S_IFREG | 0444),
		want("c", S_IFREG | 0444), want("d", S_IFREG | 0444),
	};

	assert_int_equal(mfs_tree_sync(t, t->root, w, 3, NULL), 0);
	assert_order(t->root, "abc");
	mfs_tree_remove(t, mfs_tree_lookup(t, 1, "c"), NULL);	/* the last */
	assert_order(t->root, "ab");
	assert_non_null(mfs_tree_put(t, t->root, &w[3], NULL));
	assert_order(t->root, "abd");
	mfs_tree_remove(t, mfs_tree_lookup(t, 1, "a"), NULL);	/* the first */
	assert_non_null(mfs_tree_put(t, t->root, &w[0], NULL));
	assert_order(t->root, "bda");
	assert_int_equal(mfs_tree_sync(t, t->root, NULL, 0, NULL), 0);
	assert_order(t->root, "");
	assert_non_null(mfs_tree_put(t, t->root, &w[2], NULL));
	assert_order(t->root, "c");
}

/* Two trees, each with its own seed: the first still finds its names. */
static void test_two_trees(void **state)
{
	struct mfs_tree *t = *state, other;
	struct mfs_want w = want("alpha", S_IFREG | 0444);
	struct mfs_node *n = mfs_tree_put(t, t->root, &w, NULL);

	assert_non_null(n);
	assert_int_equal(mfs_tree_init(&other, 0555), 0);
	assert_non_null(mfs_tree_put(&other, other.root, &w, NULL));
	assert_ptr_equal(mfs_tree_lookup(t, MFS_ROOT_INO, "alpha"), n);
	assert_non_null(mfs_tree_lookup(&other, MFS_ROOT_INO, "alpha"));
	mfs_tree_destroy(&other);
	assert_ptr_equal(mfs_tree_lookup(t, MFS_ROOT_INO, "alpha"), n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_trees, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_and_lookup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_adds_updates_removes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_subtree, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forget_keeps_linked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_nodes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_children_keep_order,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
