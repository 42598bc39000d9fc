/*
 * files.h - which files the tools read: the default glob of the
 * reference (MMSTATS_GLOB, else MMSTATS_PATH/ *.mmstats), command-line
 * FILE/DIR/GLOB arguments, and the safe glob a web client may send.
 */
#ifndef TOOLS_FILES_H
#define TOOLS_FILES_H

#include <stdbool.h>
#include <stddef.h>

struct pathlist {
	char **v;
	size_t n, cap;
};

#define PATHLIST_INIT { NULL, 0, 0 }

/* Add a copy of `path`; -ENOMEM. */
int pathlist_add(struct pathlist *l, const char *path);
/* Drop repeated paths, keeping the first of each in place. */
void pathlist_uniq(struct pathlist *l);
/*
 * Sort by whole path, byte by byte: glob(3)'s order in the C locale,
 * the tools' (none sets another).
 */
void pathlist_sort(struct pathlist *l);
void pathlist_free(struct pathlist *l);

/* The stats directory: $MMSTATS_PATH or /tmp. */
const char *files_stats_dir(void);

/*
 * The directories the default glob looks in: $MMSTATS_PATH, or if it is
 * a template (*is_template), each directory it names that exists now,
 * sorted.  Returns 0 or -errno.
 */
int files_stats_dirs(struct pathlist *out, bool *is_template);

/* The default glob into buf; returns buf (truncated paths fail: NULL). */
const char *files_default_glob(char *buf, size_t len);

/*
 * Expand one argument: a directory gives its *.mmstats files, a pattern
 * that is not an existing file gives its matches (not directories), and
 * anything else is taken as a file name, to be reported when read.
 * Results are sorted within the argument.  Returns 0 or -errno.
 */
int files_expand(const char *arg, struct pathlist *out);

typedef void (*files_report_fn)(const char *arg, int err);

/*
 * Expand each argument, or the default glob when there is none.  An
 * argument that fails is passed to `report` (may be NULL) and the rest
 * are still expanded; returns the first error, or 0.
 */
int files_expand_args(char *const *args, size_t nargs, struct pathlist *out,
		      files_report_fn report);

/* Why `name` gave no file: strerror's words, or the tools' own. */
typedef void (*files_why_fn)(const char *name, const char *why);

/*
 * As files_expand_args, for a tool that must say when it was asked for
 * something that is not there, as grep does: a FILE that does not exist,
 * a DIR without a *.mmstats file ("no mmstats file"), a GLOB that
 * matches nothing ("no file matches", or its directory's error) and the
 * default glob that finds nothing (its directory's error, or "no
 * mmstats file") each go to `report` once.  What was found is still
 * expanded; returns the first error (-ENOENT for nothing found), or 0.
 */
int files_expand_args_strict(char *const *args, size_t nargs,
			     struct pathlist *out, files_why_fn report);

/*
 * A glob sent by a client names files inside `dir` only: one path
 * component, no "..", no '/', no control characters.  -EINVAL if not.
 */
int files_check_client_glob(const char *pattern);

/*
 * The regular files (not symlinks, not directories) in `dir` whose names
 * match `pattern` (fnmatch, a leading '.' must match explicitly), sorted.
 */
int files_match_dir(const char *dir, const char *pattern,
		    struct pathlist *out);

#endif
