/* create.h - file names, and files that appear complete or not at all. */
#ifndef MMS_CREATE_H
#define MMS_CREATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Expand a file name template (template.h: Python's str.format with
 * CMD, PID and TID) into buf.  The name may hold directories ("a/b"),
 * relative to the stats directory: -EINVAL if it is empty, absolute, or
 * has an empty, "." or ".." part; -ENAMETOOLONG if it does not fit.
 */
int mms_expand_name(const char *template, char *buf, size_t len);

/*
 * The directory and the file name of a new file: the directory template
 * and the file name template expanded, the directories of the name moved
 * to the directory, so that *name is an entry of *dir.  Both malloc'd.
 * *base_len (if not NULL): the length of the directory template's part
 * of *dir; the rest came from the file name.
 */
int mms_expand_place(const char *dir_template, const char *name_template,
		     char **dir, size_t *base_len, char **name);

/*
 * Open directory `path`: its first base_len bytes as any path, the rest
 * (the file name template's directories) one component at a time, never
 * through a symbolic link, so that a link planted in a shared directory
 * cannot send the file elsewhere.
 */
int mms_open_dir(const char *path, size_t base_len);

/* A file being built, invisible under its final name until published. */
struct mms_newfile {
	int fd;
	bool named;		/* a temporary name is in the dir (no
				   O_TMPFILE, or a stale file replaced) */
	bool building;		/* that name is in onsignal.c's list */
	char tmpname[40];
};

/*
 * An empty file of `size` bytes in dirfd: O_TMPFILE, or where that is
 * unsupported a random name that does not end in .mmstats.
 */
int mms_newfile_create(int dirfd, const char *dirpath, size_t size,
		       struct mms_newfile *nf);

/*
 * Give the complete file its final name, never following a symlink
 * there.  An existing file is replaced only if it is a regular file of
 * our euid that no live instance of this process owns (a stale file of
 * a dead process that had our PID); anything else is -EEXIST.
 */
int mms_newfile_publish(int dirfd, const char *dirpath, const char *name,
			struct mms_newfile *nf);

/* Give up a file that was not published. */
void mms_newfile_discard(int dirfd, struct mms_newfile *nf);

/* Tests only: behave as if O_TMPFILE, or renameat2(), were unsupported. */
extern bool mms_no_tmpfile;
extern bool mms_no_renameat2;

#endif
