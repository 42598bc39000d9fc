/*
 * bench_walk - seconds for "grep -r . DIR" over one tree of mmstatsfs
 * against the same over a tree of the same shape served by floorfs.
 *
 *	bench_walk [-r RUNS] [-t TARGET] [-x SUFFIX] [-e EXCLUDE_DIR]
 *		   NAME DIR FLOOR_DIR
 *
 * The walks of DIR and FLOOR_DIR alternate, RUNS of each (default 3; 1
 * with BENCH_QUICK), so that drift hits both, and the best of each
 * counts.  -e passes --exclude-dir=EXCLUDE_DIR to grep.  The output goes
 * to /dev/null, as in bench_scale: GNU grep then stops reading a file at
 * its first match, but still opens every file.  One row, "grep -r NAME",
 * with TARGET (a ratio, default none); SUFFIX is appended to the figure
 * and the baseline name.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"


struct walk {
	const char *dir;
	const char *exclude;	/* or NULL */
	double best;		/* seconds, < 0 until one succeeded */
};

/*
 * One run of grep -r over w->dir, in seconds, or -1 if it failed (grep
 * exits 1 when nothing matched: every file here has a line).
 */
static double run_grep(const struct walk *w)
{
	char exclude[256];
	char *argv[] = { "grep", "-r", ".", (char *)w->dir, NULL, NULL };

	if (w->exclude) {
		snprintf(exclude, sizeof(exclude), "--exclude-dir=%s",
			 w->exclude);
		argv[3] = exclude;
		argv[4] = (char *)w->dir;
	}
	return bench_time_command(argv);
}

static int walk_once(struct walk *w)
{
	double t = run_grep(w);

	if (t < 0) {
		fprintf(stderr, "bench_walk: grep -r over %s failed\n", w->dir);
		return -1;
	}
	if (w->best < 0 || t < w->best)
		w->best = t;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_walk [-r RUNS] [-t TARGET] [-x SUFFIX] "
		"[-e EXCLUDE_DIR] NAME DIR FLOOR_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct walk mine = { .best = -1 }, floor = { .best = -1 };
	const char *target = "-", *suffix = "", *exclude = NULL;
	char figure[128], base_name[96];
	int runs = bench_env_long("BENCH_QUICK", 0) ? 1 : 3, opt;

	while ((opt = getopt(argc, argv, "e:r:t:x:")) != -1) {
		switch (opt) {
		case 'e': exclude = optarg; break;
		case 'r': runs = atoi(optarg); break;
		case 't': target = optarg; break;
		case 'x': suffix = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 3 || runs < 1)
		usage();
	mine.dir = argv[optind + 1];
	floor.dir = argv[optind + 2];
	mine.exclude = floor.exclude = exclude;
	for (int r = 0; r < runs; r++)
		if (walk_once(&floor) || walk_once(&mine))
			return 1;
	snprintf(figure, sizeof(figure), "grep -r %s%s", argv[optind], suffix);
	snprintf(base_name, sizeof(base_name), "floorfs same tree%s", suffix);
	bench_row(figure, mine.best, "s", base_name, floor.best, target);
	return 0;
}
