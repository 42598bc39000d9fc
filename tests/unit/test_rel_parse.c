/*
 * test_rel_parse.c - the reader against hostile bytes and hostile files.
 *
 * Every input here is something a reader can meet in a stats directory:
 * a file cut anywhere, flipped bytes, sizes that point past the end, a
 * file past the size limit, a FIFO or a device named *.mmstats, a symlink,
 * a file that shrinks while it is read, and every input the fuzzers ever
 * crashed on (tests/fuzz/regressions/fuzz_parse/).  Buffers are allocated
 * at their exact size so that ASan (make check-asan) sees any overread.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "mmstats.h"

static bool stress;

struct blob {
	unsigned char *data;
	size_t len;
};

static const char *vectors_dir(void)
{
	const char *v = getenv("MMSTATS_VECTORS");

	return v ? v : "tests/vectors";
}

static struct blob load(const char *dir, const char *name)
{
	struct blob b = { 0 };
	char path[4096];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b.len = (size_t)st.st_size;
	b.data = malloc(b.len + 1);
	assert_non_null(b.data);
	assert_int_equal(pread(fd, b.data, b.len, 0), (ssize_t)b.len);
	close(fd);
	return b;
}

static const char *const vector_names[] = {
	"all_types.mmstats", "many_fields.mmstats",
	"buffered_flip_states.mmstats",
};

/* Parse exactly `len` bytes from a buffer of exactly that size. */
static int parse_exact(const void *buf, size_t len,
		       struct mmstats_snapshot *snap)
{
	void *copy = malloc(len ? len : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	memset(snap, 0, sizeof(*snap));
	err = mmstats_parse(copy, len, snap);
	free(copy);	/* the snapshot owns its own copy */
	return err;
}

/* What must hold for any snapshot, whatever bytes it came from. */
static void check_invariants(const struct mmstats_snapshot *s, int err)
{
	uint32_t prev_end = 0;
	char text[512];

	assert_true(err <= 0);
	assert_int_equal(s->err, err);
	assert_true(s->nstats == 0 || s->stats != NULL);
	assert_non_null(memchr(s->errmsg, '\0', sizeof(s->errmsg)));
	for (size_t i = 0; i < s->nstats; i++) {
		const struct mmstats_stat *st = &s->stats[i];
		int n;

		assert_non_null(st->label);
		assert_true(strlen(st->label) <= st->raw_label_len);
		assert_true(st->raw_label >= s->data);
		assert_true(st->raw_label + st->raw_label_len <=
			    s->data + s->size);
		assert_true(st->offset >= prev_end);
		assert_true(st->value_offset > st->offset);
		assert_true((uint64_t)st->value_offset + st->value_size <=
			    s->size);
		assert_non_null(memchr(st->type, '\0', sizeof(st->type)));
		assert_true(st->value.kind <= MMSTATS_KIND_UNSUPPORTED);
		if (st->value.kind == MMSTATS_KIND_STRING) {
			assert_true(st->value.v.str.len <= st->value_size);
			assert_true(st->value.v.str.len == 0 ||
				    st->value.v.str.ptr != NULL);
		}
		n = mmstats_render(&st->value, text, sizeof(text));
		if (st->value.kind != MMSTATS_KIND_UNSUPPORTED)
			assert_true(n >= 0);
		if (n >= 0 && (size_t)n < sizeof(text))
			assert_int_equal(strlen(text), (size_t)n);
		prev_end = st->value_offset + st->value_size;
	}
	(void)mmstats_snapshot_find(s, "sys.pid");
	(void)mmstats_liveness(s);
}

static void assert_same_stat(const struct mmstats_stat *a,
			     const struct mmstats_stat *b)
{
	char ta[512], tb[512];

	assert_string_equal(a->label, b->label);
	assert_string_equal(a->type, b->type);
	assert_int_equal(a->buffered, b->buffered);
	assert_int_equal(a->offset, b->offset);
	assert_int_equal(a->value_offset, b->value_offset);
	assert_int_equal(a->value.kind, b->value.kind);
	assert_true(mmstats_render(&a->value, ta, sizeof(ta)) >= 0 ||
		    a->value.kind == MMSTATS_KIND_UNSUPPORTED);
	assert_true(mmstats_render(&b->value, tb, sizeof(tb)) >= 0 ||
		    b->value.kind == MMSTATS_KIND_UNSUPPORTED);
	if (a->value.kind != MMSTATS_KIND_UNSUPPORTED)
		assert_string_equal(ta, tb);
}

/*
 * A snapshot of a prefix of a good file (a file cut at `len`) holds
 * exactly the fields that end within it, identical to the whole file's;
 * a cut inside a field (past its label size) is an error, a cut between
 * fields is a clean end.
 */
static bool check_prefix(const struct mmstats_snapshot *full, size_t len,
			 const struct mmstats_snapshot *cut, int err)
{
	size_t whole = 0, i;
	bool inside = false;

	for (i = 0; i < full->nstats; i++) {
		size_t end = i + 1 < full->nstats ? full->stats[i + 1].offset :
			     full->stats[i].value_offset +
			     full->stats[i].value_size;

		if (end <= len)
			whole = i + 1;
		else if (i + 1 < full->nstats && full->stats[i].offset + 2 <= len)
			inside = true;
		if (end > len)
			break;
	}
	/*
	 * The end of the last field is a lower bound (a buffered field may
	 * hold its read slot first), so a cut just before its real end may
	 * keep one field fewer.
	 */
	assert_true(cut->nstats == whole ||
		    (whole == full->nstats && cut->nstats + 1 == whole));
	for (i = 0; i < cut->nstats; i++)
		assert_same_stat(&full->stats[i], &cut->stats[i]);
	if (inside)
		assert_int_equal(err, -EBADMSG);
	if (len == 0)
		assert_true(err < 0);
	return inside;
}

static void test_every_truncation(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof(vector_names) / sizeof(*vector_names);
	     v++) {
		struct blob b = load(vectors_dir(), vector_names[v]);
		struct mmstats_snapshot full, cut;
		unsigned inside = 0, cuts = 0;
		size_t step;

		assert_int_equal(parse_exact(b.data, b.len, &full), 0);
		assert_true(full.nstats > 0);
		/* Every length for small files; big ones sampled densely. */
		step = b.len > 8192 && !stress ? 3 : 1;
		for (size_t len = 0; len <= b.len; len += step) {
			int err = parse_exact(b.data, len, &cut);

			check_invariants(&cut, err);
			inside += check_prefix(&full, len, &cut, err);
			cuts++;
			mmstats_snapshot_free(&cut);
		}
		print_message("%s: %u cuts, %u inside a field\n",
			      vector_names[v], cuts, inside);
		assert_true(inside > full.nstats);
		mmstats_snapshot_free(&full);
		free(b.data);
	}
}

