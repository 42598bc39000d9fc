/*
 * bench_hold - a writer that only exists: its instances in DIR, kept
 * until SIGTERM or SIGINT.  run.sh reads its files through mmstatsfs
 * while it lives.
 *
 *	bench_hold -d DIR [-n FIELDS] [-t THREADS]
 *		prints "ready PID" once every file exists, then waits
 *
 * Each of THREADS threads (default 1, the main thread first) opens one
 * instance, which lives as long as the process.  An instance holds
 * FIELDS fields in all, the default fields included (default: one
 * counter more than those): counters "bench.fNNNNN", then
 * "bench.counter" (42 in every thread's file), then the default fields.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmstats.h"

#define MAX_THREADS	64
#define MAX_FIELDS	65536	/* what mmstats_open takes */
#define LABEL_LEN	32

struct hold;

struct thread_arg {
	struct hold *h;
	struct mmstats *s;	/* its file */
};

struct hold {
	const char *dir;
	struct mmstats_field_def *defs;
	char (*labels)[LABEL_LEN];
	size_t ndefs;
	struct thread_arg threads[MAX_THREADS];	/* [0]: the main thread */
	int nthreads;
	pthread_barrier_t opened;	/* every thread has its file */
	int err;			/* the first failure */
};

static int open_instance(struct hold *h, struct mmstats **out)
{
	struct mmstats_options opts = {
		.path = h->dir,
		.filename = "bench_hold-{PID}-{TID}.mmstats",
	};
	int err = mmstats_open(h->defs, h->ndefs, &opts, out);

	if (err == 0)
		mmstats_incr(mmstats_field_by_label(*out, "bench.counter"), 42);
	return err;
}

/* A thread of the writer: its file, then nothing until the process ends. */
static void *thread_main(void *arg)
{
	struct thread_arg *t = arg;
	int err = open_instance(t->h, &t->s);

	if (err) {
		fprintf(stderr, "bench_hold: %s\n", mmstats_last_error());
		__atomic_store_n(&t->h->err, err, __ATOMIC_RELAXED);
	}
	pthread_barrier_wait(&t->h->opened);
	for (;;)
		pause();
	return NULL;
}

/*
 * How many default fields an instance has, from one opened in a
 * directory of its own: the mount never sees it.
 */
static int default_fields(size_t *n)
{
	char dir[] = "/tmp/bench_hold.XXXXXX";
	struct mmstats_options opts = { .path = dir };
	struct mmstats *s;
	int err;

	if (mkdtemp(dir) == NULL)
		return -errno;
	err = mmstats_open(NULL, 0, &opts, &s);
	if (err == 0) {
		*n = mmstats_field_count(s);
		mmstats_remove(s);
	}
	rmdir(dir);
	return err;
}

/* Our fields: fillers, then bench.counter; the default fields follow. */
static int make_defs(struct hold *h, long fields)
{
	size_t ndefault = 0;
	int err = default_fields(&ndefault);

	if (err) {
		fprintf(stderr, "bench_hold: %s\n", strerror(-err));
		return err;
	}
	if (fields == 0)
		fields = (long)ndefault + 1;
	if (fields <= (long)ndefault ||
	    fields - (long)ndefault > MAX_FIELDS) {
		fprintf(stderr, "bench_hold: -n %ld: %zu default fields, at "
			"most %d more\n", fields, ndefault, MAX_FIELDS);
		return -ERANGE;
	}
	h->ndefs = (size_t)fields - ndefault;
	h->defs = calloc(h->ndefs, sizeof(*h->defs));
	h->labels = calloc(h->ndefs, sizeof(*h->labels));
	if (!h->defs || !h->labels) {
		fprintf(stderr, "bench_hold: out of memory\n");
		return -ENOMEM;
	}
	for (size_t i = 0; i + 1 < h->ndefs; i++) {
		snprintf(h->labels[i], LABEL_LEN, "bench.f%05zu", i);
		h->defs[i] = (struct mmstats_field_def)
			MMSTATS_DEF(h->labels[i], MMSTATS_COUNTER);
	}
	h->defs[h->ndefs - 1] = (struct mmstats_field_def)
		MMSTATS_DEF("bench.counter", MMSTATS_COUNTER);
	return 0;
}

/* The main thread's file, then one thread per other file. */
static int open_all(struct hold *h)
{
	pthread_t t;
	int err;

	if (pthread_barrier_init(&h->opened, NULL, (unsigned)h->nthreads))
		return -EAGAIN;
	err = open_instance(h, &h->threads[0].s);
	if (err) {
		fprintf(stderr, "bench_hold: %s\n", mmstats_last_error());
		return err;
	}
	for (int i = 1; i < h->nthreads; i++) {
		h->threads[i].h = h;
		err = pthread_create(&t, NULL, thread_main, &h->threads[i]);
		if (err) {
			fprintf(stderr, "bench_hold: pthread_create: %s\n",
				strerror(err));
			return -err;
		}
	}
	pthread_barrier_wait(&h->opened);
	return __atomic_load_n(&h->err, __ATOMIC_RELAXED);
}

static long parse_count(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return (*s && !*end && v > 0 && v <= max) ? v : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_hold -d DIR [-n FIELDS] [-t THREADS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct hold h = { .nthreads = 1 };
	long fields = 0;
	sigset_t stop;
	int sig, opt, err;

	while ((opt = getopt(argc, argv, "d:n:t:")) != -1) {
		if (opt == 'd')
			h.dir = optarg;
		else if (opt == 'n')
			fields = parse_count(optarg, LONG_MAX);
		else if (opt == 't')
			h.nthreads = (int)parse_count(optarg, MAX_THREADS);
		else
			usage();
	}
	if (h.dir == NULL || optind != argc || fields < 0 || h.nthreads < 1)
		usage();
	/* Blocked from the start (threads inherit it): sigwait takes it. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	err = make_defs(&h, fields);
	if (err == 0)
		err = open_all(&h);
	if (err) {
		mmstats_remove_all();
		return 1;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	sigwait(&stop, &sig);
	for (int i = 0; i < h.nthreads; i++)
		mmstats_remove(h.threads[i].s);
	free(h.defs);
	free(h.labels);
	return 0;
}
