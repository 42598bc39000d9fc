/*
 * test_rel_torn.c - no reader ever sees half of a store.
 *
 * A writer thread rewrites 64-bit integers, doubles, 32-bit integers and
 * floats of one instance with the self-checking patterns of rel-pattern.h
 * as fast as it can, while this thread reads the file with
 * mmstats_read_fd() and checks every value of every snapshot; then the
 * same for a string.  The cross-process version, with the mount, is
 * tests/integration/test_rel_torn.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmstats.h"
#include "../helpers/rel-pattern.h"

#define NFIELDS	8	/* of each kind */

static const enum mmstats_type kind_type[REL_NKINDS] = {
	MMSTATS_UINT64, MMSTATS_DOUBLE, MMSTATS_UINT32, MMSTATS_FLOAT,
};

/* The checks themselves catch what they must. */
static void test_patterns_detect_tearing(void **state)
{
	(void)state;
	for (unsigned b = 0; b < REL_BYTES; b++) {
		assert_true(rel_check_u64(rel_u64((uint8_t)b)));
		assert_true(rel_check_u32(rel_u32((uint8_t)b)));
		assert_true(rel_check_double(rel_double((uint8_t)b)));
		assert_true(rel_check_float((double)rel_float((uint8_t)b)));
		/* Half of one store, half of the next. */
		assert_false(rel_check_u64((rel_u64((uint8_t)b) & 0xffffffffu) |
			     (rel_u64((uint8_t)(b + 1)) & ~0xffffffffull)));
		assert_false(rel_check_u32((rel_u32((uint8_t)b) & 0xffff) |
			     (rel_u32((uint8_t)(b + 1)) & 0xffff0000u)));
	}
	assert_false(rel_check_u64(UINT64_MAX));	/* 0xff is never stored */
	assert_false(rel_check_float(0.1));
	assert_int_equal(rel_kind_of("torn.dbl.003"), REL_DOUBLE);
	assert_int_equal(rel_kind_of("sys.pid"), -1);
}

struct writer {
	struct mmstats_field *f[REL_NKINDS * NFIELDS];
	volatile bool stop;
	uint64_t rounds;
};

static void store(struct mmstats_field *f, int kind, uint8_t b)
{
	switch (kind) {
	case REL_U64: mmstats_set_u64(f, rel_u64(b)); break;
	case REL_DOUBLE: mmstats_set_double(f, rel_double(b)); break;
	case REL_U32: mmstats_set_u32(f, rel_u32(b)); break;
	default: mmstats_set_float(f, rel_float(b)); break;
	}
}

static void *write_loop(void *arg)
{
	struct writer *w = arg;

	while (!w->stop) {
		for (unsigned i = 0; i < REL_NKINDS * NFIELDS; i++)
			store(w->f[i], (int)(i / NFIELDS),
			      rel_byte(w->rounds, i));
		w->rounds++;
	}
	return NULL;
}

static bool check_stat(const struct mmstats_stat *st, int kind)
{
	switch (kind) {
	case REL_U64: return rel_check_u64(st->value.v.u);
	case REL_U32: return st->value.v.u <= UINT32_MAX &&
			     rel_check_u32((uint32_t)st->value.v.u);
	case REL_DOUBLE: return rel_check_double(st->value.v.d);
	default: return rel_check_float(st->value.v.d);
	}
}

static struct mmstats *open_instance(char *dir)
{
	static struct mmstats_field_def defs[REL_NKINDS * NFIELDS];
	static char labels[REL_NKINDS * NFIELDS][32];
	struct mmstats_options opts = { .path = dir };
	struct mmstats *s;

	for (unsigned i = 0; i < REL_NKINDS * NFIELDS; i++) {
		snprintf(labels[i], sizeof(labels[i]), "%s%03u",
			 rel_kind_prefix[i / NFIELDS], i % NFIELDS);
		defs[i].label = labels[i];
		defs[i].type = kind_type[i / NFIELDS];
	}
	assert_non_null(mkdtemp(dir));
	if (mmstats_open(defs, REL_NKINDS * NFIELDS, &opts, &s) < 0)
		fail_msg("mmstats_open: %s", mmstats_last_error());
	return s;
}

