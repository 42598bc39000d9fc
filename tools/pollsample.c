/*
 * pollsample.c - follow files by inode and sum their changes per field,
 * over the files of live writers (see pollsample.h).
 */
#include "pollsample.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "statsfile.h"
#include "termtext.h"

/* A file being followed: its last values, by field. */
struct tracked {
	dev_t dev;
	ino_t ino;
	bool seen;		/* in the current sample */
	bool fresh;		/* first seen in the current sample */
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
	nfields = nfields ? nfields : 1;
	p->delta = calloc(nfields, sizeof(*p->delta));
	p->floating = calloc(nfields, sizeof(*p->floating));
	p->found = calloc(nfields, sizeof(*p->found));
	p->numeric = calloc(nfields, sizeof(*p->numeric));
	p->found_stale = calloc(nfields, sizeof(*p->found_stale));
	p->texts = calloc(nfields, sizeof(*p->texts));
	p->texts_width = calloc(nfields, sizeof(*p->texts_width));
	p->value = calloc(nfields, sizeof(*p->value));
	p->metric = calloc(nfields, sizeof(*p->metric));
	p->unit = calloc(nfields, sizeof(*p->unit));
	if (!p->value || !p->metric || !p->unit || !p->delta || !p->floating || !p->found || !p->numeric ||
	    !p->found_stale || !p->texts || !p->texts_width) {
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
	t->fresh = true;
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

/*
 * A string field's text, kept once per distinct text, until the texts
 * kept, joined by ',', are wider than `limit` (SIZE_MAX: no limit): the
 * column shows no more than that, and each file that plants a text of
 * its own would otherwise cost a search through all the others, every
 * sample.  The cut is the last text kept: what is shown is the same.
 */
static int add_text(struct pathlist *texts, size_t *width, size_t limit,
		    const struct mmstats_value *v)
{
	char *s;
	size_t i;
	int err;

	if (*width > limit)
		return 0;
	s = strndup(v->v.str.ptr ? v->v.str.ptr : "", v->v.str.len);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < texts->n; i++)
		if (strcmp(texts->v[i], s) == 0)
			break;
	err = 0;
	if (i == texts->n) {
		err = pathlist_add(texts, s);
		if (!err)
			*width += (i ? 1 : 0) + text_width(s);
	}
	free(s);
	return err;
}

/* What field i is, from the first file whose notes say it. */
static void learn(struct poller *p, size_t i, const struct mmstats_stat *st)
{
	if (p->metric[i] != MMSTATS_METRIC_UNKNOWN ||
	    st->notes.metric == MMSTATS_METRIC_UNKNOWN)
		return;
	p->metric[i] = st->notes.metric;
	snprintf(p->unit[i], sizeof(p->unit[i]), "%s", st->notes.unit);
	p->learned = true;
}

/*
 * Add this file's changes since its last sample to the deltas.  A file
 * first seen after the first sample only sets its starting point: its
 * values are its whole life's, which may be long (a file replaced, a
 * directory readable again, a filter that matches it now), and would
 * all land in one interval.
 */
static int account(struct poller *p, struct tracked *t,
		   const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st;
	bool had, seed = t->fresh && p->sampled;
	long double now;
	size_t i;
	int err;

	t->seen = true;
	for (i = 0; i < p->nfields; i++) {
		st = find_exact(snap, p->fields[i]);
		had = t->has[i];
		t->has[i] = false;
		if (!st)
			continue;
		p->found[i] = true;
		if (st->value.kind == MMSTATS_KIND_STRING) {
			err = add_text(&p->texts[i], &p->texts_width[i],
				       p->text_limits ? p->text_limits[i] :
				       SIZE_MAX, &st->value);
			if (err)
				return err;
			continue;
		}
		learn(p, i, st);
		if (!numeric_value(&st->value, &now, &p->floating[i]))
			continue;
		p->numeric[i] = true;
		p->value[i] += now;
		if (had)
			p->delta[i] += now - t->last[i];
		else if (!seed)
			p->delta[i] += now;
		t->last[i] = now;
		t->has[i] = true;
	}
	t->fresh = false;
	return 0;
}

/*
 * Say something about `path` once in the run: a file that stays bad, or
 * stale, would otherwise repeat its line every sample.
 */
static void say_once(struct poller *p, const char *path, const char *why)
{
	size_t i;

	for (i = 0; i < p->warned.n; i++)
		if (strcmp(p->warned.v[i], path) == 0)
			return;
	tool_warn("%s: %s", path, why);
	pathlist_add(&p->warned, path);
}

/* A stale file left out: its fields tell the user what -a would add. */
static void leave_out(struct poller *p, const char *path,
		      const struct mmstats_snapshot *snap)
{
	char why[64];
	size_t i;

	for (i = 0; i < p->nfields; i++)
		if (find_exact(snap, p->fields[i]))
			p->found_stale[i] = true;
	if (!p->verbose)
		return;
	snprintf(why, sizeof(why), "writer %d is gone, not counted",
		 (int)snap_shown_pid(snap));
	say_once(p, path, why);
}

static int sample_file(struct poller *p, const char *path)
{
	struct mmstats_snapshot snap;
	struct tracked *t;
	struct stat st;
	bool partial;
	char why[256];
	int err;

	err = snap_read(path, &snap, &st, why, sizeof(why), &partial);
	/* A writer may exit between listing and reading: no error. */
	if (err == -ENOENT) {
		err = 0;
		goto out;
	}
	if (err < 0) {
		say_once(p, path, why);
		p->failed = true;
		err = 0;
		/* The fields before a corrupt one still count. */
		if (!partial || snap.nstats == 0)
			goto out;
	}
	p->read++;
	if (!filter_match(p->filter, &snap))
		goto out;
	if (!p->all && mmstats_liveness(&snap) == MMSTATS_STALE) {
		leave_out(p, path, &snap);
		goto out;
	}
	/* Follow the inode read: a file replaced under its name is new. */
	t = track(p, &st);
	if (!t) {
		err = -ENOMEM;
		goto out;
	}
	p->counted++;
	err = account(p, t, &snap);
out:
	mmstats_snapshot_free(&snap);
	return err;
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

static void reset(struct poller *p)
{
	size_t i;

	for (i = 0; i < p->nfields; i++) {
		p->delta[i] = p->value[i] = 0;
		p->found[i] = p->numeric[i] = p->found_stale[i] = false;
		pathlist_free(&p->texts[i]);
		p->texts_width[i] = 0;
	}
	p->counted = p->read = 0;
	p->learned = false;
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sample(struct poller *p, bool first)
{
	struct pathlist paths = PATHLIST_INIT;
	double now = monotonic_now();
	size_t i;
	int err;

	/* the time between two readings, not the delay asked for */
	p->elapsed = first ? 0 : now - p->taken;
	p->taken = now;
	/*
	 * At the start, what was asked for must be there.  Later, a
	 * directory that empties or cannot be listed now may fill or be
	 * readable again: writers come and go.
	 */
	if (first)
		err = files_expand_args_strict(p->args, p->nargs, &paths,
					       tool_report_why);
	else
		err = files_expand_args(p->args, p->nargs, &paths, NULL);
	if (err && err != -ENOMEM) {
		p->failed |= first;
		err = 0;
	}
	reset(p);
	for (i = 0; i < paths.n && !err; i++)
		err = sample_file(p, paths.v[i]);
	forget_gone(p);
	pathlist_free(&paths);
	p->sampled = true;
	return err;
}

int poll_start(struct poller *p)
{
	return sample(p, true);
}

int poll_sample(struct poller *p)
{
	return sample(p, false);
}

bool poll_is_rate(const struct poller *p, size_t i)
{
	switch (p->metric[i]) {
	case MMSTATS_METRIC_COUNTER:
	case MMSTATS_METRIC_HISTOGRAM_SUM:
	case MMSTATS_METRIC_HISTOGRAM_BUCKET:
		return true;
	default:
		return false;
	}
}

bool poll_is_value(const struct poller *p, size_t i)
{
	return p->metric[i] != MMSTATS_METRIC_UNKNOWN && !poll_is_rate(p, i);
}

char *poll_title(const struct poller *p, size_t i, const char *name)
{
	char *t;
	int n;

	if (poll_is_rate(p, i) && *p->unit[i])
		n = asprintf(&t, "%s (%s/s)", name, p->unit[i]);
	else if (poll_is_rate(p, i))
		n = asprintf(&t, "%s/s", name);
	else if (*p->unit[i])
		n = asprintf(&t, "%s (%s)", name, p->unit[i]);
	else
		n = asprintf(&t, "%s", name);
	return n < 0 ? NULL : t;
}

void poller_free(struct poller *p)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++) {
		free(p->files[i].last);
		free(p->files[i].has);
	}
	free(p->files);
	if (p->texts)
		for (i = 0; i < p->nfields; i++)
			pathlist_free(&p->texts[i]);
	free(p->texts);
	free(p->texts_width);
	free(p->delta);
	free(p->value);
	free(p->metric);
	free(p->unit);
	free(p->floating);
	free(p->found);
	free(p->numeric);
	free(p->found_stale);
	pathlist_free(&p->warned);
}
