/* mmash_data.c - load a request's files and answer in JSON. */
#include "mmash_data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "aggr.h"
#include "json.h"

/* One field of one file, for grouping by label. */
struct entry {
	const char *label;
	const struct mmstats_value *value;
	size_t seq;		/* file order, then field order */
};

void mmash_set_free(struct mmash_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		mmstats_snapshot_free(&set->snaps[i]);
	free(set->snaps);
	pathlist_free(&set->paths);
	memset(set, 0, sizeof(*set));
}

/*
 * A client's glob in the directories of $MMSTATS_PATH.  Those of a
 * template come and go with their writers, and one that cannot be
 * listed is passed over, as the default glob passes it over.  Sorted
 * as a whole, as the default glob is: joining each directory's sorted
 * list would put w-a/z before w-a-b/a, which glob() puts after it.
 */
static int match_stats_dirs(const char *client_glob, struct pathlist *paths)
{
	struct pathlist dirs = PATHLIST_INIT;
	bool tmpl;
	size_t i;
	int err;

	err = files_stats_dirs(&dirs, &tmpl);
	for (i = 0; i < dirs.n && !err; i++) {
		err = files_match_dir(dirs.v[i], client_glob, paths);
		if (err == -ENOENT || (tmpl && err != -ENOMEM))
			err = 0;
	}
	if (dirs.n > 1)		/* each one's matches come sorted */
		pathlist_sort(paths);
	pathlist_free(&dirs);
	return err;
}

static int list_files(const struct mmash_conf *conf, const char *client_glob,
		      struct pathlist *paths)
{
	char *arg;
	int err;

	if (!client_glob || !*client_glob) {
		arg = (char *)conf->glob;
		err = files_expand_args(&arg, 1, paths, NULL);
		/* A glob that cannot be listed simply serves nothing. */
		return err == -ENOMEM ? err : 0;
	}
	err = files_check_client_glob(client_glob);
	if (err)
		return err;
	if (!conf->dir)
		return match_stats_dirs(client_glob, paths);
	err = files_match_dir(conf->dir, client_glob, paths);
	/* A missing stats directory simply holds no stats. */
	return err == -ENOENT ? 0 : err;
}

/*
 * Whether a request shows a file: a stale one (writer gone, or its pid
 * reused) only when asked for all.  UNKNOWN (no sys.pid) is shown: no
 * process can be proved gone, and mmstatsfs shows those too.
 */
static bool shown(const struct mmstats_snapshot *s, bool with_stale)
{
	return with_stale || mmstats_liveness(s) != MMSTATS_STALE;
}

/* Read one file into the set; files without fields are no stats. */
static int add_file(struct mmash_set *set, const char *path, bool with_stale)
{
	struct mmstats_snapshot *s = &set->snaps[set->n];
	int err;

	/* The fields before a corrupt one are served, as by the reference. */
	memset(s, 0, sizeof(*s));
	mmstats_read_at(AT_FDCWD, path, s);
	if (s->nstats == 0) {
		mmstats_snapshot_free(s);
		return 0;
	}
	if (!shown(s, with_stale)) {
		set->nstale++;
		mmstats_snapshot_free(s);
		return 0;
	}
	err = pathlist_add(&set->paths, path);
	if (err)
		mmstats_snapshot_free(s);
	else
		set->n++;
	return err;
}

int mmash_set_load(const struct mmash_conf *conf, const char *client_glob,
		   bool with_stale, struct mmash_set *set)
{
	struct pathlist all = PATHLIST_INIT;
	size_t i;
	int err;

	memset(set, 0, sizeof(*set));
	err = list_files(conf, client_glob, &all);
	if (err)
		goto out;
	set->snaps = calloc(all.n ? all.n : 1, sizeof(*set->snaps));
	if (!set->snaps) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < all.n && !err; i++)
		err = add_file(set, all.v[i], with_stale);
out:
	pathlist_free(&all);
	if (err)
		mmash_set_free(set);
	return err;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Every field whose label passes, sorted by label then file order. */
static int collect(const struct mmash_set *set, const char *prefix,
		   bool exact, struct entry **out, size_t *nout)
{
	size_t i, j, n = 0, cap = 0, plen = strlen(prefix);
	struct entry *v = NULL, *nv;

	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->snaps[i].nstats; j++) {
			const struct mmstats_stat *st = &set->snaps[i].stats[j];

			if (exact ? strcmp(st->label, prefix) != 0
				  : strncmp(st->label, prefix, plen) != 0)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				nv = reallocarray(v, cap, sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[n].label = st->label;
			v[n].value = &st->value;
			v[n].seq = n;
			n++;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), entry_cmp);
	*out = v;
	*nout = n;
	return 0;
}

int mmash_labels(const struct mmash_set *set, const char ***out, size_t *nout)
{
	const char **labels;
	struct entry *v;
	size_t n, i, k = 0;
	int err;

	err = collect(set, "", false, &v, &n);
	if (err)
		return err;
	labels = calloc(n ? n : 1, sizeof(*labels));
	if (!labels) {
		free(v);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i].label, v[i - 1].label) != 0)
			labels[k++] = v[i].label;
	free(v);
	*out = labels;
	*nout = k;
	return 0;
}