static void test_torn_in_process(void **state)
{
	char dir[] = "/tmp/test_rel_torn.XXXXXX";
	uint64_t target = getenv("MMSTATS_STRESS") ? 1000000000 : 2000000;
	uint64_t checked = 0, torn = 0, reads = 0;
	time_t deadline = time(NULL) + (getenv("MMSTATS_STRESS") ? 600 : 20);
	struct writer w = { .stop = false };
	struct mmstats *s;
	pthread_t t;
	int fd;

	(void)state;
	s = open_instance(dir);
	for (unsigned i = 0; i < REL_NKINDS * NFIELDS; i++)
		w.f[i] = mmstats_field(s, i);
	fd = open(mmstats_filename(s), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pthread_create(&t, NULL, write_loop, &w), 0);

	while (checked < target && time(NULL) < deadline) {
		struct mmstats_snapshot snap;
		size_t seen = 0;

		memset(&snap, 0, sizeof(snap));
		assert_int_equal(mmstats_read_fd(fd, &snap), 0);
		reads++;
		for (size_t i = 0; i < snap.nstats; i++) {
			int kind = rel_kind_of(snap.stats[i].label);

			if (kind < 0)
				continue;
			seen++;
			if (!check_stat(&snap.stats[i], kind) && torn++ < 5)
				print_message("TORN %s: %#llx\n",
					      snap.stats[i].label,
					      (unsigned long long)
					      snap.stats[i].value.v.u);
		}
		assert_int_equal(seen, REL_NKINDS * NFIELDS);
		checked += seen;
		mmstats_snapshot_free(&snap);
	}
	w.stop = true;
	pthread_join(t, NULL);
	print_message("%llu values checked in %llu reads, %llu torn; "
		      "writer: %llu rounds\n", (unsigned long long)checked,
		      (unsigned long long)reads, (unsigned long long)torn,
		      (unsigned long long)w.rounds);
	close(fd);
	assert_int_equal(mmstats_remove(s), 0);
	rmdir(dir);
	assert_int_equal(torn, 0);
	/* Enough reads raced enough writes for the result to mean something. */
	assert_true(checked >= target / 10);
	assert_true(w.rounds > reads);
}

/*
 * Strings are many bytes, stored one by one: the reader rereads a string
 * until two copies agree (4 reads at most, see mmstats(5)).  That cannot
 * make every copy whole: a writer descheduled in the middle of a store
 * leaves a half-written string that any number of reads agree on, and
 * format 1 has no version counter to tell.  So what is asserted is what
 * must hold of every copy: the field's 64 bytes, each a letter the writer
 * stored (never a zero, never a byte from elsewhere); how many copies
 * were torn is printed, for a writer rewriting without pause and one
 * pausing (nanosleep of 1 us: some 60 us here) between rewrites.
 */
struct string_writer {
	struct mmstats_field *f;
	long pause_ns;
	volatile bool stop;
	volatile unsigned long rounds;
};

static void *string_loop(void *arg)
{
	struct string_writer *w = arg;
	struct timespec ts = { 0, w->pause_ns };
	char text[65] = "";

	while (!w->stop) {
		memset(text, 'a' + (int)(w->rounds % 26), 64);
		mmstats_set_string(w->f, text);
		w->rounds++;
		if (w->pause_ns)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

/* Whether 64 bytes, all letters the writer stored, are not all the same. */
static bool torn_copy(const char *p, size_t len)
{
	bool torn = false;

	assert_int_equal(len, 64);
	for (size_t k = 0; k < len; k++) {
		assert_true(p[k] >= 'a' && p[k] <= 'z');
		torn |= p[k] != p[0];
	}
	return torn;
}

static unsigned long torn_strings(struct mmstats *s, int fd, long pause_ns,
				  unsigned long reads)
{
	struct string_writer w = { .f = mmstats_field(s, 0),
				   .pause_ns = pause_ns };
	unsigned long torn = 0;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, string_loop, &w), 0);
	while (w.rounds == 0)
		sched_yield();
	for (unsigned long i = 0; i < reads; i++) {
		struct mmstats_snapshot snap;
		const struct mmstats_stat *st;

		memset(&snap, 0, sizeof(snap));
		assert_int_equal(mmstats_read_fd(fd, &snap), 0);
		st = mmstats_snapshot_find(&snap, "text");
		assert_non_null(st);
		torn += torn_copy(st->value.v.str.ptr, st->value.v.str.len);
		mmstats_snapshot_free(&snap);
	}
	w.stop = true;
	pthread_join(t, NULL);
	print_message("string rewritten every %ld ns + its store: %lu of "
		      "%lu reads torn, %lu rewrites\n", pause_ns, torn, reads,
		      w.rounds);
	return torn;
}

static void test_torn_strings(void **state)
{
	char dir[] = "/tmp/test_rel_torn.XXXXXX";
	struct mmstats_field_def def =
		MMSTATS_DEF_SIZED("text", MMSTATS_STRING, 64);
	struct mmstats_options opts = { .path = dir };
	unsigned long reads = getenv("MMSTATS_STRESS") ? 10000000 : 100000;
	struct mmstats *s;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	if (mmstats_open(&def, 1, &opts, &s) < 0)
		fail_msg("mmstats_open: %s", mmstats_last_error());
	fd = open(mmstats_filename(s), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	(void)torn_strings(s, fd, 0, reads / 10);
	(void)torn_strings(s, fd, 1000, reads);
	close(fd);
	assert_int_equal(mmstats_remove(s), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns_detect_tearing),
		cmocka_unit_test(test_torn_in_process),
		cmocka_unit_test(test_torn_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
