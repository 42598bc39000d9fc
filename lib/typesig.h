/*
 * typesig.h - the type signatures of format 1: Python struct formats.
 *
 * A field's type signature is whatever the writer passed to Python's
 * struct module, so a reader must size it exactly as struct.calcsize()
 * does and decode its first item as struct.unpack(...)[0] does.
 */
#ifndef MMS_TYPESIG_H
#define MMS_TYPESIG_H

#include <stdbool.h>
#include <stddef.h>

#include "mmstats.h"

/* Longest repeat count accepted; anything larger cannot fit a file. */
#define MMS_TYPESIG_MAX_COUNT	((size_t)1 << 40)

struct mms_typesig {
	size_t size;		/* struct.calcsize() */
	bool has_item;		/* false for "", "4x", "0i": no unpack()[0] */
	char code;		/* format character of the first item */
	enum mmstats_kind kind;	/* how its value decodes */
	size_t item_offset;	/* where the first item starts */
	size_t item_size;	/* its bytes; for 's' the repeat count */
	bool big_endian;	/* byte order of the first item */
	size_t lead_pad;	/* count of a leading "Nx" (field notes) */
};

/*
 * Parse the `len` bytes of `sig` as struct.calcsize() would.  Returns 0,
 * or -EINVAL when Python would raise struct.error (an unknown code, a
 * count without a code, a code that the byte-order prefix does not
 * allow) and -EOVERFLOW for absurd counts; *why then says what is wrong.
 */
int mms_typesig_parse(const char *sig, size_t len, struct mms_typesig *t,
		      const char **why);

/*
 * Decode the first item of a value laid out as `t` at `p`, which holds
 * t->size bytes.  Strings point into `p`, cut at the first NUL but not
 * yet UTF-8 cleaned.
 */
void mms_typesig_decode(const struct mms_typesig *t, const unsigned char *p,
			struct mmstats_value *val);
/* The same, given the bytes of the first item itself. */
void mms_typesig_decode_item(const struct mms_typesig *t,
			     const unsigned char *item,
			     struct mmstats_value *val);

/*
 * Copy `sig` without whitespace (as struct ignores it) into dst of
 * dstlen bytes, NUL-terminated.  Returns the length, or -ENAMETOOLONG
 * when it does not fit.
 */
int mms_typesig_strip(const char *sig, size_t len, char *dst, size_t dstlen);

#endif
