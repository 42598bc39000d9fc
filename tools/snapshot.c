/* snapshot.c - read, render and describe one mmstats file. */
#include "snapshot.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int snap_read(const char *path, struct mmstats_snapshot *snap,
	      char *why, size_t whylen, bool *partial)
{
	const char *msg;
	size_t plen;
	int err;

	memset(snap, 0, sizeof(*snap));
	*partial = false;
	why[0] = '\0';
	err = mmstats_read_at(AT_FDCWD, path, snap);
	if (err >= 0)
		return 0;
	*partial = snap->data != NULL;
	msg = snap->errmsg[0] ? snap->errmsg : mmstats_last_error();
	if (!msg || !*msg)
		msg = strerror(-err);
	/* Callers name the file themselves. */
	plen = strlen(path);
	if (strncmp(msg, path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
		msg += plen + 2;
	snprintf(why, whylen, "%s", msg);
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

const char *snap_liveness_name(enum mmstats_liveness l)
{
	switch (l) {
	case MMSTATS_ALIVE: return "alive";
	case MMSTATS_STALE: return "stale";
	default:            return "unknown";
	}
}
