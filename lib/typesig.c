/*
 * typesig.c - size and decode Python struct formats the way CPython's
 * _struct module does (Modules/_struct.c: prepare_s, align, the native
 * and standard tables), since format 1 stores them verbatim.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "typesig.h"

struct code {
	char c;
	unsigned char native_size;
	unsigned char native_align;	/* 0: never padded */
	unsigned char std_size;		/* 0: native only (n N P) */
	enum mmstats_kind kind;
};

/* x86-64 / LP64 native sizes, as on every platform format 1 runs on. */
static const struct code codes[] = {
	{ 'x', 1, 0, 1, MMSTATS_KIND_UNSUPPORTED },
	{ 'c', 1, 0, 1, MMSTATS_KIND_UNSUPPORTED },
	{ 'b', 1, 0, 1, MMSTATS_KIND_INT },
	{ 'B', 1, 0, 1, MMSTATS_KIND_UINT },
	{ '?', 1, 1, 1, MMSTATS_KIND_BOOL },
	{ 'h', 2, 2, 2, MMSTATS_KIND_INT },
	{ 'H', 2, 2, 2, MMSTATS_KIND_UINT },
	{ 'i', 4, 4, 4, MMSTATS_KIND_INT },
	{ 'I', 4, 4, 4, MMSTATS_KIND_UINT },
	{ 'l', 8, 8, 4, MMSTATS_KIND_INT },
	{ 'L', 8, 8, 4, MMSTATS_KIND_UINT },
	{ 'q', 8, 8, 8, MMSTATS_KIND_INT },
	{ 'Q', 8, 8, 8, MMSTATS_KIND_UINT },
	{ 'n', 8, 8, 0, MMSTATS_KIND_INT },
	{ 'N', 8, 8, 0, MMSTATS_KIND_UINT },
	{ 'e', 2, 2, 2, MMSTATS_KIND_FLOAT },
	{ 'f', 4, 4, 4, MMSTATS_KIND_FLOAT },
	{ 'd', 8, 8, 8, MMSTATS_KIND_FLOAT },
	{ 's', 1, 0, 1, MMSTATS_KIND_STRING },
	{ 'p', 1, 0, 1, MMSTATS_KIND_UNSUPPORTED },
	{ 'P', 8, 8, 0, MMSTATS_KIND_UNSUPPORTED },
};

/* Python's Py_ISSPACE: the whitespace struct skips between codes. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const struct code *lookup(char c)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].c == c)
			return &codes[i];
	return NULL;
}

static bool host_is_big_endian(void)
{
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
}

/* The optional first character: '@' (or none) native, else standard. */
static size_t parse_prefix(const char *sig, size_t len, bool *native,
			   bool *big)
{
	*native = false;
	*big = host_is_big_endian();
	if (len > 0) {
		switch (sig[0]) {
		case '@': *native = true; return 1;
		case '=': return 1;
		case '<': *big = false; return 1;
		case '>': case '!': *big = true; return 1;
		}
	}
	*native = true;
	return 0;
}

/* A repeat count; CPython raises before overflowing, so do we. */
static int parse_count(const char *sig, size_t len, size_t *i, size_t *num,
		       const char **why)
{
	*num = 0;
	while (*i < len && is_digit(sig[*i])) {
		*num = *num * 10 + (size_t)(sig[*i] - '0');
		(*i)++;
		if (*num > MMS_TYPESIG_MAX_COUNT) {
			*why = "repeat count too large";
			return -EOVERFLOW;
		}
	}
	if (*i == len) {
		*why = "repeat count given without format specifier";
		return -EINVAL;
	}
	return 0;
}

static void note_first_item(struct mms_typesig *t, const struct code *e,
			    size_t num, size_t itemsize, size_t offset,
			    bool big)
{
	t->has_item = true;
	t->code = e->c;
	t->kind = e->kind;
	t->item_offset = offset;
	t->item_size = e->c == 's' || e->c == 'p' ? num : itemsize;
	t->big_endian = big;
}

