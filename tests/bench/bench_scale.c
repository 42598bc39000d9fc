/*
 * bench_scale - mmstatsfs over many writers: grep -r and ls -R of the whole
 * mount against floorfs serving a tree of the same shape, the daemon's
 * memory, and how soon a writer's directory appears and vanishes.
 *
 *	bench_scale -s SOURCE_DIR -m MOUNT -p DAEMON_PID -F FLOOR_MOUNT
 *		    [-l LABELS] [-w] N...
 *
 * -w skips the tree walks (memory and latencies only).
 *
 * Every writer is a real process of its own, a child that opens one file
 * with mmstats_open() (LABELS labels, default fields included) and sleeps
 * until its lifeline pipe closes: when this program ends, however it ends,
 * the children remove their files and exit.  Sizes grow in the order given,
 * adding writers to those already running.  floorfs (from the directory of
 * this program, single-threaded: the fastest a minimal daemon gets) is
 * mounted on FLOOR_MOUNT anew for each size.  Walks are the best of 3 runs
 * up to 1,000 writers and run once beyond (600,000 files take a minute).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmstats.h"
#include "bench.h"


#define MAX_SAMPLES	16

struct scale {
	const char *src, *mount, *floor_mount;
	char floorfs[PATH_MAX];
	pid_t daemon;
	unsigned labels;	/* per writer, default fields included */
	unsigned extra;		/* counters added to the default fields */
	int lifeline[2];	/* children read; EOF means exit */
	int ready[2];		/* children report here */
	unsigned nwriters;
	int samples;		/* appear/vanish probes per size */
	int runs;		/* of each tree walk; the best counts */
	bool no_walks;		/* -w: memory and latencies only */
};

