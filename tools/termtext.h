/* termtext.h - UTF-8 text for a terminal (validity: mmstats_utf8_len). */
#ifndef TOOLS_TERMTEXT_H
#define TOOLS_TERMTEXT_H

#include <stddef.h>

#include "buf.h"

/* Display width of UTF-8 text in code points, as Python's len(str). */
size_t text_width(const char *s);

/*
 * Append `len` bytes of UTF-8 text to `b` with each control character
 * (C0, DEL, C1) shown as '?': text from a file that goes to a terminal
 * must not be able to send it escape sequences.
 */
void text_add_printable(struct buf *b, const char *s, size_t len);

#endif
