/*
 * procstat.c - read /proc/PID/stat.
 *
 * The command name (field 2) may hold anything, spaces and ')' too: it
 * ends at the last ')', and the fields after it are numbers and a state
 * letter, separated by single spaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "procstat.h"

static int read_stat(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mms_error(-errno, "%s: %s", path, strerror(errno));
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = mms_error(-errno, "%s: %s", path, strerror(errno));
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

int mms_procstat(pid_t pid, struct mms_procstat *out)
{
	char path[32], buf[1024], *p;
	int err;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	if ((err = read_stat(path, buf, sizeof(buf))) < 0)
		return err;
	p = strrchr(buf, ')');
	/* fields 3 to 22 */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u %*u %*u %*u %*u "
			 "%" SCNu64 " %" SCNu64 " %*d %*d %*d %*d %ld %*d "
			 "%" SCNu64, &out->state, &out->flags, &out->utime,
			 &out->stime, &out->threads, &out->starttime) != 6)
		return mms_error(-EBADMSG, "%s: not what proc(5) says", path);
	return 0;
}

int mms_procstat_exited(const struct mms_procstat *ps)
{
	/* the exited leader stays counted until the whole group is gone */
	return ps->state == 'X' || (ps->state == 'Z' && ps->threads <= 1);
}
