/*
 * fieldnames.c - name the fields of one file.
 *
 * The n-th field with a label is named with dup = n - 1, which takes one
 * counter per label (kept by the label's first name), not a search for
 * the first free dup: a file of 100,000 fields with one label is named
 * in linear time.  Names are unique because encoding is injective, but
 * for labels too long for a name, which end in a hash of the label: two
 * such labels that share a head and a hash could still meet, so a name
 * already taken moves its label's counter on until it is free.
 *
 * Each table's hash is seeded at random: labels are whatever any user
 * writes, and must not be able to pick names that all land in one bucket.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fieldnames.h"
#include "hash.h"
#include "names.h"

/* Names are kept as offsets into a growing arena until it is whole. */
struct namer {
	uint64_t seed;
	char *arena;
	size_t used, cap;
	size_t *at;		/* offset of each name */
	size_t nfields;		/* names [0, nfields) are the fields' */
	uint32_t *hist_sum;	/* the .sum of each histogram's name */
	uint32_t *slots;	/* names made so far: field index + 1 */
	uint32_t *count;	/* per field: names its label has had */
	size_t mask;
};

static const char *name_at(const struct namer *w, size_t i)
{
	return w->arena + w->at[i];
}

/* The slot of `name` (taken by it) or of the free slot it would take. */
static size_t probe(const struct namer *w, const char *name)
{
	size_t i = mfs_hash_mix(mfs_hash_str(w->seed, name)) & w->mask;

	while (w->slots[i] && strcmp(name_at(w, w->slots[i] - 1), name))
		i = (i + 1) & w->mask;
	return i;
}

static int append(struct namer *w, const char *name, size_t len, size_t i)
{
	char *grown;
	size_t cap;

	if (w->used + len + 1 > w->cap) {
		cap = 2 * w->cap + len + 1;
		if (!(grown = realloc(w->arena, cap)))
			return -ENOMEM;
		w->arena = grown;
		w->cap = cap;
	}
	memcpy(w->arena + w->used, name, len + 1);
	w->at[i] = w->used;
	w->used += len + 1;
	return 0;
}

/*
 * The name of a label's n-th field (dup = n - 1), given the name of its
 * first: the first's with "%#n" after it, unless that would be too long
 * and the label must be shortened more.
 */
static size_t dup_name(const struct mmstats_stat *st, const char *first,
		       size_t first_len, unsigned dup, char *buf)
{
	char suffix[16];
	size_t n = mfs_name_dup_suffix(dup, suffix);

	/* a shortened name ends in "%~" and 16 hex digits */
	if (first_len + n > MFS_NAME_MAX ||
	    (first_len >= 18 && !memcmp(first + first_len - 18, "%~", 2)))
		return mfs_name_encode(st->raw_label, st->raw_label_len, dup,
				       buf);
	memcpy(buf, first, first_len);
	memcpy(buf + first_len, suffix, n + 1);
	return first_len + n;
}

/*
 * Field i: its label's counter is kept by the field that first had the
 * label's dup-0 name (`first`), so each field costs a bounded number of
 * probes unless hashes of long labels collide.
 */
static int name_field(struct namer *w, const struct mmstats_stat *st,
		      size_t i)
{
	char base[MFS_NAME_MAX + 1], buf[MFS_NAME_MAX + 1];
	size_t base_len, len, slot, first;
	int err;

	base_len = mfs_name_encode(st->raw_label, st->raw_label_len, 0, base);
	slot = probe(w, base);
	first = w->slots[slot] ? w->slots[slot] - 1 : i;
	memcpy(buf, base, base_len + 1);
	len = base_len;
	for (;;) {
		if (w->count[first])
			len = dup_name(st, base, base_len, w->count[first],
				       buf);
		w->count[first]++;
		slot = probe(w, buf);
		if (!w->slots[slot])
			break;
	}
	if ((err = append(w, buf, len, i)) < 0)
		return err;
	w->slots[slot] = (uint32_t)i + 1;
	return 0;
}

/* A histogram's sum, with a name for the histogram (histfile.h). */
static bool names_hist(const struct mmstats_stat *st)
{
	return st->notes.metric == MMSTATS_METRIC_HISTOGRAM_SUM &&
	       st->notes.name_len > 0 &&
	       st->notes.name_len < st->raw_label_len;
}

