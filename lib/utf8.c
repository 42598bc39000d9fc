/* utf8.c - UTF-8 validation as Python's codec does it (RFC 3629). */
#include <stdint.h>
#include <string.h>

#include "mmstats.h"
#include "utf8.h"

size_t mmstats_utf8_len(const void *p, size_t n)
{
	const unsigned char *s = p;
	unsigned char c, lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range rules out overlong forms, surrogates
	 * and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

size_t mms_utf8_clean(char *dst, const unsigned char *src, size_t len)
{
	size_t in = 0, out = 0, n;

	while (in < len) {
		/* ASCII, most labels: as it is, a byte at a time */
		if (src[in] < 0x80) {
			dst[out++] = (char)src[in++];
			continue;
		}
		n = mmstats_utf8_len(src + in, len - in);
		if (n == 0) {
			in++;
			continue;
		}
		memcpy(dst + out, src + in, n);
		in += n;
		out += n;
	}
	dst[out] = '\0';
	return out;
}

size_t mms_utf8_cut(const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len = strnlen(s, max);

	/* Step back over continuation bytes to the start of the last
	 * character; keep it only if it fits whole. */
	if (len == max && len > 0) {
		size_t start = len;

		while (start > 0 && (u[start - 1] & 0xc0) == 0x80)
			start--;
		if (start > 0 && u[start - 1] >= 0x80) {
			start--;
			if (mmstats_utf8_len(u + start, len - start) != len - start)
				len = start;
		}
	}
	return len;
}
