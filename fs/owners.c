/*
 * owners.c - each user's files, counted.
 */
#include <stdlib.h>

#include "owners.h"

void mfs_limits_default(struct mfs_limits *lim)
{
	lim->file.max_fields = MFS_DEFAULT_MAX_FIELDS;
	lim->file.max_label_bytes = MFS_DEFAULT_MAX_LABEL_BYTES;
	lim->owner_files = MFS_DEFAULT_OWNER_FILES;
	lim->owner_fields = MFS_DEFAULT_OWNER_FIELDS;
	lim->owner_bytes = MFS_DEFAULT_OWNER_BYTES;
}

static size_t bucket(uid_t uid)
{
	return (size_t)uid % MFS_OWNER_BUCKETS;
}

struct mfs_owner *mfs_owner_find(const struct mfs_owners *os, uid_t uid)
{
	struct mfs_owner *o;

	for (o = os->hash[bucket(uid)]; o; o = o->next)
		if (o->uid == uid)
			return o;
	return NULL;
}

struct mfs_owner *mfs_owner_get(struct mfs_owners *os, uid_t uid)
{
	struct mfs_owner *o = mfs_owner_find(os, uid);

	if (o || !(o = calloc(1, sizeof(*o))))
		return o;
	o->uid = uid;
	o->next = os->hash[bucket(uid)];
	os->hash[bucket(uid)] = o;
	return o;
}

void mfs_owner_put(struct mfs_owners *os, struct mfs_owner *o)
{
	struct mfs_owner **pp = &os->hash[bucket(o->uid)];

	if (o->files || o->kept || o->kept_bytes)
		return;
	while (*pp != o)
		pp = &(*pp)->next;
	*pp = o->next;
	free(o);
}

void mfs_owners_free(struct mfs_owners *os)
{
	struct mfs_owner *o, *next;
	size_t b;

	for (b = 0; b < MFS_OWNER_BUCKETS; b++) {
		for (o = os->hash[b]; o; o = next) {
			next = o->next;
			free(o);
		}
		os->hash[b] = NULL;
	}
}

static bool within(size_t used, size_t more, size_t limit)
{
	return !limit || (used <= limit && more <= limit - used);
}

bool mfs_owner_room_file(const struct mfs_limits *lim,
			 const struct mfs_owner *o)
{
	return within(o->files, 1, lim->owner_files);
}

bool mfs_owner_room_index(const struct mfs_limits *lim,
			  const struct mfs_owner *o, size_t had_fields,
			  size_t had_bytes, size_t fields, size_t bytes)
{
	return within(o->fields - had_fields, fields, lim->owner_fields) &&
	       within(o->bytes - had_bytes, bytes, lim->owner_bytes);
}

bool mfs_owner_room_kept(const struct mfs_limits *lim,
			 const struct mfs_owner *o, size_t fields,
			 size_t bytes)
{
	return within(o->kept, fields, lim->owner_fields) &&
	       within(o->kept_bytes, bytes, lim->owner_bytes);
}
