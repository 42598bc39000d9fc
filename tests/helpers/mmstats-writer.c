/*
 * mmstats-writer - a real writer process for the tests of the readers.
 *
 *	mmstats-writer [-d DIR] [-f TEMPLATE] [-P PREFIX] [-T THREADS]
 *		       [-i MS] [-c N] [-k] [-s] [-p PROGRAM] [-F WORKERS]
 *		       LABEL=TYPE[:VALUE]...
 *
 * Creates one instance of a model per thread (THREADS in all, the main
 * thread first), prints each file's path and then "ready", and waits
 * for SIGTERM or SIGINT.  With -i every thread adds 1 to each counter
 * and 1.0 to each average every MS milliseconds; -c ends after N such
 * rounds.  Files are removed at exit unless -k.  With -s the writer
 * does not catch the signals but asks the library to remove its files
 * when one kills it (mmstats_remove_on_signal()): it dies of the
 * signal.  -p sets sys.program (options.program).  String types take a
 * size: string/64:hello.
 *
 * With -F the process is a pre-fork master, as gunicorn's or uwsgi's:
 * it makes its own instance, prints its file, then forks WORKERS
 * workers; each takes an instance of the same model, which is a file of
 * its own (the library sees the fork), and counts as -i says.  For each
 * worker the master prints "worker PID PATH" once the worker's file
 * exists, then "ready".  A worker that exits (killed, or stopped by
 * SIGTERM) is replaced by a new one, printed the same way.  On SIGTERM
 * or SIGINT the master stops its workers (SIGTERM), waits for them and
 * exits; a worker whose master dies gets a SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"

static const char *const type_names[MMSTATS_TYPE_COUNT] = {
	[MMSTATS_COUNTER] = "counter",
	[MMSTATS_AVERAGE] = "average",
	[MMSTATS_MOVING_AVERAGE] = "moving_average",
	[MMSTATS_TIMER] = "timer",
	[MMSTATS_UINT64] = "uint64",
	[MMSTATS_UINT32] = "uint32",
	[MMSTATS_INT32] = "int32",
	[MMSTATS_INT16] = "int16",
	[MMSTATS_UINT16] = "uint16",
	[MMSTATS_BYTE] = "byte",
	[MMSTATS_FLOAT] = "float",
	[MMSTATS_STATIC_FLOAT] = "static_float",
	[MMSTATS_DOUBLE] = "double",
	[MMSTATS_STATIC_DOUBLE] = "static_double",
	[MMSTATS_BOOL] = "bool",
	[MMSTATS_STRING] = "string",
	[MMSTATS_STATIC_UINT32] = "static_uint32",
	[MMSTATS_STATIC_INT64] = "static_int64",
	[MMSTATS_STATIC_UINT64] = "static_uint64",
	[MMSTATS_STATIC_TEXT] = "static_text",
	[MMSTATS_HISTOGRAM] = "histogram",
};

static const char *const metric_names[MMSTATS_METRIC_COUNT_] = {
	[MMSTATS_METRIC_COUNTER] = "counter",
	[MMSTATS_METRIC_GAUGE] = "gauge",
	[MMSTATS_METRIC_INFO] = "info",
};

struct writer {
	struct mmstats_model model;
	struct mmstats_field_def *defs;
	const char **values;	/* per def, or NULL */
	size_t ndefs;
	long interval_ms;	/* < 0: no updates */
	long rounds;		/* < 0: until a signal */
	int nthreads;
	const char **paths;	/* per thread */
	pthread_barrier_t ready;
	int stop;
	bool on_signal;		/* -s */
	const char **observe;	/* -o LABEL=V,...: per def, or NULL */
	int nworkers;		/* -F: forked workers; 0: none */
	pid_t *workers;		/* -F: their pids */
};

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mmstats-writer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(void)
{
	fputs("usage: mmstats-writer [-d DIR] [-f TEMPLATE] [-P PREFIX] "
	      "[-T THREADS] [-i MS] [-c N] [-k] [-s] [-p PROGRAM] "
	      "[-o LABEL=V,...] [-F WORKERS] "
	      "LABEL=TYPE[/SIZE][:VALUE][;unit=U][;help=H][;metric=M]...\n",
	      stderr);
	exit(2);
}

