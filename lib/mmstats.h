/*
 * mmstats.h - publish live metrics in memory-mapped files, and read them.
 *
 * The on-disk layout is mmstats format version 1, byte-compatible with the
 * reference Python implementation (mmstats 0.8.0).  See mmstats(5).
 *
 * Writers: one instance (one file) per thread, no locks, and no system call
 * after set-up: every update is an inline store into the mapping.
 * Readers: parse any file safely, whatever it holds.
 *
 * Errors are returned as -errno; mmstats_last_error() describes the most
 * recent failure of the calling thread in words.
 */
#ifndef MMSTATS_H
#define MMSTATS_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMSTATS_VERSION		"0.2.0"
#define MMSTATS_FORMAT_VERSION	1

/* Environment, as the reference reads it. */
#define MMSTATS_ENV_PATH	"MMSTATS_PATH"	/* directory, default /tmp */
#define MMSTATS_ENV_FILES	"MMSTATS_FILES"	/* file name template */
#define MMSTATS_ENV_GLOB	"MMSTATS_GLOB"	/* what readers look at */
#define MMSTATS_DEFAULT_PATH	"/tmp"
#define MMSTATS_DEFAULT_FILES	"{CMD}-{PID}-{TID}.mmstats"
#define MMSTATS_SUFFIX		".mmstats"

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* The calling thread's description of its last failure ("" if none). */
const char *mmstats_last_error(void);

/* ------------------------------------------------------------------ */
/* Writer: field types                                                 */
/* ------------------------------------------------------------------ */

/*
 * Every field class of the reference, with its type signature.
 * Buffered fields (B) keep the reference's two-slot layout; the writer
 * always stores into the slot readers read, which is safe because every
 * value is naturally aligned and so each store is single-copy atomic.
 */
enum mmstats_type {
	MMSTATS_COUNTER,	 /* Q  B  incr(amount) */
	MMSTATS_AVERAGE,	 /* d  B  running mean of add() */
	MMSTATS_MOVING_AVERAGE,	 /* d  B  mean of the last `size` adds (100) */
	MMSTATS_TIMER,		 /* d  B  moving average of elapsed seconds */
	MMSTATS_UINT64,		 /* Q  B */
	MMSTATS_UINT32,		 /* I  B */
	MMSTATS_INT32,		 /* i  B */
	MMSTATS_INT16,		 /* h  B */
	MMSTATS_UINT16,		 /* H  B */
	MMSTATS_BYTE,		 /* b     */
	MMSTATS_FLOAT,		 /* f  B */
	MMSTATS_STATIC_FLOAT,	 /* f     set once */
	MMSTATS_DOUBLE,		 /* d  B */
	MMSTATS_STATIC_DOUBLE,	 /* d     set once */
	MMSTATS_BOOL,		 /* ?     */
	MMSTATS_STRING,		 /* Ns    `size` bytes (default 255) */
	MMSTATS_STATIC_UINT32,	 /* I     set once */
	MMSTATS_STATIC_INT64,	 /* q     set once */
	MMSTATS_STATIC_UINT64,	 /* Q     set once */
	MMSTATS_STATIC_TEXT,	 /* Ns    set once (default 256, as the reference) */
	MMSTATS_HISTOGRAM,	 /* d B + Q B per bucket: several fields, see below */
	MMSTATS_TYPE_COUNT
};

/*
 * What a value means (format 1 extension "field notes", mmstats(5)).
 * Writers store it with the field; readers get it in struct mmstats_stat.
 * 0 in a field def means "the type's default": counters are counters,
 * histograms histograms, static text and strings info, the rest gauges.
 */
enum mmstats_metric {
	MMSTATS_METRIC_UNKNOWN,		/* no notes: the reference's files */
	MMSTATS_METRIC_COUNTER,		/* only goes up, until its writer restarts */
	MMSTATS_METRIC_GAUGE,		/* any value at any time */
	MMSTATS_METRIC_INFO,		/* text that describes, not a number */
	MMSTATS_METRIC_HISTOGRAM_SUM,	/* <name>.sum: sum of the observations */
	MMSTATS_METRIC_HISTOGRAM_BUCKET, /* <name>.le.<bound>: observations in
					    (previous bound, bound] */
	MMSTATS_METRIC_COUNT_
};