/*
 * Name the histogram of sum field i after the names made so far (*j of
 * them), if its name is free: a label of the file wins over it.
 */
static int name_hist(struct namer *w, const struct mmstats_stat *st,
		     size_t i, size_t *j)
{
	char buf[MFS_NAME_MAX + 1];
	size_t len, slot;
	int err;

	len = mfs_name_encode(st->raw_label, st->notes.name_len, 0, buf);
	slot = probe(w, buf);
	if (w->slots[slot])
		return 0;
	if ((err = append(w, buf, len, *j)) < 0)
		return err;
	w->slots[slot] = (uint32_t)*j + 1;
	w->hist_sum[(*j)++ - w->nfields] = (uint32_t)i;
	return 0;
}

static int namer_init(struct namer *w, size_t n, size_t nhist)
{
	size_t cap = 16;

	while (cap < 2 * (n + nhist))
		cap *= 2;
	memset(w, 0, sizeof(*w));
	w->seed = mfs_hash_seed();
	w->mask = cap - 1;
	w->nfields = n;
	w->slots = calloc(cap, sizeof(*w->slots));
	w->count = calloc(n ? n : 1, sizeof(*w->count));
	w->at = calloc(n + nhist ? n + nhist : 1, sizeof(*w->at));
	w->hist_sum = calloc(nhist ? nhist : 1, sizeof(*w->hist_sum));
	w->cap = 32 * n + 64;
	w->arena = malloc(w->cap);
	return w->slots && w->count && w->at && w->hist_sum && w->arena ?
	       0 : -ENOMEM;
}

/* Hand the n names over: pointers into the arena, and the table. */
static int namer_finish(struct namer *w, size_t n, struct mfs_fieldnames *fn)
{
	size_t i;

	if (!(fn->name = calloc(n ? n : 1, sizeof(*fn->name))))
		return -ENOMEM;
	for (i = 0; i < n; i++)
		fn->name[i] = w->arena + w->at[i];
	fn->n = n;
	fn->nfields = w->nfields;
	fn->hist_sum = w->hist_sum;
	fn->arena = w->arena;
	fn->table = w->slots;
	fn->mask = w->mask;
	fn->seed = w->seed;
	w->hist_sum = NULL;
	w->arena = NULL;
	w->slots = NULL;
	return 0;
}

static void namer_free(struct namer *w)
{
	free(w->arena);
	free(w->at);
	free(w->hist_sum);
	free(w->slots);
	free(w->count);
}

int mfs_fieldnames_make(const struct mmstats_snapshot *snap,
			struct mfs_fieldnames *out)
{
	struct namer w;
	size_t i, nhist = 0, n = snap->nstats;
	int err;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < snap->nstats; i++)
		nhist += names_hist(&snap->stats[i]);
	err = namer_init(&w, snap->nstats, nhist);
	for (i = 0; i < snap->nstats && !err; i++)
		err = name_field(&w, &snap->stats[i], i);
	for (i = 0; i < snap->nstats && nhist && !err; i++)
		if (names_hist(&snap->stats[i]))
			err = name_hist(&w, &snap->stats[i], i, &n);
	if (!err)
		err = namer_finish(&w, n, out);
	namer_free(&w);
	return err;
}

void mfs_fieldnames_free(struct mfs_fieldnames *fn)
{
	free(fn->name);
	free(fn->hist_sum);
	free(fn->arena);
	free(fn->table);
	memset(fn, 0, sizeof(*fn));
}

/* The name index of `name`, or -1. */
static long name_index(const struct mfs_fieldnames *fn, const char *name)
{
	size_t i;

	if (!fn->table)
		return -1;
	for (i = mfs_hash_mix(mfs_hash_str(fn->seed, name)) & fn->mask;
	     fn->table[i];
	     i = (i + 1) & fn->mask)
		if (!strcmp(fn->name[fn->table[i] - 1], name))
			return (long)fn->table[i] - 1;
	return -1;
}

bool mfs_fieldnames_is_hist(const struct mfs_fieldnames *fn, const char *name)
{
	long i = name_index(fn, name);

	return i >= 0 && (size_t)i >= fn->nfields;
}

long mfs_fieldnames_find(const struct mfs_fieldnames *fn, const char *name)
{
	long i = name_index(fn, name);

	return i < 0 ? -1 : (long)mfs_fieldnames_field(fn, (size_t)i);
}
