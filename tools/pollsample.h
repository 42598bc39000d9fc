/*
 * pollsample.h - pollstats' sampling: every sample, the change of each field
 * summed over the files.
 *
 * Files are followed by inode.  A file seen before contributes the
 * change since its last sample; the files of the first sample
 * contribute their whole value (the reference's first line); a file
 * that appears later contributes nothing to the sample that first sees
 * it, only its changes after (its values may be those of a long life:
 * adding them would make a spike of one interval); a file that is gone
 * contributes nothing more.  The arguments (files,
 * directories, globs) are expanded again for every sample.
 *
 * Only files whose writer runs count, as mmstatsfs shows them:
 * mmstats_liveness() says MMSTATS_ALIVE, or MMSTATS_UNKNOWN (no sys.pid:
 * nothing tells that its writer is gone).  A stale file (its writer
 * killed, its pid free or reused) counts like a file that is gone,
 * unless `all` is set.
 *
 * What a field is comes from its notes (mmstats(5)), in the first file
 * that has them (which may come after the first sample: `learned`
 * says so): a counter (or a histogram's sum or bucket) is shown as
 * its change per second between samples, any other noted number as its
 * value (summed over the files), and a field without notes (the
 * reference's files) as its change, as the reference's pollstats does.
 */
#ifndef TOOLS_POLLSAMPLE_H
#define TOOLS_POLLSAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "files.h"
#include "filter.h"
#include "mmstats.h"

struct tracked;

struct poller {
	char *const *fields;	/* exact labels to sum */
	size_t nfields;
	const struct filter *filter;	/* which files count */
	char *const *args;	/* FILE|DIR|GLOB; none: the default glob */
	size_t nargs;
	bool all;		/* count stale files too */
	bool verbose;		/* say which stale files are left out */
	const size_t *text_limits;	/* by field: texts are kept until,
					   joined, they are wider than
					   this (NULL: all are kept) */
	/* The last sample, by field. */
	long double *delta;
	long double *value;	/* sum of the files' current values */
	enum mmstats_metric *metric;	/* from the first file with notes
					   for the field; kept for the run */
	char (*unit)[MMSTATS_UNIT_MAX + 1];	/* with the metric */
	double elapsed;		/* seconds since the previous sample; 0 for
				   the first */
	bool *floating;		/* some file holds floats for this field */
	bool *found;		/* some file counted has this field */
	bool *numeric;		/* ... and a number in it */
	bool *found_stale;	/* some stale file left out has it */
	struct pathlist *texts;	/* string fields: the files' texts, once
				   each, as far as text_limits[] keeps them */
	size_t *texts_width;	/* of texts[], joined by ','; past its
				   text_limits[]: more were left out */
	bool learned;		/* this sample told what some field is */
	size_t counted;		/* files counted */
	size_t read;		/* files read, counted or not */
	bool failed;		/* something asked for was not there or
				   could not be read (and was reported) */
	/* private */
	bool sampled;		/* a sample was taken before */
	double taken;		/* CLOCK_MONOTONIC of the last sample */
	struct tracked *files;
	size_t nfiles;
	struct pathlist warned;
};

/* The arrays are borrowed and must outlive the poller.  -ENOMEM. */
int poller_init(struct poller *p, char *const *fields, size_t nfields,
		const struct filter *filter, char *const *args, size_t nargs);

/*
 * The first sample: as poll_sample(), and each argument that gives no
 * file (a missing FILE, a DIR without mmstats files, a GLOB that matches
 * nothing) is reported and sets `failed`.  -ENOMEM.
 */
int poll_start(struct poller *p);

/*
 * Take a sample into p->delta.  -ENOMEM.  A file that cannot be read is
 * reported once and sets `failed`; one that vanished since it was listed
 * (its writer exited) is not.
 */
int poll_sample(struct poller *p);

/* Field i is shown per second (a counter), not as a change or value. */
bool poll_is_rate(const struct poller *p, size_t i);
/* Field i is shown as its value (a noted gauge), not as a change. */
bool poll_is_value(const struct poller *p, size_t i);

/*
 * Field i's column title, from what is known of it: "NAME/s",
 * "NAME (UNIT/s)", "NAME (UNIT)" or NAME; NULL when out of memory.
 */
char *poll_title(const struct poller *p, size_t i, const char *name);

void poller_free(struct poller *p);

#endif
