/*
 * names.c - label -> file name mapping.
 *
 * A label is whatever bytes a writer put in its file; a file name must not
 * contain '/' or NUL, must not be "." or "..", and should not hide control
 * characters or broken UTF-8 from a terminal.  Percent-encoding of exactly
 * the offending bytes keeps ordinary labels readable and stays reversible.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mmstats.h"
#include "hash.h"
#include "names.h"

#define HASH_TAIL	18	/* "%~" and 16 hex digits */

static const char hexdigits[] = "0123456789ABCDEF";

/*
 * How many bytes of label make the next token and whether they are kept
 * as they are (else each is percent-encoded).
 */
static size_t next_token(const unsigned char *s, size_t len, int *literal,
			 int at)
{
	size_t n;

	*literal = 1;
	if (s[0] > 0x20 && s[0] < 0x7f && s[0] != '/' && s[0] != '%' &&
	    (s[0] != '@' || !at))
		return 1;	/* printable ASCII, most labels */
	n = mmstats_utf8_len(s, len);
	if (n == 0) {
		*literal = 0;
		return 1;
	}
	if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f || s[0] == '/' ||
		       s[0] == '%' || (s[0] == '@' && at)))
		*literal = 0;
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)	/* C1 controls */
		*literal = 0;
	return n;
}

/* Width of a token in the name. */
static size_t token_width(size_t n, int literal)
{
	return literal ? n : 3 * n;
}

static size_t put_token(char *out, const unsigned char *s, size_t n,
			int literal)
{
	size_t i, o = 0;

	if (literal) {
		memcpy(out, s, n);
		return n;
	}
	for (i = 0; i < n; i++) {
		out[o++] = '%';
		out[o++] = hexdigits[s[i] >> 4];
		out[o++] = hexdigits[s[i] & 15];
	}
	return o;
}

/*
 * Encode as much of label as fits in max bytes, '@' too if `at`; *all
 * says whether all did.
 */
static size_t encode_body(const unsigned char *label, size_t len, char *out,
			  size_t max, int *all, int at)
{
	size_t i = 0, o = 0, n, w;
	int literal;

	while (i < len) {
		n = next_token(label + i, len - i, &literal, at);
		w = token_width(n, literal);
		if (o + w > max) {
			*all = 0;
			return o;
		}
		o += put_token(out + o, label + i, n, literal);
		i += n;
	}
	*all = 1;
	return o;
}

/* The forms that would otherwise be reserved or special. */
static const char *special_form(const unsigned char *label, size_t len)
{
	if (len == 0)
		return "%";
	if (len == 1 && label[0] == '.')
		return "%2E";
	if (len == 2 && !memcmp(label, "..", 2))
		return "%2E%2E";
	if (len == 4 && !memcmp(label, "task", 4))
		return "%74ask";
	return NULL;
}

size_t mfs_name_dup_suffix(unsigned dup, char *out)
{
	char digits[12];
	size_t n = 0, i = 0;
	unsigned v = dup + 1;

	if (!dup) {
		out[0] = '\0';
		return 0;
	}
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	out[i++] = '%';
	out[i++] = '#';
	while (n)
		out[i++] = digits[--n];
	out[i] = '\0';
	return i;
}

/*
 * The name of label without a duplicate suffix, in at most max bytes,
 * not NUL-terminated; '@' is encoded too if `at`.  A label too long for
 * max keeps its head and ends in "%~" and its hash.
 */
static size_t encode(const unsigned char *label, size_t len, size_t max,
		     int at, char *out)
{
	const char *special = special_form(label, len);
	size_t o;
	int all;

	if (special) {
		o = strlen(special);
		memcpy(out, special, o);
		return o;
	}
	o = encode_body(label, len, out, max, &all, at);
	if (!all) {
		o = encode_body(label, len, out, max - HASH_TAIL, &all, at);
		o += (size_t)sprintf(out + o, "%%~%016llx",
			(unsigned long long)mfs_hash(0, label, len));
	}
	return o;
}

/* A label's name leaves room for its duplicate suffix. */
size_t mfs_name_encode(const unsigned char *label, size_t len, unsigned dup,
		       char *out)
{
	char suffix[16];
	size_t slen = mfs_name_dup_suffix(dup, suffix);
	size_t o = encode(label, len, MFS_NAME_MAX - slen, 0, out);

	memcpy(out + o, suffix, slen + 1);
	return o + slen;
}

/* A program's name is followed by "@uid", hence its '@' encoded. */
size_t mfs_name_encode_prog(const unsigned char *name, size_t len,
			    size_t max, char *out)
{
	size_t o = encode(name, len, max, 1, out);

	out[o] = '\0';
	return o;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strip a "%#n" suffix (n >= 2, no leading zero) into *dup. */
static size_t strip_dup(const char *name, size_t len, unsigned *dup)
{
	size_t i = len, k;
	unsigned long n = 0;

	*dup = 0;
	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == len || i < 2 || name[i - 2] != '%' || name[i - 1] != '#' ||
	    name[i] == '0' || len - i > 9)
		return len;
	for (k = i; k < len; k++)
		n = n * 10 + (unsigned long)(name[k] - '0');
	if (n < 2)
		return len;
	*dup = (unsigned)(n - 1);
	return i - 2;
}

int mfs_name_decode(const char *name, unsigned char *out, size_t cap,
		    unsigned *dup)
{
	size_t len = strlen(name), i, o = 0;
	int hi, lo;

	len = strip_dup(name, len, dup);
	if (len == 1 && name[0] == '%')
		return 0;
	for (i = 0; i < len; i++) {
		if (o == cap)
			return -ENOBUFS;
		if (name[i] != '%') {
			out[o++] = (unsigned char)name[i];
			continue;
		}
		if (i + 1 < len && name[i + 1] == '~')
			return -ENAMETOOLONG;
		if (i + 2 >= len)
			return -EINVAL;
		hi = hexval(name[i + 1]);
		lo = hexval(name[i + 2]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return (int)o;
}
