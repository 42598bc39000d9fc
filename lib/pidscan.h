/*
 * pidscan.h - the pid, in our PID namespace, of a process of another
 * one, from a table of them made by scans of /proc, with the memory of
 * the writers found dead; for mms_pidns_lookup().
 */
#ifndef MMS_PIDSCAN_H
#define MMS_PIDSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * mms_pidns_lookup() (pidns.h) of a caller in namespace `self` whose
 * /proc is its own: our pid, -ESRCH or -EREMOTE.
 */
pid_t mms_pidscan_lookup(uint64_t self, uint64_t ns, pid_t nspid,
			 bool has_start, uint64_t start, double created);

#endif
