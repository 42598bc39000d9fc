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

void text_add_printable(struct buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, n;

	while (i < len) {
		n = control_len(u + i, len - i);
		if (n == 0) {
			i++;
			continue;
		}
		buf_add(b, s + start, i - start);
		buf_putc(b, '?');
		i += n;
		start = i;
	}
	buf_add(b, s + start, len - start);
}
