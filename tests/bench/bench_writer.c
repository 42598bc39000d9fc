/*
 * bench_writer - what one metric update costs a writer.
 *
 * Each update function of lib/mmstats.h, on an instance from
 * mmstats_open(), is timed against the floor: the same update written by
 * hand (a volatile store of the same width to the same MAP_SHARED
 * mapping; for averages, timers and strings the same algorithm inline, or
 * strncpy).  Then two threads: one instance each (the design) against one
 * counter shared through an atomic add (what the design avoids).  Last,
 * each update loop runs again in a child under a seccomp filter that
 * counts system calls: there must be none.
 *
 *	bench_writer [-d DIR]		the table rows (see bench.h)
 *
 * Every timing is the best of several batches of many updates, floor and
 * measured loop interleaved, so both see the same machine.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmstats.h"
#include "bench.h"

static uint64_t batch_ops = 100000;	/* updates per timed batch */
static int rounds = 200;		/* batches; the best one counts */

/* ------------------------------------------------------------------ */
/* A writer's file and its fields                                      */
/* ------------------------------------------------------------------ */

#define STRING_SIZE	255

/* Every type an update changes (static fields are set once). */
static const struct mmstats_field_def defs[] = {
	MMSTATS_DEF("bench.counter", MMSTATS_COUNTER),
	MMSTATS_DEF("bench.average", MMSTATS_AVERAGE),
	MMSTATS_DEF("bench.moving_average", MMSTATS_MOVING_AVERAGE),
	MMSTATS_DEF("bench.timer", MMSTATS_TIMER),
	MMSTATS_DEF("bench.uint64", MMSTATS_UINT64),
	MMSTATS_DEF("bench.uint32", MMSTATS_UINT32),
	MMSTATS_DEF("bench.int32", MMSTATS_INT32),
	MMSTATS_DEF("bench.int16", MMSTATS_INT16),
	MMSTATS_DEF("bench.uint16", MMSTATS_UINT16),
	MMSTATS_DEF("bench.byte", MMSTATS_BYTE),
	MMSTATS_DEF("bench.float", MMSTATS_FLOAT),
	MMSTATS_DEF("bench.double", MMSTATS_DOUBLE),
	MMSTATS_DEF("bench.bool", MMSTATS_BOOL),
	MMSTATS_DEF_SIZED("bench.string", MMSTATS_STRING, STRING_SIZE),
	MMSTATS_DEF_HISTOGRAM("bench.histogram", 1e-6, 100, 4, "seconds",
			      NULL),
};

#define NDEFS	(sizeof(defs) / sizeof(defs[0]))

/* A writer's instance, as an application opens it. */
struct instance {
	struct mmstats *stats;
	struct mmstats_field *fields[MMSTATS_TYPE_COUNT];
};

static int instance_open(struct instance *in, const char *dir, int n)
{
	char name[64];
	struct mmstats_options opts = { .path = dir, .filename = name };
	int err;

	snprintf(name, sizeof(name), "bench_writer-{PID}-%d.mmstats", n);
	err = mmstats_open(defs, NDEFS, &opts, &in->stats);
	if (err)
		return err;
	for (size_t i = 0; i < NDEFS; i++)
		in->fields[defs[i].type] = mmstats_field(in->stats, i);
	return 0;
}

static void instance_close(struct instance *in)
{
	mmstats_remove(in->stats);
}

/* ------------------------------------------------------------------ */
/* The loops: each measured update and its hand-written floor          */
/* ------------------------------------------------------------------ */

typedef void loop_fn(struct mmstats_field *f, uint64_t n);

/*
 * noinline: the loop must not merge with its caller, where the compiler
 * could see that nobody reads the stores.  The barrier ends each batch
 * identically in both kinds of loop.
 */
#define LOOP(name, body)						\
static __attribute__((noinline)) void name(struct mmstats_field *f,	\
					   uint64_t n)			\
{									\
	for (int64_t i = 0; i < (int64_t)n; i++) {			\
		body;							\
	}								\
	bench_barrier();						\
}

#define VSLOT(type)	(*(volatile type *)f->value)