static enum mmstats_type parse_type(const char *name, size_t len)
{
	for (int t = 0; t < MMSTATS_TYPE_COUNT; t++)
		if (type_names[t] && strlen(type_names[t]) == len &&
		    strncmp(type_names[t], name, len) == 0)
			return (enum mmstats_type)t;
	die("unknown type \"%.*s\"", (int)len, name);
}

static bool parse_bool(const char *v)
{
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"))
		return true;
	if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no"))
		return false;
	die("bad bool \"%s\"", v);
}

static double parse_double(const char *v, char **end, const char *label)
{
	double d;

	errno = 0;
	d = strtod(v, end);
	if (errno || *end == v)
		die("bad number \"%s\" for %s", v, label);
	return d;
}

/* LO..HI, or B1,B2,... (the bounds live as long as the process). */
static void parse_histogram(struct mmstats_field_def *def, const char *v)
{
	const char *dots = strstr(v, "..");
	char *end;
	double *b;
	size_t n = 1;

	if (dots) {	/* strtod would take "1." of "1..8" */
		char *lo = strndup(v, (size_t)(dots - v));

		if (!lo)
			die("out of memory");
		def->hist.lo = parse_double(lo, &end, def->label);
		if (*end)
			die("bad histogram range \"%s\"", v);
		free(lo);
		def->hist.hi = parse_double(dots + 2, &end, def->label);
		if (*end)
			die("bad histogram range \"%s\"", v);
		return;
	}
	for (const char *p = v; (p = strchr(p, ',')); p++)
		n++;
	b = calloc(n, sizeof(*b));
	if (!b)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		b[i] = parse_double(v, &end, def->label);
		if (*end != (i + 1 < n ? ',' : '\0'))
			die("bad histogram bounds \"%s\"", v);
		v = end + 1;
	}
	def->hist.bounds = b;
	def->hist.nbounds = n;
}

/* The initial value, where the library sets it from the table. */
static void parse_value(struct mmstats_field_def *def, const char *v)
{
	char *end;

	errno = 0;
	switch (def->type) {
	case MMSTATS_HISTOGRAM:
		parse_histogram(def, v);
		return;
	case MMSTATS_AVERAGE:
	case MMSTATS_MOVING_AVERAGE:
	case MMSTATS_TIMER:
		return;		/* added as a sample: see apply_samples() */
	case MMSTATS_STRING:
	case MMSTATS_STATIC_TEXT:
		def->value.s = v;
		return;
	case MMSTATS_BOOL:
		def->value.u = parse_bool(v);
		return;
	case MMSTATS_FLOAT:
	case MMSTATS_STATIC_FLOAT:
	case MMSTATS_DOUBLE:
	case MMSTATS_STATIC_DOUBLE:
		def->value.d = strtod(v, &end);
		break;
	case MMSTATS_INT32:
	case MMSTATS_INT16:
	case MMSTATS_BYTE:
	case MMSTATS_STATIC_INT64:
		def->value.i = strtoll(v, &end, 0);
		break;
	default:
		def->value.u = strtoull(v, &end, 0);
		break;
	}
	if (errno || end == v || *end)
		die("bad value \"%s\" for %s", v, def->label);
}

static enum mmstats_metric parse_metric(const char *name)
{
	for (int m = 0; m < MMSTATS_METRIC_COUNT_; m++)
		if (metric_names[m] && strcmp(metric_names[m], name) == 0)
			return (enum mmstats_metric)m;
	die("unknown metric \"%s\"", name);
}

