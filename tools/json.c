/* json.c - JSON escaping and values. */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* No overlong forms, surrogates or code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

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
	size_t i = 0, n;

	buf_putc(b, '"');
	while (i < len) {
		if (json_needs_escape(p[i])) {
			json_escape_byte(b, p[i]);
			i++;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n == 0) {
			buf_puts(b, "\\ufffd");
			i++;
			continue;
		}
		buf_add(b, s + i, n);
		i += n;
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
