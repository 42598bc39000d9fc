/*
 * writer-pid - what the library makes of each file's writer.
 *
 *	writer-pid FILE...
 *
 * One line per file: its sys.pid, mmstats_writer_pid() (a pid, or
 * ENOENT, ESRCH, EREMOTE...), and mmstats_liveness().  Exit 1 if a file
 * cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "mmstats.h"

static const char *liveness_name(enum mmstats_liveness l)
{
	switch (l) {
	case MMSTATS_ALIVE:
		return "alive";
	case MMSTATS_STALE:
		return "stale";
	default:
		return "unknown";
	}
}

static const char *errno_name(int err)
{
	switch (err) {
	case ENOENT:
		return "ENOENT";
	case ESRCH:
		return "ESRCH";
	case EREMOTE:
		return "EREMOTE";
	case ERANGE:
		return "ERANGE";
	default:
		return strerror(err);
	}
}

int main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct mmstats_snapshot snap;
		pid_t pid;
		int err = mmstats_read_at(AT_FDCWD, argv[i], &snap);

		if (err) {
			fprintf(stderr, "writer-pid: %s: %s\n", argv[i],
				mmstats_last_error());
			status = 1;
		} else {
			pid = mmstats_writer_pid(&snap);
			printf("%s %d ", argv[i],
			       (int)mmstats_snapshot_pid(&snap));
			if (pid > 0)
				printf("%d", (int)pid);
			else
				printf("%s", errno_name(-pid));
			printf(" %s\n", liveness_name(mmstats_liveness(&snap)));
		}
		mmstats_snapshot_free(&snap);
	}
	return status;
}
