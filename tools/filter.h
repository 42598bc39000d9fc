/*
 * filter.h - which files pollstats sums, as the reference decides: a file
 * counts if one of its labels starts with a listed field or a KEY filter,
 * or if a KEY=VALUE filter names one of its labels exactly and that
 * field's value, as printed, is VALUE.
 */
#ifndef TOOLS_FILTER_H
#define TOOLS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "mmstats.h"

struct filter_kv {
	char *key, *value;
};

struct filter {
	char **keys;		/* label prefixes */
	size_t nkeys;
	struct filter_kv *kvs;
	size_t nkvs;
};

#define FILTER_INIT { NULL, 0, NULL, 0 }

/* "KEY" or "KEY=VALUE" (split at the first '='); -EINVAL if KEY is empty. */
int filter_add(struct filter *f, const char *spec);
bool filter_match(const struct filter *f, const struct mmstats_snapshot *snap);
void filter_free(struct filter *f);

#endif
