/*
 * parse.c - format 1, as the reference reader (MmStatsReaderV1) walks it,
 * but with every size and offset checked against the data:
 *
 *	u8 version (1)
 *	fields:	u16 label_sz, label, u16 type_sz, type, u8 write_buffer,
 *		value (write_buffer 0xff) or two values (0 or 1: the one
 *		to read is at index write_buffer ^ 1)
 *	end:	a label_sz of 0, or fewer than 2 bytes left
 *
 * Sizes are host-endian, as the reference writes them.  The first bad
 * field stops parsing; the fields before it are kept.
 *
 * The source may be a live mapping (see parse.h): bytes are taken from
 * it only through the fetch_*() and load_*() functions below, each byte
 * once, into the snapshot's copy, where every check is made.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "notes.h"
#include "parse.h"
#include "utf8.h"

#define UNBUFFERED	0xff
/* Reads of a string being rewritten before one that agrees is kept. */
#define STRING_READS	4

/* Loads through these may alias anything, as mapped bytes do. */
typedef uint16_t __attribute__((may_alias)) alias_u16;
typedef uint32_t __attribute__((may_alias)) alias_u32;
typedef uint64_t __attribute__((may_alias)) alias_u64;

_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0),
	       "8-byte loads must be single-copy atomic");

int mms_parse_fail(struct mms_parser *p, int err, const char *fmt, ...)
{
	struct mmstats_snapshot *s = p->snap;
	va_list ap;
	int n;

	n = snprintf(s->errmsg, sizeof(s->errmsg), "field %zu at offset %zu: ",
		     s->nstats, p->off);
	if (n > 0 && (size_t)n < sizeof(s->errmsg)) {
		va_start(ap, fmt);
		vsnprintf(s->errmsg + n, sizeof(s->errmsg) - (size_t)n, fmt,
			  ap);
		va_end(ap);
	}
	s->err = err;
	return mms_error(err, "%s", s->errmsg);
}

static int past_end(struct mms_parser *p, const char *what, size_t at,
		    size_t n)
{
	p->past_end = true;
	return mms_parse_fail(p, -EBADMSG, "%s (%zu bytes at %zu) runs past "
			      "the end (%zu bytes)", what, n, at, p->len);
}

static bool fits(const struct mms_parser *p, size_t at, size_t n)
{
	return at <= p->len && n <= p->len - at;
}

/*
 * One item of n bytes from src to dst: with one load of its natural width
 * where src is aligned to it, which a store of the same width can never
 * tear; else byte by byte (the reference's packed fields, whose writer
 * protects them with its two buffers instead).
 */
static void copy_item(unsigned char *dst, const unsigned char *src, size_t n)
{
	uintptr_t a = (uintptr_t)src;
	uint64_t v64;
	uint32_t v32;
	uint16_t v16;

	if (n == 8 && a % 8 == 0) {
		v64 = __atomic_load_n((const alias_u64 *)src, __ATOMIC_RELAXED);
		memcpy(dst, &v64, 8);
	} else if (n == 4 && a % 4 == 0) {
		v32 = __atomic_load_n((const alias_u32 *)src, __ATOMIC_RELAXED);
		memcpy(dst, &v32, 4);
	} else if (n == 2 && a % 2 == 0) {
		v16 = __atomic_load_n((const alias_u16 *)src, __ATOMIC_RELAXED);
		memcpy(dst, &v16, 2);
	} else if (n == 1) {
		*dst = __atomic_load_n(src, __ATOMIC_RELAXED);
	} else {
		memcpy(dst, src, n);
	}
}

/* A byte or a u16 that orders the loads after it (acquire). */
static uint8_t load_u8_acquire(const unsigned char *src)
{
	return __atomic_load_n(src, __ATOMIC_ACQUIRE);
}

static uint16_t load_u16_acquire(const unsigned char *src)
{
	uint16_t v;

	if ((uintptr_t)src % 2 == 0)
		return __atomic_load_n((const alias_u16 *)src, __ATOMIC_ACQUIRE);
	memcpy(&v, src, 2);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return v;
}

/* Bytes at [at, at + n) of the source, now in the copy. */
static const unsigned char *fetch(struct mms_parser *p, size_t at, size_t n)
{
	memcpy(p->snap->data + at, p->src + at, n);
	return p->snap->data + at;
}

static size_t fetch_u16(struct mms_parser *p, size_t at)
{
	uint16_t v;

	memcpy(&v, fetch(p, at, 2), 2);
	return v;
}

/* The label size that publishes the field at `at`, or 0 at the end. */
static size_t fetch_label_size(struct mms_parser *p, size_t at)
{
	uint16_t v = load_u16_acquire(p->src + at);

	memcpy(p->snap->data + at, &v, 2);
	return v;
}

