/*
 * test_rel_race.c - a name swapped under the reader between checking and
 * opening.
 *
 * mmstats_read_at() and mmstats_open_at() must never open a FIFO or a
 * device named like a stats file (opening some has side effects).  Here a
 * thread renames, again and again, a hard link of a good file and then a
 * hard link of a FIFO (or of a device like /dev/null, 1:3) over the name
 * the reader reads.  The FIFO and the device keep a second name, so an
 * inotify watch on their inodes sees every open of them (IN_OPEN), from
 * whatever name; there must be none.  (Found by this test, fixed by
 * opening O_PATH, checking that fd, then reopening that very inode.)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmstats.h"

static char dir[] = "/tmp/test_rel_race.XXXXXX";

struct flipper {
	int dfd;
	const char *special;	/* name of the FIFO or device's other link */
	volatile bool stop;
	unsigned long flips;
};

/* Put a new link to `target` at flip.mmstats, atomically. */
static void flip_to(int dfd, const char *target)
{
	unlinkat(dfd, "flip.tmp", 0);
	if (linkat(dfd, target, dfd, "flip.tmp", 0) == 0)
		renameat(dfd, "flip.tmp", dfd, "flip.mmstats");
}

static void *flip_loop(void *arg)
{
	struct flipper *f = arg;

	while (!f->stop) {
		flip_to(f->dfd, "good");
		flip_to(f->dfd, f->special);
		f->flips++;
	}
	return NULL;
}

static unsigned long count_opens(int ino)
{
	char buf[4096] __attribute__((aligned(8)));
	unsigned long n = 0;
	ssize_t got;

	while ((got = read(ino, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + got;) {
			struct inotify_event *ev = (void *)p;

			n += (ev->mask & IN_OPEN) != 0;
			p += sizeof(*ev) + ev->len;
		}
	return n;
}

static bool read_good(int dfd)
{
	struct mmstats_snapshot s;
	bool good;

	memset(&s, 0, sizeof(s));
	good = mmstats_read_at(dfd, "flip.mmstats", &s) == 0 &&
	       s.nstats == 500;
	mmstats_snapshot_free(&s);
	return good;
}

/* Read flip.mmstats for `secs` while it flips; opens of `special`. */
static unsigned long race(const char *special, int secs)
{
	struct flipper f = { .special = special };
	unsigned long opens, good = 0, reads = 0;
	time_t end = time(NULL) + secs;
	char path[256];
	pthread_t t;
	int ino;

	f.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f.dfd >= 0);
	snprintf(path, sizeof(path), "%s/%s", dir, special);
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ino >= 0);
	assert_true(inotify_add_watch(ino, path, IN_OPEN) >= 0);

	assert_int_equal(pthread_create(&t, NULL, flip_loop, &f), 0);
	for (; time(NULL) < end; reads++)
		good += read_good(f.dfd);
	f.stop = true;
	pthread_join(t, NULL);
	opens = count_opens(ino);
	print_message("%s: %lu reads (%lu of the good file) during %lu "
		      "flips: %lu opens of the %s\n", special, reads, good,
		      f.flips, opens, special);
	assert_true(reads > 0 && f.flips > 0);	/* the race was run */
	/*
	 * How many reads met the good file is the scheduler's to say; that
	 * the reader reads it, not refuses every name that flipped, is not.
	 */
	flip_to(f.dfd, "good");
	assert_true(read_good(f.dfd));
	close(ino);
	close(f.dfd);
	return opens;
}

static int setup(void **state)
{
	const char *v = getenv("MMSTATS_VECTORS");
	char cmd[512];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp %s/many_fields.mmstats %s/good",
		 v ? v : "tests/vectors", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int seconds(void)
{
	return getenv("MMSTATS_STRESS") ? 60 : 2;
}

static void test_fifo_swapped_in(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(race("fifo", seconds()), 0);
}

static void test_device_swapped_in(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/null", dir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) < 0)
		skip();		/* not root: no device to swap in */
	assert_int_equal(race("null", seconds()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_swapped_in),
		cmocka_unit_test(test_device_swapped_in),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
