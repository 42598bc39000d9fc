/* utf8.h - the two UTF-8 rules of format 1. */
#ifndef MMS_UTF8_H
#define MMS_UTF8_H

#include <stddef.h>

/*
 * Copy src[0..len) to dst dropping every byte that is not part of a
 * well-formed UTF-8 sequence (Python's decode('utf8', 'ignore')).
 * dst must hold len + 1 bytes; it is NUL-terminated.  Returns its length.
 */
size_t mms_utf8_clean(char *dst, const unsigned char *src, size_t len);

/* The longest prefix of s, at most max bytes, that ends on a character. */
size_t mms_utf8_cut(const char *s, size_t max);

#endif
