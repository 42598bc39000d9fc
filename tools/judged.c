/* judged.c - the verdicts of one run, by device and inode. */
#include "judged.h"

#include <errno.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * STALE verdicts held open at most: few files have two names, and the
 * descriptors left must do for the files still to judge.
 */
#define HELD_MAX	64

static int by_inode(const void *a, const void *b)
{
	const struct judged_file *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

const struct judged_file *judged_find(const struct judged *j,
				      const struct stat *st)
{
	struct judged_file key = { .dev = st->st_dev, .ino = st->st_ino };
	void *const *node = tfind(&key, &j->root, by_inode);

	return node ? *node : NULL;
}

/*
 * Whether a STALE verdict on the file open as `fd` may be remembered:
 * only while the file is held open, and only if some name still leads
 * to it (an inode without names gets none: link(2) refuses it).
 */
static bool may_hold(const struct judged *j, int fd)
{
	struct stat now;

	if (j->held >= HELD_MAX || fstat(fd, &now) < 0)
		return false;
	return now.st_nlink > 0;
}

int judged_add(struct judged *j, const struct stat *st,
	       enum judged_verdict verdict, const char *name, int *fd)
{
	struct judged_file *f;
	void **node;

	if (verdict == JUDGED_STALE && !may_hold(j, *fd))
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->name = strdup(name))) {
		free(f);
		return -ENOMEM;
	}
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->verdict = verdict;
	f->fd = -1;
	node = tsearch(f, &j->root, by_inode);
	if (!node || *node != f) {
		/* no memory, or judged already: the first verdict stands */
		free(f->name);
		free(f);
		return node ? 0 : -ENOMEM;
	}
	if (verdict == JUDGED_STALE) {
		f->fd = *fd;
		*fd = -1;
		j->held++;
	}
	return 0;
}

static void free_file(void *p)
{
	struct judged_file *f = p;

	if (f->fd >= 0)
		close(f->fd);
	free(f->name);
	free(f);
}

void judged_free(struct judged *j)
{
	tdestroy(j->root, free_file);
	j->root = NULL;
	j->held = 0;
}
