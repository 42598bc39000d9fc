/*
 * testdir.h - a scratch directory for a group of tests, and its removal.
 *
 * Static functions in a header, because each test program is linked on
 * its own.  Removal walks the tree itself instead of running "rm -rf"
 * through a shell, so no name can be taken as shell syntax, and it
 * never follows a symlink a test left there.
 */
#ifndef TESTDIR_H
#define TESTDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* Make /tmp/NAME.XXXXXX; its path goes into buf. */
static inline int testdir_make(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/tmp/%s.XXXXXX", name);
	return mkdtemp(buf) ? 0 : -1;
}

static inline int testdir_remove_entry(const char *path,
				       const struct stat *st, int type,
				       struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path);
}

/* Remove `path` and everything in it. */
static inline int testdir_remove(const char *path)
{
	return nftw(path, testdir_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
