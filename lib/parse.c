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
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "parse.h"
#include "typesig.h"
#include "utf8.h"

#define UNBUFFERED	0xff

struct parser {
	struct mmstats_snapshot *snap;
	const unsigned char *data;
	size_t len;
	size_t off;		/* of the field being parsed */
	size_t arena_used, arena_cap;
	size_t stats_cap;
	bool truncated;
};

/* Record why field p->off stopped parsing, with where, and return err. */
static int fail(struct parser *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, int err, const char *fmt, ...)
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
	return err;
}

/* A field part that runs past the data: garbage, or a field being added. */
static int past_end(struct parser *p, const char *what, size_t at, size_t n)
{
	p->truncated = true;
	return fail(p, -EBADMSG, "%s (%zu bytes at %zu) runs past the end "
		    "(%zu bytes)", what, n, at, p->len);
}

static bool fits(const struct parser *p, size_t at, size_t n)
{
	return at <= p->len && n <= p->len - at;
}

static uint16_t load_u16(const unsigned char *b)
{
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

/*
 * UTF-8 clean `n` bytes into the arena.  Labels also lose NUL bytes, so
 * that stat.label is the whole label as a C string.  The arena is sized
 * so that this cannot run out (see arena_size()).
 */
static const char *arena_put(struct parser *p, const unsigned char *src,
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
 * Labels and strings are disjoint parts of the file, and each field
 * takes at least 6 bytes, so cleaned copies plus their NULs fit here.
 */
static size_t arena_size(size_t len)
{
	return len + 2 * (len / 6 + 1) + 1;
}

static struct mmstats_stat *new_stat(struct parser *p)
{
	struct mmstats_snapshot *s = p->snap;
	struct mmstats_stat *grown;
	size_t cap;

	if (s->nstats == p->stats_cap) {
		cap = p->stats_cap ? 2 * p->stats_cap : 16;
		grown = realloc(s->stats, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		s->stats = grown;
		p->stats_cap = cap;
	}
	memset(&s->stats[s->nstats], 0, sizeof(s->stats[0]));
	return &s->stats[s->nstats];
}

static int parse_label(struct parser *p, struct mmstats_stat *st,
		       size_t *at)
{
	size_t n = load_u16(p->data + *at);

	*at += 2;
	if (!fits(p, *at, n))
		return past_end(p, "label", *at, n);
	st->raw_label = p->data + *at;
	st->raw_label_len = n;
	st->label = arena_put(p, st->raw_label, n, NULL, true);
	if (!st->label)
		return fail(p, -ENOMEM, "no room for the label");
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

static int parse_type(struct parser *p, struct mmstats_stat *st,
		      struct mms_typesig *t, size_t *at)
{
	const char *sig, *why = "";
	char shown[25];
	size_t n;
	int err;

	if (!fits(p, *at, 2))
		return past_end(p, "type size", *at, 2);
	n = load_u16(p->data + *at);
	*at += 2;
	if (!fits(p, *at, n))
		return past_end(p, "type signature", *at, n);
	sig = (const char *)p->data + *at;
	err = mms_typesig_parse(sig, n, t, &why);
	if (err)
		return fail(p, -EBADMSG, "type signature \"%s\": %s",
			    printable(sig, n, shown, sizeof(shown)), why);
	if (mms_typesig_strip(sig, n, st->type, sizeof(st->type)) < 0)
		return fail(p, -EBADMSG, "type signature longer than %zu "
			    "characters", sizeof(st->type) - 1);
	*at += n;
	return 0;
}

/* The write-buffer byte, then the slot to read. */
static int parse_value(struct parser *p, struct mmstats_stat *st,
		       const struct mms_typesig *t, size_t *at)
{
	size_t wb, span, slot;

	if (!fits(p, *at, 1))
		return past_end(p, "write buffer index", *at, 1);
	wb = p->data[(*at)++];
	if (wb != UNBUFFERED && wb > 1)
		return fail(p, -EBADMSG, "write buffer index %zu is neither "
			    "0, 1 nor 255", wb);
	st->buffered = wb != UNBUFFERED;
	span = st->buffered ? 2 * t->size : t->size;
	if (!fits(p, *at, span))
		return past_end(p, "value", *at, span);
	slot = *at + (st->buffered ? t->size * (wb ^ 1) : 0);
	st->value_offset = (uint32_t)slot;
	st->value_size = (uint32_t)t->size;
	mms_typesig_decode(t, p->data + slot, &st->value);
	*at += span;
	return 0;
}

static int keep_string(struct parser *p, struct mmstats_value *v)
{
	v->v.str.ptr = arena_put(p, (const unsigned char *)v->v.str.ptr,
				 v->v.str.len, &v->v.str.len, false);
	if (!v->v.str.ptr)
		return fail(p, -ENOMEM, "no room for the string");
	return 0;
}

/* One field at p->off; on success p->off moves past it. */
static int parse_field(struct parser *p)
{
	struct mmstats_stat *st = new_stat(p);
	struct mms_typesig t;
	size_t at = p->off;
	int err;

	if (!st)
		return fail(p, -ENOMEM, "out of memory");
	st->offset = (uint32_t)p->off;
	err = parse_label(p, st, &at);
	if (!err)
		err = parse_type(p, st, &t, &at);
	if (!err)
		err = parse_value(p, st, &t, &at);
	if (!err && st->value.kind == MMSTATS_KIND_STRING)
		err = keep_string(p, &st->value);
	if (err)
		return err;
	p->snap->nstats++;
	p->off = at;
	return 0;
}

static int parse_fields(struct parser *p)
{
	int err;

	p->off = 1;
	while (fits(p, p->off, 2) && load_u16(p->data + p->off) != 0) {
		err = parse_field(p);
		if (err)
			return err;
	}
	return 0;
}

static int check_header(struct parser *p)
{
	struct mmstats_snapshot *s = p->snap;

	if (p->len == 0) {
		snprintf(s->errmsg, sizeof(s->errmsg), "empty file");
		return s->err = -ENODATA;
	}
	if (p->len > MMSTATS_MAX_FILE_SIZE) {
		snprintf(s->errmsg, sizeof(s->errmsg), "%zu bytes, more than "
			 "the %u a reader accepts", p->len,
			 MMSTATS_MAX_FILE_SIZE);
		return s->err = -EFBIG;
	}
	if (p->data[0] != MMSTATS_FORMAT_VERSION) {
		snprintf(s->errmsg, sizeof(s->errmsg), "format version byte "
			 "(offset 0) is 0x%02x, only 0x01 is supported",
			 p->data[0]);
		return s->err = -EPROTONOSUPPORT;
	}
	return 0;
}

int mms_parse_owned(unsigned char *data, size_t len,
		    struct mmstats_snapshot *snap, bool *truncated)
{
	struct parser p = { .snap = snap, .data = data, .len = len };
	int err;

	memset(snap, 0, sizeof(*snap));
	snap->data = data;
	snap->size = data ? len : 0;
	err = check_header(&p);
	if (!err) {
		p.arena_cap = arena_size(len);
		snap->labels = malloc(p.arena_cap);
		err = snap->labels ? parse_fields(&p) :
			fail(&p, -ENOMEM, "out of memory");
	}
	if (truncated)
		*truncated = p.truncated;
	if (err)
		mms_error(err, "%s", snap->errmsg);
	return err;
}

int mmstats_parse(const void *buf, size_t len, struct mmstats_snapshot *snap)
{
	unsigned char *copy;

	memset(snap, 0, sizeof(*snap));
	if (len > MMSTATS_MAX_FILE_SIZE)
		return mms_parse_owned(NULL, len, snap, NULL);
	copy = malloc(len ? len : 1);
	if (!copy)
		return mms_error(-ENOMEM, "out of memory for a %zu byte copy",
				 len);
	if (len)
		memcpy(copy, buf, len);
	return mms_parse_owned(copy, len, snap, NULL);
}
