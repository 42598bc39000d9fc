/*
 * fields.c - the updates too big to inline: moving averages and timers
 * (strings: text.c).  Like the inline ones they make no system call and
 * take no lock (clock_gettime is served by the vDSO).
 */
#include <time.h>

#include "mmstats.h"

static double window_sum(const double *w, uint32_t n)
{
	double sum = 0.0;

	for (uint32_t i = 0; i < n; i++)
		sum += w[i];
	return sum;
}

/*
 * A running sum makes each add O(1); summing the window afresh once per
 * lap keeps rounding errors (and an inf or nan that has left the window)
 * from piling up.
 */
void mmstats_moving_average_add(struct mmstats_field *f, double v)
{
	typeof(f->state.mavg) *m = &f->state.mavg;

	if (m->used == m->len)
		m->sum -= m->window[m->next];
	else
		m->used++;
	m->window[m->next] = v;
	m->sum += v;
	if (++m->next == m->len) {
		m->next = 0;
		m->sum = window_sum(m->window, m->used);
	}
	mmstats_set_double(f, m->sum / m->used);
}

void mmstats_timer_start(struct mmstats_field *f)
{
	clock_gettime(CLOCK_MONOTONIC, &f->state.mavg.start);
}

/* Stopping a timer that was not started records nothing. */
void mmstats_timer_stop(struct mmstats_field *f)
{
	struct timespec *start = &f->state.mavg.start, now;
	double elapsed;

	if (start->tv_sec < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	elapsed = (double)(now.tv_sec - start->tv_sec) +
		  (double)(now.tv_nsec - start->tv_nsec) / 1e9;
	start->tv_sec = -1;
	mmstats_moving_average_add(f, elapsed);
}
