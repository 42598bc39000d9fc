/*
 * text.c - the string update.
 *
 * A string field holds its text, cut at a UTF-8 character boundary, then
 * zeros up to its size (mmstats(5)).  Zero-padding the whole field on
 * every update, as strncpy() does, stores all of its bytes to change a
 * few.  Instead the writer remembers, in its private state, how long the
 * text in the mapping is (every byte after it is zero) and clears only
 * what the new text no longer covers: the bytes in the file end up the
 * same as strncpy()'s, for a store of the text alone.
 */
#include <stdint.h>
#include <string.h>

#include "mmstats.h"
#include "utf8.h"

/*
 * Two copies of k bytes, the second one ending at n, cover any n in
 * [k, 2k].  Both loads come before the stores, as in memmove().
 */
static inline __attribute__((always_inline)) void
copy_overlapping(char *dst, const char *src, size_t n, size_t k)
{
	unsigned char head[16], tail[16];

	memcpy(head, src, k);
	memcpy(tail, src + n - k, k);
	memcpy(dst, head, k);
	memcpy(dst + n - k, tail, k);
}

/*
 * memcpy() for the few bytes of a typical status text: a call through
 * the PLT into the ifunc-selected routine costs more than the copy, and
 * copies of a constant size compile to plain loads and stores.
 */
static void copy_text(char *dst, const char *src, size_t n)
{
	if (n > 32) {
		memcpy(dst, src, n);
	} else if (n >= 16) {
		copy_overlapping(dst, src, n, 16);
	} else if (n >= 8) {
		copy_overlapping(dst, src, n, 8);
	} else if (n >= 4) {
		copy_overlapping(dst, src, n, 4);
	} else if (n > 0) {
		/* Bytes 0, n / 2 and n - 1 are every byte of 1 to 3. */
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	}
}

/* Bytes [0, n) of the field become s's, and the rest zeros. */
static void store_text(struct mmstats_field *f, const char *s, size_t n)
{
	char *dst = f->value;
	uint32_t old = f->state.str.len;

	copy_text(dst, s, n);
	if (n < old)
		memset(dst + n, 0, old - n);
	f->state.str.len = (uint32_t)n;
}

void mmstats_set_string(struct mmstats_field *f, const char *s)
{
	size_t n;

	if (!s)
		s = "";
	n = strnlen(s, f->size);
	/* Only a text that fills the field may end in a cut character. */
	if (n == f->size)
		n = mms_utf8_cut(s, n);
	store_text(f, s, n);
}
