/* json.c - JSON escaping and values. */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>


static void json_escape_byte(struct buf *b, unsigned char c)
{
	switch (c) {
	case '"':  buf_puts(b, "\\\""); break;
	case '\\': buf_puts(b, "\\\\"); break;
	case '\n': buf_puts(b, "\\n"); break;
	case '\r': buf_puts(b, "\\r"); break;
	case '\t': buf_puts(b, "\\t"); break;
	case '\b': buf_puts(b, "\\b"); break;
	case '\f': buf_puts(b, "\\f"); break;
	default:   buf_printf(b, "\\u%04x", c); break;
	}
}

static bool json_needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' ||
	       c == '&' || c == 0x7f;
}

void json_string(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, n;

	buf_putc(b, '"');
	while (i < len) {
		/* Copy the longest run that needs nothing done in one go. */
		for (run = i; run < len; run += n) {
			if (json_needs_escape(p[run]))
				break;
			n = p[run] < 0x80 ? 1 : mmstats_utf8_len(p + run, len - run);
			if (n == 0)
				break;
		}
		buf_add(b, s + i, run - i);
		if (run == len)
			break;
		i = run;
		if (json_needs_escape(p[i]))
			json_escape_byte(b, p[i]);
		else
			buf_puts(b, "\\ufffd");
		i++;
	}
	buf_putc(b, '"');
}

void json_cstring(struct buf *b, const char *s)
{
	json_string(b, s, strlen(s));
}

static void json_double(struct buf *b, double d)
{
	char text[64];

	if (!isfinite(d) || mmstats_format_double(d, text, sizeof(text)) < 0) {
		buf_puts(b, "null");
		return;
	}
	buf_puts(b, text);
}

void json_int128(struct buf *b, __int128 x)
{
	/* 2^127 has 39 digits; the sign makes 40. */
	char text[48], *p = text + sizeof(text);
	unsigned __int128 mag = x < 0 ? -(unsigned __int128)x : (unsigned __int128)x;

	do {
		*--p = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag);
	if (x < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(text + sizeof(text) - p));
}

void json_value(struct buf *b, const struct mmstats_value *v)
{
	switch (v->kind) {
	case MMSTATS_KIND_INT:
		buf_printf(b, "%" PRId64, v->v.i);
		break;
	case MMSTATS_KIND_UINT:
		buf_printf(b, "%" PRIu64, v->v.u);
		break;
	case MMSTATS_KIND_FLOAT:
		json_double(b, v->v.d);
		break;
	case MMSTATS_KIND_BOOL:
		buf_puts(b, v->v.b ? "true" : "false");
		break;
	case MMSTATS_KIND_STRING:
		json_string(b, v->v.str.ptr, v->v.str.len);
		break;
	default:
		buf_puts(b, "null");
		break;
	}
}
