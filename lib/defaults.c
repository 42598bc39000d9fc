/*
 * defaults.c - the reference's default fields (with its type signatures:
 * sys.pid I, sys.tid q, sys.uid Q, sys.gid Q, sys.created d), less
 * org.python.version, plus sys.starttime so that a reader can tell a
 * live writer from a later process that got the same PID.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "defaults.h"
#include "procstat.h"

static double now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

size_t mms_default_defs(struct mmstats_field_def defs[MMS_NDEFAULTS])
{
	struct mms_procstat self;
	size_t n = 0;

	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.pid", MMSTATS_STATIC_UINT32, (uint64_t)getpid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_I(
		"sys.tid", MMSTATS_STATIC_INT64, (int64_t)gettid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.uid", MMSTATS_STATIC_UINT64, (uint64_t)getuid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.gid", MMSTATS_STATIC_UINT64, (uint64_t)getgid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_D(
		"sys.created", MMSTATS_STATIC_DOUBLE, now_realtime());
	if (mms_procstat(0, &self) == 0)
		defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
			"sys.starttime", MMSTATS_STATIC_UINT64,
			self.starttime);
	return n;
}