LOOP(floor_incr, VSLOT(uint64_t) = VSLOT(uint64_t) + 1)
LOOP(loop_incr, mmstats_incr(f, 1))
LOOP(floor_u64, VSLOT(uint64_t) = i)
LOOP(loop_u64, mmstats_set_u64(f, i))
LOOP(floor_u32, VSLOT(uint32_t) = (uint32_t)i)
LOOP(loop_u32, mmstats_set_u32(f, (uint32_t)i))
LOOP(floor_i32, VSLOT(int32_t) = (int32_t)i)
LOOP(loop_i32, mmstats_set_i32(f, (int32_t)i))
LOOP(floor_i16, VSLOT(int16_t) = (int16_t)i)
LOOP(loop_i16, mmstats_set_i16(f, (int16_t)i))
LOOP(floor_u16, VSLOT(uint16_t) = (uint16_t)i)
LOOP(loop_u16, mmstats_set_u16(f, (uint16_t)i))
LOOP(floor_byte, VSLOT(int8_t) = (int8_t)i)
LOOP(loop_byte, mmstats_set_byte(f, (int8_t)i))
LOOP(floor_bool, VSLOT(uint8_t) = (uint8_t)(i & 1))
LOOP(loop_bool, mmstats_set_bool(f, i & 1))
LOOP(floor_float, VSLOT(float) = (float)i)
LOOP(loop_float, mmstats_set_float(f, (float)i))
LOOP(floor_double, VSLOT(double) = (double)i)
LOOP(loop_double, mmstats_set_double(f, (double)i))

/*
 * The running mean as C written by hand would keep it: state in a struct
 * that outlives the call, the mean stored as a double.
 */
static __attribute__((noinline)) void floor_average(struct mmstats_field *f,
						    uint64_t n)
{
	for (int64_t i = 0; i < (int64_t)n; i++) {
		f->state.avg.count++;
		f->state.avg.total += (double)i;
		VSLOT(double) = f->state.avg.total /
				(double)f->state.avg.count;
	}
	bench_barrier();
}

LOOP(loop_average, mmstats_average_add(f, (double)i))

/*
 * A moving average as it would be written by hand, inline, on the same
 * state the library keeps (a ring of the last `len` samples and their
 * running sum), minus the library's once-a-lap fresh sum.
 */
static inline void ring_add(struct mmstats_field *f, double v)
{
	typeof(f->state.mavg) *r = &f->state.mavg;

	if (r->used == r->len)
		r->sum -= r->window[r->next];
	else
		r->used++;
	r->window[r->next] = v;
	r->sum += v;
	r->next = r->next + 1 == r->len ? 0 : r->next + 1;
	VSLOT(double) = r->sum / r->used;
}

LOOP(floor_mavg, ring_add(f, (double)i))
LOOP(loop_mavg, mmstats_moving_average_add(f, (double)i))