#define MMSTATS_UNIT_MAX	32	/* bytes of a unit, such as "seconds" */
#define MMSTATS_HELP_MAX	1024	/* bytes of a help text */
#define MMSTATS_HISTOGRAM_MAX_BUCKETS	512	/* +Inf included */

/*
 * One field of a model: declared once, in a table.
 * Histograms (MMSTATS_HISTOGRAM): `size` is the buckets per power of two
 * (1, 2, 4, 8 or 16; 0: 4) between hist.lo and hist.hi (DBL_MIN <= lo <
 * hi <= 2^1023; rounded out to powers of two), or hist.bounds,
 * hist.nbounds explicit upper bounds (ascending, finite); +Inf is always
 * added as the last bucket.  unit and help are each one line of UTF-8
 * (no control bytes), at most MMSTATS_UNIT_MAX and MMSTATS_HELP_MAX
 * bytes: mmstats_open() and mmstats_add_field() refuse others (-EINVAL).
 */
struct mmstats_field_def {
	const char *label;	/* appended to the model's label prefix */
	enum mmstats_type type;
	uint32_t size;		/* string bytes, moving-average window, or
				   histogram buckets per power of two; 0: default */
	union {			/* initial value of static fields */
		uint64_t u;
		int64_t i;
		double d;
		const char *s;
	} value;
	enum mmstats_metric metric;	/* 0: the type's default */
	const char *unit;	/* base unit, plural: "seconds", "bytes"; NULL:
				   the type's default (timers: "seconds") */
	const char *help;	/* one line for people; NULL: none */
	struct {		/* MMSTATS_HISTOGRAM only */
		double lo, hi;
		const double *bounds;
		size_t nbounds;
	} hist;
};

#define MMSTATS_DEF(lbl, t)		{ .label = (lbl), .type = (t) }
#define MMSTATS_DEF_SIZED(lbl, t, n)	{ .label = (lbl), .type = (t), .size = (n) }
#define MMSTATS_DEF_STATIC_U(lbl, t, v)	{ .label = (lbl), .type = (t), .value.u = (v) }
#define MMSTATS_DEF_STATIC_I(lbl, t, v)	{ .label = (lbl), .type = (t), .value.i = (v) }
#define MMSTATS_DEF_STATIC_D(lbl, t, v)	{ .label = (lbl), .type = (t), .value.d = (v) }
#define MMSTATS_DEF_STATIC_S(lbl, t, v)	{ .label = (lbl), .type = (t), .value.s = (v) }
/* A field with its meaning spelled out: MMSTATS_DEF_NOTED("rx", MMSTATS_COUNTER,
   MMSTATS_METRIC_COUNTER, "bytes", "Bytes received") */
#define MMSTATS_DEF_NOTED(lbl, t, m, u, h) \
	{ .label = (lbl), .type = (t), .metric = (m), .unit = (u), .help = (h) }
/* Log-linear histogram: `per2` buckets per power of two from lo to hi. */
#define MMSTATS_DEF_HISTOGRAM(lbl, lo_, hi_, per2, u, h) \
	{ .label = (lbl), .type = MMSTATS_HISTOGRAM, .size = (per2), \
	  .unit = (u), .help = (h), .hist = { .lo = (lo_), .hi = (hi_) } }
/* Histogram with the writer's own bounds (an array of n doubles). */
#define MMSTATS_DEF_HISTOGRAM_BOUNDS(lbl, b, n, u, h) \
	{ .label = (lbl), .type = MMSTATS_HISTOGRAM, .unit = (u), .help = (h), \
	  .hist = { .bounds = (b), .nbounds = (n) } }

/*
 * A live field: where its value lives in the mapping, plus the writer's
 * private state (averages need a count and a window that readers never
 * see).  Owned by its instance; used by one thread at a time.
 */
