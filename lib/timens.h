/*
 * timens.h - start times across time namespaces: a process records its
 * start on the boot clock of its time namespace, which may be shifted
 * from the reader's (time_namespaces(7)).
 */
#ifndef MMS_TIMENS_H
#define MMS_TIMENS_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Whether `recorded`, a start time in clock ticks that process pid saw
 * of itself (/proc/self/stat, sys.starttime), is `seen`, its start as
 * the caller's /proc shows it: 1 yes (always when they are equal, with
 * no look at namespaces), 0 no (the process holding the pid started at
 * another moment), or -errno when its boot clock's offset cannot be
 * read (another time namespace, a process whose main thread has exited,
 * no rights) or a number is no tick the kernel shows (-ERANGE).
 */
int mms_timens_same_start(pid_t pid, uint64_t recorded, uint64_t seen);

#endif