/*
 * A string's bytes, read until two reads agree (a few times at most): a
 * writer rewriting it meanwhile is caught, one stopped in the middle of
 * a store is not (mmstats(5)).
 */
static void copy_string(unsigned char *dst, const unsigned char *src,
			size_t n)
{
	int i;

	for (i = 0; i < STRING_READS; i++) {
		memcpy(dst, src, n);
		if (memcmp(dst, src, n) == 0)
			return;
	}
}

/*
 * The slot of a value: its first item by the rules above, the rest of
 * the slot (other items, padding) as it comes.
 */
static void copy_slot(unsigned char *dst, const unsigned char *src,
		      const struct mms_typesig *t)
{
	size_t item = t->item_offset, n = t->item_size;

	if (!t->has_item || t->kind == MMSTATS_KIND_UNSUPPORTED) {
		memcpy(dst, src, t->size);
		return;
	}
	memcpy(dst, src, item);
	if (t->kind == MMSTATS_KIND_STRING)
		copy_string(dst + item, src + item, n);
	else
		copy_item(dst + item, src + item, n);
	memcpy(dst + item + n, src + item + n, t->size - item - n);
}

/* Where the slot to read starts: write buffer w is the writer's. */
static size_t read_slot(size_t first, size_t size, unsigned w)
{
	return w == UNBUFFERED ? first : first + size * (w ^ 1);
}

void mms_load_value(const unsigned char *src, const struct mms_fieldinfo *fi,
		    struct mmstats_value *val, unsigned char *buf)
{
	const struct mms_typesig *t = &fi->sig;
	unsigned char item[8];
	size_t slot;

	slot = read_slot(fi->wb_off + 1, t->size,
			 load_u8_acquire(src + fi->wb_off));
	if (!t->has_item || t->kind == MMSTATS_KIND_UNSUPPORTED) {
		mms_typesig_decode_item(t, NULL, val);
		return;
	}
	src += slot + t->item_offset;
	if (t->kind == MMSTATS_KIND_STRING) {
		copy_string(buf, src, t->item_size);
		mms_typesig_decode_item(t, buf, val);
		return;
	}
	copy_item(item, src, t->item_size);
	mms_typesig_decode_item(t, item, val);
}

/*
 * UTF-8 clean `n` bytes into the arena.  Labels also lose NUL bytes, so
 * that stat.label is the whole label as a C string.  The arena is sized
 * so that this cannot run out (see arena_size()).
 */
static const char *arena_put(struct mms_parser *p, const unsigned char *src,
			     size_t n, size_t *outlen, bool drop_nul)
{
	char *dst = p->snap->labels + p->arena_used;
	size_t len, i, j;

	if (n + 1 > p->arena_cap - p->arena_used)
		return NULL;
	len = mms_utf8_clean(dst, src, n);
	if (drop_nul) {
		for (i = j = 0; i < len; i++)
			if (dst[i] != '\0')
				dst[j++] = dst[i];
		dst[j] = '\0';
		len = j;
	}
	p->arena_used += len + 1;
	if (outlen)
		*outlen = len;
	return dst;
}

/*
 * Labels, strings, units and helps are disjoint parts of the file, and
 * each field takes at least 6 bytes, so cleaned copies plus their NULs
 * (four a field at most) fit here.
 */
static size_t arena_size(size_t len)
{
	return len + 4 * (len / 6 + 1) + 1;
}

static void *grow_array(void *v, size_t cap, size_t each)
{
	return realloc(v, cap * each);
}

/* Room for one more stat (and its info); false without memory. */
static bool make_room(struct mms_parser *p)
{
	struct mmstats_snapshot *s = p->snap;
	size_t cap = p->stats_cap ? 2 * p->stats_cap : 16;
	void *grown;

	if (s->nstats < p->stats_cap)
		return true;
	if (!(grown = grow_array(s->stats, cap, sizeof(*s->stats))))
		return false;
	s->stats = grown;
	if (p->want_info) {
		if (!(grown = grow_array(p->info, cap, sizeof(*p->info))))
			return false;
		p->info = grown;
	}
	p->stats_cap = cap;
	return true;
}

static int parse_label(struct mms_parser *p, struct mmstats_stat *st,
		       size_t n, size_t *at)
{
	*at += 2;
	if (!fits(p, *at, n))
		return past_end(p, "label", *at, n);
	st->raw_label = fetch(p, *at, n);
	st->raw_label_len = n;
	st->label = arena_put(p, st->raw_label, n, NULL, true);
	if (!st->label)
		return mms_parse_fail(p, -ENOMEM, "no room for the label");
	*at += n;
	return 0;
}

