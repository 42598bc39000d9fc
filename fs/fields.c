/*
 * fields.c - name the fields of one file.
 *
 * Duplicates are found with a small open-addressing set over the names
 * made so far: a file of thousands of fields is named in linear time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "names.h"

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Insert name into the set unless present; returns whether it was new. */
static int set_add(char **set, size_t mask, char *name)
{
	size_t i = str_hash(name) & mask;

	while (set[i]) {
		if (!strcmp(set[i], name))
			return 0;
		i = (i + 1) & mask;
	}
	set[i] = name;
	return 1;
}

static int name_one(const struct mmstats_stat *st, char **set, size_t mask,
		    char **out)
{
	char buf[MFS_NAME_MAX + 1];
	unsigned dup = 0;

	for (;;) {
		mfs_name_encode(st->raw_label, st->raw_label_len, dup, buf);
		if (!(*out = strdup(buf)))
			return -ENOMEM;
		if (set_add(set, mask, *out))
			return 0;
		free(*out);
		*out = NULL;
		dup++;
	}
}

int mfs_fieldnames_make(const struct mmstats_snapshot *snap,
			struct mfs_fieldnames *out)
{
	size_t cap = 16, i;
	char **set;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (cap < 2 * snap->nstats)
		cap *= 2;
	set = calloc(cap, sizeof(*set));
	out->name = calloc(snap->nstats ? snap->nstats : 1, sizeof(char *));
	if (!set || !out->name) {
		free(set);
		free(out->name);
		out->name = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < snap->nstats && !err; i++) {
		err = name_one(&snap->stats[i], set, cap - 1, &out->name[i]);
		if (!err)
			out->n++;
	}
	free(set);
	if (err)
		mfs_fieldnames_free(out);
	return err;
}

void mfs_fieldnames_free(struct mfs_fieldnames *fn)
{
	size_t i;

	for (i = 0; i < fn->n; i++)
		free(fn->name[i]);
	free(fn->name);
	memset(fn, 0, sizeof(*fn));
}

long mfs_fieldnames_find(const struct mfs_fieldnames *fn, const char *name)
{
	size_t i;

	for (i = 0; i < fn->n; i++)
		if (!strcmp(fn->name[i], name))
			return (long)i;
	return -1;
}

/* The (dup + 1)-th field whose raw label is label[0..len). */
static long nth_with_label(const struct mmstats_snapshot *snap,
			   const unsigned char *label, size_t len,
			   unsigned dup)
{
	size_t i;

	for (i = 0; i < snap->nstats; i++) {
		const struct mmstats_stat *st = &snap->stats[i];

		if (st->raw_label_len == len &&
		    !memcmp(st->raw_label, label, len) && dup-- == 0)
			return (long)i;
	}
	return -1;
}

long mfs_field_lookup(const struct mmstats_snapshot *snap, const char *name)
{
	unsigned char label[MFS_NAME_MAX];
	struct mfs_fieldnames fn;
	unsigned dup;
	long i;
	int len;

	/*
	 * A name that is not shortened says which label it is: encoding is
	 * injective, and only that label's earlier fields can take the
	 * names before it ("%#" and "%~" never come out of a label).
	 */
	len = mfs_name_decode(name, label, sizeof(label), &dup);
	if (len >= 0)
		return nth_with_label(snap, label, (size_t)len, dup);
	if (len != -ENAMETOOLONG)
		return -1;
	if (mfs_fieldnames_make(snap, &fn) < 0)
		return -ENOMEM;
	i = mfs_fieldnames_find(&fn, name);
	mfs_fieldnames_free(&fn);
	return i;
}
