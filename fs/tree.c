/*
 * tree.c - the inode table.
 *
 * Each node sits on two hash chains (by inode number, by parent and name)
 * and on its parent's list of children.  Both tables share one size and
 * double together when the nodes outnumber the buckets, so every lookup
 * stays O(1).  The name hash is seeded per tree (mfs_hash_seed): labels
 * come from files anyone may write, and must not pile up on one chain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "tree.h"

#define INITIAL_BUCKETS	64

static uint64_t hash_name(const struct mfs_tree *t, uint64_t parent,
			  const char *name)
{
	return mfs_hash_mix(mfs_hash_str(t->seed ^ mfs_hash_mix(parent),
					 name));
}

static struct mfs_node **ino_slot(const struct mfs_tree *t, uint64_t ino)
{
	return &t->by_ino[mfs_hash_mix(ino) & (t->nbuckets - 1)];
}

static struct mfs_node **name_slot(const struct mfs_tree *t, uint64_t hash)
{
	return &t->by_name[hash & (t->nbuckets - 1)];
}

/* Double both tables; on failure keep the old ones (just longer chains). */
static void grow(struct mfs_tree *t)
{
	size_t n = t->nbuckets * 2, i;
	struct mfs_node **bi, **bn, *p, *next;
	struct mfs_tree nt = *t;

	bi = calloc(n, sizeof(*bi));
	bn = calloc(n, sizeof(*bn));
	if (!bi || !bn) {
		free(bi);
		free(bn);
		return;
	}
	nt.by_ino = bi;
	nt.by_name = bn;
	nt.nbuckets = n;
	for (i = 0; i < t->nbuckets; i++) {
		for (p = t->by_ino[i]; p; p = next) {
			next = p->ino_next;
			p->ino_next = *ino_slot(&nt, p->ino);
			*ino_slot(&nt, p->ino) = p;
		}
		for (p = t->by_name[i]; p; p = next) {
			next = p->name_next;
			p->name_next = *name_slot(&nt, p->name_hash);
			*name_slot(&nt, p->name_hash) = p;
		}
	}
	free(t->by_ino);
	free(t->by_name);
	*t = nt;
}

static void unhash_ino(struct mfs_tree *t, struct mfs_node *node)
{
	struct mfs_node **pp = ino_slot(t, node->ino);

	while (*pp != node)
		pp = &(*pp)->ino_next;
	*pp = node->ino_next;
}

static void unhash_name(struct mfs_tree *t, struct mfs_node *node)
{
	struct mfs_node **pp = name_slot(t, node->name_hash);

	while (*pp != node)
		pp = &(*pp)->name_next;
	*pp = node->name_next;
}

static void free_node(struct mfs_tree *t, struct mfs_node *node)
{
	unhash_ino(t, node);
	t->nnodes--;
	free(node->name);
	free(node->source);
	free(node);
}

int mfs_tree_init(struct mfs_tree *t, mode_t root_mode)
{
	memset(t, 0, sizeof(*t));
	t->seed = mfs_hash_seed();
	t->nbuckets = INITIAL_BUCKETS;
	t->by_ino = calloc(t->nbuckets, sizeof(*t->by_ino));
	t->by_name = calloc(t->nbuckets, sizeof(*t->by_name));
	t->root = calloc(1, sizeof(*t->root));
	if (!t->by_ino || !t->by_name || !t->root) {
		free(t->by_ino);
		free(t->by_name);
		free(t->root);
		return -ENOMEM;
	}
	t->root->ino = MFS_ROOT_INO;
	t->root->children_tail = &t->root->children;
	t->root->kind = MFS_ROOT;
	t->root->mode = S_IFDIR | root_mode;
	t->root->linked = true;
	t->root->nlookup = 1;
	t->next_ino = MFS_ROOT_INO + 1;
	*ino_slot(t, MFS_ROOT_INO) = t->root;
	t->nnodes = 1;
	return 0;
}

void mfs_tree_destroy(struct mfs_tree *t)
{
	struct mfs_node *p, *next;
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		for (p = t->by_ino[i]; p; p = next) {
			next = p->ino_next;
			free(p->name);
			free(p->source);
			free(p);
		}
	}
	free(t->by_ino);
	free(t->by_name);
	memset(t, 0, sizeof(*t));
}

struct mfs_node *mfs_tree_get(const struct mfs_tree *t, uint64_t ino)
{
	struct mfs_node *p;

	for (p = *ino_slot(t, ino); p; p = p->ino_next)
		if (p->ino == ino)
			return p;
	return NULL;
}

static struct mfs_node *lookup_hashed(const struct mfs_tree *t,
				      uint64_t parent, const char *name,
				      uint64_t hash)
{
	struct mfs_node *p;

	for (p = *name_slot(t, hash); p; p = p->name_next)
		if (p->name_hash == hash && p->parent == parent &&
		    !strcmp(p->name, name))
			return p;
	return NULL;
}

struct mfs_node *mfs_tree_lookup(const struct mfs_tree *t, uint64_t parent,
				 const char *name)
{
	return lookup_hashed(t, parent, name, hash_name(t, parent, name));
}

static void note(struct mfs_changes *ch, const struct mfs_node *node,
		 enum mfs_change_kind kind)
{
	struct mfs_change *c;

	if (!ch || node->nlookup == 0)
		return;		/* the kernel has nothing cached */
	if (ch->n == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 16;

		c = realloc(ch->v, cap * sizeof(*c));
		if (!c) {
			ch->oom = true;
			return;
		}
		ch->v = c;
		ch->cap = cap;
	}
	c = &ch->v[ch->n];
	c->parent = node->parent;
	c->ino = node->ino;
	c->kind = kind;
	c->name = NULL;
	if (kind != MFS_CHANGE_ATTR && !(c->name = strdup(node->name))) {
		ch->oom = true;
		return;
	}
	ch->n++;
}

