/*
 * pidns.h - PID namespaces: which process of ours wrote a file of
 * another namespace.
 */
#ifndef MMS_PIDNS_H
#define MMS_PIDNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The inode of the calling process's PID namespace, or 0 if unknown. */
uint64_t mms_pidns_self(void);

/*
 * Whether /proc numbers processes as the caller does: false when it is
 * another PID namespace's /proc (unshare -p without a /proc of its own),
 * where /proc/PID is not the caller's PID.
 */
bool mms_proc_is_ours(void);

/*
 * The pid, in the caller's namespace, of the process that is `nspid` in
 * PID namespace `ns` (an inode of /proc/PID/ns/pid, not the caller's),
 * or -ESRCH (that namespace has no such process: a scan of /proc that
 * began after the call saw every process and not this one), -EREMOTE
 * (cannot tell, now or ever: a process could not be looked at, the
 * namespace is out of sight, or a scan is not due yet).  `start`, the
 * writer's sys.starttime when has_start, and `created`, its sys.created
 * (0 if none), only key the memory of writers found dead, which is kept
 * only when has_start; neither is compared here.
 */
pid_t mms_pidns_lookup(uint64_t ns, pid_t nspid, bool has_start,
		       uint64_t start, double created);

#endif
