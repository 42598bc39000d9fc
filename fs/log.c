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
	char msg[1024], *p;
	va_list ap;

	if (prio == LOG_DEBUG && !want_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* file names come from anyone: no forged lines, no escapes */
	for (p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (use_stderr)	/* one write per line: threads do not interleave */
		fprintf(stderr, "mmstatsfs: %s\n", msg);
	else
		syslog(prio, "%s", msg);
}