struct mmstats_field {
	void *value;		/* the slot readers read; naturally aligned */
	enum mmstats_type type;
	uint32_t size;		/* bytes of the value (strings: capacity) */
	union {
		struct { uint64_t count; double total; } avg;
		struct {	/* moving averages and timers */
			double *window;
			double sum;
			uint32_t len, next, used;
			struct timespec start;	/* timers; tv_sec -1: stopped */
		} mavg;
		struct {
			uint32_t len;	/* of the text; the rest is zeros */
		} str;
		struct {	/* histograms; value is the sum's slot */
			uint64_t **buckets;	/* value slot of each bucket */
			double *bounds;	/* upper bounds, +Inf last */
			uint32_t n;	/* buckets, +Inf included */
			int e0;		/* log-linear: first bound is 2^e0 */
			unsigned shift;	/* log-linear: 52 - log2(per2) */
			bool loglin;
			double sum;
		} hist;
	} state;
};

/* ------------------------------------------------------------------ */
/* Writer: updates.  Inline, lock-free, no system call.                */
/* ------------------------------------------------------------------ */

static inline void mmstats_store_u64_(void *p, uint64_t v)
{ __atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED); }
static inline uint64_t mmstats_load_u64_(const void *p)
{ return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED); }

/* Counter: add `amount`.  The reference's CounterField.incr(amount). */
static inline void mmstats_incr(struct mmstats_field *f, uint64_t amount)
{
	mmstats_store_u64_(f->value, mmstats_load_u64_(f->value) + amount);
}

static inline void mmstats_set_u64(struct mmstats_field *f, uint64_t v)
{ mmstats_store_u64_(f->value, v); }
static inline void mmstats_set_u32(struct mmstats_field *f, uint32_t v)
{ __atomic_store_n((uint32_t *)f->value, v, __ATOMIC_RELAXED); }
static inline void mmstats_set_i32(struct mmstats_field *f, int32_t v)
{ __atomic_store_n((int32_t *)f->value, v, __ATOMIC_RELAXED); }
static inline void mmstats_set_i16(struct mmstats_field *f, int16_t v)
{ __atomic_store_n((int16_t *)f->value, v, __ATOMIC_RELAXED); }
static inline void mmstats_set_u16(struct mmstats_field *f, uint16_t v)
{ __atomic_store_n((uint16_t *)f->value, v, __ATOMIC_RELAXED); }
static inline void mmstats_set_byte(struct mmstats_field *f, int8_t v)
{ __atomic_store_n((int8_t *)f->value, v, __ATOMIC_RELAXED); }
static inline void mmstats_set_bool(struct mmstats_field *f, bool v)
{ __atomic_store_n((uint8_t *)f->value, (uint8_t)v, __ATOMIC_RELAXED); }

/*
 * Floats are stored through a volatile lvalue (the kernel's WRITE_ONCE):
 * one aligned store straight from the FP register, single-copy atomic on
 * every platform mmstats supports.  Going through an integer atomic
 * would cost a register move and make the update slower than the plain
 * store it must match.
 */
static inline void mmstats_set_float(struct mmstats_field *f, float v)
{ *(volatile float *)f->value = v; }
static inline void mmstats_set_double(struct mmstats_field *f, double v)
{ *(volatile double *)f->value = v; }

static inline uint64_t mmstats_get_u64(const struct mmstats_field *f)
{ return mmstats_load_u64_(f->value); }

/* Average: add a sample to the running mean. */
static inline void mmstats_average_add(struct mmstats_field *f, double v)
{
	f->state.avg.count++;
	f->state.avg.total += v;
	mmstats_set_double(f, f->state.avg.total / (double)f->state.avg.count);
}

/* Histogram: the bucket of v, from its bits (log-linear) or a search. */
size_t mmstats_histogram_bucket_(const struct mmstats_field *f, double v);

