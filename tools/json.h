/* json.h - JSON text for mmstats values (slurpstats --json, mmash). */
#ifndef TOOLS_JSON_H
#define TOOLS_JSON_H

#include <stddef.h>

#include "buf.h"
#include "mmstats.h"

/*
 * A JSON string: quotes, backslashes and control characters escaped,
 * bytes that are not valid UTF-8 replaced by U+FFFD, and '<', '>', '&'
 * escaped too so the text is safe inside an HTML page.
 */
void json_string(struct buf *b, const char *s, size_t len);
void json_cstring(struct buf *b, const char *s);

/*
 * A value as JSON: integers exact, floats as Python's repr (shortest
 * round trip), booleans, strings; null for what JSON cannot hold
 * (inf, nan: Python's json writes Infinity and NaN, which no JSON parser
 * need accept) and for unsupported types.
 */
void json_value(struct buf *b, const struct mmstats_value *v);

/*
 * An integer of any size in decimal: JSON numbers have no bound, and the
 * reference's Python ints none either (a sum past 64 bits).
 */
void json_int128(struct buf *b, __int128 x);

#endif