/* xorshift64*: reproducible mutations from a fixed seed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void mutate(unsigned char *buf, size_t len, size_t used)
{
	unsigned n = 1 + rng() % 4;

	for (unsigned i = 0; i < n; i++) {
		size_t at = rng() % (used ? used : len);

		switch (rng() % 4) {
		case 0: buf[at] ^= (unsigned char)(1u << (rng() % 8)); break;
		case 1: buf[at] = (unsigned char)rng(); break;
		case 2: buf[at] = 0xff; break;
		default: buf[at] = 0; break;
		}
	}
}

static void test_mutations(void **state)
{
	unsigned rounds = stress ? 2000000 : 20000;

	(void)state;
	for (size_t v = 0; v < sizeof(vector_names) / sizeof(*vector_names);
	     v++) {
		struct blob b = load(vectors_dir(), vector_names[v]);
		struct mmstats_snapshot full, snap;
		unsigned char *work = malloc(b.len);
		size_t used;

		assert_int_equal(parse_exact(b.data, b.len, &full), 0);
		used = full.stats[full.nstats - 1].value_offset +
		       full.stats[full.nstats - 1].value_size + 2;
		mmstats_snapshot_free(&full);
		for (unsigned r = 0; r < rounds / 3; r++) {
			size_t len = rng() % 8 ? b.len : rng() % (b.len + 1);
			int err;

			memcpy(work, b.data, b.len);
			mutate(work, b.len, used < b.len ? used : b.len);
			err = parse_exact(work, len, &snap);
			check_invariants(&snap, err);
			mmstats_snapshot_free(&snap);
		}
		free(work);
		free(b.data);
	}
}

/* ------------------------------------------------------------------ */
/* Crafted fields                                                      */
/* ------------------------------------------------------------------ */

struct craft {
	unsigned char buf[256];
	size_t len;
};

