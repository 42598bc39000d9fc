/*
 * procns.h - a process's namespaces as /proc shows them, for pidscan.c
 * and pidns.c.  Errors are -errno: -ENOENT or -ESRCH when the process
 * is gone (mms_proc_gone), -EACCES when its namespace links need ptrace
 * rights the caller has not.
 */
#ifndef MMS_PROCNS_H
#define MMS_PROCNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The inode behind /proc/<who>/ns/<kind> ("self", "123/task/124"...). */
int mms_ns_inode(const char *who, const char *kind, uint64_t *ino);
/* The same of process pid. */
int mms_pid_ns_inode(pid_t pid, const char *kind, uint64_t *ino);

/*
 * From the NSpid line of /proc/PID/status: the last number (the pid in
 * its own namespace) and how many there are (1: /proc's namespace).
 */
int mms_read_nspid(pid_t pid, pid_t *nspid, int *levels);

/* Whether err says the process has gone. */
bool mms_proc_gone(int err);

/* Whether /proc is mounted with hidepid= (hidden processes). */
bool mms_proc_hides(void);

#endif