/* ";unit=U;help=H;metric=M" at the end of a spec, cut off it. */
static void parse_notes(char *spec, struct mmstats_field_def *def)
{
	char *semi = strchr(spec, ';'), *item, *next;

	if (!semi)
		return;
	*semi = '\0';
	for (item = semi + 1; item; item = next) {
		next = strchr(item, ';');
		if (next)
			*next++ = '\0';
		if (strncmp(item, "unit=", 5) == 0)
			def->unit = item + 5;
		else if (strncmp(item, "help=", 5) == 0)
			def->help = item + 5;
		else if (strncmp(item, "metric=", 7) == 0)
			def->metric = parse_metric(item + 7);
		else
			die("unknown note \"%s\"", item);
	}
}

/* LABEL=TYPE[/SIZE][:VALUE][;unit=U][;help=H][;metric=M] */
static void parse_spec(char *spec, struct mmstats_field_def *def,
		       const char **value)
{
	char *type = strchr(spec, '=');
	char *colon, *slash;
	size_t tlen;

	parse_notes(spec, def);
	if (!type || type == spec)
		die("bad field \"%s\": LABEL=TYPE[:VALUE]", spec);
	*type++ = '\0';
	def->label = spec;
	colon = strchr(type, ':');
	*value = colon ? colon + 1 : NULL;
	tlen = colon ? (size_t)(colon - type) : strlen(type);
	slash = memchr(type, '/', tlen);
	if (slash) {
		def->size = (uint32_t)strtoul(slash + 1, NULL, 10);
		tlen = (size_t)(slash - type);
	}
	def->type = parse_type(type, tlen);
	if (*value)
		parse_value(def, *value);
}

static void observe_all(struct mmstats_field *f, const char *values)
{
	char *end;

	for (const char *v = values; v; v = *end ? end + 1 : NULL) {
		mmstats_observe(f, parse_double(v, &end, "-o"));
		if (*end && *end != ',')
			die("bad values \"%s\"", values);
	}
}

/* Averages start from their VALUE as a first sample. */
static void apply_samples(struct writer *w, struct mmstats *s)
{
	for (size_t i = 0; i < w->ndefs; i++) {
		struct mmstats_field *f = mmstats_field(s, i);

		if (w->observe[i])
			observe_all(f, w->observe[i]);

		if (!w->values[i])
			continue;
		if (f->type == MMSTATS_AVERAGE)
			mmstats_average_add(f, strtod(w->values[i], NULL));
		else if (f->type == MMSTATS_MOVING_AVERAGE ||
			 f->type == MMSTATS_TIMER)
			mmstats_moving_average_add(f,
				strtod(w->values[i], NULL));
	}
}

static void update(struct writer *w, struct mmstats *s)
{
	for (size_t i = 0; i < w->ndefs; i++) {
		struct mmstats_field *f = mmstats_field(s, i);

		if (f->type == MMSTATS_COUNTER)
			mmstats_incr(f, 1);
		else if (f->type == MMSTATS_AVERAGE)
			mmstats_average_add(f, 1.0);
		else if (f->type == MMSTATS_MOVING_AVERAGE ||
			 f->type == MMSTATS_TIMER)
			mmstats_moving_average_add(f, 1.0);
		else if (f->type == MMSTATS_HISTOGRAM)
			mmstats_observe(f, 1.0);
	}
}

/* -o LABEL=V,...: kept until the defs are known. */
static void set_observe(struct writer *w, char **given, int n)
{
	for (int j = 0; j < n; j++) {
		char *eq = strchr(given[j], '=');
		size_t i;

		if (!eq)
			die("bad -o \"%s\": LABEL=V,...", given[j]);
		*eq = '\0';
		for (i = 0; i < w->ndefs; i++)
			if (strcmp(w->defs[i].label, given[j]) == 0)
				break;
		if (i == w->ndefs || w->defs[i].type != MMSTATS_HISTOGRAM)
			die("-o %s: no such histogram", given[j]);
		w->observe[i] = eq + 1;
	}
}

static struct mmstats *instance(struct writer *w, int thread)
{
	struct mmstats *s = mmstats_model_instance(&w->model);

