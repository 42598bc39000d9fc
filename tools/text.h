/* text.h - UTF-8 facts the tools' output depends on. */
#ifndef TOOLS_TEXT_H
#define TOOLS_TEXT_H

#include <stddef.h>

/* Display width of UTF-8 text in code points, as Python's len(str). */
size_t text_width(const char *s);

/*
 * Length (1..4) of the valid UTF-8 sequence at s, of at most len bytes;
 * 0 for an invalid byte, an overlong form, a surrogate or past U+10FFFF.
 */
size_t text_utf8_len(const unsigned char *s, size_t len);

#endif
