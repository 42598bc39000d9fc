/*
 * project.h - the tree the model makes: /files/<name>/ for every file
 * whose writer is not known to be dead, /<pid>/ for every live writer
 * (its process-wide labels and task/<tid>/), each brought up to date
 * when its source or process changes, and only those directories.
 */
#ifndef MFS_PROJECT_H
#define MFS_PROJECT_H

#include "sources.h"

/* /files/<name>: shown (ALIVE, UNKNOWN) or removed with all below it. */
void mfs_project_src(struct mfs_model *m, const struct mfs_src *s,
		     struct mfs_changes *ch);

/*
 * /<pid>: "task" and the process-wide labels, made from p's files; when
 * p has none left, removed.  Returns whether p still has a file.
 */
bool mfs_project_proc(struct mfs_model *m, struct mfs_proc *p,
		      struct mfs_changes *ch);

/*
 * The modes of the nodes made of a file of mode m: its labels are
 * readable as it is (and never writable), its directories searchable
 * where it is readable.
 */
mode_t mfs_file_mode(mode_t m);
mode_t mfs_dir_mode(mode_t m);

#endif
