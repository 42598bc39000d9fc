/*
 * xattr.c - a label file's notes as extended attributes.
 *
 * A process's label (/<pid>/<label>) shows the notes of the file whose
 * value speaks for it, the main thread's, as its strings do; the notes
 * of the other files are not compared (the writers of one program give a
 * label one meaning; a file that says otherwise is not believed over the
 * main thread's).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "bulk.h"
#include "histfile.h"
#include "xattr.h"

const char *mfs_xattr_kind(enum mmstats_metric m, bool histogram_file)
{
	if (histogram_file)
		return "histogram";
	switch (m) {
	case MMSTATS_METRIC_COUNTER:
		return "counter";
	case MMSTATS_METRIC_GAUGE:
		return "gauge";
	case MMSTATS_METRIC_INFO:
		return "info";
	case MMSTATS_METRIC_HISTOGRAM_SUM:
	case MMSTATS_METRIC_HISTOGRAM_BUCKET:
		return "histogram";
	default:
		return "unknown";
	}
}

static void add(struct mfs_xattrs *x, const char *name, const char *value)
{
	if (x->n < MFS_XATTR_MAX) {
		x->name[x->n] = name;
		x->value[x->n++] = value;
	}
}

/* Every name is a literal, checked here against MFS_XATTR_NAME_MAX. */
#define ADD(x, suffix, value) do {					\
	_Static_assert(sizeof(MFS_XATTR_PREFIX suffix) <= MFS_XATTR_NAME_MAX, \
		       "xattr name longer than MFS_XATTR_NAME_MAX");	\
	add((x), MFS_XATTR_PREFIX suffix, (value));			\
} while (0)

static void from_probe(struct mfs_xattrs *x, const struct mfs_probe *p)
{
	snprintf(x->kind, sizeof(x->kind), "%s",
		 mfs_xattr_kind(p->metric, p->named));
	snprintf(x->unit, sizeof(x->unit), "%s", p->unit);
	snprintf(x->help, sizeof(x->help), "%s", p->help);
	ADD(x, "kind", x->kind);
	if (x->unit[0])
		ADD(x, "unit", x->unit);
	if (x->help[0])
		ADD(x, "help", x->help);
}

/* Probe every file of t; the one that speaks for them gives the notes. */
static int probe_target(struct mfs *fs, const struct mfs_caller *who,
			const struct mfs_target *t, struct mfs_xattrs *x)
{
	struct mfs_probe *p = calloc(t->nrefs ? t->nrefs : 1, sizeof(*p));
	struct mfs_agg_input *in = calloc(t->nrefs ? t->nrefs : 1, sizeof(*in));
	size_t i;
	long rep;
	int err = p && in ? 0 : -ENOMEM;

	for (i = 0; i < t->nrefs && !err; i++) {
		mfs_probe_init(&p[i], t->label);
		err = mfs_statfile_load(fs, who, &t->refs[i], t->label,
					mfs_probe_read, &p[i], mfs_probe_undo);
		in[i].stat = err ? NULL : &p[i].v.stat;
		if (err == -ENOENT)
			err = 0;
		in[i].main = t->refs[i].main;
		in[i].created = t->refs[i].created;
		in[i].name = t->refs[i].name;
	}
	rep = err ? -1 : mfs_agg_representative(in, t->nrefs);
	if (!err && rep < 0)
		err = -ENOENT;
	if (!err)
		from_probe(x, &p[rep]);
	for (i = 0; p && i < t->nrefs; i++)
		mfs_probe_free(&p[i]);
	free(p);
	free(in);
	return err;
}

/* /programs/<name>/<label>: as its value, summed or the oldest's. */
static int from_program(struct mfs *fs, const struct mfs_caller *who,
			fuse_ino_t ino, struct mfs_xattrs *x)
{
	struct mfs_notes_copy *nc = malloc(sizeof(*nc));
	struct mfs_probe *p = malloc(sizeof(*p));
	int err = nc && p ? mfs_bulk_notes(fs, who, ino, nc) : -ENOMEM;

	if (!err) {
		mfs_probe_init(p, NULL);
		p->metric = nc->metric;
		p->named = nc->histogram;
		snprintf(p->unit, sizeof(p->unit), "%s", nc->unit);
		snprintf(p->help, sizeof(p->help), "%s", nc->help);
		from_probe(x, p);
	}
	free(nc);
	free(p);
	return err == -ENOTSUP ? 0 : err;
}

int mfs_xattrs_of(struct mfs *fs, const struct mfs_caller *who,
		  fuse_ino_t ino, struct mfs_xattrs *x)
{
	struct mfs_target t;
	enum mfs_kind kind;
	int err;

	memset(x, 0, sizeof(*x));
	if ((err = mfs_node_kind(fs, ino, &kind, NULL)))
		return err;
	if (kind == MFS_PROG_LABEL)
		return from_program(fs, who, ino, x);
	if (kind != MFS_SRC_LABEL && kind != MFS_PID_LABEL)
		return 0;
	if ((err = mfs_statfile_target(fs, who, ino, &t)))
		return err == -EISDIR ? 0 : err;
	err = probe_target(fs, who, &t, x);
	mfs_target_free(&t);
	return err;
}

const char *mfs_xattr_find(const struct mfs_xattrs *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (!strcmp(x->name[i], name))
			return x->value[i];
	return NULL;
}

size_t mfs_xattr_list(const struct mfs_xattrs *x, char *buf, size_t cap)
{
	size_t i, len, used = 0;

	for (i = 0; i < x->n; i++) {
		len = strlen(x->name[i]) + 1;
		if (used + len <= cap)
			memcpy(buf + used, x->name[i], len);
		used += len;
	}
	return used;
}
