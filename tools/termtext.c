/* termtext.c - UTF-8 text for a terminal: widths, harmless bytes. */
#include "termtext.h"

size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Bytes of the control character at s (C1 is U+0080-U+009F), or 0. */
static size_t control_len(const unsigned char *s, size_t len)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 1;
	if (len >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

/* Control characters as '?', or as the \xNN of each of their bytes. */
static void add_controls(struct buf *b, const char *s, size_t len,
			 bool escape)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, n, k;

	while (i < len) {
		n = control_len(u + i, len - i);
		if (n == 0) {
			i++;
			continue;
		}
		buf_add(b, s + start, i - start);
		for (k = 0; k < n && escape; k++)
			buf_printf(b, "\\x%02x", u[i + k]);
		if (!escape)
			buf_putc(b, '?');
		i += n;
		start = i;
	}
	buf_add(b, s + start, len - start);
}

void text_add_printable(struct buf *b, const char *s, size_t len)
{
	add_controls(b, s, len, false);
}

void text_add_escaped(struct buf *b, const char *s, size_t len)
{
	add_controls(b, s, len, true);
}

void text_add_shown(struct buf *b, const char *s, size_t len, bool terminal)
{
	add_controls(b, s, len, !terminal);
}
