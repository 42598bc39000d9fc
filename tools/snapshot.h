/* snapshot.h - reading one mmstats file the way every tool reports it. */
#ifndef TOOLS_SNAPSHOT_H
#define TOOLS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mmstats.h"

/*
 * Read `path` (never through a symlink) into `snap`, which is always
 * left safe to free.  Returns 0, or -errno with the reason in `why`.
 * After a parse error the fields before it are in `snap` (*partial).
 */
int snap_read(const char *path, struct mmstats_snapshot *snap,
	      char *why, size_t whylen, bool *partial);

/* A value as the reference prints it, appended to `b`. */
void snap_render(struct buf *b, const struct mmstats_value *v);

/* "alive", "stale" or "unknown". */
const char *snap_liveness_name(enum mmstats_liveness l);

/* Display width of UTF-8 text in code points, as Python's len(str). */
size_t utf8_width(const char *s);

/*
 * Length (1..4) of the valid UTF-8 sequence at s, of at most len bytes;
 * 0 for an invalid byte, an overlong form, a surrogate or past U+10FFFF.
 */
size_t utf8_seq_len(const unsigned char *s, size_t len);

#endif