static inline size_t mmstats_loglin_bucket_(const struct mmstats_field *f,
					    double v)
{
	unsigned shift = f->state.hist.shift;
	uint64_t bits, i;

	/*
	 * The double just below v (a value on a bound stays in its
	 * bucket): its exponent and top mantissa bits, less those of
	 * 2^e0, number the bucket when v is in (2^e0, 2^e1].  Anything
	 * else (negative, zero, NaN, out of range) lands outside [0, n-2)
	 * as an unsigned number, and takes the slow path.
	 */
	memcpy(&bits, &v, sizeof(bits));
	i = ((bits - 1) >> shift) -
	    ((uint64_t)(f->state.hist.e0 + 1023) << (52 - shift));
	if (__builtin_expect(i < f->state.hist.n - 2, 1))
		return (size_t)i + 1;
	if (!(v > f->state.hist.bounds[0]))
		return v == v ? 0 : f->state.hist.n - 1;	/* NaN: +Inf */
	return f->state.hist.n - 1;
}

/* Histogram: count one observation (no lock, no system call). */
static inline void mmstats_observe(struct mmstats_field *f, double v)
{
	size_t i = f->state.hist.loglin ? mmstats_loglin_bucket_(f, v)
					: mmstats_histogram_bucket_(f, v);
	uint64_t *b = f->state.hist.buckets[i];
	double sum = f->state.hist.sum + v;

	mmstats_store_u64_(b, mmstats_load_u64_(b) + 1);
	f->state.hist.sum = sum;
	mmstats_set_double(f, sum);
}

/* Moving average (and timer): add a sample to the window. */
void mmstats_moving_average_add(struct mmstats_field *f, double v);

/* Timer: start, then stop adds the elapsed seconds (CLOCK_MONOTONIC, vDSO). */
void mmstats_timer_start(struct mmstats_field *f);
void mmstats_timer_stop(struct mmstats_field *f);

/*
 * String: copies at most the field's capacity, cut at a UTF-8 character
 * boundary, and zero-pads the rest.  Only the writer stores into its
 * file: the zeros past the previous text are known to be there, and only
 * the bytes that text covered are cleared again (f->state.str.len).
 * A string is many stores, and format 1 has no version counter:
 * readers read a string again until two reads agree (a few times), but
 * a writer stopped in the middle of a store leaves a half-written string
 * that reads the same twice.  Numbers are never torn: each is one store
 * here and one load in the reader (see "Reader").
 */
void mmstats_set_string(struct mmstats_field *f, const char *s);

/* ------------------------------------------------------------------ */
/* Writer: instances (one file each)                                   */
/* ------------------------------------------------------------------ */

struct mmstats;

struct mmstats_options {
	const char *path;	/* directory; NULL: $MMSTATS_PATH or /tmp */
	const char *filename;	/* template; NULL: $MMSTATS_FILES or default */
	const char *label_prefix;	/* NULL: "" */
	unsigned flags;
	const char *program;	/* sys.program; NULL: $MMSTATS_PROGRAM, else
				   the program's name (argv[0]'s, or a script's
				   for an interpreter) */
};

/* Do not add the default fields (sys.pid, sys.tid, ...). */
#define MMSTATS_NO_DEFAULT_FIELDS	0x1u
/* Keep the file when the process exits normally. */
#define MMSTATS_KEEP_AT_EXIT		0x2u

/*
 * Create the file of a new instance holding `defs` (may be empty) and the
 * default fields, map it, and return it in *out.  The file appears in the
 * directory complete, under its final name, or not at all.
 */
int mmstats_open(const struct mmstats_field_def *defs, size_t ndefs,
		 const struct mmstats_options *opts, struct mmstats **out);

/*
 * Add a field after the file exists.  A concurrent reader sees either the
 * old end of the file or the whole new field.  Not an update: it may
 * allocate, grow the file and remap it (so earlier pointers into the
 * mapping, but not struct mmstats_field pointers, become invalid).
 */
int mmstats_add_field(struct mmstats *s, const struct mmstats_field_def *def,
		      struct mmstats_field **out);

/* The i-th field of the instance (model fields first, in table order). */
struct mmstats_field *mmstats_field(struct mmstats *s, size_t i);
/* The field whose full label (prefix included) is `label`, or NULL. */
struct mmstats_field *mmstats_field_by_label(struct mmstats *s,
					     const char *label);
size_t mmstats_field_count(const struct mmstats *s);
const char *mmstats_filename(const struct mmstats *s);

