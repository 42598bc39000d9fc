/*
 * progwalk.c - one walk over the files of a process or of a program,
 * live and kept (progwalk.h).
 */
#include <stdlib.h>

#include "progwalk.h"
#include "sources.h"

char *mfs_progfile_label(const struct mfs_progfile *f, size_t i)
{
	return f->src ? f->src->info.names.name[i] : f->kept->k[i].name;
}

bool mfs_progfile_has(const struct mfs_progfile *f, const char *name)
{
	if (f->src)
		return mfs_fieldnames_find(&f->src->info.names, name) >= 0;
	return mfs_retired_find(f->kept, name) != NULL;
}

void mfs_progwalk_proc(struct mfs_progwalk *w, const struct mfs_proc *p,
		       bool prog_only)
{
	*w = (struct mfs_progwalk){ .p = p, .s = p->srcs,
				    .prog_only = prog_only };
}

void mfs_progwalk_prog(struct mfs_progwalk *w, const struct mfs_prog *g)
{
	*w = (struct mfs_progwalk){ .g = g, .p = g->procs,
				    .s = g->procs ? g->procs->srcs : NULL,
				    .prog_only = true };
}

static bool next_live(struct mfs_progwalk *w, struct mfs_progfile *f)
{
	const struct mfs_src *s;

	for (;;) {
		while ((s = w->s)) {
			w->s = s->proc_next;
			if (w->prog_only && !s->in_prog)
				continue;
			*f = (struct mfs_progfile){
				.uid = s->info.st.st_uid,
				.gid = s->info.st.st_gid,
				.mode = s->info.st.st_mode,
				.nlabels = s->info.names.n, .src = s,
			};
			return true;
		}
		/* a process's walk ends with it, a program's goes on */
		if (!w->g || !w->p || !(w->p = w->p->prog_next))
			return false;
		w->s = w->p->srcs;
	}
}

bool mfs_progwalk_next(struct mfs_progwalk *w, struct mfs_progfile *f)
{
	const struct mfs_retired *r;

	if (next_live(w, f))
		return true;
	if (!w->g || w->r >= w->g->nretired)
		return false;
	r = &w->g->retired[w->r++];
	*f = (struct mfs_progfile){
		.uid = r->uid, .gid = r->gid, .mode = r->mode,
		.nlabels = r->n, .kept = r,
	};
	return true;
}

char **mfs_progwalk_labels(const struct mfs_progwalk *w,
			   bool (*keep)(const struct mfs_progfile *f,
					const void *arg),
			   const void *arg, size_t *n)
{
	struct mfs_progwalk at = *w;
	struct mfs_progfile f;
	size_t total = 0, k = 0, i;
	char **v;

	while (mfs_progwalk_next(&at, &f))
		if (!keep || keep(&f, arg))
			total += f.nlabels;
	if (!(v = malloc((total + 1) * sizeof(*v))))
		return NULL;
	at = *w;
	while (mfs_progwalk_next(&at, &f))
		if (!keep || keep(&f, arg))
			for (i = 0; i < f.nlabels; i++)
				v[k++] = mfs_progfile_label(&f, i);
	*n = mfs_sort_unique(v, k);
	return v;
}