static void put(struct craft *c, const void *p, size_t n)
{
	assert_true(c->len + n <= sizeof(c->buf));
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void put16(struct craft *c, uint16_t v)
{
	put(c, &v, 2);
}

/* A field with explicit sizes, which may lie about what follows. */
static void field(struct craft *c, uint16_t label_sz, const char *label,
		  uint16_t type_sz, const char *type, unsigned char wb,
		  size_t value_bytes)
{
	static const unsigned char zeros[64];

	put16(c, label_sz);
	put(c, label, strlen(label));
	put16(c, type_sz);
	put(c, type, strlen(type));
	put(c, &wb, 1);
	put(c, zeros, value_bytes);
}

static int parse_craft(const struct craft *c, struct mmstats_snapshot *s)
{
	int err = parse_exact(c->buf, c->len, s);

	check_invariants(s, err);
	return err;
}

static struct craft good_start(void)
{
	struct craft c = { .buf = { 1 }, .len = 1 };

	field(&c, 4, "good", 1, "Q", 0xff, 8);
	return c;
}

static void expect_one_then(struct craft *c, int want)
{
	struct mmstats_snapshot s;
	int err = parse_craft(c, &s);

	assert_int_equal(err, want);
	assert_int_equal(s.nstats, 1);
	assert_string_equal(s.stats[0].label, "good");
	if (want < 0)
		assert_true(s.errmsg[0] != '\0');
	mmstats_snapshot_free(&s);
}

static void test_sizes_past_the_end(void **state)
{
	char longtype[61] = "";
	struct craft c;

	(void)state;
	c = good_start();
	field(&c, 0xffff, "abc", 0, "", 0, 0);
	expect_one_then(&c, -EBADMSG);

	c = good_start();
	field(&c, 3, "abc", 0xffff, "Q", 0xff, 0);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* value shorter than its type */
	field(&c, 3, "abc", 1, "Q", 0xff, 3);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* buffered: needs two slots */
	field(&c, 3, "abc", 1, "Q", 0, 8);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* 64 KiB string claimed */
	field(&c, 3, "abc", 6, "65000s", 0xff, 16);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* a repeat count that overflows */
	field(&c, 3, "abc", 21, "99999999999999999999Q", 0xff, 16);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* a code Python does not know */
	field(&c, 3, "abc", 1, "Z", 0xff, 16);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* a write buffer index that is neither */
	field(&c, 3, "abc", 1, "Q", 2, 16);
	expect_one_then(&c, -EBADMSG);

	c = good_start();	/* a type longer than stat.type holds */
	memset(longtype, ' ', sizeof(longtype) - 1);
	longtype[sizeof(longtype) - 2] = 'Q';
	field(&c, 3, "abc", sizeof(longtype) - 1, longtype, 0xff, 8);
	{
		struct mmstats_snapshot s;

		/* Whitespace is ignored, so this one is fine, or refused. */
		(void)parse_craft(&c, &s);
		assert_true(s.nstats >= 1);
		mmstats_snapshot_free(&s);
	}

	c = good_start();	/* one byte left: a clean end */
	put(&c, "\x05", 1);
	expect_one_then(&c, 0);
}

static void test_version_and_empty(void **state)
{
	struct mmstats_snapshot s;
	unsigned char v2[4096] = { 2 };

	(void)state;
	assert_int_equal(parse_exact(v2, sizeof(v2), &s), -EPROTONOSUPPORT);
	check_invariants(&s, -EPROTONOSUPPORT);
	assert_int_equal(s.nstats, 0);
	mmstats_snapshot_free(&s);

	assert_true(parse_exact(v2, 0, &s) < 0);
	assert_int_equal(s.nstats, 0);
	mmstats_snapshot_free(&s);
}

static void test_too_big_to_parse(void **state)
{
	size_t len = (size_t)MMSTATS_MAX_FILE_SIZE + 1;
	unsigned char *big = calloc(1, len);
	struct mmstats_snapshot s;

	(void)state;
	assert_non_null(big);
	big[0] = 1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(mmstats_parse(big, len, &s), -EFBIG);
	mmstats_snapshot_free(&s);
	free(big);
}

/* ------------------------------------------------------------------ */
/* Hostile files                                                       */
/* ------------------------------------------------------------------ */

static char tmpdir[] = "/tmp/test_rel_parse.XXXXXX";

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int dirfd_of_tmp(void)
{
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Names that were opened in tmpdir since the watch began, "|"-joined. */
static void drain_opens(int ino, char *out, size_t size)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n;

	out[0] = '\0';
	while ((n = read(ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (void *)p;

			if (ev->len && strlen(out) + ev->len + 2 < size) {
				strcat(out, ev->name);
				strcat(out, "|");
			}
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	/* mmstats_read_at blocked: it opened a FIFO. */
	static const char msg[] = "read_at blocked on a FIFO\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

/*
 * FIFOs, devices, directories and symlinks named *.mmstats are refused
 * without being opened: inotify reports every open of a name in the
 * directory (IN_OPEN), whatever the file type.
 */
static void test_read_at_refuses_non_regular(void **state)
{
	static const char *const names[] = {
		"fifo.mmstats", "null.mmstats", "zero.mmstats",
		"dir.mmstats", "shadow.mmstats", "loop.mmstats",
		"dirlink.mmstats", "good-link.mmstats",
	};
	struct blob b = load(vectors_dir(), "many_fields.mmstats");
	int dfd = dirfd_of_tmp(), ino;
	char opened[1024], path[256];
	struct mmstats_snapshot s;

	(void)state;
	snprintf(path, sizeof(path), "%s/fifo.mmstats", tmpdir);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/null.mmstats", tmpdir);
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 3)), 0);
	snprintf(path, sizeof(path), "%s/zero.mmstats", tmpdir);
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 5)), 0);
	assert_int_equal(mkdirat(dfd, "dir.mmstats", 0755), 0);
	assert_int_equal(symlinkat("/etc/shadow", dfd, "shadow.mmstats"), 0);
	assert_int_equal(symlinkat("loop.mmstats", dfd, "loop.mmstats"), 0);
	assert_int_equal(symlinkat("/etc", dfd, "dirlink.mmstats"), 0);
	write_file("good", b.data, b.len);
	assert_int_equal(symlinkat("good", dfd, "good-link.mmstats"), 0);

	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(ino >= 0);
	assert_true(inotify_add_watch(ino, tmpdir, IN_OPEN) >= 0);
	signal(SIGALRM, on_alarm);
	alarm(10);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		memset(&s, 0, sizeof(s));
		if (mmstats_read_at(dfd, names[i], &s) >= 0)
			fail_msg("%s was read", names[i]);
		assert_int_equal(s.nstats, 0);
		mmstats_snapshot_free(&s);
	}
	alarm(0);
	drain_opens(ino, opened, sizeof(opened));
	if (opened[0])
		fail_msg("opened: %s", opened);

	/* The check works: the regular file is read, and seen opened. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(mmstats_read_at(dfd, "good", &s), 0);
	assert_int_equal(s.nstats, 500);
	mmstats_snapshot_free(&s);
	drain_opens(ino, opened, sizeof(opened));
	assert_string_equal(opened, "good|");
	close(ino);
	close(dfd);
	free(b.data);
}

static void test_read_at_sizes(void **state)
{
	struct mmstats_snapshot s;
	int dfd = dirfd_of_tmp(), fd;

	(void)state;
	write_file("empty.mmstats", "", 0);
	memset(&s, 0, sizeof(s));
	assert_true(mmstats_read_at(dfd, "empty.mmstats", &s) < 0);
	assert_true(mmstats_last_error()[0] != '\0');
	mmstats_snapshot_free(&s);

	/* Sparse, past the limit: refused without reading 64 MiB. */
	write_file("huge.mmstats", "\x01", 1);
	fd = openat(dfd, "huge.mmstats", O_WRONLY | O_CLOEXEC);
	assert_int_equal(ftruncate(fd, (off_t)MMSTATS_MAX_FILE_SIZE + 4096), 0);
	close(fd);
	memset(&s, 0, sizeof(s));
	assert_int_equal(mmstats_read_at(dfd, "huge.mmstats", &s), -EFBIG);
	mmstats_snapshot_free(&s);

	/* At the limit exactly: a valid (empty) file. */
	fd = openat(dfd, "huge.mmstats", O_WRONLY | O_CLOEXEC);
	assert_int_equal(ftruncate(fd, (off_t)MMSTATS_MAX_FILE_SIZE), 0);
	close(fd);
	memset(&s, 0, sizeof(s));
	assert_int_equal(mmstats_read_at(dfd, "huge.mmstats", &s), 0);
	assert_int_equal(s.nstats, 0);
	mmstats_snapshot_free(&s);
	unlinkat(dfd, "huge.mmstats", 0);
	close(dfd);
}