/* msync the mapping: MS_SYNC, or MS_ASYNC when `async`. */
int mmstats_flush(struct mmstats *s, bool async);
/* Unmap and free; the file stays. */
void mmstats_close(struct mmstats *s);
/* Remove the file, then close. */
int mmstats_remove(struct mmstats *s);
/*
 * Remove every file of this process (all its threads' files) that this
 * library created, as the reference's MmStats.remove() does.
 */
int mmstats_remove_all(void);
/*
 * Remove the files that normal exit removes also when one of `signals`
 * (NULL and 0: SIGHUP, SIGINT, SIGTERM) kills the process, then die of
 * that signal as without the call.  Only a signal whose disposition is
 * the default action gets the library's handler: one the program
 * handles or ignores stays as it is.  Returns how many of `signals` now
 * remove the files, or -errno (-EINVAL: a signal that does not end the
 * process, SIGKILL or SIGBUS).  Async-signal-safe handler; see mmstats(3),
 * SIGNALS.
 */
int mmstats_remove_on_signal(const int *signals, size_t n);

/* ------------------------------------------------------------------ */
/* Writer: models (a field table, one instance per thread)             */
/* ------------------------------------------------------------------ */

struct mmstats_model {
	const char *label_prefix;
	const struct mmstats_field_def *defs;
	size_t ndefs;
	struct mmstats_options opts;	/* path, filename, flags */
	/* private */
	pthread_once_t once;
	pthread_key_t key;
	int key_err;
};

#define MMSTATS_MODEL_INIT(prefix, table) {				\
	.label_prefix = (prefix),					\
	.defs = (table),						\
	.ndefs = sizeof(table) / sizeof((table)[0]),			\
	.once = PTHREAD_ONCE_INIT,					\
}

/*
 * The calling thread's instance of `m`, created (with its own file) on
 * first use.  NULL on failure, with mmstats_last_error() set.
 */
struct mmstats *mmstats_model_instance(struct mmstats_model *m);

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

enum mmstats_kind {
	MMSTATS_KIND_INT,	/* b h i l q n */
	MMSTATS_KIND_UINT,	/* B H I L Q N */
	MMSTATS_KIND_FLOAT,	/* e f d, widened to double */
	MMSTATS_KIND_BOOL,	/* ? */
	MMSTATS_KIND_STRING,	/* Ns: bytes up to the first NUL */
	MMSTATS_KIND_UNSUPPORTED,	/* a valid struct format mmstats does not render */
};

struct mmstats_value {
	enum mmstats_kind kind;
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		struct { const char *ptr; size_t len; } str; /* into the snapshot */
	} v;
};

/* What a field means, from its notes (mmstats(5), Field notes). */
struct mmstats_notes {
	enum mmstats_metric metric;	/* UNKNOWN when the field has none */
	const char *unit;	/* "" when none; UTF-8, NUL-terminated */
	const char *help;	/* "" when none */
	double bound;		/* HISTOGRAM_BUCKET: upper bound, +Inf last */
	uint16_t name_len;	/* HISTOGRAM_*: the label's first name_len
				   bytes are the histogram's name */
};

/* One field of a file, as read. */
struct mmstats_stat {
	const char *label;	/* UTF-8 with bad bytes dropped, NUL-terminated */
	const unsigned char *raw_label;	/* the bytes in the file */
	size_t raw_label_len;
	char type[32];		/* type signature, whitespace removed */
	bool buffered;		/* write-buffer byte != 0xff */
	struct mmstats_value value;
	uint32_t offset;	/* of the field in the file */
	uint32_t value_offset;	/* of the value read (past any notes) */
	uint32_t value_size;
	struct mmstats_notes notes;
};

struct mmstats_snapshot {
	unsigned char *data;	/* every byte the reader used, as read; */
	size_t size;		/* the rest (unread slots, padding) is 0 */
	struct mmstats_stat *stats;
	size_t nstats;
	int err;		/* why parsing stopped early: -errno, or 0 */
	char errmsg[160];	/* and where, in words */
	/* private */
	char *labels;
};

