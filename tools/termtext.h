/* termtext.h - UTF-8 text for a terminal (validity: mmstats_utf8_len). */
#ifndef TOOLS_TERMTEXT_H
#define TOOLS_TERMTEXT_H

#include <stdbool.h>
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

/*
 * The same with each byte of a control character as \xNN: a name that
 * anyone could choose, written to a log (journald, a pipe), must not be
 * able to end its line and forge the next one.
 */
void text_add_escaped(struct buf *b, const char *s, size_t len);

/* text_add_printable() for a terminal, else text_add_escaped(). */
void text_add_shown(struct buf *b, const char *s, size_t len, bool terminal);

#endif
