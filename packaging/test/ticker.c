/*
 * ticker - a program built against the installed libmmstats, the way a
 * user builds one:
 *
 *	cc -o ticker ticker.c $(pkg-config --cflags --libs mmstats)
 *
 *	ticker DIR
 *
 * Publishes one counter, "ticker.ticks", in a file of DIR, prints the
 * file's path, then adds 1 to the counter every 10 ms until SIGTERM or
 * SIGINT, and removes the file.  check-packages.sh runs it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mmstats.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	return 0;
}

static void tick(struct mmstats_field *ticks)
{
	const struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };

	while (!stop) {
		mmstats_incr(ticks, 1);
		nanosleep(&pause, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct mmstats_field_def defs[] = {
		MMSTATS_DEF("ticker.ticks", MMSTATS_COUNTER),
	};
	struct mmstats_options opts = { 0 };
	struct mmstats *s;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: ticker DIR\n");
		return 2;
	}
	if (catch_signals() == -1) {
		perror("ticker: sigaction");
		return 1;
	}
	opts.path = argv[1];
	err = mmstats_open(defs, 1, &opts, &s);
	if (err < 0) {
		fprintf(stderr, "ticker: %s\n", mmstats_last_error());
		return 1;
	}
	printf("%s\n", mmstats_filename(s));
	fflush(stdout);
	tick(mmstats_field_by_label(s, "ticker.ticks"));
	err = mmstats_remove(s);
	if (err < 0) {
		fprintf(stderr, "ticker: %s\n", mmstats_last_error());
		return 1;
	}
	return 0;
}
