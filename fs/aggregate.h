/* aggregate.h - the process-wide value of a label. */
#ifndef MFS_AGGREGATE_H
#define MFS_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "mmstats.h"

/* One file of the process, and its field of the label (or NULL). */
struct mfs_agg_input {
	const struct mmstats_stat *stat;
	bool main;		/* the file that speaks for the process:
				 * mfs_model_main_src() */
	double created;		/* sys.created, to find the oldest file */
	const char *name;	/* the file's, to order files made at once
				 * (the reference copies the main thread's
				 * sys.created into every thread's file), or
				 * NULL */
};

/*
 * Render the process-wide value of one label into buf, as
 * mmstats_render() does (no newline):
 *  - when every file that has the field holds a buffered integer (a
 *    counter, uint64, int32, ...), their exact sum: computed in 128 bits,
 *    so it never wraps, and printed in full even past 64 bits;
 *  - when the main thread's (else the oldest) file's field is a
 *    histogram's sum (notes), the sum of the files' histogram sums;
 *  - otherwise (static fields such as sys.pid, floats, strings, bools, or
 *    types that differ between files) the value of the main thread's file,
 *    else of the oldest file that has the field (of equals, the first by
 *    name).
 * Returns the length needed (like snprintf), -ENOENT when no file has the
 * field, or another -errno.
 */
int mfs_aggregate(const struct mfs_agg_input *in, size_t n, char *buf,
		  size_t len);

/*
 * The index of the input whose value speaks for the process (the main
 * thread's file, else the oldest, as above), or -1 when none has the
 * field.
 */
long mfs_agg_representative(const struct mfs_agg_input *in, size_t n);

/*
 * A sum as mfs_aggregate() prints it, all its digits (printf has no
 * 128-bit conversion), into buf: returns the length needed, as snprintf.
 */
int mfs_render_i128(__int128 v, char *buf, size_t len);

#endif
