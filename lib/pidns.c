/*
 * pidns.c - PID and time namespaces (pidns.h): which process of ours
 * wrote a file of another PID namespace, whether /proc is ours, whether
 * a process counts time from our boot.
 *
 * A writer is looked up in the table of pidscan.c, and a process the
 * table names is checked where it stands (its namespace and NSpid now):
 * a yes is true now, whatever happened since the scan.  A "no" only
 * comes from a scan that began after the question was asked.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pidns.h"
#include "pidscan.h"
#include "procns.h"

uint64_t mms_pidns_self(void)
{
	uint64_t ino;

	return mms_ns_inode("self", "pid", &ino) ? 0 : ino;
}

bool mms_proc_is_ours(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == (long)getpid();
}

/* The time namespace of one of pid's threads: the main thread's link is
 * gone once it called pthread_exit(), while the others run. */
static int any_thread_timens(pid_t pid, uint64_t *ino)
{
	char path[48], who[48];
	struct dirent *e;
	int err = -ESRCH;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return -errno;
	while (err && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(who, sizeof(who), "%d/task/%.16s", (int)pid,
			 e->d_name);
		err = mms_ns_inode(who, "time", ino);
	}
	closedir(d);
	return err;
}

bool mms_timens_may_differ(pid_t pid)
{
	uint64_t mine, theirs;
	int err = mms_ns_inode("self", "time", &mine);

	if (err == -ENOENT)
		return false;	/* no time namespaces in this kernel */
	if (err)
		return true;
	if (mms_pid_ns_inode(pid, "time", &theirs) == 0 ||
	    any_thread_timens(pid, &theirs) == 0)
		return mine != theirs;
	return true;		/* cannot tell (ptrace rights, EMFILE...) */
}

enum { NO, YES, CANNOT_TELL };

/* Whether process pid is, right now, nspid of namespace ns. */
static int still(pid_t pid, uint64_t ns, pid_t nspid)
{
	uint64_t now;
	pid_t n;
	int levels, err;

	if ((err = mms_pid_ns_inode(pid, "pid", &now)) == 0 && now != ns)
		return NO;	/* a process never changes its namespace */
	if (!err)
		err = mms_read_nspid(pid, &n, &levels);
	if (mms_proc_gone(err))
		return NO;
	if (err)
		return CANNOT_TELL;
	return n == nspid ? YES : NO;
}

pid_t mms_pidns_lookup(uint64_t ns, pid_t nspid, bool has_start,
		       uint64_t start)
{
	uint64_t asked = mms_pidscan_clock(), self = mms_pidns_self();
	pid_t here;
	bool sure;
	int now;

	if (!self || !mms_proc_is_ours() || nspid <= 0)
		return -EREMOTE;
	mms_pidscan_lock();
	here = has_start && mms_pidscan_found_dead(ns, nspid, start) ?
	       -ESRCH : mms_pidscan_find(self, ns, nspid);
	mms_pidscan_unlock();
	if (here == -ESRCH)
		return here;
	if (here > 0 && (now = still(here, ns, nspid)) != NO)
		return now == YES ? here : -EREMOTE;

	mms_pidscan_lock();
	if (!mms_pidscan_rescan(self, asked)) {
		if (has_start)
			mms_pidscan_remember(ns, nspid, start, asked);
		mms_pidscan_unlock();
		return -EREMOTE;
	}
	here = mms_pidscan_settled(self, ns, nspid);
	if (here == -ESRCH && has_start)
		mms_pidscan_remember(ns, nspid, start, 0);
	sure = mms_pidscan_sure();
	mms_pidscan_unlock();
	if (here <= 0)
		return here;
	/* listed after we asked, gone now: it was the writer, or the
	 * writer was gone already (one process holds a pid at a time) */
	now = still(here, ns, nspid);
	if (now == NO && sure && has_start) {
		mms_pidscan_lock();
		mms_pidscan_remember(ns, nspid, start, 0);
		mms_pidscan_unlock();
	}
	if (now == NO)
		return sure ? -ESRCH : -EREMOTE;
	return now == YES ? here : -EREMOTE;
}
