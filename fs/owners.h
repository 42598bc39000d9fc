/*
 * owners.h - what each user's files may cost the daemon.
 *
 * mmstatsfs often serves a directory anyone can write (/tmp) as root, so
 * any local user can plant files there.  What one file costs is bounded
 * by the parse limits (max_fields, max_label_bytes: the fields past them
 * are not read); what one user's files cost together is bounded here, by
 * owner (the file's uid):
 *  - files: the files of an owner the daemon keeps a record of; one more
 *    is not read at all (a stat tells its owner);
 *  - fields and bytes: the fields of the owner's files shown, and what
 *    their index costs (MFS_FIELD_BYTES a field, plus its label); a file
 *    that would go over is not shown (state OVER);
 *  - held: files held mapped, at most a quarter of what the daemon may
 *    hold (budget.c), so one owner cannot leave another's files to be
 *    mapped at each read.
 * Every owner has the same budget, root too: the limits are per user,
 * so what a user plants can never take another user's room.  When an
 * owner's files shrink, or go, its files left out are read again.  Each
 * kind of refusal is logged once per owner, however many files it hits.
 */
#ifndef MFS_OWNERS_H
#define MFS_OWNERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "mmstats.h"

/*
 * What indexing a field costs the daemon besides its label, measured
 * (tests/integration/test_rel_owners.sh): the parsed field and where to
 * find its value (the library's map), its name and hash entry
 * (fieldnames.c), and its nodes in /files, /<pid> and /<pid>/task.
 */
#define MFS_FIELD_BYTES		1024

#define MFS_DEFAULT_MAX_FIELDS		50000
#define MFS_DEFAULT_MAX_LABEL_BYTES	(4u << 20)
#define MFS_DEFAULT_OWNER_FILES		4096
#define MFS_DEFAULT_OWNER_FIELDS	50000
#define MFS_DEFAULT_OWNER_BYTES		(64u << 20)

/* The limits; 0 is none. */
struct mfs_limits {
	struct mmstats_limits file;	/* read of one file */
	size_t owner_files;
	size_t owner_fields;
	size_t owner_bytes;
};

struct mfs_owner {
	uid_t uid;
	size_t files;		/* recorded */
	size_t fields, bytes;	/* of the files shown */
	size_t held;		/* files held mapped */
	size_t over;		/* files recorded but not shown: OVER */
	bool refused;		/* a file was not even recorded */
	bool refusal_logged;	/* said: files not recorded */
	bool over_logged;	/* said: files not shown */
	size_t kept, kept_bytes;	/* kept counters, records (kept.h) */
	bool kept_logged;	/* said: counters not kept */
	bool await_logged;	/* said: a process without files not kept
				   waiting for its program (sources.c) */
	struct mfs_owner *next;
};

#define MFS_OWNER_BUCKETS	64

struct mfs_owners {
	struct mfs_owner *hash[MFS_OWNER_BUCKETS];
};

void mfs_limits_default(struct mfs_limits *lim);

/* The owner uid, made on first use; NULL without memory. */
struct mfs_owner *mfs_owner_get(struct mfs_owners *o, uid_t uid);
struct mfs_owner *mfs_owner_find(const struct mfs_owners *o, uid_t uid);
/* Forget o if it has no file and nothing kept left. */
void mfs_owner_put(struct mfs_owners *os, struct mfs_owner *o);
void mfs_owners_free(struct mfs_owners *os);

/* Whether one more file of o may be recorded. */
bool mfs_owner_room_file(const struct mfs_limits *lim,
			 const struct mfs_owner *o);
/*
 * Whether o's shown files may hold a file's index of `fields` and
 * `bytes` where it now holds `had_fields` and `had_bytes` of it.
 */
bool mfs_owner_room_index(const struct mfs_limits *lim,
			  const struct mfs_owner *o, size_t had_fields,
			  size_t had_bytes, size_t fields, size_t bytes);
/*
 * Whether o may keep `fields` more kept counters or records of `bytes`
 * (kept.h): a budget of owner_fields and owner_bytes of its own.
 */
bool mfs_owner_room_kept(const struct mfs_limits *lim,
			 const struct mfs_owner *o, size_t fields,
			 size_t bytes);

#endif
