/*
 * histfile.h - what a label file's field means (its notes), and the
 * histogram files: /<pid>/B, /files/<source>/B for a histogram B whose
 * fields are B.sum and B.le.<bound> (mmstats(5), Field notes).
 *
 * A histogram file is a name of its file's .sum field (fieldnames.c); a
 * read of that name finds the sum and renders the histogram from it and
 * its buckets, each value loaded on its own from the mapping, as every
 * value is.
 */
#ifndef MFS_HISTFILE_H
#define MFS_HISTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmstats.h"
#include "source.h"

/* A histogram as read: n buckets by ascending bound, +Inf last. */
struct mfs_hist {
	double sum;
	size_t n;
	double bounds[MMSTATS_HISTOGRAM_MAX_BUCKETS];
	/* not cumulative; 128 bits, as every sum of counters (aggregate.h):
	 * summed over files, a bucket never wraps */
	unsigned __int128 counts[MMSTATS_HISTOGRAM_MAX_BUCKETS];
};

/*
 * One read of a label: its field's value and notes, and, when the label
 * names a histogram, the histogram.  The notes are copies: the map they
 * were read from may be closed once the read returns.
 */
struct mfs_probe {
	const char *label;		/* the file name read */
	struct mfs_value v;		/* the field's (a histogram's: .sum) */
	/*
	 * The histogram of the field read, when it is a histogram's sum: with
	 * its buckets' counts when label names the histogram (named), else
	 * its bounds only (for /<pid>/B.sum, which sums the files whose
	 * bounds are the main thread's, as /<pid>/B does); or NULL.
	 */
	struct mfs_hist *hist;
	bool named;
	enum mmstats_metric metric;
	char unit[MMSTATS_UNIT_MAX + 1];
	char help[MMSTATS_HELP_MAX + 1];
};

void mfs_probe_init(struct mfs_probe *p, const char *label);
void mfs_probe_free(struct mfs_probe *p);
/* The mfs_field_fn and undo (source.h) filling a struct mfs_probe. */
int mfs_probe_read(const struct mmstats_map *map, size_t i, void *arg,
		   struct stat *st);
void mfs_probe_undo(void *arg);

/*
 * Whether `name` is the file name of the histogram whose .sum is st: the
 * first notes.name_len bytes of its label, named as labels are.
 */
bool mfs_hist_named(const struct mmstats_stat *st, const char *name);

/* Print a 128-bit integer in full, as snprintf (aggregate.c's rule). */
int mfs_render_u128(unsigned __int128 v, char *buf, size_t len);

/*
 * The histogram's file, no newline after the last line, as snprintf
 * (returns the length it needs):
 *	count N
 *	sum S
 *	p50 Q
 *	p90 Q
 *	p99 Q
 *	le=BOUND CUMULATIVE	(one per bucket; the last le=+Inf, = count)
 * Doubles as Python's repr (mmstats_format_double), quantiles as
 * mmstats_histogram_quantile() estimates them, "nan" with no observation.
 */
int mfs_hist_render(const struct mfs_hist *h, char *buf, size_t len);

/*
 * Add h to into when their bounds are the same (buckets of other bounds
 * cannot be added up): returns whether it did.
 */
bool mfs_hist_add(struct mfs_hist *into, const struct mfs_hist *h);

struct mfs_agg_input;

/*
 * The process-wide text of probes p[0..n) of its files, in[i] being
 * p[i]'s (in[i].stat NULL for a file without the label): when the file
 * that speaks for the process (mfs_agg_representative) has a histogram
 * named label there, the histograms of the same bounds summed, buckets
 * and sums; when its field is a histogram's sum (B.sum), the sums of the
 * files whose histogram has its bounds (the same files as B's `sum`
 * line); else mfs_aggregate() of the files where the label is no
 * histogram.
 * Modifies p and in.  Returns as mfs_aggregate().
 */
int mfs_probe_aggregate(struct mfs_probe *p, struct mfs_agg_input *in,
			size_t n, char *buf, size_t len);

#endif
