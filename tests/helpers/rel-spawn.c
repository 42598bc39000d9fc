/*
 * rel-spawn - many light writer processes at once.
 *
 *	rel-spawn [-d DIR] -n COUNT
 *
 * Forks COUNT children; each creates one mmstats file in DIR (one field,
 * rel.spawn.index, plus the default fields) and sleeps.  When every child
 * has its file, prints the children's pids, one a line, then "ready".
 * On SIGTERM/SIGINT (or if this process dies: PR_SET_PDEATHSIG) every
 * child is killed with SIGKILL, so their files stay behind as after a
 * crash.  Exit 1 if any child failed to create its file.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmstats.h"

static void usage(void)
{
	fprintf(stderr, "usage: rel-spawn [-d DIR] -n COUNT\n");
	exit(2);
}

/* The child: publish one file, tell the parent through `ready`, sleep. */
static void child(const char *dir, unsigned index, int ready, pid_t parent)
{
	struct mmstats_field_def def =
		MMSTATS_DEF_STATIC_U("rel.spawn.index", MMSTATS_STATIC_UINT64,
				     index);
	struct mmstats_options opts = {
		.path = dir, .flags = MMSTATS_KEEP_AT_EXIT,
	};
	struct mmstats *s;
	char status = 'y';

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (mmstats_open(&def, 1, &opts, &s) < 0) {
		fprintf(stderr, "rel-spawn: child %u: %s\n", index,
			mmstats_last_error());
		status = 'n';
	}
	if (write(ready, &status, 1) != 1 || status != 'y')
		_exit(1);
	close(ready);
	for (;;)
		pause();
}

static void kill_all(const pid_t *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

/* Wait for one status byte from each of n children; count the good ones. */
static unsigned collect(int ready, unsigned n)
{
	unsigned good = 0;
	char buf[256];

	while (n > 0) {
		ssize_t got = read(ready, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		for (ssize_t i = 0; i < got; i++)
			good += buf[i] == 'y';
		n -= (unsigned)got;
	}
	return good;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	unsigned n = 0, good;
	pid_t *pids, self = getpid();
	int pipefd[2], c, sig;
	sigset_t set;

	while ((c = getopt(argc, argv, "d:n:")) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'n': n = (unsigned)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (optind != argc || n == 0)
		usage();
	pids = calloc(n, sizeof(*pids));
	if (!pids || pipe(pipefd) < 0) {
		perror("rel-spawn");
		return 1;
	}
	/* Signals wait for sigwait() below, in the parent only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);

	for (unsigned i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(pipefd[0]);
			child(dir, i, pipefd[1], self);
		}
		if (pids[i] < 0) {
			perror("rel-spawn: fork");
			kill_all(pids, i);
			free(pids);
			return 1;
		}
	}
	sigprocmask(SIG_BLOCK, &set, NULL);
	close(pipefd[1]);
	good = collect(pipefd[0], n);
	for (unsigned i = 0; i < n; i++)
		printf("%d\n", (int)pids[i]);
	printf("%s\n", good == n ? "ready" : "failed");
	fflush(stdout);
	if (good != n) {
		fprintf(stderr, "rel-spawn: %u of %u children failed\n",
			n - good, n);
		kill_all(pids, n);
		free(pids);
		return 1;
	}
	sigwait(&set, &sig);
	kill_all(pids, n);
	free(pids);
	return 0;
}
