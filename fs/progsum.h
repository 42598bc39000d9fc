/*
 * progsum.h - a program's value of a label (/programs/<name>/<label>):
 * what its files show, summed where a sum means something, with the
 * counters its exited files left (kept.h).
 */
#ifndef MFS_PROGSUM_H
#define MFS_PROGSUM_H

#include <stdbool.h>
#include <stddef.h>

#include "bulkgroup.h"

/*
 * Whether a field is a counter, whose sum over a program keeps its
 * exited processes: an integer whose notes say counter or histogram
 * bucket, or that has none (the reference's files) and is buffered, the
 * rule of a process's sums.
 */
bool mfs_is_counter(const struct mmstats_stat *st);
/* A histogram's sum (B.sum, a double): summed and kept as its buckets. */
bool mfs_is_hist_sum(const struct mmstats_stat *st);
/*
 * A buffered integer its notes call a gauge: summed over live processes
 * only.  An unbuffered one is a static field (an index, a size), whose
 * sum means nothing, as in a process's sums.
 */
bool mfs_is_gauge_int(const struct mmstats_stat *st);

/*
 * Program g's value of label l, rendered into buf (len bytes), from the
 * fields in[] of the files that have it (in[i] of the i-th hit of l,
 * bulkgroup.h; NULL: the file has none a reader may see):
 * as snprintf() returns, or -ENOENT when nothing has that label.  *rep
 * gets the index of the field shown (SIZE_MAX: a label only kept
 * counters have).
 */
int mfs_progsum_value(const struct mfs_bulk_group *g, size_t l,
		      const struct mmstats_stat *const *in, char *buf,
		      size_t len, size_t *rep);

/*
 * The text of a program's histogram file (g->hist) for `who`: 0,
 * -EACCES, -ENOMEM, -ENOENT (no live file has it), -EIO.
 */
int mfs_progsum_hist(struct mfs *fs, const struct mfs_caller *who,
		     const struct mfs_bulk_group *g, struct mfs_text **out);

#endif