/* The start of a signature fit for a message: no control bytes. */
static const char *printable(const char *sig, size_t n, char *buf,
			     size_t len)
{
	size_t i;

	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = sig[i] >= ' ' && sig[i] < 0x7f ? sig[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int parse_type(struct mms_parser *p, struct mmstats_stat *st,
		      struct mms_typesig *t, size_t *at)
{
	const char *sig, *why = "";
	char shown[25];
	size_t n;
	int err;

	if (!fits(p, *at, 2))
		return past_end(p, "type size", *at, 2);
	n = fetch_u16(p, *at);
	*at += 2;
	if (!fits(p, *at, n))
		return past_end(p, "type signature", *at, n);
	sig = (const char *)fetch(p, *at, n);
	err = mms_typesig_parse(sig, n, t, &why);
	if (err)
		return mms_parse_fail(p, -EBADMSG, "type signature \"%s\": %s",
				      printable(sig, n, shown, sizeof(shown)),
				      why);
	if (mms_typesig_strip(sig, n, st->type, sizeof(st->type)) < 0)
		return mms_parse_fail(p, -EBADMSG, "type signature longer "
				      "than %zu characters",
				      sizeof(st->type) - 1);
	*at += n;
	return 0;
}

/* The write-buffer byte, then the slot it says to read. */
static int parse_value(struct mms_parser *p, struct mmstats_stat *st,
		       const struct mms_typesig *t, size_t *at)
{
	size_t span, slot;
	unsigned wb;

	if (!fits(p, *at, 1))
		return past_end(p, "write buffer index", *at, 1);
	wb = load_u8_acquire(p->src + *at);
	p->snap->data[*at] = (unsigned char)wb;
	if (wb != UNBUFFERED && wb > 1)
		return mms_parse_fail(p, -EBADMSG, "write buffer index %u is "
				      "neither 0, 1 nor 255", wb);
	st->buffered = wb != UNBUFFERED;
	span = st->buffered ? 2 * t->size : t->size;
	if (!fits(p, *at + 1, span))
		return past_end(p, "value", *at + 1, span);
	slot = read_slot(*at + 1, t->size, wb);
	copy_slot(p->snap->data + slot, p->src + slot, t);
	/*
	 * Where the value itself is: past the notes, and past the
	 * alignment of the first item after them ("25xQ": 32, not 25).
	 * Without an item, item_offset is 0: the whole slot.
	 */
	st->value_offset = (uint32_t)(slot + t->item_offset);
	st->value_size = (uint32_t)(t->size - t->item_offset);
	mms_typesig_decode(t, p->snap->data + slot, &st->value);
	*at += 1 + span;
	return 0;
}

static int keep_string(struct mms_parser *p, struct mmstats_value *v)
{
	v->v.str.ptr = arena_put(p, (const unsigned char *)v->v.str.ptr,
				 v->v.str.len, &v->v.str.len, false);
	if (!v->v.str.ptr)
		return mms_parse_fail(p, -ENOMEM, "no room for the string");
	return 0;
}

static const char *notes_text(struct mms_parser *p, const unsigned char *src,
			      size_t n)
{
	char *dst = p->snap->labels + p->arena_used;

	if (n == 0 || n + 1 > p->arena_cap - p->arena_used)
		return "";
	p->arena_used += mms_notes_clean(dst, src, n) + 1;
	return dst;
}

/*
 * The notes in the copy of the slot read, if the signature's leading
 * pad holds them; anything else in those bytes is no notes at all.
 */
static void parse_notes(struct mms_parser *p, struct mmstats_stat *st,
			const struct mms_typesig *t)
{
	const unsigned char *slot = p->snap->data + st->value_offset -
				    t->item_offset;
	struct mms_notes_raw raw;

	st->notes.unit = st->notes.help = "";
	if (!t->has_item || t->lead_pad < MMS_NOTES_HEAD ||
	    !mms_notes_decode(slot, t->lead_pad, &raw))
		return;
	st->notes.metric = raw.metric;
	st->notes.unit = notes_text(p, raw.unit, raw.unit_len);
	st->notes.help = notes_text(p, raw.help, raw.help_len);
	st->notes.bound = raw.bound;
	st->notes.name_len = raw.name_len;
}

static void keep_info(struct mms_parser *p, const struct mms_typesig *t,
		      size_t wb_at, size_t end)
{
	struct mms_fieldinfo *fi = &p->info[p->snap->nstats];

	fi->sig = *t;
	fi->wb_off = (uint32_t)wb_at;
	fi->end = (uint32_t)end;
}

/*
 * One field at p->off, published by label size n; on success p->off
 * moves past it.  The stat is counted only once whole.
 */
static int parse_field(struct mms_parser *p, size_t n)
{
	struct mmstats_stat *st;
	struct mms_typesig t;
	size_t at = p->off, wb_at;
	int err;

	if (!make_room(p))
		return mms_parse_fail(p, -ENOMEM, "out of memory");
	st = &p->snap->stats[p->snap->nstats];
	memset(st, 0, sizeof(*st));
	st->offset = (uint32_t)p->off;
	err = parse_label(p, st, n, &at);
	if (!err)
		err = parse_type(p, st, &t, &at);
	wb_at = at;
	if (!err)
		err = parse_value(p, st, &t, &at);
	if (!err && st->value.kind == MMSTATS_KIND_STRING)
		err = keep_string(p, &st->value);
	if (err)
		return err;
	parse_notes(p, st, &t);
	if (p->want_info)
		keep_info(p, &t, wb_at, at);
	p->snap->nstats++;
	p->off = at;
	return 0;
}

/* The parse stops at p->off, by the reader's choice, not the file's. */
static int __attribute__((format(printf, 2, 3)))
over_limit(struct mms_parser *p, const char *fmt, ...)
{
	struct mmstats_snapshot *s = p->snap;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(s->errmsg))
		snprintf(s->errmsg + n, sizeof(s->errmsg) - (size_t)n,
			 ": fields from offset %zu on are not read", p->off);
	p->limited = true;
	s->err = -E2BIG;
	return mms_error(s->err, "%s", s->errmsg);
}

/*
 * Whether the field at p->off, of label size n, keeps the fields within
 * p->lim.  Checked before anything of it is read or allocated for, so
 * that what a file costs stops at the limit however big it is.
 */
static int check_limits(struct mms_parser *p, size_t n)
{
	const struct mmstats_limits *lim = &p->lim;

	if (lim->max_fields && p->snap->nstats >= lim->max_fields)
		return over_limit(p, "more than %zu fields", lim->max_fields);
	if (lim->max_label_bytes &&
	    n > lim->max_label_bytes - p->label_bytes)
		return over_limit(p, "labels of more than %zu bytes",
				  lim->max_label_bytes);
	return 0;
}

static int check_version(struct mms_parser *p)
{
	struct mmstats_snapshot *s = p->snap;

	s->data[0] = load_u8_acquire(p->src);
	if (s->data[0] == MMSTATS_FORMAT_VERSION)
		return 0;
	snprintf(s->errmsg, sizeof(s->errmsg), "format version byte (offset "
		 "0) is 0x%02x, only 0x01 is supported", s->data[0]);
	s->err = -EPROTONOSUPPORT;
	return mms_error(s->err, "%s", s->errmsg);
}

int mms_parse_fields(struct mms_parser *p)
{
	size_t n;
	int err;

	p->off = 1;
	p->label_bytes = 0;
	p->end_clean = false;
	p->limited = false;
	if ((err = check_version(p)) < 0)
		return err;
	while (fits(p, p->off, 2) && (n = fetch_label_size(p, p->off)) != 0) {
		err = check_limits(p, n);
		if (!err)
			err = parse_field(p, n);
		if (err)
			return err;
		p->label_bytes += n;
	}
	p->past_end = !fits(p, p->off, 2);
	p->end_clean = true;
	return 0;
}

/* Sizes a reader refuses before it reads a byte. */
static int check_size(struct mms_parser *p)
{
	struct mmstats_snapshot *s = p->snap;

	if (p->len == 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "empty file");
		s->err = -ENODATA;
	} else if (p->len > MMSTATS_MAX_FILE_SIZE) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%zu bytes, more than "
			 "the %u a reader accepts", p->len,
			 MMSTATS_MAX_FILE_SIZE);
		s->err = -EFBIG;
	}
	return s->err ? mms_error(s->err, "%s", s->errmsg) : 0;
}

int mms_parse_begin(struct mms_parser *p, const void *src, size_t len,
		    struct mmstats_snapshot *snap, bool want_info)
{
	memset(p, 0, sizeof(*p));
	memset(snap, 0, sizeof(*snap));
	p->snap = snap;
	p->src = src;
	p->len = len;
	p->want_info = want_info;
	if (check_size(p) < 0)
		return snap->err;
	p->arena_cap = arena_size(len);
	snap->data = calloc(len, 1);
	snap->labels = malloc(p->arena_cap);
	if (!snap->data || !snap->labels) {
		snprintf(snap->errmsg, sizeof(snap->errmsg), "out of memory "
			 "for a %zu byte file", len);
		snap->err = -ENOMEM;
		return mms_error(-ENOMEM, "%s", snap->errmsg);
	}
	snap->size = len;
	return 0;
}

int mmstats_parse(const void *buf, size_t len, struct mmstats_snapshot *snap)
{
	struct mms_parser p;
	int err;

	err = mms_parse_begin(&p, buf, len, snap, false);
	return err ? err : mms_parse_fields(&p);
}