/* A timer by hand: two clock readings, their difference into a ring. */
static inline void timed_ring_add(struct mmstats_field *f)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ring_add(f, (double)(t1.tv_sec - t0.tv_sec) +
		 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

LOOP(floor_timer, timed_ring_add(f))
LOOP(loop_timer, mmstats_timer_start(f); mmstats_timer_stop(f))

/* A short string into a 255-byte field: strncpy copies and zero-pads too. */
static const char sample_text[] = "GET /index.html";

LOOP(floor_string, strncpy(f->value, sample_text, f->size); (void)i)
LOOP(loop_string, mmstats_set_string(f, sample_text); (void)i)

/*
 * A histogram's observe against the increment it is asked to stay
 * within 2x of: mmstats_incr() on the same mapping (a bucket's slot).
 * The values sweep the buckets, as latencies would.
 */
static inline double sample_latency(int64_t i)
{
	return (double)((i & 1023) + 1) * 1e-4;
}

LOOP(floor_observe, mmstats_store_u64_(f->state.hist.buckets[0],
		mmstats_load_u64_(f->state.hist.buckets[0]) + 1); (void)i)
LOOP(loop_observe, mmstats_observe(f, sample_latency(i)))

/*
 * What any histogram costs before its sum: the bucket of the value and
 * its count, as mmstats_observe() finds and adds them.  The row says how
 * much of observe is the sum (an information row, no target).
 */
static inline void count_bucket(struct mmstats_field *f, double v)
{
	uint64_t *b = f->state.hist.buckets[mmstats_loglin_bucket_(f, v)];

	mmstats_store_u64_(b, mmstats_load_u64_(b) + 1);
}

LOOP(loop_bucket_only, count_bucket(f, sample_latency(i)))

struct bench_case {
	const char *name;	/* figure, as the table shows it */
	enum mmstats_type type;
	loop_fn *floor;
	loop_fn *loop;
	const char *floor_name;
	unsigned slow;		/* batches this many times shorter */
	const char *target;	/* ratio to the floor; NULL: 1.2 */
};

static const struct bench_case cases[] = {
	{ "counter incr", MMSTATS_COUNTER, floor_incr, loop_incr,
	  "volatile u64 +=1" },
	{ "set_u64", MMSTATS_UINT64, floor_u64, loop_u64, "volatile store" },
	{ "set_u32", MMSTATS_UINT32, floor_u32, loop_u32, "volatile store" },
	{ "set_i32", MMSTATS_INT32, floor_i32, loop_i32, "volatile store" },
	{ "set_i16", MMSTATS_INT16, floor_i16, loop_i16, "volatile store" },
	{ "set_u16", MMSTATS_UINT16, floor_u16, loop_u16, "volatile store" },
	{ "set_byte", MMSTATS_BYTE, floor_byte, loop_byte, "volatile store" },
	{ "set_bool", MMSTATS_BOOL, floor_bool, loop_bool, "volatile store" },
	{ "set_float", MMSTATS_FLOAT, floor_float, loop_float,
	  "volatile store" },
	{ "set_double", MMSTATS_DOUBLE, floor_double, loop_double,
	  "volatile store" },
	{ "average_add", MMSTATS_AVERAGE, floor_average, loop_average,
	  "hand-written mean", 10 },
	{ "moving_average_add", MMSTATS_MOVING_AVERAGE, floor_mavg, loop_mavg,
	  "inline ring, same state", 20 },
	{ "timer start+stop", MMSTATS_TIMER, floor_timer, loop_timer,
	  "2 clock_gettime+ring", 200 },
	{ "set_string (15 of 255 B)", MMSTATS_STRING, floor_string,
	  loop_string, "strncpy", 20 },
	{ "observe (histogram)", MMSTATS_HISTOGRAM, floor_observe,
	  loop_observe, "mmstats_incr", 0, "2.0" },
	{ "observe's bucket alone, no sum", MMSTATS_HISTOGRAM, floor_observe,
	  loop_bucket_only, "mmstats_incr", 0, "-" },
};

#define NCASES	(sizeof(cases) / sizeof(cases[0]))

/* ------------------------------------------------------------------ */
/* Single thread                                                       */
/* ------------------------------------------------------------------ */

/*
 * ns per update over one batch of batch_ops / slow updates.  Batches of
 * slow updates are shorter, so that every batch takes about the same
 * 25 µs and few of them are cut by the scheduler.
 */
static double time_batch_of(loop_fn *fn, struct mmstats_field *f,
			    unsigned slow)
{
	uint64_t n = batch_ops / (slow ? slow : 1);
	uint64_t t0 = bench_now_ns();

	fn(f, n);
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double time_batch(loop_fn *fn, struct mmstats_field *f)
{
	return time_batch_of(fn, f, 1);
}

static void bench_single(struct instance *in, double *incr_ns)
{
	double best_floor[NCASES], best[NCASES];

	for (size_t c = 0; c < NCASES; c++)
		best_floor[c] = best[c] = 1e30;
	for (int r = 0; r < rounds; r++) {
		for (size_t c = 0; c < NCASES; c++) {
			struct mmstats_field *f = in->fields[cases[c].type];
			double a = time_batch_of(cases[c].floor, f,
						 cases[c].slow);
			double b = time_batch_of(cases[c].loop, f,
						 cases[c].slow);

			if (a < best_floor[c])
				best_floor[c] = a;
			if (b < best[c])
				best[c] = b;
		}
	}
	for (size_t c = 0; c < NCASES; c++) {
		char figure[64];

		snprintf(figure, sizeof(figure), "writer %s", cases[c].name);
		bench_row(figure, best[c], "ns/op", cases[c].floor_name,
			  best_floor[c],
			  cases[c].target ? cases[c].target : "1.2");
	}
	*incr_ns = best[0];
}

/* ------------------------------------------------------------------ */
/* Two threads                                                         */
/* ------------------------------------------------------------------ */

static __attribute__((noinline)) void loop_shared_atomic(
	struct mmstats_field *f, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		__atomic_fetch_add((uint64_t *)f->value, 1, __ATOMIC_RELAXED);
	bench_barrier();
}

struct worker {
	pthread_t thread;
	pthread_barrier_t *start;
	loop_fn *fn;
	struct mmstats_field *field;
	double ns;	/* per op, this thread, this batch */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(w->start);
	w->ns = time_batch(w->fn, w->field);
	return NULL;
}

/* One batch on two threads at once; the slower thread's ns/op. */
static double time_pair(loop_fn *fn, struct mmstats_field *f0,
			struct mmstats_field *f1)
{
	pthread_barrier_t start;
	struct worker w[2] = {
		{ .start = &start, .fn = fn, .field = f0 },
		{ .start = &start, .fn = fn, .field = f1 },
	};

	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++)
		pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	pthread_barrier_destroy(&start);
	return w[0].ns > w[1].ns ? w[0].ns : w[1].ns;
}

static void bench_threads(struct instance *a, struct instance *b,
			  double incr_ns)
{
	struct mmstats_field *ca = a->fields[MMSTATS_COUNTER];
	struct mmstats_field *cb = b->fields[MMSTATS_COUNTER];
	double own = 1e30, shared = 1e30, atomic1 = 1e30;

	for (int r = 0; r < rounds; r++) {
		double t = time_pair(loop_incr, ca, cb);

		if (t < own)
			own = t;
		t = time_pair(loop_shared_atomic, ca, ca);
		if (t < shared)
			shared = t;
		t = time_batch(loop_shared_atomic, ca);
		if (t < atomic1)
			atomic1 = t;
	}
	bench_row("2 threads, own instance each", own, "ns/op",
		  "1 thread incr", incr_ns, "1.2");
	bench_row("1 thread, atomic fetch_add", atomic1, "ns/op",
		  "1 thread incr", incr_ns, "-");
	bench_row("2 threads, one shared atomic", shared, "ns/op",
		  "1 thread incr", incr_ns, "-");
}

/* ------------------------------------------------------------------ */
/* System calls in the hot loop                                        */
/* ------------------------------------------------------------------ */

/*
 * Counted with a seccomp filter that traps every system call but those
 * that return from a signal handler or exit: each trap runs the SIGSYS
 * handler once instead of the call.  (Strict mode would be simpler, but
 * it also disables rdtsc, which the vDSO's clock_gettime needs.)
 */
static volatile sig_atomic_t trapped;

static void on_sigsys(int sig)
{
	(void)sig;
	trapped++;
}

static int trap_syscalls(void)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(code) / sizeof(code[0]),
		.filter = code,
	};
	struct sigaction sa = { .sa_handler = on_sigsys };

	if (sigaction(SIGSYS, &sa, NULL) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return -1;
	return 0;
}

