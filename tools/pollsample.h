/*
 * pollsample.h - pollstats' sampling: every sample, the change of each field
 * summed over the files.
 *
 * Files are followed by inode.  A file seen before contributes the
 * change since its last sample; a file that appears contributes its
 * whole value (its counters started at zero when it was created); a file
 * that is gone contributes nothing more.  The arguments (files,
 * directories, globs) are expanded again for every sample.
 */
#ifndef TOOLS_POLLSAMPLE_H
#define TOOLS_POLLSAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#include "files.h"
#include "filter.h"

struct tracked;

struct poller {
	char *const *fields;	/* exact labels to sum */
	size_t nfields;
	const struct filter *filter;	/* which files count */
	char *const *args;	/* FILE|DIR|GLOB; none: the default glob */
	size_t nargs;
	bool verbose;		/* report unreadable files, once each */
	/* The last sample, by field. */
	long double *delta;
	bool *floating;		/* some file holds floats for this field */
	/* private */
	struct tracked *files;
	size_t nfiles;
	struct pathlist warned;
};

/* The arrays are borrowed and must outlive the poller.  -ENOMEM. */
int poller_init(struct poller *p, char *const *fields, size_t nfields,
		const struct filter *filter, char *const *args, size_t nargs);

/* Take a sample into p->delta.  -ENOMEM; unreadable files are skipped. */
int poll_sample(struct poller *p);

void poller_free(struct poller *p);

#endif
