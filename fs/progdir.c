/*
 * progdir.c - /programs/<name>/ in the tree: its task/ directory of
 * links to the program's processes, its bulk files, and a file for each
 * label of its files, live or kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "progdir.h"
#include "progwalk.h"
#include "project.h"
#include "requests.h"
#include "statfile.h"
#include "visible.h"

/*
 * Every label of every file of the program, and every label of its kept
 * counters (a counter only exited workers had must not vanish: its sum
 * would go down), once, sorted (borrowed).
 */
static char **union_names(const struct mfs_prog *g, size_t *n)
{
	struct mfs_progwalk w;

	mfs_progwalk_prog(&w, g);
	return mfs_progwalk_labels(&w, NULL, NULL, n);
}

static void sync_links(struct mfs_model *m, const struct mfs_prog *g,
		       struct mfs_node *task, const struct mfs_want *dirw,
		       struct mfs_changes *ch)
{
	struct mfs_want *w = calloc(g->nprocs + 1, sizeof(*w));
	char (*names)[16] = calloc(g->nprocs + 1, sizeof(*names));
	const struct mfs_proc *p;
	size_t k = 0;

	if (!w || !names) {
		mfs_log(LOG_ERR, "out of memory");
		goto out;
	}
	for (p = g->procs; p && k < g->nprocs; p = p->prog_next) {
		if (!mfs_model_prog_counts(p))
			continue;
		snprintf(names[k], sizeof(names[k]), "%d", (int)p->pid);
		w[k] = *dirw;
		w[k].name = names[k];
		w[k].kind = MFS_PROG_LINK;
		w[k].mode = S_IFLNK | 0777;
		w[k].pid = p->pid;
		k++;
	}
	if (mfs_tree_sync(m->tree, task, w, k, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
out:
	free(w);
	free(names);
}

/*
 * The names of g's directory and of its task/ that the kernel holds are
 * looked up again once g's files are not all of one owner and mode.
 */
static void forget_if_mixed(struct mfs_prog *g, struct mfs_node *dir,
			    struct mfs_node *task, struct mfs_changes *ch)
{
	bool was = g->uniform, now = mfs_visible_prog_uniform(g);

	mfs_visible_resync(dir, &g->uniform, now, ch);
	if (was && !now && task)
		mfs_tree_forget_names(task, ch);
}

static const char *const bulk_names[] = { "%all", "%metrics" };

void mfs_progdir_sync(struct mfs_model *m, struct mfs_prog *g,
		      struct mfs_changes *ch)
{
	struct mfs_proc *rep = mfs_prog_rep(g);
	struct mfs_src *main = rep ? mfs_model_prog_main(rep) : NULL;
	struct mfs_node *dir = mfs_tree_lookup(m->tree, m->progs.dir->ino,
					       g->name), *task = NULL;
	struct mfs_want w, *lw = NULL;
	char **names = NULL;
	size_t n = 0, i;

	if (!main) {
		if (dir)
			mfs_tree_remove(m->tree, dir, ch);
		return;
	}
	w = (struct mfs_want){
		.name = g->name, .kind = MFS_PROG_DIR,
		.mode = mfs_dir_mode(main->info.st.st_mode),
		.uid = main->info.st.st_uid, .gid = main->info.st.st_gid,
		.source = g->name,
	};
	if (!(dir = mfs_tree_put(m->tree, m->progs.dir, &w, ch)) ||
	    !(names = union_names(g, &n)) ||
	    !(lw = calloc(n + 3, sizeof(*lw)))) {
		mfs_log(LOG_ERR, "out of memory");
		goto out;
	}
	lw[0] = w;
	lw[0].name = "task";
	lw[0].kind = MFS_PROG_TASK_DIR;
	for (i = 0; i < 2; i++) {
		lw[i + 1] = w;
		lw[i + 1].name = bulk_names[i];
		lw[i + 1].kind = i ? MFS_BULK_PROM : MFS_BULK_TEXT;
		lw[i + 1].mode = mfs_file_mode(main->info.st.st_mode);
		lw[i + 1].source = NULL;
	}
	for (i = 0; i < n; i++) {
		lw[i + 3] = lw[1];
		lw[i + 3].name = names[i];
		lw[i + 3].kind = MFS_PROG_LABEL;
	}
	if (mfs_tree_sync(m->tree, dir, lw, n + 3, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
	else if ((task = mfs_tree_lookup(m->tree, dir->ino, "task")))
		sync_links(m, g, task, &w, ch);
out:
	if (dir)
		forget_if_mixed(g, dir, task, ch);
	free(names);
	free(lw);
}

int mfs_link_target(struct mfs *fs, fuse_ino_t ino, char *buf, size_t len)
{
	enum mfs_kind kind;
	pid_t pid;
	int err = mfs_node_kind(fs, ino, &kind, &pid);

	if (!err && kind != MFS_PROG_LINK)
		err = -EINVAL;
	if (!err)
		snprintf(buf, len, "../../../%d", (int)pid);
	return err;
}
