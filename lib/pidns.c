/*
 * pidns.c - PID namespaces (pidns.h): which process of ours wrote a
 * file of another PID namespace (looked up in pidscan.c's table),
 * whether /proc is ours.
 */
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

pid_t mms_pidns_lookup(uint64_t ns, pid_t nspid, bool has_start,
		       uint64_t start, double created)
{
	uint64_t self = mms_pidns_self();

	if (!self || !mms_proc_is_ours() || nspid <= 0)
		return -EREMOTE;
	return mms_pidscan_lookup(self, ns, nspid, has_start, start,
				  created);
}
