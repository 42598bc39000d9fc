/*
 * bench_hold - a writer that only exists: one instance in DIR, a counter
 * "bench.counter" beside the default fields, kept until SIGTERM or
 * SIGINT.  run.sh reads its files through mmstatsfs while it lives.
 *
 *	bench_hold -d DIR	prints "ready PID", then waits
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "mmstats.h"

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("bench.counter", MMSTATS_COUNTER),
};

int main(int argc, char **argv)
{
	struct mmstats_options opts = { .filename = "bench_hold-{PID}.mmstats" };
	struct mmstats *s;
	sigset_t stop;
	int sig;

	if (argc != 3 || argv[1][0] != '-' || argv[1][1] != 'd') {
		fprintf(stderr, "usage: bench_hold -d DIR\n");
		return 2;
	}
	/* Blocked from the start, so no signal slips in before sigwait. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	opts.path = argv[2];
	if (mmstats_open(defs, 1, &opts, &s) != 0) {
		fprintf(stderr, "bench_hold: %s\n", mmstats_last_error());
		return 1;
	}
	mmstats_incr(mmstats_field(s, 0), 42);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	sigwait(&stop, &sig);
	mmstats_remove(s);
	return 0;
}
