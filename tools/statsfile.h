/* statsfile.h - reading one mmstats file the way every tool reports it. */
#ifndef TOOLS_STATSFILE_H
#define TOOLS_STATSFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mmstats.h"

struct stat;

/*
 * Read `path` (never through a symlink) into `snap`, which is always
 * left safe to free.  Returns 0, or -errno with the reason in `why`.
 * After a parse error the fields before it are in `snap` (*partial).
 * `st` (may be NULL) gets the fstat of the very file read, which the
 * name may no longer lead to.
 */
int snap_read(const char *path, struct mmstats_snapshot *snap,
	      struct stat *st, char *why, size_t whylen, bool *partial);

/* A value as the reference prints it, appended to `b`. */
void snap_render(struct buf *b, const struct mmstats_value *v);

/*
 * The writer's pid as we see it (a writer of another PID namespace
 * records its own number there), else as its file has it.
 */
pid_t snap_shown_pid(const struct mmstats_snapshot *snap);

/* "alive", "stale" or "unknown". */
const char *snap_liveness_name(enum mmstats_liveness l);

#endif