	if (!s)
		die("%s", mmstats_last_error());
	apply_samples(w, s);
	w->paths[thread] = mmstats_filename(s);
	return s;
}

static bool stopping(struct writer *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static void *worker(void *arg)
{
	struct writer *w = arg;
	static int next = 1;
	int me = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
	struct mmstats *s = instance(w, me);
	long done = 0;

	pthread_barrier_wait(&w->ready);
	while (!stopping(w) && (w->rounds < 0 || done < w->rounds)) {
		sleep_ms(w->interval_ms < 0 ? 20 : w->interval_ms);
		if (w->interval_ms >= 0 && !stopping(w)) {
			update(w, s);
			done++;
		}
	}
	return NULL;
}

/* Wait up to ms (forever if < 0) for SIGTERM or SIGINT. */
static bool got_signal(const sigset_t *set, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	int sig;

	if (ms < 0)
		return sigwait(set, &sig) == 0;
	return sigtimedwait(set, NULL, &ts) > 0;
}

static void run_main(struct writer *w, struct mmstats *s,
		     const sigset_t *set)
{
	long done = 0;

	/* After its own rounds, the main thread lets the others finish. */
	while (w->rounds < 0 || done < w->rounds) {
		if (got_signal(set, w->interval_ms)) {
			__atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
			return;
		}
		if (w->interval_ms >= 0) {
			update(w, s);
			done++;
		}
	}
}

/* ---- -F: a pre-fork master and its workers ---- */

/* A worker: its own file, told to the master through fd; counts until
 * SIGTERM, then exits (the library removes its file, unless -k). */
static void worker_main(struct writer *w, pid_t master, int fd)
{
	struct mmstats *s;
	sigset_t set;
	FILE *out;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != master)
		exit(1);
	s = instance(w, 0);
	out = fdopen(fd, "w");
	if (!out || fprintf(out, "%d %s\n", (int)getpid(), w->paths[0]) < 0 ||
	    fclose(out) == EOF)
		exit(1);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	run_main(w, s, &set);
	exit(0);
}

/* Fork worker i; once its file exists, print it. */
static void spawn(struct writer *w, int i)
{
	pid_t master = getpid(), pid;
	char line[4200];
	ssize_t n, len = 0;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	fflush(stdout);
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		worker_main(w, master, fds[1]);
	}
	close(fds[1]);
	while ((n = read(fds[0], line + len, sizeof(line) - 1 - (size_t)len)) > 0)
		len += n;
	close(fds[0]);
	if (len == 0)
		die("worker %d did not start", (int)pid);
	line[len] = '\0';
	w->workers[i] = pid;
	printf("worker %s", line);
	fflush(stdout);
}

/* Reap the workers that exited, and replace each. */
static void replace_exited(struct writer *w)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (int i = 0; i < w->nworkers; i++)
			if (w->workers[i] == pid)
				spawn(w, i);
}

/* SIGTERM, SIGINT or SIGCHLD within ms (forever if < 0); 0 if none. */
static int next_signal(const sigset_t *set, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	int sig;

	if (ms >= 0)
		return (sig = sigtimedwait(set, NULL, &ts)) > 0 ? sig : 0;
	return sigwait(set, &sig) == 0 ? sig : 0;
}