/* ------------------------------------------------------------------ */
/* A file that shrinks and grows while it is read                      */
/* ------------------------------------------------------------------ */

struct shrinker {
	int fd;
	const struct blob *b;
	volatile bool stop;
	volatile unsigned rounds;
};

static void *shrink_loop(void *arg)
{
	struct shrinker *sh = arg;

	while (!sh->stop) {
		size_t cut = (size_t)(rng() % (sh->b->len + 1));

		if (pwrite(sh->fd, sh->b->data, sh->b->len, 0) < 0 ||
		    ftruncate(sh->fd, (off_t)cut) < 0)
			break;
		sh->rounds++;
	}
	return NULL;
}

/*
 * What a read of the file can see of field `want` while the file is cut
 * and rewritten: ftruncate() zeroes the rest of the page it cuts in, and
 * a concurrent pread() may copy those zeros (then the rewrite restores
 * them), so a label may lose bytes (NULs are dropped), a type may be
 * empty, the other slot of a buffered value may be read; but nothing
 * else, and never a field at another place.
 */
/* Whether `sub` is `s` less some of its characters (labels lose NULs). */
static bool is_subsequence(const char *sub, const char *s)
{
	for (; *sub; sub++) {
		s = strchr(s, *sub);
		if (!s)
			return false;
		s++;
	}
	return true;
}

