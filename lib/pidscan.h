/*
 * pidscan.h - the table of the processes of ours in other PID namespaces,
 * (namespace, pid there) -> our pid, made by one scan of /proc and kept,
 * with the memory of the writers found dead; for mms_pidns_lookup().
 *
 * Everything but mms_pidscan_clock() is called with the table's lock
 * held (mms_pidscan_lock); mms_pidscan_rescan() drops it while it scans.
 */
#ifndef MMS_PIDSCAN_H
#define MMS_PIDSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The clock scans and questions are timed by (boot clock, ns). */
uint64_t mms_pidscan_clock(void);

void mms_pidscan_lock(void);
void mms_pidscan_unlock(void);

/* Our pid for (ns, nspid) in the table made from namespace self, or 0. */
pid_t mms_pidscan_find(uint64_t self, uint64_t ns, pid_t nspid);

/*
 * Make a new table from namespace self, if one is due for a question
 * asked at `asked` (mms_pidscan_clock), and swap it in; false if not.
 */
bool mms_pidscan_rescan(uint64_t self, uint64_t asked);

/*
 * What the table, made after the question was asked, says of (ns,
 * nspid): our pid, or -ESRCH (no such process: true), or -EREMOTE
 * (cannot tell).
 */
pid_t mms_pidscan_settled(uint64_t self, uint64_t ns, pid_t nspid);

/* Whether the table saw every process: its "no" is a no. */
bool mms_pidscan_sure(void);

/* Whether the writer (ns, nspid, start) was found dead. */
bool mms_pidscan_found_dead(uint64_t ns, pid_t nspid, uint64_t start);

/*
 * Remember the writer (ns, nspid, start): found dead (asked 0), or asked
 * about at `asked`, for the next scan to settle.
 */
void mms_pidscan_remember(uint64_t ns, pid_t nspid, uint64_t start,
			  uint64_t asked);

#endif
