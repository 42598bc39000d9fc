/*
 * mapped.h - a file mapped read-only and parsed from its mapping.
 */
#ifndef MMS_MAPPED_H
#define MMS_MAPPED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "parse.h"

struct mms_mapped {
	const unsigned char *base;	/* MAP_SHARED, PROT_READ; or NULL */
	size_t len;			/* bytes mapped: the size then */
	struct mms_fieldinfo *info;	/* one per field, when asked for */
	size_t end;			/* where parsing stopped */
	bool end_clean;			/* at a zero label size, or the end */
	bool limited;			/* before the first field past lim */
};

/*
 * Map the first len bytes of fd (its size, as the caller just saw it)
 * and parse them into snap, under the SIGBUS guard, between two fstats
 * of fd, the second into *after.  A file that changed meanwhile (its
 * change time moved) is read again; one that kept changing gives no
 * field and -ESTALE.  Returns snap->err, or -errno when the file could
 * not be mapped (nothing is then held).  Files that are empty or too big
 * are not mapped, only described in snap.  lim (NULL: none) bounds the
 * fields read (-E2BIG past it, m->limited: see mms_parse_fields()).
 */
int mms_mapped_read(int fd, size_t len, const struct mmstats_limits *lim,
		    struct mmstats_snapshot *snap, bool want_info,
		    struct mms_mapped *m, struct stat *after);

/* Load a u16 at off of the mapping, guarded: 0 past the end or on a fault. */
int mms_mapped_u16(const struct mms_mapped *m, size_t off, uint16_t *v);

/* A file's change time in nanoseconds (see mapped.c). */
uint64_t mms_ctime_ns(const struct stat *st);

void mms_mapped_release(struct mms_mapped *m);

#endif
