/* histogram.h - a histogram def's buckets, for the writer. */
#ifndef MMS_HISTOGRAM_H
#define MMS_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "mmstats.h"

#define MMS_HIST_PER2_DEFAULT	4

struct mms_hist_plan {
	double *bounds;		/* malloc'd: n upper bounds, +Inf last */
	uint32_t n;
	int e0;			/* log-linear only */
	unsigned shift;
	bool loglin;
};

/*
 * The buckets of histogram def (label: its full name, for messages):
 * the def's bounds, or log-linear ones from hist.lo, hist.hi and size.
 * Returns 0, -EINVAL (mmstats_last_error() says why) or -ENOMEM.
 */
int mms_hist_plan(const struct mmstats_field_def *def, const char *label,
		  struct mms_hist_plan *out);

/* "<name>.le.<bound>" (Python's repr of the bound; "inf"), malloc'd. */
char *mms_hist_bucket_label(const char *name, double bound);

#endif
