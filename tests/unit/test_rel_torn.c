/*
 * test_rel_torn.c - no reader ever sees half of a store.
 *
 * A writer thread rewrites 64-bit integers, doubles, 32-bit integers and
 * floats of one instance with the self-checking patterns of rel-pattern.h
 * as fast as it can, while this thread reads the file with
 * mmstats_read_fd() and checks every value of every snapshot; then the
 * same for a string.  The cross-process version, with the mount, is
 * tests/integration/test_rel_torn.sh.  And a caller's buffer may sit at
 * any alignment: mmstats_parse() of a copy of a file decodes the same at
 * every byte offset (test_parse_every_alignment).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
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
	bool stop;
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

	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		for (unsigned i = 0; i < REL_NKINDS * NFIELDS; i++)
			store(w->f[i], (int)(i / NFIELDS),
			      rel_byte(w->rounds, i));
		/* the reader's loop counts rounds while they are made */
		__atomic_store_n(&w->rounds, w->rounds + 1, __ATOMIC_RELAXED);
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

/*
 * Values a read of the live file gives, checked; -1 if not every field
 * was there.
 */
static long check_one_read(int fd, uint64_t *torn)
{
	struct mmstats_snapshot snap;
	long seen = 0;

	memset(&snap, 0, sizeof(snap));
	assert_int_equal(mmstats_read_fd(fd, &snap), 0);
	for (size_t i = 0; i < snap.nstats; i++) {
		int kind = rel_kind_of(snap.stats[i].label);

		if (kind < 0)
			continue;
		seen++;
		if (!check_stat(&snap.stats[i], kind) && (*torn)++ < 5)
			print_message("TORN %s: %#llx\n", snap.stats[i].label,
				      (unsigned long long)
				      snap.stats[i].value.v.u);
	}
	mmstats_snapshot_free(&snap);
	return seen == REL_NKINDS * NFIELDS ? seen : -1;
}

/*
 * Reads go on until `want` values were checked, then the writer goes on
 * until it made as many rounds as there were reads (each read raced
 * rewrites), so that every count below is reached however slow the
 * machine is; the deadline only ends a test that stopped making
 * progress (a hang), and says so.
 */
