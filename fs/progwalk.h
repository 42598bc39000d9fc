/*
 * progwalk.h - one walk over the files of a process or of a program,
 * live and kept, each seen the same way: whose it is and which labels it
 * has.  What /programs/<name>/ lists (progdir.c), what a caller may see
 * of it and of /<pid>/ (visible.c), and what their bulk files and a
 * program's label files show (bulkgroup.c) are all made from this walk.
 *
 * Under the model's lock, as everything of sources.h.
 */
#ifndef MFS_PROGWALK_H
#define MFS_PROGWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct mfs_src;
struct mfs_retired;
struct mfs_proc;
struct mfs_prog;

/* One file of a walk: a live one, or the counters kept of exited ones. */
struct mfs_progfile {
	uid_t uid;
	gid_t gid;
	mode_t mode;
	size_t nlabels;
	const struct mfs_src *src;	/* live, or NULL */
	const struct mfs_retired *kept;	/* kept, or NULL */
};

/* Label i < f->nlabels of f: its file name in the tree (borrowed). */
char *mfs_progfile_label(const struct mfs_progfile *f, size_t i);
/* Whether f has the label named `name`. */
bool mfs_progfile_has(const struct mfs_progfile *f, const char *name);

/* Where a walk is; its fields are the walk's own. */
struct mfs_progwalk {
	const struct mfs_prog *g;	/* NULL: p's files only */
	const struct mfs_proc *p;
	const struct mfs_src *s;	/* the next file of p to look at */
	size_t r;			/* the next of g's kept sets */
	bool prog_only;			/* only the files that count for
					   their program (in_prog) */
};

/* The files of p; with prog_only, only those that count for its program. */
void mfs_progwalk_proc(struct mfs_progwalk *w, const struct mfs_proc *p,
		       bool prog_only);
/* The files of g: its processes' that count for it, then its kept ones. */
void mfs_progwalk_prog(struct mfs_progwalk *w, const struct mfs_prog *g);
/* The next file of the walk into *f; false at its end. */
bool mfs_progwalk_next(struct mfs_progwalk *w, struct mfs_progfile *f);

/*
 * The labels of the files of walk w (from where it is; w itself does not
 * move) for which keep(f, arg) holds (keep NULL: all), sorted, once each
 * (borrowed), their number in *n; NULL without memory.
 */
char **mfs_progwalk_labels(const struct mfs_progwalk *w,
			   bool (*keep)(const struct mfs_progfile *f,
					const void *arg),
			   const void *arg, size_t *n);

#endif
