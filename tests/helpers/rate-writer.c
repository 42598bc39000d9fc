/*
 * rate-writer - a writer that counts at a known rate and observes a known
 * distribution, for the test against a real Prometheus.
 *
 *	rate-writer -d DIR [-r RATE] [-p PROGRAM]
 *
 * RATE times a second (default 200), on an absolute clock so that the
 * rate does not drift with the loop's own time, it adds 1 to the counter
 * app.requests and observes into the
 * histogram app.latency (seconds, 0.001 to 1, 16 buckets per power of
 * two) the values 0.001, 0.002, ... 1.0, then again: a uniform
 * distribution whose 0.99 quantile is 0.99.  Prints its file's path,
 * then "ready", and runs until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void tick(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

int main(int argc, char **argv)
{
	static const struct mmstats_field_def defs[] = {
		MMSTATS_DEF_NOTED("app.requests", MMSTATS_COUNTER,
				  MMSTATS_METRIC_COUNTER, NULL,
				  "Requests handled"),
		MMSTATS_DEF_HISTOGRAM("app.latency", 0.001, 1.0, 16,
				      "seconds", "Time to answer"),
	};
	struct mmstats_options o = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct mmstats_field *req, *lat;
	struct mmstats *s;
	struct timespec t;
	long rate = 200, k = 0;
	int c;

	while ((c = getopt(argc, argv, "d:r:p:")) != -1) {
		switch (c) {
		case 'd': o.path = optarg; break;
		case 'r': rate = strtol(optarg, NULL, 10); break;
		case 'p': o.program = optarg; break;
		default:
			fputs("usage: rate-writer -d DIR [-r RATE] "
			      "[-p PROGRAM]\n", stderr);
			return 2;
		}
	}
	if (rate <= 0 || rate > 1000000) {
		fputs("rate-writer: bad rate\n", stderr);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	c = mmstats_open(defs, 2, &o, &s);
	if (c < 0) {
		fprintf(stderr, "rate-writer: %s\n", mmstats_last_error());
		return 1;
	}
	req = mmstats_field(s, 0);
	lat = mmstats_field(s, 1);
	printf("%s\nready\n", mmstats_filename(s));
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t);
	while (!stop) {
		tick(&t, 1000000000L / rate);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t,
				       NULL) == EINTR && !stop)
			;
		mmstats_incr(req, 1);
		mmstats_observe(lat, (double)(k % 1000 + 1) / 1000.0);
		k++;
	}
	mmstats_remove(s);
	return 0;
}
