/*
 * tree.h - the inode table: every node of the mounted tree, found in O(1)
 * by inode number and by (parent, name).
 *
 * A node lives while it is reachable by name or the kernel still holds a
 * lookup count on it: removing a node only unlinks it, and the last
 * forget frees it.  Inode numbers are never reused, so the generation
 * number is the same for every node of one mount.
 *
 * Not thread-safe: the caller serialises with its own lock.
 */
#ifndef MFS_TREE_H
#define MFS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MFS_ROOT_INO	1

enum mfs_kind {
	MFS_ROOT,		/* /                      */
	MFS_FILES_DIR,		/* /files                 */
	MFS_PID_DIR,		/* /<pid>                 */
	MFS_TASK_DIR,		/* /<pid>/task            */
	MFS_TID_DIR,		/* /<pid>/task/<tid>      */
	MFS_SRC_DIR,		/* /files/<source>        */
	MFS_PID_LABEL,		/* /<pid>/<label>: aggregated */
	MFS_SRC_LABEL,		/* a label of one source file */
	MFS_PROGS_DIR,		/* /programs (program.h)  */
	MFS_PROG_DIR,		/* /programs/<name>       */
	MFS_PROG_TASK_DIR,	/* /programs/<name>/task  */
	MFS_PROG_LINK,		/* /programs/<name>/task/<pid>: symlink */
	MFS_PROG_LABEL,		/* /programs/<name>/<label>: summed */
	MFS_BULK_TEXT,		/* %all of /<pid>, /programs/<name> (bulk.h) */
	MFS_BULK_PROM,		/* %metrics of the same */
};

struct mfs_node {
	uint64_t ino;
	uint64_t parent;
	char *name;
	enum mfs_kind kind;
	mode_t mode;		/* with S_IFDIR or S_IFREG */
	uid_t uid;
	gid_t gid;
	pid_t pid;		/* the writer's; 0 for a file without one */
	char *source;		/* TID_DIR, SRC_DIR: file name (a label's
				   is its directory's) */
	uint64_t nlookup;	/* the kernel's references */
	bool linked;		/* reachable by name */
	bool mark;		/* scratch for mfs_tree_sync */
	unsigned forgets;	/* a directory's: how many times the kernel
				   was told to look up its names again */

	struct mfs_node *children;	/* of a directory, in the order added */
	struct mfs_node **children_tail;
	struct mfs_node *sib_next, **sib_pprev;
	struct mfs_node *ino_next, *name_next;
	uint64_t name_hash;	/* of (parent, name), for the chains */
};

/* What a directory should hold: one wanted entry. */
struct mfs_want {
	const char *name;
	enum mfs_kind kind;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	const char *source;
};

/* A node the kernel may know that left the tree or changed. */
enum mfs_change_kind {
	MFS_CHANGE_ATTR,	/* its attributes changed */
	MFS_CHANGE_GONE,	/* its name is gone */
	MFS_CHANGE_NAME,	/* its name stays, but must be looked up again */
};

struct mfs_change {
	uint64_t parent, ino;
	enum mfs_change_kind kind;
	char *name;		/* GONE, NAME: the entry's */
};

struct mfs_changes {
	struct mfs_change *v;
	size_t n, cap;
	bool oom;		/* some change was lost: drop all caches */
};

struct mfs_tree {
	struct mfs_node **by_ino, **by_name;
	size_t nbuckets;	/* of each table, a power of two */
	size_t nnodes;
	uint64_t next_ino;
	uint64_t seed;		/* of the name hash: mfs_hash_seed() */
	struct mfs_node *root;
};

int mfs_tree_init(struct mfs_tree *t, mode_t root_mode);
void mfs_tree_destroy(struct mfs_tree *t);

struct mfs_node *mfs_tree_get(const struct mfs_tree *t, uint64_t ino);
struct mfs_node *mfs_tree_lookup(const struct mfs_tree *t, uint64_t parent,
				 const char *name);

/*
 * Make dir hold exactly `want` (names unique): add what is missing,
 * update the attributes of what exists, remove the rest with everything
 * below it.  Changes the kernel must hear of are appended to `ch` (may be
 * NULL).  Returns 0 or -ENOMEM (the tree is then still consistent).
 */
int mfs_tree_sync(struct mfs_tree *t, struct mfs_node *dir,
		  const struct mfs_want *want, size_t nwant,
		  struct mfs_changes *ch);

/* Add or update one child; returns it, or NULL on -ENOMEM. */
struct mfs_node *mfs_tree_put(struct mfs_tree *t, struct mfs_node *dir,
			      const struct mfs_want *w,
			      struct mfs_changes *ch);

/*
 * Unlink node and everything below it.  Only node goes to `ch`: the kernel
 * drops the dentries below a directory it is told is gone.
 */
void mfs_tree_remove(struct mfs_tree *t, struct mfs_node *node,
		     struct mfs_changes *ch);

/* The kernel took one more reference, or dropped n. */
void mfs_tree_ref(struct mfs_node *node);
void mfs_tree_forget(struct mfs_tree *t, struct mfs_node *node, uint64_t n);

void mfs_changes_free(struct mfs_changes *ch);

/*
 * The kernel is to look up again each name of dir's it holds: who may
 * see a name has changed (visible.h).  Counted in dir->forgets.
 */
void mfs_tree_forget_names(struct mfs_node *dir, struct mfs_changes *ch);
/* The same for node's name alone, if the kernel holds it. */
void mfs_tree_forget_name(const struct mfs_node *node,
			  struct mfs_changes *ch);

#endif