/* Largest file a reader accepts (-EFBIG past it). */
#define MMSTATS_MAX_FILE_SIZE	(64u << 20)

/*
 * How readers read a file that its writer is changing:
 *  - numbers: one load of the value's width, where it is naturally
 *    aligned (every value of this library's writer, whose stores are
 *    single-copy atomic too): never torn.  The reference's packed files
 *    have unaligned values, read byte by byte after the write-buffer
 *    byte that says which of their two buffers is not being written, as
 *    the reference reads them;
 *  - a field added while the file is read is seen whole or not at all
 *    (its label size is published last, with a release store, and read
 *    first, with an acquire load);
 *  - strings are read again until two reads agree (see set_string).
 * Files are read through a read-only shared mapping, never with read(),
 * whose copy is not single-copy atomic.  A file that shrinks while it is
 * read cannot kill the reader (see Signals) nor give bytes from past its
 * new end: the fields past it are left out and the read fails with
 * -ESTALE, saying so in errmsg.
 */

/*
 * Parse `len` bytes.  Returns 0 when the file ends cleanly; on a bad field
 * returns -errno (-EBADMSG for garbage, -EPROTONOSUPPORT for a version that
 * is not 1) and keeps every field before it, so callers can show what is
 * good and report the rest once.  Unknown type signatures are skipped when
 * their size is known; the snapshot owns a copy of what it read.  `buf`
 * may be a live shared mapping of a file being written, read by the rules
 * above when it is 8-byte aligned (as mmap() gives); it is then the
 * caller's to keep mapped (no SIGBUS protection: use mmstats_read_fd()).
 */
int mmstats_parse(const void *buf, size_t len, struct mmstats_snapshot *snap);

/*
 * Map an open file read-only, parse it and unmap it.  Free snap with
 * mmstats_snapshot_free() whatever the result.
 */
int mmstats_read_fd(int fd, struct mmstats_snapshot *snap);

/*
 * Open `name` relative to `dirfd` (AT_FDCWD for a path) without following
 * a symlink and without opening anything but a regular file, then read it.
 */
int mmstats_read_at(int dirfd, const char *name, struct mmstats_snapshot *snap);

/*
 * For readers that keep files open and read them many times: open `name`
 * as mmstats_read_at() does and return the descriptor (O_CLOEXEC), with
 * its fstat() in *st, or -errno.
 */
struct stat;
int mmstats_open_at(int dirfd, const char *name, struct stat *st);

/*
 * mmstats_read_fd() for a caller that has just fstat()ed fd: `size`, the
 * st_size it saw, is the length mapped, which saves an fstat.  Any size
 * is safe, the file may have changed since.
 */
int mmstats_read_fd_sized(int fd, off_t size, struct mmstats_snapshot *snap);

void mmstats_snapshot_free(struct mmstats_snapshot *snap);

/*
 * The last stat whose label ends with `suffix` (e.g. "sys.pid"), as the
 * reference's tools find it, or NULL.
 */
const struct mmstats_stat *
mmstats_snapshot_find(const struct mmstats_snapshot *snap, const char *suffix);

/*
 * Render a value exactly as the reference slurpstats prints it: integers
 * in decimal, floats as the shortest text that round-trips (Python repr:
 * "0.1", "1e+16", "inf", "nan"), True/False, strings as UTF-8 with bad
 * bytes dropped.  Writes at most len bytes including the NUL; returns the
 * length it needed (like snprintf), or -errno.
 */
int mmstats_render(const struct mmstats_value *val, char *buf, size_t len);

/*
 * Length of the well-formed UTF-8 sequence at s (1 to 4 bytes, at most
 * len available), or 0 where none starts: overlong forms, surrogates and
 * code points past U+10FFFF are not well-formed (RFC 3629, as Python's
 * codec).  Labels and strings are decoded by this rule.
 */
size_t mmstats_utf8_len(const void *s, size_t len);

