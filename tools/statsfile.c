/* statsfile.c - read, render and describe one mmstats file. */
#include "statsfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Why `path` could not be read, without the path the message may hold. */
static void explain(const char *path, const struct mmstats_snapshot *snap,
		    int err, char *why, size_t whylen)
{
	const char *msg = snap->errmsg[0] ? snap->errmsg : mmstats_last_error();
	size_t plen = strlen(path);

	if (!msg || !*msg)
		msg = strerror(-err);
	/* Callers name the file themselves. */
	if (strncmp(msg, path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
		msg += plen + 2;
	snprintf(why, whylen, "%s", msg);
}

int snap_read(const char *path, struct mmstats_snapshot *snap,
	      struct stat *st, char *why, size_t whylen, bool *partial)
{
	struct stat own;
	int fd, err;

	memset(snap, 0, sizeof(*snap));
	*partial = false;
	why[0] = '\0';
	if (!st)
		st = &own;
	fd = mmstats_open_at(AT_FDCWD, path, st);
	if (fd < 0) {
		explain(path, snap, fd, why, whylen);
		return fd;
	}
	err = mmstats_read_fd_sized(fd, st->st_size, snap);
	close(fd);
	if (err == 0)
		return 0;
	*partial = snap->data != NULL;
	explain(path, snap, err, why, whylen);
	return err;
}

void snap_render(struct buf *b, const struct mmstats_value *v)
{
	char small[128], *big;
	int n;

	n = mmstats_render(v, small, sizeof(small));
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		b->failed = true;
		return;
	}
	if (mmstats_render(v, big, (size_t)n + 1) == n)
		buf_add(b, big, (size_t)n);
	free(big);
}

pid_t snap_shown_pid(const struct mmstats_snapshot *snap)
{
	pid_t pid = mmstats_writer_pid(snap);

	return pid > 0 ? pid : mmstats_snapshot_pid(snap);
}

const char *snap_liveness_name(enum mmstats_liveness l)
{
	switch (l) {
	case MMSTATS_ALIVE: return "alive";
	case MMSTATS_STALE: return "stale";
	default:            return "unknown";
	}
}
