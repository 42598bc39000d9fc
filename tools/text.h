/* text.h - display width of UTF-8 text (validity: mmstats_utf8_len). */
#ifndef TOOLS_TEXT_H
#define TOOLS_TEXT_H

#include <stddef.h>

/* Display width of UTF-8 text in code points, as Python's len(str). */
size_t text_width(const char *s);

#endif