static void test_torn_in_process(void **state)
{
	char dir[] = "/tmp/test_rel_torn.XXXXXX";
	uint64_t want = getenv("MMSTATS_STRESS") ? 1000000000 : 2000000;
	uint64_t checked = 0, torn = 0, reads = 0;
	time_t deadline = time(NULL) + (getenv("MMSTATS_STRESS") ? 7200 : 600);
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

	while (checked < want && time(NULL) < deadline) {
		long seen = check_one_read(fd, &torn);

		assert_true(seen > 0);
		checked += (uint64_t)seen;
		reads++;
	}
	while (__atomic_load_n(&w.rounds, __ATOMIC_RELAXED) < reads &&
	       time(NULL) < deadline)
		sched_yield();
	__atomic_store_n(&w.stop, true, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	print_message("%llu values checked in %llu reads, %llu torn; "
		      "writer: %llu rounds\n", (unsigned long long)checked,
		      (unsigned long long)reads, (unsigned long long)torn,
		      (unsigned long long)w.rounds);
	close(fd);
	assert_int_equal(mmstats_remove(s), 0);
	rmdir(dir);
	assert_int_equal(torn, 0);
	if (checked < want || w.rounds < reads)
		fail_msg("no progress before the deadline: a hang, not a "
			 "slow machine");
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

/*
 * Every alignment the API allows a caller's buffer: mmstats_parse() takes
 * any pointer, and the values it decodes must not depend on where the
 * bytes sit (a load of a value's natural width is only for aligned
 * values; the rest must be read byte by byte, and give the same).  A
 * static copy of each file, whole and cut in the middle of a field, is
 * parsed at each byte offset 0..63 from a 64-byte boundary, in a buffer
 * that ends where the file does (so ASan sees any read past it), and
 * must give exactly what offset 0 gives: fields, labels, types,
 * offsets, value bits, and the error and its message.
 */
#define ALIGNMENTS	64

static void *file_bytes(const char *path, size_t *len)
{
	struct stat st;
	void *data;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_size > 0);
	data = malloc((size_t)st.st_size);
	assert_non_null(data);
	assert_int_equal(read(fd, data, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return data;
}

static void same_value(const struct mmstats_value *a,
		       const struct mmstats_value *b)
{
	assert_int_equal(a->kind, b->kind);
	switch (a->kind) {
	case MMSTATS_KIND_STRING:
		assert_int_equal(a->v.str.len, b->v.str.len);
		assert_memory_equal(a->v.str.ptr, b->v.str.ptr, a->v.str.len);
		break;
	case MMSTATS_KIND_BOOL:
		assert_int_equal(a->v.b, b->v.b);
		break;
	case MMSTATS_KIND_UNSUPPORTED:
		break;
	default:	/* integers, and the bits of doubles (NaN included) */
		assert_memory_equal(&a->v.u, &b->v.u, sizeof(a->v.u));
		break;
	}
}

static void same_snapshot(const struct mmstats_snapshot *a,
			  const struct mmstats_snapshot *b)
{
	assert_int_equal(a->err, b->err);
	assert_string_equal(a->errmsg, b->errmsg);
	assert_int_equal(a->size, b->size);
	assert_memory_equal(a->data, b->data, a->size);
	assert_int_equal(a->nstats, b->nstats);
	for (size_t i = 0; i < a->nstats; i++) {
		const struct mmstats_stat *x = &a->stats[i], *y = &b->stats[i];

		assert_string_equal(x->label, y->label);
		assert_int_equal(x->raw_label_len, y->raw_label_len);
		assert_memory_equal(x->raw_label, y->raw_label,
				    x->raw_label_len);
		assert_string_equal(x->type, y->type);
		assert_int_equal(x->buffered, y->buffered);
		assert_int_equal(x->offset, y->offset);
		assert_int_equal(x->value_offset, y->value_offset);
		assert_int_equal(x->value_size, y->value_size);
		same_value(&x->value, &y->value);
	}
}

/* Parse len bytes placed at `off` past a 64-byte boundary. */
static int parse_at(const void *data, size_t len, size_t off,
		    struct mmstats_snapshot *snap)
{
	void *mem = NULL;
	unsigned char *p;
	int err;

	assert_int_equal(posix_memalign(&mem, ALIGNMENTS, off + len), 0);
	p = mem;
	memset(p, 0xa5, off);
	memcpy(p + off, data, len);
	memset(snap, 0, sizeof(*snap));
	err = mmstats_parse(p + off, len, snap);
	free(p);	/* the snapshot owns a copy */
	return err;
}

/* Returns how many fields the file decodes to at offset 0. */
static size_t check_alignments(const char *what, const void *data,
			       size_t len)
{
	struct mmstats_snapshot at0, other;
	size_t n;
	int err0;

	err0 = parse_at(data, len, 0, &at0);
	for (size_t off = 1; off < ALIGNMENTS; off++) {
		assert_int_equal(parse_at(data, len, off, &other), err0);
		same_snapshot(&at0, &other);
		mmstats_snapshot_free(&other);
	}
	n = at0.nstats;
	print_message("%s (%zu bytes): %zu fields, err %d, the same at "
		      "offsets 0..%d\n", what, len, n, err0, ALIGNMENTS - 1);
	mmstats_snapshot_free(&at0);
	return n;
}

/* The file whole, then cut in the middle of its last field. */
static void check_file_alignments(const char *what, const void *data,
				  size_t len)
{
	struct mmstats_snapshot whole;
	size_t cut;

	memset(&whole, 0, sizeof(whole));
	assert_int_equal(mmstats_parse(data, len, &whole), 0);
	assert_true(whole.nstats > 1);
	cut = whole.stats[whole.nstats - 1].value_offset + 1;
	mmstats_snapshot_free(&whole);
	assert_true(check_alignments(what, data, len) > 1);
	assert_true(check_alignments("  cut mid-field", data, cut) > 0);
}

/* A field of every type of this library's writer, each holding a value. */
static const struct mmstats_field_def every_type[] = {
	MMSTATS_DEF("counter", MMSTATS_COUNTER),
	MMSTATS_DEF("average", MMSTATS_AVERAGE),
	MMSTATS_DEF("moving_average", MMSTATS_MOVING_AVERAGE),
	MMSTATS_DEF("timer", MMSTATS_TIMER),
	MMSTATS_DEF("uint64", MMSTATS_UINT64),
	MMSTATS_DEF("uint32", MMSTATS_UINT32),
	MMSTATS_DEF("int32", MMSTATS_INT32),
	MMSTATS_DEF("int16", MMSTATS_INT16),
	MMSTATS_DEF("uint16", MMSTATS_UINT16),
	MMSTATS_DEF("byte", MMSTATS_BYTE),
	MMSTATS_DEF("float", MMSTATS_FLOAT),
	MMSTATS_DEF_STATIC_D("static_float", MMSTATS_STATIC_FLOAT, -2.5),
	MMSTATS_DEF("double", MMSTATS_DOUBLE),
	MMSTATS_DEF_STATIC_D("static_double", MMSTATS_STATIC_DOUBLE, 1e300),
	MMSTATS_DEF("bool", MMSTATS_BOOL),
	MMSTATS_DEF_SIZED("string", MMSTATS_STRING, 13),
	MMSTATS_DEF_STATIC_U("static_uint32", MMSTATS_STATIC_UINT32,
			     0xdeadbeef),
	MMSTATS_DEF_STATIC_I("static_int64", MMSTATS_STATIC_INT64,
			     INT64_MIN + 1),
	MMSTATS_DEF_STATIC_U("static_uint64", MMSTATS_STATIC_UINT64,
			     UINT64_MAX),
	MMSTATS_DEF_STATIC_S("static_text", MMSTATS_STATIC_TEXT, "t\xc3\xa9xt"),
};

static void fill_every_type(struct mmstats *s)
{
	mmstats_incr(mmstats_field(s, 0), 0x0123456789abcdefull);
	mmstats_average_add(mmstats_field(s, 1), 1.5);
	mmstats_average_add(mmstats_field(s, 1), 0.25);
	mmstats_moving_average_add(mmstats_field(s, 2), 0.1);
	mmstats_timer_start(mmstats_field(s, 3));
	mmstats_timer_stop(mmstats_field(s, 3));
	mmstats_set_u64(mmstats_field(s, 4), 0xfedcba9876543210ull);
	mmstats_set_u32(mmstats_field(s, 5), 0x89abcdefu);
	mmstats_set_i32(mmstats_field(s, 6), -123456789);
	mmstats_set_i16(mmstats_field(s, 7), -12345);
	mmstats_set_u16(mmstats_field(s, 8), 54321);
	mmstats_set_byte(mmstats_field(s, 9), -7);
	mmstats_set_float(mmstats_field(s, 10), 0.1f);
	mmstats_set_double(mmstats_field(s, 12), -0.1);
	mmstats_set_bool(mmstats_field(s, 14), true);
	mmstats_set_string(mmstats_field(s, 15), "h\xc3\xa9llo");
}

static const struct mmstats_stat *
find_exact(const struct mmstats_snapshot *snap, const char *label)
{
	for (size_t i = 0; i < snap->nstats; i++)
		if (strcmp(snap->stats[i].label, label) == 0)
			return &snap->stats[i];
	fail_msg("no field %s", label);
	return NULL;
}

/* Offset 0 decodes what the writer stored (so "the same" means right). */
static void check_every_type_values(const void *data, size_t len)
{
	struct mmstats_snapshot snap;
	const struct mmstats_stat *st;

	memset(&snap, 0, sizeof(snap));
	assert_int_equal(mmstats_parse(data, len, &snap), 0);
#define FIND(label) (st = find_exact(&snap, label))
	assert_int_equal(FIND("counter")->value.v.u, 0x0123456789abcdefull);
	assert_true(FIND("average")->value.v.d == 0.875);
	assert_true(FIND("moving_average")->value.v.d == 0.1);
	assert_int_equal(FIND("uint64")->value.v.u, 0xfedcba9876543210ull);
	assert_int_equal(FIND("uint32")->value.v.u, 0x89abcdefu);
	assert_int_equal(FIND("int32")->value.v.i, -123456789);
	assert_int_equal(FIND("int16")->value.v.i, -12345);
	assert_int_equal(FIND("uint16")->value.v.u, 54321);
	assert_int_equal(FIND("byte")->value.v.i, -7);
	assert_true(FIND("float")->value.v.d == (double)0.1f);
	assert_true(FIND("static_float")->value.v.d == -2.5);
	assert_true(FIND("double")->value.v.d == -0.1);
	assert_true(FIND("static_double")->value.v.d == 1e300);
	assert_true(FIND("bool")->value.v.b);
	assert_int_equal(FIND("string")->value.v.str.len, 6);
	assert_memory_equal(st->value.v.str.ptr, "h\xc3\xa9llo", 6);
	assert_int_equal(FIND("static_uint32")->value.v.u, 0xdeadbeef);
	assert_int_equal(FIND("static_int64")->value.v.i, INT64_MIN + 1);
	assert_int_equal(FIND("static_uint64")->value.v.u, UINT64_MAX);
	assert_int_equal(FIND("static_text")->value.v.str.len, 5);
#undef FIND
	mmstats_snapshot_free(&snap);
}

static void test_parse_every_alignment(void **state)
{
	static const char *const vectors[] = {
		"all_types.mmstats", "buffered_flip_states.mmstats",
		"many_fields.mmstats",
	};
	const char *vdir = getenv("MMSTATS_VECTORS");
	char dir[] = "/tmp/test_rel_torn.XXXXXX", path[1024];
	struct mmstats_options opts = { .path = dir };
	struct mmstats *s;
	size_t len;
	void *data;

	(void)state;
	/* This library's file: every value naturally aligned. */
	assert_non_null(mkdtemp(dir));
	if (mmstats_open(every_type, sizeof(every_type) /
			 sizeof(every_type[0]), &opts, &s) < 0)
		fail_msg("mmstats_open: %s", mmstats_last_error());
	fill_every_type(s);
	data = file_bytes(mmstats_filename(s), &len);
	assert_int_equal(mmstats_remove(s), 0);
	rmdir(dir);
	check_every_type_values(data, len);
	check_file_alignments("every type (libmmstats)", data, len);
	free(data);
	/* The reference's packed files: values at any offset. */
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s",
			 vdir && *vdir ? vdir : "tests/vectors", vectors[i]);
		data = file_bytes(path, &len);
		check_file_alignments(vectors[i], data, len);
		free(data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns_detect_tearing),
		cmocka_unit_test(test_parse_every_alignment),
		cmocka_unit_test(test_torn_in_process),
		cmocka_unit_test(test_torn_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
