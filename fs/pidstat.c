/*
 * pidstat.c - the check behind processes watched without a pidfd.
 *
 * kill(pid, 0) answers most polls without a descriptor; /proc/PID/stat
 * then tells a zombie (exited, not yet reaped) and a reused pid apart
 * from the process first seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidstat.h"

/* Fields of /proc/PID/stat, numbered from 1 as in proc(5). */
#define STATE_FIELD	3
#define STARTTIME_FIELD	22

static int read_stat(pid_t pid, char *buf, size_t len)
{
	char path[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* The state letter and start time; comm (field 2) ends at the last ')'. */
static int parse_stat(char *buf, char *state, uint64_t *starttime)
{
	char *p = strrchr(buf, ')'), *end;
	int field;

	if (!p)
		return -EBADMSG;
	p++;
	for (field = STATE_FIELD; field < STARTTIME_FIELD; field++) {
		p += strspn(p, " ");
		if (field == STATE_FIELD)
			*state = *p;
		p += strcspn(p, " ");
	}
	p += strspn(p, " ");
	if (*p < '0' || *p > '9')
		return -EBADMSG;
	errno = 0;
	*starttime = strtoull(p, &end, 10);
	return errno ? -errno : 0;
}

int mfs_pid_runs(pid_t pid, uint64_t *starttime)
{
	char buf[1024], state = '?';
	uint64_t t;
	int err;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	err = read_stat(pid, buf, sizeof(buf));
	if (err == -ENOENT || err == -ESRCH)
		return 0;
	if (!err)
		err = parse_stat(buf, &state, &t);
	if (err)
		return err;
	if (state == 'Z' || state == 'X' || (*starttime && t != *starttime))
		return 0;
	*starttime = t;
	return 1;
}
