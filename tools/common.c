/* common.c - messages, version and closed-pipe handling for the tools. */
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "mmstats.h"
#include "termtext.h"

const char *tool_name = "mmstats";

void tool_init(const char *name)
{
	tool_name = name;
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Messages name files anyone may have named: control characters are
 * '?' on a terminal (no escape sequences) and \xNN elsewhere, so that a
 * name with a newline cannot forge a line in a log (journald, under the
 * timer that runs cleanstats).
 */
void tool_warn(const char *fmt, ...)
{
	struct buf shown = BUF_INIT;
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", tool_name, strerror(ENOMEM));
		return;
	}
	text_add_shown(&shown, msg, (size_t)n, isatty(STDERR_FILENO));
	free(msg);
	msg = buf_steal(&shown, NULL);
	fprintf(stderr, "%s: %s\n", tool_name, msg ? msg : strerror(ENOMEM));
	free(msg);
}

void tool_report_why(const char *what, const char *why)
{
	tool_warn("%s: %s", what, why);
}

void tool_oom(void)
{
	tool_warn("%s", strerror(ENOMEM));
	exit(1);
}

void tool_report(const char *arg, int err)
{
	tool_warn("%s: %s", arg, strerror(-err));
}

/* Whether stdout is a pipe or socket whose reader has gone away. */
static bool reader_gone(int err)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };

	if (err == EPIPE)
		return true;
	/* errno may be stale by now: ask the descriptor itself. */
	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

void tool_flush(void)
{
	int err;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return;
	err = errno;
	/* A reader that went away (head, a closed pager) is not an error. */
	if (reader_gone(err))
		_exit(0);
	tool_warn("stdout: %s", strerror(err ? err : EIO));
	_exit(1);
}

void tool_help(void (*usage)(void))
{
	usage();
	tool_flush();
	exit(0);
}

void tool_version(void)
{
	printf("%s %s\n", tool_name, MMSTATS_VERSION);
	tool_flush();
	exit(0);
}

void tool_usage_error(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", tool_name);
	exit(EXIT_USAGE);
}

int tool_color_mode(const char *mode)
{
	const char *no_color;

	if (strcmp(mode, "always") == 0)
		return 1;
	if (strcmp(mode, "never") == 0)
		return 0;
	if (strcmp(mode, "auto") != 0)
		return -1;
	no_color = getenv("NO_COLOR");
	if (no_color && *no_color)
		return 0;
	return isatty(STDOUT_FILENO);
}
