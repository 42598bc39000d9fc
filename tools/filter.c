/* filter.c - pollstats' key and key=value filters. */
#include "filter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "statsfile.h"

static int add_key(struct filter *f, const char *key)
{
	char **v = reallocarray(f->keys, f->nkeys + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	f->keys = v;
	v[f->nkeys] = strdup(key);
	if (!v[f->nkeys])
		return -ENOMEM;
	f->nkeys++;
	return 0;
}

static int add_kv(struct filter *f, const char *spec, const char *eq)
{
	struct filter_kv *v = reallocarray(f->kvs, f->nkvs + 1, sizeof(*v));
	struct filter_kv kv;

	if (!v)
		return -ENOMEM;
	f->kvs = v;
	kv.key = strndup(spec, (size_t)(eq - spec));
	kv.value = strdup(eq + 1);
	if (!kv.key || !kv.value) {
		free(kv.key);
		free(kv.value);
		return -ENOMEM;
	}
	v[f->nkvs++] = kv;
	return 0;
}

int filter_add(struct filter *f, const char *spec)
{
	const char *eq = strchr(spec, '=');

	if (!*spec || eq == spec)
		return -EINVAL;
	return eq ? add_kv(f, spec, eq) : add_key(f, spec);
}

static bool has_prefixed_label(const struct filter *f,
			       const struct mmstats_snapshot *snap)
{
	size_t i, k;

	for (i = 0; i < snap->nstats; i++)
		for (k = 0; k < f->nkeys; k++)
			if (strncmp(snap->stats[i].label, f->keys[k],
				    strlen(f->keys[k])) == 0)
				return true;
	return false;
}

static bool value_is(const struct mmstats_stat *st, const char *want)
{
	struct buf b = BUF_INIT;
	bool same;

	snap_render(&b, &st->value);
	same = !b.failed && strcmp(b.data ? b.data : "", want) == 0;
	buf_free(&b);
	return same;
}

static bool has_pair(const struct filter *f,
		     const struct mmstats_snapshot *snap)
{
	size_t i, k;

	for (k = 0; k < f->nkvs; k++)
		for (i = 0; i < snap->nstats; i++)
			if (strcmp(snap->stats[i].label, f->kvs[k].key) == 0 &&
			    value_is(&snap->stats[i], f->kvs[k].value))
				return true;
	return false;
}

bool filter_match(const struct filter *f, const struct mmstats_snapshot *snap)
{
	return has_prefixed_label(f, snap) || has_pair(f, snap);
}

void filter_free(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->nkeys; i++)
		free(f->keys[i]);
	for (i = 0; i < f->nkvs; i++) {
		free(f->kvs[i].key);
		free(f->kvs[i].value);
	}
	free(f->keys);
	free(f->kvs);
	memset(f, 0, sizeof(*f));
}
