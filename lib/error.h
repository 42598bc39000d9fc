/* error.h - the thread-local description behind mmstats_last_error(). */
#ifndef MMS_ERROR_H
#define MMS_ERROR_H

/*
 * Record why the calling thread's last call failed and return `err`
 * (a -errno), so that a failure path is one line:
 *	return mms_error(-ENOENT, "%s: no such directory", path);
 */
int mms_error(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
