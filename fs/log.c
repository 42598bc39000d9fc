/* log.c - stderr or syslog, chosen once at start-up. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static bool use_stderr = true;
static bool want_debug;

void mfs_log_init(bool to_stderr, bool debug)
{
	use_stderr = to_stderr;
	want_debug = debug;
}

void mfs_log_to_syslog(void)
{
	openlog("mmstatsfs", LOG_PID, LOG_DAEMON);
	use_stderr = false;
}

void mfs_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !want_debug)
		return;
	va_start(ap, fmt);
	if (use_stderr) {
		fputs("mmstatsfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}
