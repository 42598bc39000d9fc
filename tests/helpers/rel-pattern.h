/*
 * rel-pattern.h - self-checking values for the torn-read tests.
 *
 * A writer stores values whose bytes are all equal: byte b repeated over
 * the width of the field.  A reader that sees bytes from two different
 * stores (a torn value) sees bytes that differ, whatever the interleaving,
 * because two consecutive stores of a field never repeat the same byte.
 * Doubles and floats use the same bit patterns; b stays below 0xff so no
 * pattern is a NaN, and every pattern survives a round trip through the
 * text the daemon renders (shortest repr, then strtod).
 *
 * Shared by tests/helpers/rel-torn-*.c and tests/unit/test_rel_torn.c;
 * everything is static inline so each program carries its own copy.
 */
#ifndef REL_PATTERN_H
#define REL_PATTERN_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/types.h>
#include <stdint.h>
#include <string.h>

#define REL_ONES64	0x0101010101010101ull
#define REL_ONES32	0x01010101u
#define REL_BYTES	255u	/* patterns use bytes 0x00..0xfe */

/* The four kinds of field a torn-read writer updates. */
enum rel_kind { REL_U64, REL_DOUBLE, REL_U32, REL_FLOAT, REL_NKINDS };

static const char *const rel_kind_prefix[REL_NKINDS] = {
	"torn.u64.", "torn.dbl.", "torn.u32.", "torn.flt.",
};

/* Byte of round `round` for field `j`: neighbours differ, and so do rounds. */
static inline uint8_t rel_byte(uint64_t round, unsigned j)
{
	return (uint8_t)((round + j) % REL_BYTES);
}

/*
 * The same, never 0 (bytes 1..254): a reader that serves the zeros a
 * load finds past the end of a cut file serves a value no store made.
 */
static inline uint8_t rel_byte_nonzero(uint64_t round, unsigned j)
{
	return (uint8_t)(1 + (round + j) % (REL_BYTES - 1));
}

static inline uint64_t rel_u64(uint8_t b)
{
	return b * REL_ONES64;
}

static inline uint32_t rel_u32(uint8_t b)
{
	return b * REL_ONES32;
}

static inline double rel_double(uint8_t b)
{
	uint64_t bits = rel_u64(b);
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static inline float rel_float(uint8_t b)
{
	uint32_t bits = rel_u32(b);
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static inline bool rel_check_u64(uint64_t v)
{
	return (v & 0xff) < REL_BYTES && v == (v & 0xff) * REL_ONES64;
}

static inline bool rel_check_u32(uint32_t v)
{
	return (v & 0xff) < REL_BYTES && v == (v & 0xff) * REL_ONES32;
}

static inline bool rel_check_double(double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	return rel_check_u64(bits);
}

/* A float reaches readers widened to double; narrowing it back is exact. */
static inline bool rel_check_float(double d)
{
	float f = (float)d;
	uint32_t bits;

	if ((double)f != d)
		return false;
	memcpy(&bits, &f, sizeof(bits));
	return rel_check_u32(bits);
}

/*
 * Whether a value of kind `kind`, as a reader got it, is whole: integers
 * in u, floating-point values (floats widened to double) in d.
 */
static inline bool rel_check_value(int kind, uint64_t u, double d)
{
	switch (kind) {
	case REL_U64: return rel_check_u64(u);
	case REL_U32: return u <= UINT32_MAX && rel_check_u32((uint32_t)u);
	case REL_DOUBLE: return rel_check_double(d);
	case REL_FLOAT: return rel_check_float(d);
	default: return false;
	}
}

static inline bool rel_kind_is_int(int kind)
{
	return kind == REL_U64 || kind == REL_U32;
}

/* Which kind a label names, or -1 for a label that is not ours. */
static inline int rel_kind_of(const char *label)
{
	for (int k = 0; k < REL_NKINDS; k++)
		if (strncmp(label, rel_kind_prefix[k],
			    strlen(rel_kind_prefix[k])) == 0)
			return k;
	return -1;
}

/*
 * Parse "VALUE\n" as mmstatsfs renders a value of kind `kind`: the whole
 * text or nothing.
 */
static inline bool rel_parse_text(const char *buf, ssize_t len, int kind,
				  double *d, uint64_t *u)
{
	char *end;

	if (len < 2 || buf[len - 1] != '\n')
		return false;
	errno = 0;
	if (kind == REL_U64 || kind == REL_U32)
		*u = strtoull(buf, &end, 10);
	else
		*d = strtod(buf, &end);
	return errno == 0 && end == buf + len - 1;
}

#endif
