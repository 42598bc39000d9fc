/*
 * bench_impact - what readers of mmstatsfs cost a writer.
 *
 *	bench_impact -d SOURCE_DIR -m MOUNT [READERS...]
 *
 * A writer (this process) opens an instance in SOURCE_DIR, mmstatsfs shows
 * it as MOUNT/<pid>/bench.counter, and the writer times counter updates
 * while 0 and then each number of READERS (default 1 4) processes read
 * that file in a loop, open, read to the end, close, as fast as they can
 * (a harder hammer than cat in a shell loop).  Phases alternate several
 * times so drift hits all of them alike.
 *
 * The writer is pinned to CPU 0 and the readers to the last CPU, so the
 * figure is what the readers' page reads do to the writer's cache line,
 * not two processes queueing for one core (run.sh pins the daemon too).
 * Each figure is the median ns/op over many short batches.
 *
 * A control phase shows the measure can see an impact: a process on the
 * last CPU loads the counter from the shared mapping in a tight loop, the
 * worst any reader could do to the writer's cache line.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "bench.h"

#define MAX_PHASES	5
#define MAX_READERS	16
#define BATCH_OPS	100000
#define CYCLES		4

static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("bench.counter", MMSTATS_COUNTER),
};

struct phase {
	int readers;
	bool spin;		/* the control: a core spinning on the line */
	double *samples;	/* ns/op of each batch */
	int n;
	uint64_t reads;		/* done by the readers meanwhile */
	double seconds;
};

static __attribute__((noinline)) void incr_loop(struct mmstats_field *f,
						uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		mmstats_incr(f, 1);
	bench_barrier();
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A reader: read `path` whole, forever, counting reads in *count. */
static __attribute__((noreturn)) void reader_main(const char *path,
						  uint64_t *count)
{
	char buf[4096];

	pin_to((int)sysconf(_SC_NPROCESSORS_ONLN) - 1);
	for (;;) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			_exit(1);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
	}
}

/* The control: load the counter's cache line, forever. */
static __attribute__((noreturn)) void spinner_main(struct mmstats_field *f)
{
	pin_to((int)sysconf(_SC_NPROCESSORS_ONLN) - 1);
	for (;;)
		(void)__atomic_load_n((uint64_t *)f->value, __ATOMIC_RELAXED);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n ? v[n / 2] : 0;
}

/* One turn of a phase: start its readers, time `batches`, stop them. */
static int run_phase(struct phase *ph, struct mmstats_field *f,
		     const char *path, uint64_t *count, int batches)
{
	pid_t pids[MAX_READERS];
	uint64_t t0, reads0 = __atomic_load_n(count, __ATOMIC_RELAXED);
	int r, status, err = 0;

	for (r = 0; r < ph->readers; r++) {
		pids[r] = fork();
		if (pids[r] == 0) {
			if (ph->spin)
				spinner_main(f);
			reader_main(path, count);
		}
	}
	t0 = bench_now_ns();
	for (int b = 0; b < batches; b++) {
		uint64_t b0 = bench_now_ns();

		incr_loop(f, BATCH_OPS);
		ph->samples[ph->n++] =
			(double)(bench_now_ns() - b0) / BATCH_OPS;
	}
	ph->seconds += (double)(bench_now_ns() - t0) / 1e9;
	ph->reads += __atomic_load_n(count, __ATOMIC_RELAXED) - reads0;
	for (r = 0; r < ph->readers; r++) {
		if (pids[r] < 0) {
			err = -EAGAIN;
			continue;
		}
		kill(pids[r], SIGKILL);
		waitpid(pids[r], &status, 0);
		/* A reader that gave up by itself could not read the file. */
		if (WIFEXITED(status))
			err = -EIO;
	}
	return err;
}

static int wait_for(const char *path)
{
	struct stat st;
	struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 10000; i++) {
		if (stat(path, &st) == 0)
			return 0;
		nanosleep(&ms, NULL);
	}
	return -ETIMEDOUT;
}

static void report(struct phase *ph, int nph)
{
	double base = median(ph[0].samples, ph[0].n);
	char figure[64];

	for (int i = 1; i < nph; i++) {
		double ns = median(ph[i].samples, ph[i].n);
		const char *plural = ph[i].readers == 1 ? "" : "s";

		if (ph[i].spin) {
			bench_row("  control: a core loading the line", ns,
				  "ns/op", "no reader", base, "-");
			continue;
		}
		snprintf(figure, sizeof(figure), "writer incr, %d reader%s",
			 ph[i].readers, plural);
		bench_row(figure, ns, "ns/op", "no reader", base, "1.02");
		snprintf(figure, sizeof(figure), "  reads/s by %d reader%s",
			 ph[i].readers, plural);
		bench_row(figure, (double)ph[i].reads / ph[i].seconds,
			  "reads/s", "-", 0, "-");
	}
}

/* Phases: none, each READERS argument (default 1 and 4), the control. */
static int parse_args(int argc, char **argv, const char **dir,
		      const char **mount, struct phase *ph)
{
	int nph = 1, opt;

	while ((opt = getopt(argc, argv, "d:m:")) != -1) {
		switch (opt) {
		case 'd': *dir = optarg; break;
		case 'm': *mount = optarg; break;
		default: return -1;
		}
	}
	for (; optind < argc && nph < MAX_PHASES - 1; optind++)
		ph[nph++].readers = atoi(argv[optind]);
	if (nph == 1) {
		ph[nph++].readers = 1;
		ph[nph++].readers = 4;
	}
	ph[nph].readers = 1;
	ph[nph++].spin = true;
	return *dir && *mount ? nph : -1;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *mount = NULL;
	struct phase ph[MAX_PHASES] = { { .readers = 0 } };
	struct mmstats_options opts = { .filename = "bench_impact-{PID}.mmstats" };
	int nph, batches = 400, err = 0;
	struct mmstats *s;
	char path[PATH_MAX];
	uint64_t *count;

	nph = parse_args(argc, argv, &dir, &mount, ph);
	if (nph < 0) {
		fprintf(stderr, "usage: bench_impact -d SOURCE_DIR -m MOUNT "
			"[READERS...]\n");
		return 2;
	}
	if (bench_env_long("BENCH_QUICK", 0))
		batches = 100;
	count = mmap(NULL, sizeof(*count), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < nph; i++) {
		ph[i].samples = calloc(CYCLES * (size_t)batches,
				       sizeof(double));
		if (ph[i].samples == NULL)
			count = MAP_FAILED;
	}
	if (count == MAP_FAILED) {
		fprintf(stderr, "bench_impact: out of memory\n");
		return 1;
	}
	opts.path = dir;
	if (mmstats_open(defs, 1, &opts, &s) != 0) {
		fprintf(stderr, "bench_impact: %s\n", mmstats_last_error());
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%d/bench.counter", mount,
		 (int)getpid());
	if (wait_for(path)) {
		fprintf(stderr, "bench_impact: %s never appeared\n", path);
		mmstats_remove(s);
		return 1;
	}
	pin_to(0);
	for (int c = 0; c < CYCLES && !err; c++)
		for (int i = 0; i < nph && !err; i++)
			err = run_phase(&ph[i], mmstats_field(s, 0), path,
					count, batches);
	mmstats_remove(s);
	if (err) {
		fprintf(stderr, "bench_impact: a reader failed to read %s\n",
			path);
		return 1;
	}
	report(ph, nph);
	return 0;
}