int mms_typesig_parse(const char *sig, size_t len, struct mms_typesig *t,
		      const char **why)
{
	bool native, big;
	size_t i, num, itemsize, size = 0;
	const struct code *e;
	int err;

	memset(t, 0, sizeof(*t));
	t->kind = MMSTATS_KIND_UNSUPPORTED;
	i = parse_prefix(sig, len, &native, &big);
	while (i < len) {
		if (is_space(sig[i])) {
			i++;
			continue;
		}
		num = 1;
		if (is_digit(sig[i])) {
			err = parse_count(sig, len, &i, &num, why);
			if (err)
				return err;
		}
		e = lookup(sig[i]);
		if (!e || (!native && e->std_size == 0)) {
			*why = "bad char in struct format";
			return -EINVAL;
		}
		if (e->c == 'x' && size == 0 && !t->has_item)
			t->lead_pad += num;
		i++;
		itemsize = native ? e->native_size : e->std_size;
		if (native && e->native_align && size > 0)
			size += (e->native_align - size % e->native_align) %
				e->native_align;
		if (!t->has_item && e->c != 'x' &&
		    (num > 0 || e->c == 's' || e->c == 'p'))
			note_first_item(t, e, num, itemsize, size, big);
		size += num * itemsize;
		if (size > MMS_TYPESIG_MAX_COUNT) {
			*why = "total struct size too long";
			return -EOVERFLOW;
		}
	}
	t->size = size;
	return 0;
}

static uint64_t load(const unsigned char *p, size_t n, bool big)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[big ? i : n - 1 - i];
	return v;
}

static int64_t sign_extend(uint64_t v, size_t n)
{
	unsigned shift = 64 - 8 * (unsigned)n;

	return (int64_t)(v << shift) >> shift;
}

/* IEEE 754 binary16, as PyFloat_Unpack2. */
static double half_to_double(uint16_t h)
{
	int exp = (h >> 10) & 0x1f;
	unsigned mant = h & 0x3ff;
	double d;

	if (exp == 0x1f)
		d = mant ? NAN : INFINITY;
	else if (exp == 0)
		d = ldexp(mant, -24);
	else
		d = ldexp(mant | 0x400, exp - 25);
	return h & 0x8000 ? -d : d;
}

static double load_float(const struct mms_typesig *t, uint64_t bits)
{
	float f;
	double d;
	uint32_t b32 = (uint32_t)bits;

	switch (t->code) {
	case 'e':
		return half_to_double((uint16_t)bits);
	case 'f':
		memcpy(&f, &b32, sizeof(f));
		return f;
	default:
		memcpy(&d, &bits, sizeof(d));
		return d;
	}
}

static size_t string_len(const unsigned char *p, size_t max)
{
	const unsigned char *nul = memchr(p, 0, max);

	return nul ? (size_t)(nul - p) : max;
}

void mms_typesig_decode(const struct mms_typesig *t, const unsigned char *p,
			struct mmstats_value *val)
{
	mms_typesig_decode_item(t, p + t->item_offset, val);
}

void mms_typesig_decode_item(const struct mms_typesig *t,
			     const unsigned char *p, struct mmstats_value *val)
{
	uint64_t bits;

	memset(val, 0, sizeof(*val));
	val->kind = t->has_item ? t->kind : MMSTATS_KIND_UNSUPPORTED;
	if (!t->has_item)
		return;
	if (t->kind == MMSTATS_KIND_STRING) {
		val->v.str.ptr = (const char *)p;
		val->v.str.len = string_len(p, t->item_size);
		return;
	}
	if (t->kind == MMSTATS_KIND_UNSUPPORTED)
		return;
	bits = load(p, t->item_size, t->big_endian);
	switch (t->kind) {
	case MMSTATS_KIND_INT:
		val->v.i = sign_extend(bits, t->item_size);
		break;
	case MMSTATS_KIND_UINT:
		val->v.u = bits;
		break;
	case MMSTATS_KIND_FLOAT:
		val->v.d = load_float(t, bits);
		break;
	case MMSTATS_KIND_BOOL:
		val->v.b = bits != 0;
		break;
	default:
		break;
	}
}

int mms_typesig_strip(const char *sig, size_t len, char *dst, size_t dstlen)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (is_space(sig[i]))
			continue;
		if (n + 1 >= dstlen)
			return -ENAMETOOLONG;
		dst[n++] = sig[i];
	}
	if (dstlen > 0)
		dst[n] = '\0';
	return (int)n;
}