int mmash_json_labels(const struct mmash_set *set, struct buf *out)
{
	const char **labels;
	size_t n, i;
	int err;

	err = mmash_labels(set, &labels, &n);
	if (err)
		return err;
	buf_puts(out, "{\n  \"stats\": [");
	for (i = 0; i < n; i++) {
		buf_puts(out, i ? ",\n    " : "\n    ");
		json_cstring(out, labels[i]);
	}
	buf_puts(out, n ? "\n  ]\n}\n" : "]\n}\n");
	free(labels);
	return out->failed ? -ENOMEM : 0;
}

static int label_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static const char *metric_name(enum mmstats_metric m)
{
	switch (m) {
	case MMSTATS_METRIC_COUNTER:          return "counter";
	case MMSTATS_METRIC_GAUGE:            return "gauge";
	case MMSTATS_METRIC_INFO:             return "info";
	case MMSTATS_METRIC_HISTOGRAM_SUM:    return "histogram_sum";
	case MMSTATS_METRIC_HISTOGRAM_BUCKET: return "histogram_bucket";
	default:                              return "unknown";
	}
}

int mmash_json_notes(const struct mmash_set *set, struct buf *out)
{
	const struct mmstats_stat **first, *st;
	const char **labels, **at;
	size_t n, i, j, k;
	int err;

	err = mmash_labels(set, &labels, &n);
	if (err)
		return err;
	first = calloc(n + 1, sizeof(*first));
	if (!first) {
		free(labels);
		return -ENOMEM;
	}
	/* the first file that says what a label is, says it for all */
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->snaps[i].nstats; j++) {
			st = &set->snaps[i].stats[j];
			if (st->notes.metric == MMSTATS_METRIC_UNKNOWN)
				continue;
			at = bsearch(st->label, labels, n, sizeof(*labels),
				     label_cmp);
			if (at && !first[at - labels])
				first[at - labels] = st;
		}
	buf_putc(out, '{');
	for (i = k = 0; i < n; i++) {
		if (!(st = first[i]))
			continue;
		buf_puts(out, k++ ? ",\n  " : "\n  ");
		json_cstring(out, labels[i]);
		buf_printf(out, ": {\"metric\": \"%s\", \"unit\": ",
			   metric_name(st->notes.metric));
		json_cstring(out, st->notes.unit);
		buf_puts(out, ", \"help\": ");
		json_cstring(out, st->notes.help);
		buf_putc(out, '}');
	}
	buf_puts(out, k ? "\n}\n" : "}\n");
	free(first);
	free(labels);
	return out->failed ? -ENOMEM : 0;
}

int mmash_json_files(const struct mmash_set *set, struct buf *out)
{
	size_t i;

	buf_puts(out, "{\n  \"files\": [");
	for (i = 0; i < set->paths.n; i++) {
		buf_puts(out, i ? ",\n    " : "\n    ");
		json_cstring(out, set->paths.v[i]);
	}
	buf_puts(out, set->paths.n ? "\n  ]\n}\n" : "]\n}\n");
	return out->failed ? -ENOMEM : 0;
}

/* One label's values [from, to): a list, or their aggregate. */
static int json_group(struct buf *out, const struct entry *v, size_t from,
		      size_t to, int aggr)
{
	struct mmstats_value *vals;
	struct aggr_result result;
	size_t i;
	int err;

	if (aggr == AGGR_NONE) {
		buf_putc(out, '[');
		for (i = from; i < to; i++) {
			if (i > from)
				buf_puts(out, ", ");
			json_value(out, v[i].value);
		}
		buf_putc(out, ']');
		return 0;
	}
	vals = calloc(to - from, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = from; i < to; i++)
		vals[i - from] = *v[i].value;
	err = aggr_apply((enum aggr)aggr, vals, to - from, &result);
	if (!err)
		aggr_json(out, &result);
	free(vals);
	return err;
}

int mmash_json_values_why(const struct mmash_set *set, const char *prefix,
			  bool exact, int aggr, struct buf *out,
			  const char **bad)
{
	struct entry *v;
	size_t n, from, to;
	int err;

	*bad = NULL;
	err = collect(set, prefix, exact, &v, &n);
	if (err)
		return err;
	buf_putc(out, '{');
	for (from = 0; from < n && !err; from = to) {
		to = from + 1;
		while (to < n && strcmp(v[to].label, v[from].label) == 0)
			to++;
		buf_puts(out, from ? ",\n  " : "\n  ");
		json_cstring(out, v[from].label);
		buf_puts(out, ": ");
		err = json_group(out, v, from, to, aggr);
		if (err == -EINVAL)
			*bad = v[from].label;
	}
	buf_puts(out, n ? "\n}\n" : "}\n");
	free(v);
	if (!err && out->failed)
		err = -ENOMEM;
	return err;
}

int mmash_json_values(const struct mmash_set *set, const char *prefix,
		      bool exact, int aggr, struct buf *out)
{
	const char *bad;

	return mmash_json_values_why(set, prefix, exact, aggr, out, &bad);
}
