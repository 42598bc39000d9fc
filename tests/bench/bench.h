/*
 * bench.h - what every benchmark program shares: a monotonic clock, a
 * best-of-N timer and the one output format run.sh turns into a table.
 *
 * Header-only on purpose: every benchmark source is its own program, and
 * the build links no shared bench code.
 */
#ifndef MMSTATS_BENCH_H
#define MMSTATS_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps the compiler from moving memory accesses across it; emits nothing. */
#define bench_barrier()	__asm__ __volatile__("" ::: "memory")

/* An environment knob: a positive integer, or `def`. */
static inline long bench_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	v = strtol(s, &end, 10);
	return (*end == '\0' && v > 0) ? v : def;
}

/*
 * One figure, as run.sh expects it: tab-separated
 *	ROW  figure  value  unit  baseline-name  baseline  target-ratio
 * run.sh computes value / baseline and compares it with the target
 * (a ratio; "-" when the row only informs).
 */
static inline void bench_row(const char *figure, double value,
			     const char *unit, const char *base_name,
			     double base, const char *target)
{
	printf("ROW\t%s\t%.4g\t%s\t%s\t%.4g\t%s\n", figure, value, unit,
	       base_name, base, target);
	fflush(stdout);
}

#endif