/* What a child reports once its file exists. */
struct ready_msg {
	pid_t pid;
	int err;
	uint64_t created_ns;
	char name[200];
};

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_scale: %s: %s\n", what, strerror(err));
	exit(1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ */
/* Writers                                                             */
/* ------------------------------------------------------------------ */

static int open_writer(const struct scale *sc, struct mmstats **out)
{
	struct mmstats_field_def defs[64];
	char labels[64][16];
	struct mmstats_options opts = { .path = sc->src };

	for (unsigned i = 0; i < sc->extra; i++) {
		snprintf(labels[i], sizeof(labels[i]), "bench.c%02u", i);
		defs[i] = (struct mmstats_field_def)
			MMSTATS_DEF(labels[i], MMSTATS_COUNTER);
	}
	return mmstats_open(defs, sc->extra, &opts, out);
}

static __attribute__((noreturn)) void writer_main(struct scale *sc)
{
	struct ready_msg msg = { .pid = getpid() };
	struct mmstats *s = NULL;
	char c;

	close(sc->lifeline[1]);
	close(sc->ready[0]);
	msg.err = open_writer(sc, &s);
	msg.created_ns = bench_now_ns();
	if (msg.err == 0)
		snprintf(msg.name, sizeof(msg.name), "%s",
			 mmstats_filename(s));
	if (write(sc->ready[1], &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.err)
		_exit(1);
	while (read(sc->lifeline[0], &c, 1) < 0 && errno == EINTR)
		;
	mmstats_remove(s);
	_exit(0);
}

static pid_t spawn_writer(struct scale *sc)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork", errno);
	if (pid == 0)
		writer_main(sc);
	return pid;
}

static void read_ready(struct scale *sc, struct ready_msg *msg)
{
	ssize_t n;

	do {
		n = read(sc->ready[0], msg, sizeof(*msg));
	} while (n < 0 && errno == EINTR);
	if (n != sizeof(*msg))
		die("a writer did not report", n < 0 ? errno : EPIPE);
	if (msg->err)
		die("mmstats_open in a writer", -msg->err);
}

/* Start writers until there are n; they stay until we exit. */
static void grow_writers(struct scale *sc, unsigned n)
{
	struct ready_msg msg;
	unsigned started = 0;

	for (; sc->nwriters + started < n; started++)
		spawn_writer(sc);
	while (started--)
		read_ready(sc, &msg);
	sc->nwriters = n;
}

/* Numbered directories at the top of the mount: the writers it shows. */
static long count_pid_dirs(const char *mount)
{
	DIR *d = opendir(mount);
	struct dirent *e;
	long n = 0;

	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	closedir(d);
	return n;
}

/* Seconds until the mount shows at least n writers, or -1. */
static double wait_visible(const struct scale *sc, unsigned n, int limit_s)
{
	uint64_t t0 = bench_now_ns();

	while (count_pid_dirs(sc->mount) < (long)n) {
		if (bench_now_ns() - t0 > (uint64_t)limit_s * 1000000000u)
			return -1;
		sleep_ms(5);
	}
	return (double)(bench_now_ns() - t0) / 1e9;
}

/* ------------------------------------------------------------------ */
/* Commands and the floor                                              */
/* ------------------------------------------------------------------ */

/* One run of "grep -r . DIR" or "ls -R DIR", in seconds, or -1. */
static double time_walk(bool grep, const char *dir)
{
	char *grep_argv[] = { "grep", "-r", ".", (char *)dir, NULL };
	char *ls_argv[] = { "ls", "-R", (char *)dir, NULL };
	double t = bench_time_command(grep ? grep_argv : ls_argv);

	if (t < 0)
		fprintf(stderr, "bench_scale: %s over %s failed\n",
			grep ? "grep -r" : "ls -R", dir);
	return t;
}

static void keep_best(double *best, double t)
{
	if (t >= 0 && (*best < 0 || t < *best))
		*best = t;
}

static pid_t mount_floor(struct scale *sc, unsigned dirs)
{
	char opt[64], probe[PATH_MAX];
	char *argv[] = { sc->floorfs, "-f", "-s", "-o", opt,
			 (char *)sc->floor_mount, NULL };
	struct stat st;
	pid_t pid;

	snprintf(opt, sizeof(opt), "dirs=%u,files=%u", dirs, sc->labels);
	snprintf(probe, sizeof(probe), "%s/files", sc->floor_mount);
	if (posix_spawn(&pid, sc->floorfs, NULL, NULL, argv, environ))
		die("floorfs", errno);
	for (int i = 0; i < 5000 && stat(probe, &st) != 0; i++)
		sleep_ms(1);
	return pid;
}

static void unmount_floor(const struct scale *sc, pid_t pid)
{
	char *argv[] = { "fusermount3", "-u", (char *)sc->floor_mount, NULL };

	if (bench_time_command(argv) < 0)
		kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Appear and vanish                                                   */
/* ------------------------------------------------------------------ */

/* Poll stat() of path every millisecond until it exists (or not). */
static uint64_t poll_until(const char *path, int want_exists)
{
	struct stat st;

	for (int i = 0; i < 10000; i++) {
		if ((stat(path, &st) == 0) == want_exists)
			return bench_now_ns();
		sleep_ms(1);
	}
	return 0;
}

/* One writer more: ms until it shows, then ms from its death until gone. */
static int probe_once(struct scale *sc, double *appear_ms, double *vanish_ms)
{
	struct ready_msg msg;
	char path[PATH_MAX], file[PATH_MAX];
	uint64_t seen, killed, gone;
	pid_t pid = spawn_writer(sc);

	read_ready(sc, &msg);
	snprintf(path, sizeof(path), "%s/%d", sc->mount, (int)pid);
	seen = poll_until(path, 1);
	killed = bench_now_ns();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);	/* a zombie still has a /proc entry */
	gone = poll_until(path, 0);
	snprintf(file, sizeof(file), "%s/%s", sc->src, msg.name);
	unlink(file);
	if (!seen || !gone)
		return -ETIMEDOUT;
	*appear_ms = (double)(seen - msg.created_ns) / 1e6;
	*vanish_ms = (double)(gone - killed) / 1e6;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One size                                                            */
/* ------------------------------------------------------------------ */

static long daemon_rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/*
 * Seconds until the daemon has caught up with the writers' arrival: its
 * CPU time unchanged over 200 ms.  The probes then see a steady system.
 */
static double wait_settled(pid_t pid, int limit_s)
{
	uint64_t t0 = bench_now_ns();
	long long before = bench_cpu_ticks(pid), now;

	for (;;) {
		sleep_ms(200);
		now = bench_cpu_ticks(pid);
		if (now == before || now < 0)
			break;
		if (bench_now_ns() - t0 > (uint64_t)limit_s * 1000000000u)
			return -1;
		before = now;
	}
	return (double)(bench_now_ns() - t0) / 1e9 - 0.2;
}

static void row_n(const char *what, unsigned n, double v, const char *unit,
		  const char *base_name, double base, const char *target)
{
	char figure[96];

	snprintf(figure, sizeof(figure), "%s, %u writers", what, n);
	bench_row(figure, v, unit, base_name, base, target);
}

/* Walks of the mount and of the floor alternate, so drift hits both. */
static void walks(struct scale *sc, unsigned n)
{
	const char *target = n == 1000 ? "1.5" : "-";
	int runs = n > 1000 ? 1 : sc->runs;	/* a minute a walk there */
	double grep = -1, ls = -1, fgrep = -1, fls = -1;
	pid_t floor = mount_floor(sc, n);

	for (int r = 0; r < runs; r++) {
		keep_best(&fgrep, time_walk(true, sc->floor_mount));
		keep_best(&grep, time_walk(true, sc->mount));
		keep_best(&fls, time_walk(false, sc->floor_mount));
		keep_best(&ls, time_walk(false, sc->mount));
	}
	unmount_floor(sc, floor);
	row_n("grep -r", n, grep, "s", "floorfs same tree", fgrep, target);
	row_n("ls -R", n, ls, "s", "floorfs same tree", fls, "-");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The median has the target: on a shared machine one probe in several
 * may wait for a CPU, which the worst case shows.
 */
static void probes(struct scale *sc, unsigned n)
{
	double appear[MAX_SAMPLES], vanish[MAX_SAMPLES];
	int k = sc->samples;

	for (int i = 0; i < k; i++) {
		if (probe_once(sc, &appear[i], &vanish[i])) {
			fprintf(stderr, "bench_scale: a probe writer never "
				"appeared or vanished in 10 s\n");
			appear[i] = vanish[i] = 1e4;
		}
	}
	qsort(appear, (size_t)k, sizeof(double), cmp_double);
	qsort(vanish, (size_t)k, sizeof(double), cmp_double);
	row_n("appear, median", n, appear[k / 2], "ms", "limit", 100, "1");
	row_n("appear, worst", n, appear[k - 1], "ms", "limit", 100, "-");
	row_n("vanish, median", n, vanish[k / 2], "ms", "limit", 100, "1");
	row_n("vanish, worst", n, vanish[k - 1], "ms", "limit", 100, "-");
}

static void bench_size(struct scale *sc, unsigned n, double rss0)
{
	double visible;

	grow_writers(sc, n);
	visible = wait_visible(sc, n, 300);
	if (visible < 0) {
		fprintf(stderr, "bench_scale: %u writers started, the mount "
			"shows %ld\n", n, count_pid_dirs(sc->mount));
		exit(1);
	}
	row_n("all visible after start", n, visible, "s", "-", 0, "-");
	row_n("daemon busy after start", n, wait_settled(sc->daemon, 300),
	      "s", "-", 0, "-");
	if (!sc->no_walks)
		walks(sc, n);
	row_n("daemon RSS", n, daemon_rss_kib(sc->daemon) / 1024.0, "MiB",
	      "RSS, no writer", rss0, "-");
	probes(sc, n);
}

/* How many default fields an instance has: the rest of LABELS are ours. */
static unsigned default_fields(const char *dir)
{
	struct mmstats_options opts = { .path = dir };
	struct mmstats *s;
	unsigned n;
	int err = mmstats_open(NULL, 0, &opts, &s);

	if (err)
		die("mmstats_open", -err);
	n = (unsigned)mmstats_field_count(s);
	mmstats_remove(s);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_scale -s SOURCE -m MOUNT -p PID "
		"-F FLOOR_MOUNT [-l LABELS] [-w] N...\n");
	exit(2);
}

/* floorfs lives beside this program. */
static void sibling_path(char *out, size_t len, const char *self,
			 const char *name)
{
	const char *slash = strrchr(self, '/');

	if (slash)
		snprintf(out, len, "%.*s/%s", (int)(slash - self), self, name);
	else
		snprintf(out, len, "%s", name);
}

static void parse_args(struct scale *sc, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:m:p:F:l:w")) != -1) {
		switch (opt) {
		case 's': sc->src = optarg; break;
		case 'm': sc->mount = optarg; break;
		case 'p': sc->daemon = (pid_t)atoi(optarg); break;
		case 'F': sc->floor_mount = optarg; break;
		case 'l': sc->labels = (unsigned)atoi(optarg); break;
		case 'w': sc->no_walks = true; break;
		default: usage();
		}
	}
	if (!sc->src || !sc->mount || sc->daemon <= 0 || !sc->floor_mount ||
	    optind == argc || sc->labels == 0 || sc->labels > 64)
		usage();
	if (bench_env_long("BENCH_QUICK", 0)) {
		sc->samples = 5;
		sc->runs = 1;
	}
	sc->samples = (int)bench_env_long("BENCH_PROBES", sc->samples);
	if (sc->samples > MAX_SAMPLES)
		sc->samples = MAX_SAMPLES;
	sibling_path(sc->floorfs, sizeof(sc->floorfs), argv[0], "floorfs");
}

int main(int argc, char **argv)
{
	struct scale sc = { .labels = 20, .samples = 7, .runs = 3 };
	double rss0;

	parse_args(&sc, argc, argv);
	sc.extra = default_fields(sc.src);
	sc.extra = sc.labels > sc.extra ? sc.labels - sc.extra : 0;
	if (pipe2(sc.lifeline, O_CLOEXEC) || pipe2(sc.ready, O_CLOEXEC))
		die("pipe", errno);
	signal(SIGPIPE, SIG_IGN);
	rss0 = daemon_rss_kib(sc.daemon) / 1024.0;
	for (int i = optind; i < argc; i++)
		bench_size(&sc, (unsigned)atoi(argv[i]), rss0);
	return 0;
}
