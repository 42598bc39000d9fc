/*
 * fuzz_names.c - mmstatsfs label -> file name mapping.
 *
 * Input: one byte of duplicate count, then two labels separated by the
 * first 0xFE byte.  Checked for each: the name is one safe path
 * component of at most NAME_MAX bytes, decodes back to the label unless
 * it was shortened; and two different labels never share a name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_safe(const char *n, size_t len)
{
	size_t i;

	if (len < 1 || len > MFS_NAME_MAX || len != strlen(n) ||
	    !strcmp(n, ".") || !strcmp(n, ".."))
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char)n[i] < 0x20 || n[i] == 0x7f || n[i] == '/')
			abort();
}

static int encode_checked(const uint8_t *label, size_t len, unsigned dup,
			  char *name)
{
	unsigned char back[4096];
	unsigned d;
	size_t n = mfs_name_encode(label, len, dup, name);
	int r;

	check_safe(name, n);
	r = mfs_name_decode(name, back, sizeof(back), &d);
	if (r == -ENAMETOOLONG || (r == -ENOBUFS && len > sizeof(back)))
		return 1;	/* shortened: only the hash is left */
	if (r < 0 || (size_t)r != len || memcmp(back, label, len) || d != dup)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char na[MFS_NAME_MAX + 1], nb[MFS_NAME_MAX + 1];
	const uint8_t *a, *b, *sep;
	size_t alen, blen;
	unsigned dup;
	int ta, tb;

	if (size < 1)
		return 0;
	dup = data[0] % 8 == 0 ? data[0] : 0;
	a = data + 1;
	sep = memchr(a, 0xfe, size - 1);
	alen = sep ? (size_t)(sep - a) : size - 1;
	b = sep ? sep + 1 : a + alen;
	blen = sep ? size - 1 - alen - 1 : 0;
	ta = encode_checked(a, alen, dup, na);
	tb = encode_checked(b, blen, dup, nb);
	if (!strcmp(na, nb) && !(ta && tb) &&
	    (alen != blen || memcmp(a, b, alen)))
		abort();
	return 0;
}
