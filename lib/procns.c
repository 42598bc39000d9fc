/*
 * procns.c - a process's namespaces as /proc shows them (procns.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "procns.h"

/* The inode behind /proc/<who>/ns/<kind>; stat() reads the magic link's
 * target, the namespace, and never opens anything. */
int mms_ns_inode(const char *who, const char *kind, uint64_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, kind);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

int mms_pid_ns_inode(pid_t pid, const char *kind, uint64_t *ino)
{
	char who[16];

	snprintf(who, sizeof(who), "%d", (int)pid);
	return mms_ns_inode(who, kind, ino);
}

int mms_read_nspid(pid_t pid, pid_t *nspid, int *levels)
{
	char path[32], *line = NULL;
	size_t cap = 0;
	int err = -EBADMSG;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(fp = fopen(path, "re")))
		return -errno;
	while (getline(&line, &cap, fp) > 0) {
		char *p, *end;
		long v = 0;

		if (strncmp(line, "NSpid:", 6))
			continue;
		*levels = 0;
		for (p = line + 6; ; p = end) {
			long x = strtol(p, &end, 10);

			if (end == p)
				break;
			v = x;
			++*levels;
		}
		if (v > 0) {
			*nspid = (pid_t)v;
			err = 0;
		}
		break;
	}
	if (err && ferror(fp))
		err = -EIO;
	free(line);
	fclose(fp);
	return err;
}

bool mms_proc_gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

bool mms_proc_hides(void)
{
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool hides = true;	/* cannot tell: as if */

	if (!fp)
		return true;
	while (getline(&line, &cap, fp) > 0) {
		char mnt[256], *sep = strstr(line, " - "), *opt;
		char type[32];

		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    strcmp(mnt, "/proc") ||
		    sscanf(sep + 3, "%31s", type) != 1 || strcmp(type, "proc"))
			continue;
		/* the last /proc mount is the one on top */
		opt = strstr(sep, "hidepid=");
		hides = opt && strncmp(opt + 8, "0", 1) &&
			strncmp(opt + 8, "off", 3);
	}
	free(line);
	fclose(fp);
	return hides;
}