void mfs_tree_forget_names(struct mfs_node *dir, struct mfs_changes *ch)
{
	struct mfs_node *n;

	dir->forgets++;
	for (n = dir->children; n; n = n->sib_next)
		note(ch, n, MFS_CHANGE_NAME);
}

void mfs_tree_forget_name(const struct mfs_node *node, struct mfs_changes *ch)
{
	note(ch, node, MFS_CHANGE_NAME);
}

void mfs_changes_free(struct mfs_changes *ch)
{
	size_t i;

	for (i = 0; i < ch->n; i++)
		free(ch->v[i].name);
	free(ch->v);
	memset(ch, 0, sizeof(*ch));
}

static bool set_str(char **dst, const char *src)
{
	char *s;

	if (!src) {
		free(*dst);
		*dst = NULL;
		return true;
	}
	if (*dst && !strcmp(*dst, src))
		return true;
	if (!(s = strdup(src)))
		return false;
	free(*dst);
	*dst = s;
	return true;
}

/* Copy attributes; returns whether anything the kernel caches changed. */
static bool apply_want(struct mfs_node *node, const struct mfs_want *w)
{
	bool changed = node->mode != w->mode || node->uid != w->uid ||
		       node->gid != w->gid;

	node->kind = w->kind;
	node->mode = w->mode;
	node->uid = w->uid;
	node->gid = w->gid;
	node->pid = w->pid;
	return changed;
}

static struct mfs_node *add_child(struct mfs_tree *t, struct mfs_node *dir,
				  const struct mfs_want *w, uint64_t hash)
{
	struct mfs_node *node = calloc(1, sizeof(*node));

	if (!node || !(node->name = strdup(w->name)) ||
	    !set_str(&node->source, w->source)) {
		if (node)
			free(node->name);
		free(node);
		return NULL;
	}
	node->ino = t->next_ino++;
	node->parent = dir->ino;
	node->linked = true;
	apply_want(node, w);
	node->ino_next = *ino_slot(t, node->ino);
	*ino_slot(t, node->ino) = node;
	node->name_hash = hash;
	node->name_next = *name_slot(t, hash);
	*name_slot(t, hash) = node;
	/* appended: listings keep the order of the file's fields */
	node->children_tail = &node->children;
	node->sib_pprev = dir->children_tail;
	*dir->children_tail = node;
	dir->children_tail = &node->sib_next;
	if (++t->nnodes > t->nbuckets)
		grow(t);
	return node;
}

struct mfs_node *mfs_tree_put(struct mfs_tree *t, struct mfs_node *dir,
			      const struct mfs_want *w,
			      struct mfs_changes *ch)
{
	uint64_t hash = hash_name(t, dir->ino, w->name);
	struct mfs_node *node = lookup_hashed(t, dir->ino, w->name, hash);

	if (!node)
		return add_child(t, dir, w, hash);
	if (!set_str(&node->source, w->source))
		return NULL;
	if (apply_want(node, w))
		note(ch, node, MFS_CHANGE_ATTR);
	return node;
}

static void unlink_node(struct mfs_tree *t, struct mfs_node *node,
			struct mfs_changes *ch)
{
	struct mfs_node *dir;

	while (node->children)
		unlink_node(t, node->children, ch);
	note(ch, node, MFS_CHANGE_GONE);
	unhash_name(t, node);
	dir = mfs_tree_get(t, node->parent);
	if (dir && dir->children_tail == &node->sib_next)
		dir->children_tail = node->sib_pprev;
	*node->sib_pprev = node->sib_next;
	if (node->sib_next)
		node->sib_next->sib_pprev = node->sib_pprev;
	node->sib_next = NULL;
	node->sib_pprev = NULL;
	node->linked = false;
	if (node->nlookup == 0)
		free_node(t, node);
}

/*
 * Every node of a removed subtree that the kernel knows is reported,
 * children before their directory: the kernel refuses to delete a
 * directory while a child is in use (an open file, a cwd), and libfuse
 * would log that refusal as an error.
 */
void mfs_tree_remove(struct mfs_tree *t, struct mfs_node *node,
		     struct mfs_changes *ch)
{
	if (node->linked && node != t->root)
		unlink_node(t, node, ch);
}

int mfs_tree_sync(struct mfs_tree *t, struct mfs_node *dir,
		  const struct mfs_want *want, size_t nwant,
		  struct mfs_changes *ch)
{
	struct mfs_node *p, *next;
	int err = 0;
	size_t i;

	for (p = dir->children; p; p = p->sib_next)
		p->mark = false;
	for (i = 0; i < nwant; i++) {
		p = mfs_tree_put(t, dir, &want[i], ch);
		if (p)
			p->mark = true;
		else
			err = -ENOMEM;
	}
	for (p = dir->children; p; p = next) {
		next = p->sib_next;
		if (!p->mark)
			mfs_tree_remove(t, p, ch);
	}
	return err;
}

void mfs_tree_ref(struct mfs_node *node)
{
	node->nlookup++;
}

void mfs_tree_forget(struct mfs_tree *t, struct mfs_node *node, uint64_t n)
{
	node->nlookup = n < node->nlookup ? node->nlookup - n : 0;
	if (node->nlookup == 0 && !node->linked && node != t->root)
		free_node(t, node);
}