static __attribute__((noinline)) void loop_syscall(struct mmstats_field *f,
						   uint64_t n)
{
	(void)f;
	(void)n;
	syscall(SYS_getppid);	/* the control: exactly one */
}

/* System calls `fn` makes on field f, counted in a child; -1 on failure. */
static int count_syscalls(loop_fn *fn, struct mmstats_field *f)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (trap_syscalls() != 0)
			syscall(SYS_exit, 255);
		fn(f, 100000);
		syscall(SYS_exit, trapped > 254 ? 254 : (int)trapped);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}

static int bench_syscalls(struct instance *in)
{
	int total = 0;

	if (count_syscalls(loop_syscall, in->fields[MMSTATS_COUNTER]) != 1) {
		fprintf(stderr, "bench_writer: the seccomp control did not "
			"count its one system call: the count proves nothing\n");
		return -1;
	}
	for (size_t c = 0; c < NCASES; c++) {
		int n = count_syscalls(cases[c].loop,
				       in->fields[cases[c].type]);

		if (n != 0)
			fprintf(stderr, "bench_writer: %s: %d system calls "
				"in 100000 updates\n", cases[c].name, n);
		total += n < 0 ? 1 : n;
	}
	bench_row("writer syscalls in hot loops", total, "calls",
		  "none allowed", 0, "=0");
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = "/tmp";
	struct instance a, b;
	double incr_ns;
	int opt, err;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_writer [-d DIR]\n");
			return 2;
		}
	}
	if (bench_env_long("BENCH_QUICK", 0)) {
		batch_ops = 100000;
		rounds = 40;
	}
	err = instance_open(&a, dir, 0);
	if (err == 0)
		err = instance_open(&b, dir, 1);
	if (err) {
		fprintf(stderr, "bench_writer: %s\n", mmstats_last_error());
		return 1;
	}
	bench_single(&a, &incr_ns);
	bench_threads(&a, &b, incr_ns);
	err = bench_syscalls(&a);
	instance_close(&a);
	instance_close(&b);
	return err ? 1 : 0;
}