/* Python repr() of a double, for anyone printing floats the same way. */
int mmstats_format_double(double d, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Reader: histograms                                                  */
/* ------------------------------------------------------------------ */

/*
 * The bucket fields of the histogram whose sum is snap->stats[i]
 * (notes.metric HISTOGRAM_SUM): their indexes into snap->stats, by
 * ascending bound, into idx (at most max).  Buckets are the fields that
 * follow with the same name and rising bounds, up to the one whose
 * bound is +Inf.  Returns how many it has (which may be more than max;
 * always at least 1, and the last one's bound is +Inf), -EINVAL when
 * stats[i] is not a histogram's sum, or -ENODATA when its buckets stop
 * before +Inf (a field that is not its next bucket, or the end of the
 * fields read: a file cut short, a parse stopped at an error or at
 * mmstats_limits): its counts are then not all known.
 * mmstats_last_error() says which.
 */
ssize_t mmstats_histogram_buckets(const struct mmstats_snapshot *snap,
				  size_t i, size_t *idx, size_t max);

/*
 * The q-quantile (0 <= q <= 1) of n buckets with upper bounds `bounds`
 * (+Inf last) and `counts` observations each (not cumulative), as
 * Prometheus' histogram_quantile() estimates it: linear within the
 * bucket, the lowest bucket from 0 (or its bound if that is <= 0), and
 * the +Inf bucket as the last finite bound.  NaN with no observations.
 */
double mmstats_histogram_quantile(const double *bounds, const uint64_t *counts,
				  size_t n, double q);

/* ------------------------------------------------------------------ */
/* Reader: maps, to read the same file again and again                 */
/* ------------------------------------------------------------------ */

/*
 * A map holds a file mapped read-only with its fields parsed once; each
 * read of a value is then one load from the mapping (by the rules above),
 * whatever the size of the file, and two system calls: an fstat, which
 * confirms the value lies within the file, and a sigaction (see
 * Signals).  Fields
 * are only ever added to a file, so a map stays right until
 * mmstats_map_changed() says otherwise; then make a new one.  Reads of
 * one map from many threads at once are safe.
 */
struct mmstats_map;

/*
 * Map the open file fd and parse it.  Returns 0, or the error of the
 * parse as mmstats_read_fd() does, with *out set: the map then owns fd
 * and holds the fields before the error.  When the file cannot be
 * mapped at all, returns -errno with *out NULL, and fd is the caller's.
 */
int mmstats_map_fd(int fd, struct mmstats_map **out);

/* What a reader indexes of one file at most; 0: no limit. */
struct mmstats_limits {
	size_t max_fields;	/* fields */
	size_t max_label_bytes;	/* bytes of labels, summed */
};

/*
 * mmstats_map_fd() that bounds what one file costs its reader: the
 * parse stops before the field that would take the fields past
 * lim->max_fields, or the sum of their raw label sizes past
 * lim->max_label_bytes.  The fields before it are kept whole, and it
 * returns -E2BIG with *out set (the errmsg of mmstats_map_fields()
 * says where it stopped); the work and the memory touched are those of
 * the fields read, not of the file.  A file that merely holds the limit
 * is no error.  lim NULL: no limit, as mmstats_map_fd(), which is
 * mmstats_map_fd_within(fd, NULL, out).
 */
int mmstats_map_fd_within(int fd, const struct mmstats_limits *lim,
			  struct mmstats_map **out);

/* mmstats_open_at(), then mmstats_map_fd(). */
int mmstats_map_at(int dirfd, const char *name, struct mmstats_map **out);

/* The fields, with their values of the moment the map was made. */
const struct mmstats_snapshot *mmstats_map_fields(const struct mmstats_map *m);

/* The map's descriptor: for fstat(), not to be closed. */
int mmstats_map_fileno(const struct mmstats_map *m);

/*
 * The value of field i now.  A string's bytes (up to the first NUL, not
 * UTF-8 cleaned: mmstats_render() does that) go into buf, which must hold
 * the field's value_size bytes; val points into it.  *st (may be NULL)
 * gets the file's fstat() taken after the load.  Returns 0, or -ESTALE
 * when the file shrank and the field is no longer in it, or -errno.
 */
int mmstats_map_value(const struct mmstats_map *m, size_t i,
		      struct mmstats_value *val, void *buf, size_t len,
		      struct stat *st);

/*
 * Whether the file may hold other fields than the map: 1 when it is no
 * longer what the map was parsed from (a label or type differs: it was
 * rewritten in place), a field was added after them, it shrank, it grew
 * past MMSTATS_MAX_FILE_SIZE (a new map refuses it), or its parse
 * stopped at a bad field (which may since have been written whole); 0
 * when not (values changed, bytes appended past its end, its
 * times touched); or -errno.  A map stopped at its limits (-E2BIG)
 * changes only when one of its fields, or the label size of the field
 * it stopped before, does, or the file shrank: fields added past the
 * limit are not read again anyway.  One fstat and a comparison of the file's
 * labels and types with the map's copy: linear in the fields, but no
 * parse and no allocation.
 */
int mmstats_map_changed(const struct mmstats_map *m);

/* Unmap, close the file, free. */
void mmstats_map_close(struct mmstats_map *m);

/* ------------------------------------------------------------------ */
/* Reader: signals                                                     */
/* ------------------------------------------------------------------ */

/*
 * Loads from a mapped file raise SIGBUS when the file shrinks under them.
 * At each read of a mapping, libmmstats makes sure its SIGBUS handler
 * (SA_SIGINFO | SA_NODEFER | SA_ONSTACK) is in front of the program's
 * disposition, and puts it back in front of whatever the program has put
 * there since.  A fault of one of its own loads, in the thread making
 * it, ends that read with an error; every other SIGBUS goes on to the
 * disposition it displaced (the program's handler, the default action,
 * or nothing if ignored).  A program needs to do nothing, except:
 *  - not block SIGBUS in a thread that reads (a fault while it is
 *    blocked kills the process, as POSIX leaves it undefined);
 *  - a handler it installs while another thread reads may be in front
 *    for that read: it calls mmstats_sigbus() first, which ends the read
 *    if the signal is a fault of one, and returns otherwise.
 * See mmstats(3), SIGNALS.
 */
void mmstats_sigbus(int sig, siginfo_t *info, void *ucontext);

/* ------------------------------------------------------------------ */
/* Liveness                                                            */
/* ------------------------------------------------------------------ */

enum mmstats_liveness {
	MMSTATS_ALIVE,
	MMSTATS_STALE,		/* writer gone, or its PID reused since */
	MMSTATS_UNKNOWN,	/* no sys.pid in the file, or the writer's PID
				   namespace is out of the caller's sight */
};

/*
 * Whether the writer of a file still runs, by the rule of mmstats(5),
 * Liveness: the process mmstats_writer_pid() finds exists, has not
 * exited, and started at sys.starttime when the file has it.
 */
enum mmstats_liveness mmstats_liveness(const struct mmstats_snapshot *snap);

/* The pid recorded in the file (sys.pid), or -ENOENT. */
pid_t mmstats_snapshot_pid(const struct mmstats_snapshot *snap);

/*
 * The writer's pid as the calling process sees it.  A file records its
 * pid as the writer's PID namespace numbers it (sys.pid) and which
 * namespace that is (sys.pidns, the inode of /proc/self/ns/pid); a file
 * of another namespace is looked up through /proc/PID/status (NSpid) of
 * the processes in that namespace.  A file without sys.pidns (the
 * reference's) is taken to be of the caller's namespace.  Returns the
 * pid, or -ENOENT (no sys.pid), -ESRCH (proven gone: no such process
 * in the writer's namespace, or the one there now started at another
 * tick than sys.starttime), -EREMOTE (cannot tell: the namespace has no
 * process the caller can see, /proc could not be read or is another
 * namespace's, sys.pidns is 0, or a rescan of /proc is not due yet; ask
 * again later).  See mmstats(3).
 */
pid_t mmstats_writer_pid(const struct mmstats_snapshot *snap);

/*
 * Start time of `pid` in clock ticks since boot (/proc/PID/stat), or
 * -errno: -ENOENT when there is no such process, -ESRCH when it has
 * exited and is a zombie.
 */
int mmstats_pid_starttime(pid_t pid, uint64_t *ticks);

#ifdef __cplusplus
}
#endif

#endif /* MMSTATS_H */