static void prefork(struct writer *w, sigset_t *set)
{
	struct mmstats *s = instance(w, 0);
	int sig;

	signal(SIGCHLD, SIG_DFL);	/* queued while blocked, for sigwait */
	sigaddset(set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	w->workers = calloc((size_t)w->nworkers, sizeof(*w->workers));
	if (!w->workers)
		die("out of memory");
	printf("%s\n", w->paths[0]);
	for (int i = 0; i < w->nworkers; i++)
		spawn(w, i);
	printf("ready\n");
	fflush(stdout);
	while ((sig = next_signal(set, w->interval_ms)) != SIGTERM &&
	       sig != SIGINT) {
		if (sig == SIGCHLD)
			replace_exited(w);
		else if (!sig && w->interval_ms >= 0)
			update(w, s);
	}
	for (int i = 0; i < w->nworkers; i++)
		kill(w->workers[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

static long parse_long(const char *v, const char *what)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0)
		die("bad %s \"%s\"", what, v);
	return n;
}

static void parse_args(struct writer *w, int argc, char **argv)
{
	struct mmstats_options *o = &w->model.opts;
	char **obs = calloc((size_t)argc, sizeof(*obs));
	int c, nobs = 0;

	if (!obs)
		die("out of memory");
	while ((c = getopt(argc, argv, "d:f:P:T:i:c:ksp:o:F:")) != -1) {
		switch (c) {
		case 'd': o->path = optarg; break;
		case 'f': o->filename = optarg; break;
		case 'P': w->model.label_prefix = optarg; break;
		case 'T': w->nthreads = (int)parse_long(optarg, "threads"); break;
		case 'i': w->interval_ms = parse_long(optarg, "interval"); break;
		case 'c': w->rounds = parse_long(optarg, "count"); break;
		case 'k': o->flags |= MMSTATS_KEEP_AT_EXIT; break;
		case 's': w->on_signal = true; break;
		case 'p': o->program = optarg; break;
		case 'o': obs[nobs++] = optarg; break;
		case 'F': w->nworkers = (int)parse_long(optarg, "workers");
			  break;
		default: usage();
		}
	}
	if (w->nthreads < 1 || w->nthreads > 1024)
		die("threads must be 1 to 1024");
	if (w->nworkers > 1024 ||
	    (w->nworkers && (w->nthreads > 1 || w->on_signal || w->rounds >= 0)))
		die("-F: 0 to 1024 workers, without -T, -s or -c");
	if (w->rounds >= 0 && w->interval_ms < 0)
		w->interval_ms = 0;
	w->ndefs = (size_t)(argc - optind);
	w->defs = calloc(w->ndefs + 1, sizeof(*w->defs));
	w->values = calloc(w->ndefs + 1, sizeof(*w->values));
	w->paths = calloc((size_t)w->nthreads, sizeof(*w->paths));
	w->observe = calloc(w->ndefs + 1, sizeof(*w->observe));
	if (!w->defs || !w->values || !w->paths || !w->observe)
		die("out of memory");
	for (size_t i = 0; i < w->ndefs; i++)
		parse_spec(argv[optind + (int)i], &w->defs[i], &w->values[i]);
	set_observe(w, obs, nobs);
	free(obs);
	w->model.defs = w->defs;
	w->model.ndefs = w->ndefs;
}

int main(int argc, char **argv)
{
	static struct writer w = {
		.model = { .once = PTHREAD_ONCE_INIT },
		.interval_ms = -1, .rounds = -1, .nthreads = 1,
	};
	pthread_t *threads;
	struct mmstats *s;
	sigset_t set;

	parse_args(&w, argc, argv);
	/*
	 * -s: nothing waits for the signals (an empty set only sleeps), so
	 * the library's handler takes them.
	 */
	sigemptyset(&set);
	if (w.on_signal) {
		if (mmstats_remove_on_signal(NULL, 0) < 0)
			die("%s", mmstats_last_error());
	} else {
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}

	if (w.nworkers) {
		prefork(&w, &set);
		return 0;
	}
	s = instance(&w, 0);
	threads = calloc((size_t)w.nthreads, sizeof(*threads));
	if (!threads)
		die("out of memory");
	pthread_barrier_init(&w.ready, NULL, (unsigned)w.nthreads);
	for (int i = 1; i < w.nthreads; i++)
		if (pthread_create(&threads[i], NULL, worker, &w))
			die("cannot create a thread");
	pthread_barrier_wait(&w.ready);
	for (int i = 0; i < w.nthreads; i++)
		printf("%s\n", w.paths[i]);
	printf("ready\n");
	fflush(stdout);

	run_main(&w, s, &set);
	for (int i = 1; i < w.nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	return 0;
}
