/* pollsample.c - follow files by inode and sum their changes per field. */
#include "pollsample.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "statsfile.h"

/* A file being followed: its last values, by field. */
struct tracked {
	dev_t dev;
	ino_t ino;
	bool seen;		/* in the current sample */
	long double *last;
	bool *has;
};

int poller_init(struct poller *p, char *const *fields, size_t nfields,
		const struct filter *filter, char *const *args, size_t nargs)
{
	memset(p, 0, sizeof(*p));
	p->fields = fields;
	p->nfields = nfields;
	p->filter = filter;
	p->args = args;
	p->nargs = nargs;
	p->delta = calloc(nfields ? nfields : 1, sizeof(*p->delta));
	p->floating = calloc(nfields ? nfields : 1, sizeof(*p->floating));
	if (!p->delta || !p->floating) {
		poller_free(p);
		return -ENOMEM;
	}
	return 0;
}

static bool numeric_value(const struct mmstats_value *v, long double *out,
			  bool *floating)
{
	switch (v->kind) {
	case MMSTATS_KIND_INT:   *out = (long double)v->v.i; return true;
	case MMSTATS_KIND_UINT:  *out = (long double)v->v.u; return true;
	case MMSTATS_KIND_BOOL:  *out = v->v.b; return true;
	case MMSTATS_KIND_FLOAT:
		*out = v->v.d;
		*floating = true;
		return isfinite(v->v.d);
	default:
		return false;
	}
}

static const struct mmstats_stat *find_exact(const struct mmstats_snapshot *s,
					     const char *label)
{
	size_t i;

	for (i = 0; i < s->nstats; i++)
		if (strcmp(s->stats[i].label, label) == 0)
			return &s->stats[i];
	return NULL;
}

static struct tracked *track(struct poller *p, const struct stat *st)
{
	size_t nf = p->nfields, i;
	struct tracked *t;

	for (i = 0; i < p->nfiles; i++)
		if (p->files[i].dev == st->st_dev &&
		    p->files[i].ino == st->st_ino)
			return &p->files[i];
	t = reallocarray(p->files, p->nfiles + 1, sizeof(*t));
	if (!t)
		return NULL;
	p->files = t;
	t = &p->files[p->nfiles];
	memset(t, 0, sizeof(*t));
	t->dev = st->st_dev;
	t->ino = st->st_ino;
	t->last = calloc(nf, sizeof(*t->last));
	t->has = calloc(nf, sizeof(*t->has));
	if (!t->last || !t->has) {
		free(t->last);
		free(t->has);
		return NULL;
	}
	p->nfiles++;
	return t;
}

/* Add this file's changes since its last sample to the deltas. */
static void account(struct poller *p, struct tracked *t,
		    const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st;
	long double now;
	size_t i;

	t->seen = true;
	for (i = 0; i < p->nfields; i++) {
		st = find_exact(snap, p->fields[i]);
		if (!st || !numeric_value(&st->value, &now, &p->floating[i])) {
			t->has[i] = false;
			continue;
		}
		p->delta[i] += t->has[i] ? now - t->last[i] : now;
		t->last[i] = now;
		t->has[i] = true;
	}
}

static void warn_once(struct poller *p, const char *path, const char *why)
{
	size_t i;

	if (!p->verbose)
		return;
	for (i = 0; i < p->warned.n; i++)
		if (strcmp(p->warned.v[i], path) == 0)
			return;
	tool_warn("skipping %s: %s", path, why);
	pathlist_add(&p->warned, path);
}

static void sample_file(struct poller *p, const char *path)
{
	struct mmstats_snapshot snap;
	struct tracked *t;
	struct stat st;
	bool partial;
	char why[256];
	int err;

	err = snap_read(path, &snap, &st, why, sizeof(why), &partial);
	if (err < 0 && !partial) {
		/* A writer may exit between listing and reading. */
		if (err != -ENOENT)
			warn_once(p, path, why);
		goto out;
	}
	/* Follow the inode read: a file replaced under its name is new. */
	if (!filter_match(p->filter, &snap))
		goto out;
	t = track(p, &st);
	if (t)
		account(p, t, &snap);
out:
	mmstats_snapshot_free(&snap);
}

/* Forget the files that were not there this time. */
static void forget_gone(struct poller *p)
{
	size_t i, j;

	for (i = j = 0; i < p->nfiles; i++) {
		if (!p->files[i].seen) {
			free(p->files[i].last);
			free(p->files[i].has);
			continue;
		}
		p->files[i].seen = false;
		p->files[j++] = p->files[i];
	}
	p->nfiles = j;
}

int poll_sample(struct poller *p)
{
	struct pathlist paths = PATHLIST_INIT;
	size_t i;
	int err;

	/* A directory that cannot be listed now may be readable later. */
	err = files_expand_args(p->args, p->nargs, &paths, NULL);
	if (err != -ENOMEM)
		err = 0;
	for (i = 0; i < p->nfields; i++)
		p->delta[i] = 0;
	for (i = 0; i < paths.n; i++)
		sample_file(p, paths.v[i]);
	forget_gone(p);
	pathlist_free(&paths);
	return err;
}

void poller_free(struct poller *p)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++) {
		free(p->files[i].last);
		free(p->files[i].has);
	}
	free(p->files);
	free(p->delta);
	free(p->floating);
	pathlist_free(&p->warned);
}
