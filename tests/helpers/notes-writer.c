/*
 * notes-writer - a real writer of fields with notes and a histogram, for
 * the tests of what readers make of them (test_fs_notes.py).
 *
 *	notes-writer DIR THREADS VALUE...
 *
 * Each of THREADS threads (the main thread first) makes its file in DIR,
 * adds 3 to `req` and observes every VALUE into the histogram `lat`
 * (bounds 0.25, 1, 4, +Inf); then the paths are printed, one a line,
 * then "ready", and the writer waits for SIGTERM or SIGINT.  The fields
 * (notes given in the table below, which the test repeats):
 *	req	counter, "requests", "Requests served"
 *	temp	double gauge 21.5, "celsius", "Temperature of the room"
 *	version	static text "1.0", info, no unit, "Version of the build"
 *	plain	uint64 7, the type's defaults (gauge, no unit, no help)
 *	lat	histogram, "seconds", "Request latency"
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "mmstats.h"

static const double bounds[] = { 0.25, 1, 4 };

static const struct mmstats_field_def table[] = {
	MMSTATS_DEF_NOTED("req", MMSTATS_COUNTER, MMSTATS_METRIC_COUNTER,
			  "requests", "Requests served"),
	{ .label = "temp", .type = MMSTATS_DOUBLE, .value.d = 21.5,
	  .metric = MMSTATS_METRIC_GAUGE, .unit = "celsius",
	  .help = "Temperature of the room" },
	{ .label = "version", .type = MMSTATS_STATIC_TEXT, .value.s = "1.0",
	  .help = "Version of the build" },
	MMSTATS_DEF("plain", MMSTATS_UINT64),
	MMSTATS_DEF_HISTOGRAM_BOUNDS("lat", bounds, 3, "seconds",
				     "Request latency"),
};

static struct mmstats_model model = MMSTATS_MODEL_INIT("", table);
static pthread_barrier_t made, done;
static char **values;
static int nvalues;
static const char **paths;

static void fill(int me)
{
	struct mmstats *s = mmstats_model_instance(&model);
	int i;

	if (!s) {
		fprintf(stderr, "notes-writer: %s\n", mmstats_last_error());
		exit(1);
	}
	paths[me] = mmstats_filename(s);
	mmstats_incr(mmstats_field(s, 0), 3);
	mmstats_set_double(mmstats_field(s, 1), 21.5);
	mmstats_set_u64(mmstats_field(s, 3), 7);
	for (i = 0; i < nvalues; i++)
		mmstats_observe(mmstats_field(s, 4), strtod(values[i], NULL));
}

static void *worker(void *arg)
{
	fill((int)(long)arg);
	pthread_barrier_wait(&made);
	/* the file lives as long as its thread: until the process ends */
	pthread_barrier_wait(&done);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	sigset_t set;
	int n, i, sig;

	if (argc < 3 || (n = atoi(argv[2])) < 1 || n > 64) {
		fputs("usage: notes-writer DIR THREADS VALUE...\n", stderr);
		return 2;
	}
	model.opts.path = argv[1];
	values = argv + 3;
	nvalues = argc - 3;
	paths = calloc((size_t)n, sizeof(*paths));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_barrier_init(&made, NULL, (unsigned)n);
	pthread_barrier_init(&done, NULL, (unsigned)n);
	fill(0);
	for (i = 1; i < n; i++)
		if (pthread_create(&t, NULL, worker, (void *)(long)i))
			return 1;
	pthread_barrier_wait(&made);
	for (i = 0; i < n; i++)
		printf("%s\n", paths[i]);
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	pthread_barrier_wait(&done);
	return 0;
}
