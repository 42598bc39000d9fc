/* common.h - what every reader tool does the same way. */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses shared by all tools (see their man pages). */
#define EXIT_USAGE	2

/* The program name for messages, set by tool_init(). */
extern const char *tool_name;

/*
 * Name the program and make a closed stdout an ordinary, quiet ending:
 * SIGPIPE is ignored so writes fail with EPIPE, which tool_flush() turns
 * into exit(0).
 */
void tool_init(const char *name);

/*
 * "NAME: MESSAGE" on stderr, one line: control characters in MESSAGE
 * as '?' on a terminal, else as \xNN.
 */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "NAME: ARG: strerror(-err)" on stderr, for a failed argument. */
void tool_report(const char *arg, int err);

/* "NAME: WHAT: WHY" on stderr (a files_why_fn). */
void tool_report_why(const char *what, const char *why);

/* Report running out of memory and exit 1. */
void tool_oom(void) __attribute__((noreturn));

/* Flush stdout; exit quietly on a closed pipe, loudly on other errors. */
void tool_flush(void);

/* Print the help `usage` prints on stdout and exit 0. */
void tool_help(void (*usage)(void)) __attribute__((noreturn));

/* Print "NAME VERSION" on stdout and exit 0. */
void tool_version(void) __attribute__((noreturn));

/* Point at --help after a usage error, exit EXIT_USAGE. */
void tool_usage_error(void) __attribute__((noreturn));

/*
 * Whether to colour stdout: `mode` is "auto" (a terminal and NO_COLOR
 * unset or empty), "always" or "never"; -1 for anything else.
 */
int tool_color_mode(const char *mode);

#endif