static void assert_stat_or_zeroed(const struct mmstats_stat *want,
				  const struct mmstats_stat *got)
{
	assert_int_equal(got->offset, want->offset);
	assert_true(is_subsequence(got->label, want->label));
	if (got->type[0] == '\0')
		return;
	assert_string_equal(got->type, want->type);
	assert_int_equal(got->value.kind, want->value.kind);
	/* A zeroed write-buffer byte selects the other slot. */
	assert_true(got->value_offset == want->value_offset ||
		    got->value_offset == want->value_offset + want->value_size ||
		    got->value_offset + want->value_size == want->value_offset);
}

/*
 * Every read of a file rewritten and cut at random lengths meanwhile
 * holds the file's fields in place, or fewer (see above): never a crash,
 * never a field that is not in the file (SIGBUS would kill a reader that
 * mmaps it).
 */
static void test_shrinking_file(void **state)
{
	struct blob b = load(vectors_dir(), "many_fields.mmstats");
	struct shrinker sh = { .b = &b };
	struct mmstats_snapshot full, s;
	unsigned reads = stress ? 200000 : 3000, cut = 0, done;
	pthread_t t;
	char path[256];
	int fd;

	(void)state;
	assert_int_equal(parse_exact(b.data, b.len, &full), 0);
	snprintf(path, sizeof(path), "%s/shrink.mmstats", tmpdir);
	sh.fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(sh.fd >= 0 && fd >= 0);
	assert_int_equal(pthread_create(&t, NULL, shrink_loop, &sh), 0);
	while (sh.rounds == 0)
		sched_yield();
	for (done = 0; done < reads || sh.rounds < reads; done++) {
		int err;

		memset(&s, 0, sizeof(s));
		err = mmstats_read_fd(fd, &s);
		assert_true(err <= 0);
		assert_true(s.nstats <= full.nstats);
		cut += s.nstats < full.nstats;
		for (size_t k = 0; k < s.nstats; k++)
			assert_stat_or_zeroed(&full.stats[k], &s.stats[k]);
		check_invariants(&s, err);
		mmstats_snapshot_free(&s);
	}
	sh.stop = true;
	pthread_join(t, NULL);
	print_message("%u reads, %u of them cut short, %u rewrites\n",
		      done, cut, sh.rounds);
	close(fd);
	close(sh.fd);
	mmstats_snapshot_free(&full);
	free(b.data);
}

/* ------------------------------------------------------------------ */
/* Every input a fuzzer crashed on                                     */
/* ------------------------------------------------------------------ */

static unsigned replay_dir(const char *dir)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct mmstats_snapshot s;
		struct blob b;
		int err;

		if (de->d_name[0] == '.' || de->d_type == DT_DIR)
			continue;
		b = load(dir, de->d_name);
		err = parse_exact(b.data, b.len, &s);
		check_invariants(&s, err);
		mmstats_snapshot_free(&s);
		free(b.data);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * Every input kept because it once broke something, and the corpus: a
 * run that finds none of them (a wrong directory) has tested nothing.
 */
static void test_fuzz_regressions(void **state)
{
	const char *top = getenv("MMSTATS_TOP");
	char dir[4096];
	unsigned regressions, corpus;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/regressions/fuzz_parse",
		 top ? top : ".");
	regressions = replay_dir(dir);
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/fuzz_parse",
		 top ? top : ".");
	corpus = replay_dir(dir);
	print_message("%u regressions and %u corpus inputs replayed\n",
		      regressions, corpus);
	assert_true(regressions > 0);
	assert_true(corpus > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_sizes_past_the_end),
		cmocka_unit_test(test_version_and_empty),
		cmocka_unit_test(test_too_big_to_parse),
		cmocka_unit_test(test_read_at_refuses_non_regular),
		cmocka_unit_test(test_read_at_sizes),
		cmocka_unit_test(test_shrinking_file),
		cmocka_unit_test(test_fuzz_regressions),
	};

	stress = getenv("MMSTATS_STRESS") != NULL;
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
