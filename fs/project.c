/*
 * project.c - the model's files and processes as nodes of the tree.
 *
 * Each change re-syncs only the directories of the source and process
 * touched; mfs_tree_sync() keeps the nodes (and inode numbers) of names
 * that stay, so a file read again changes nothing the kernel caches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "project.h"
#include "strv.h"
#include "visible.h"

mode_t mfs_file_mode(mode_t m)
{
	return S_IFREG | (m & 0444);
}

/* Directories are searchable where the file is readable: r -> r-x. */
mode_t mfs_dir_mode(mode_t m)
{
	return S_IFDIR | (m & 0444) | ((m & 0444) >> 2);
}

/* Label files of one source under dir; their source is dir's. */
static void sync_labels(struct mfs_model *m, struct mfs_node *dir,
			const struct mfs_src *s, struct mfs_changes *ch)
{
	const struct mfs_fieldnames *fn = &s->info.names;
	struct mfs_want *w = calloc(fn->n + 1, sizeof(*w));
	size_t i;

	if (!w) {
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	for (i = 0; i < fn->n; i++) {
		w[i].name = fn->name[i];
		w[i].kind = MFS_SRC_LABEL;
		w[i].mode = mfs_file_mode(s->info.st.st_mode);
		w[i].uid = s->info.st.st_uid;
		w[i].gid = s->info.st.st_gid;
		w[i].pid = s->info.pid;
	}
	if (mfs_tree_sync(m->tree, dir, w, fn->n, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
	free(w);
}

static struct mfs_want src_dir_want(const struct mfs_src *s, const char *name,
				    enum mfs_kind kind)
{
	struct mfs_want w = {
		.name = name, .kind = kind,
		.mode = mfs_dir_mode(s->info.st.st_mode),
		.uid = s->info.st.st_uid, .gid = s->info.st.st_gid,
		.pid = s->info.pid, .source = s->name,
	};
	return w;
}

void mfs_project_src(struct mfs_model *m, const struct mfs_src *s,
		     struct mfs_changes *ch)
{
	struct mfs_node *dir;
	struct mfs_want w;

	if (s->state != MFS_SRC_ALIVE && s->state != MFS_SRC_UNKNOWN) {
		dir = mfs_tree_lookup(m->tree, m->files_dir->ino, s->name);
		if (dir)
			mfs_tree_remove(m->tree, dir, ch);
		return;
	}
	w = src_dir_want(s, s->name, MFS_SRC_DIR);
	dir = mfs_tree_put(m->tree, m->files_dir, &w, ch);
	if (dir)
		sync_labels(m, dir, s, ch);
}

/*
 * By tid, then as files speak for their process (sources.h): the first
 * file of a tid gets its name.
 */
static int cmp_tid(const void *a, const void *b)
{
	const struct mfs_src *x = *(const struct mfs_src *const *)a;
	const struct mfs_src *y = *(const struct mfs_src *const *)b;

	if (x->info.tid != y->info.tid)
		return x->info.tid < y->info.tid ? -1 : 1;
	if (mfs_src_rank(x) != mfs_src_rank(y))
		return mfs_src_rank(x) - mfs_src_rank(y);
	if (x->info.created != y->info.created)
		return x->info.created < y->info.created ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* p's files in the order their task directories are named; or NULL. */
static struct mfs_src **tid_order(const struct mfs_proc *p, size_t *n)
{
	struct mfs_src *s, **v;
	size_t k = 0;

	for (s = p->srcs; s; s = s->proc_next)
		k++;
	if (!(v = malloc((k ? k : 1) * sizeof(*v))))
		return NULL;
	for (s = p->srcs, *n = 0; s; s = s->proc_next)
		v[(*n)++] = s;
	qsort(v, *n, sizeof(*v), cmp_tid);
	return v;
}

/*
 * /<pid>/task/<tid>/: the tid, or "<tid>-<n>" when files share one (the
 * reference writes its main thread's tid in every thread's file).  Named
 * in one pass over the files sorted by tid: a process of many files
 * costs their number, not its square.
 */
static void sync_tasks(struct mfs_model *m, const struct mfs_proc *p,
		       struct mfs_node *task, struct mfs_changes *ch)
{
	struct mfs_node *dir, *next;
	struct mfs_src *s, **v;
	struct mfs_want w;
	char name[32];
	size_t i, k;
	unsigned n = 1;

	if (!(v = tid_order(p, &k))) {
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	for (dir = task->children; dir; dir = dir->sib_next)
		dir->mark = false;
	for (i = 0; i < k; i++) {
		s = v[i];
		n = i && v[i - 1]->info.tid == s->info.tid ? n + 1 : 1;
		if (n == 1)
			snprintf(name, sizeof(name), "%d", (int)s->info.tid);
		else
			snprintf(name, sizeof(name), "%d-%u",
				 (int)s->info.tid, n);
		w = src_dir_want(s, name, MFS_TID_DIR);
		dir = mfs_tree_put(m->tree, task, &w, ch);
		if (!dir)
			continue;
		dir->mark = true;
		sync_labels(m, dir, s, ch);
	}
	free(v);
	for (dir = task->children; dir; dir = next) {
		next = dir->sib_next;
		if (!dir->mark)
			mfs_tree_remove(m->tree, dir, ch);
	}
}

/* Every label of every file of p, once, sorted (borrowed strings). */
static char **union_names(const struct mfs_proc *p, size_t *n)
{
	const struct mfs_src *s;
	size_t total = 0, i, k = 0;
	char **v;

	for (s = p->srcs; s; s = s->proc_next)
		total += s->info.names.n;
	v = malloc((total + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (s = p->srcs; s; s = s->proc_next)
		for (i = 0; i < s->info.names.n; i++)
			v[k++] = s->info.names.name[i];
	*n = mfs_sort_unique(v, k);
	return v;
}

/*
 * The wants of /<pid>: "task", the labels, and the bulk files (bulk.h),
 * whose names no label maps to; NULL without memory.
 */
static struct mfs_want *proc_wants(const struct mfs_proc *p,
				   const struct mfs_want *dirw,
				   mode_t mode, size_t *nwant)
{
	static const char *const bulk[] = { "%all", "%metrics" };
	struct mfs_want *lw;
	char **names;
	size_t n = 0, i;

	if (!(names = union_names(p, &n)))
		return NULL;
	if ((lw = calloc(n + 3, sizeof(*lw)))) {
		lw[0] = *dirw;
		lw[0].name = "task";
		lw[0].kind = MFS_TASK_DIR;
		for (i = 0; i < n + 2; i++) {
			lw[i + 1] = *dirw;
			lw[i + 1].name = i < n ? names[i] : bulk[i - n];
			lw[i + 1].kind = i < n ? MFS_PID_LABEL :
					 i == n ? MFS_BULK_TEXT : MFS_BULK_PROM;
			lw[i + 1].mode = mode;
		}
		*nwant = n + 3;
	}
	free(names);	/* the strings are the sources' */
	return lw;
}

bool mfs_project_proc(struct mfs_model *m, struct mfs_proc *p,
		      struct mfs_changes *ch)
{
	struct mfs_src *main = mfs_model_main_src(p);
	struct mfs_node *dir, *task;
	struct mfs_want w, *lw;
	char pidname[16];
	size_t n;

	snprintf(pidname, sizeof(pidname), "%d", (int)p->pid);
	if (!main) {
		dir = mfs_tree_lookup(m->tree, MFS_ROOT_INO, pidname);
		if (dir)
			mfs_tree_remove(m->tree, dir, ch);
		return false;
	}
	w = src_dir_want(main, pidname, MFS_PID_DIR);
	w.source = NULL;
	dir = mfs_tree_put(m->tree, m->tree->root, &w, ch);
	lw = dir ? proc_wants(p, &w, mfs_file_mode(main->info.st.st_mode), &n) :
		   NULL;
	if (!lw || mfs_tree_sync(m->tree, dir, lw, n, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
	else if ((task = mfs_tree_lookup(m->tree, dir->ino, "task")))
		sync_tasks(m, p, task, ch);
	if (dir)
		mfs_visible_resync(dir, &p->uniform,
				   mfs_visible_proc_uniform(p), ch);
	free(lw);
	return true;
}
