/* log.h - the daemon's messages: stderr in the foreground, else syslog. */
#ifndef MFS_LOG_H
#define MFS_LOG_H

#include <stdbool.h>
#include <syslog.h>

void mfs_log_init(bool to_stderr, bool debug);
/* Switch to syslog (after daemonizing). */
void mfs_log_to_syslog(void);
void mfs_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
