/*
 * test_fs_names.c - label -> file name mapping of mmstatsfs: the rules of
 * mmstatsfs(8), round trips, injectivity and the shape of every name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/names.h"

static const char *enc_n(const void *label, size_t len, unsigned dup)
{
	static char out[MFS_NAME_MAX + 1];
	size_t n = mfs_name_encode(label, len, dup, out);

	assert_int_equal(n, strlen(out));
	return out;
}

static const char *enc(const char *label)
{
	return enc_n(label, strlen(label), 0);
}

static void test_plain_labels_kept(void **state)
{
	(void)state;
	assert_string_equal(enc("web.stats.status.2XX"), "web.stats.status.2XX");
	assert_string_equal(enc("h\xc3\xa9llo w\xc3\xb6rld"),
			    "h\xc3\xa9llo w\xc3\xb6rld");
	assert_string_equal(enc("..."), "...");
	assert_string_equal(enc(".hidden"), ".hidden");
	assert_string_equal(enc("tasks"), "tasks");
	assert_string_equal(enc("sp ace#~"), "sp ace#~");
}

static void test_unsafe_bytes_encoded(void **state)
{
	(void)state;
	assert_string_equal(enc("a/b"), "a%2Fb");
	assert_string_equal(enc("100%"), "100%25");
	assert_string_equal(enc("tab\there"), "tab%09here");
	assert_string_equal(enc("nl\n"), "nl%0A");
	assert_string_equal(enc("del\x7f"), "del%7F");
	assert_string_equal(enc("c1\xc2\x85"), "c1%C2%85");	/* NEL */
	assert_string_equal(enc("nbsp\xc2\xa0"), "nbsp\xc2\xa0");
	assert_string_equal(enc_n("a\0b", 3, 0), "a%00b");
}

static void test_invalid_utf8_encoded(void **state)
{
	(void)state;
	assert_string_equal(enc("x\xff"), "x%FF");
	assert_string_equal(enc("cut\xe2\x82"), "cut%E2%82");
	assert_string_equal(enc("over\xc0\xaf"), "over%C0%AF");
	assert_string_equal(enc("sur\xed\xa0\x80"), "sur%ED%A0%80");
	assert_string_equal(enc("big\xf4\x90\x80\x80"), "big%F4%90%80%80");
	assert_string_equal(enc("ok\xf0\x9f\x98\x80"), "ok\xf0\x9f\x98\x80");
}

static void test_special_forms(void **state)
{
	(void)state;
	assert_string_equal(enc(""), "%");
	assert_string_equal(enc("."), "%2E");
	assert_string_equal(enc(".."), "%2E%2E");
	assert_string_equal(enc("task"), "%74ask");
	/* and what would otherwise be their encodings stay apart */
	assert_string_equal(enc("%"), "%25");
	assert_string_equal(enc("%2E"), "%252E");
	assert_string_equal(enc("%74ask"), "%2574ask");
}

static void test_duplicates_numbered(void **state)
{
	(void)state;
	assert_string_equal(enc_n("a", 1, 1), "a%#2");
	assert_string_equal(enc_n("a", 1, 9), "a%#10");
	assert_string_equal(enc_n("", 0, 1), "%%#2");
	assert_string_equal(enc_n("a%#2", 4, 0), "a%25#2");
}

static void test_long_labels_hashed(void **state)
{
	char a[400], b[400], na[MFS_NAME_MAX + 1];
	unsigned char back[400];
	unsigned dup;
	const char *n;

	(void)state;
	memset(a, 'a', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[399] = 'b';
	n = enc_n(a, 255, 0);
	assert_int_equal(strlen(n), 255);	/* fits exactly: kept */
	assert_null(strstr(n, "%~"));
	n = enc_n(a, 256, 0);
	assert_int_equal(strlen(n), 255);
	assert_non_null(strstr(n, "%~"));
	assert_int_equal(strstr(n, "%~") - n, 255 - 18);
	strcpy(na, enc_n(a, sizeof(a), 0));
	assert_string_not_equal(na, enc_n(b, sizeof(b), 0));
	assert_int_equal(mfs_name_decode(na, back, sizeof(back), &dup),
			 -ENAMETOOLONG);
	n = enc_n(a, sizeof(a), 41);
	assert_int_equal(strlen(n), 255);
	assert_string_equal(n + 255 - 4, "%#42");
	/* a long run of encoded bytes is never cut inside a %XX */
	memset(a, '/', sizeof(a));
	n = enc_n(a, sizeof(a), 0);
	assert_true(strlen(n) <= 255);
	assert_int_equal((strstr(n, "%~") - n) % 3, 0);
}

static void test_decode_rejects_foreign(void **state)
{
	unsigned char out[64];
	unsigned dup;

	(void)state;
	assert_int_equal(mfs_name_decode("%G1", out, sizeof(out), &dup),
			 -EINVAL);
	assert_int_equal(mfs_name_decode("ab%2", out, sizeof(out), &dup),
			 -EINVAL);
	assert_int_equal(mfs_name_decode("a%2Fb%#3", out, sizeof(out), &dup),
			 3);
	assert_memory_equal(out, "a/b", 3);
	assert_int_equal(dup, 2);
	assert_int_equal(mfs_name_decode("%", out, sizeof(out), &dup), 0);
}

/* Every name is a single, safe path component. */
static void assert_safe_name(const char *n)
{
	size_t i, len = strlen(n);

	assert_true(len >= 1 && len <= MFS_NAME_MAX);
	assert_string_not_equal(n, ".");
	assert_string_not_equal(n, "..");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)n[i];

		assert_true(c >= 0x20 && c != 0x7f && c != '/');
	}
}

static uint64_t rng = 88172645463325252ull;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static size_t random_label(unsigned char *buf, size_t cap)
{
	static const unsigned char alphabet[] = {
		'a', '.', '/', '%', '#', '~', '0', 'F', 0, '\n', 0x7f,
		0xc2, 0x85, 0xa0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f,
		0xed, 0xa0, 0xff, 0x80,
	};
	size_t len = next_rand() % 7 == 0 ? next_rand() % cap :
		     next_rand() % 12, i;

	for (i = 0; i < len; i++)
		buf[i] = alphabet[next_rand() % sizeof(alphabet)];
	return len;
}

static void test_round_trip_random(void **state)
{
	unsigned char label[300], back[300];
	char name[MFS_NAME_MAX + 1];
	unsigned dup, d;
	int i, n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t len = random_label(label, sizeof(label));

		dup = next_rand() % 4 == 0 ? next_rand() % 20 : 0;
		mfs_name_encode(label, len, dup, name);
		assert_safe_name(name);
		n = mfs_name_decode(name, back, sizeof(back), &d);
		if (n == -ENAMETOOLONG)
			continue;
		assert_int_equal(n, len);
		assert_memory_equal(back, label, len);
		assert_int_equal(d, dup);
	}
}

/* Short labels that differ map to names that differ. */
static void test_injective_exhaustive(void **state)
{
	static const unsigned char alphabet[] = {
		'a', '.', '/', '%', '2', 'E', '#', 0, 0xc2, 0x85, 0xff,
	};
	const size_t k = sizeof(alphabet);
	size_t total = 1 + k + k * k + k * k * k, i, j;
	char (*names)[MFS_NAME_MAX + 1] = calloc(total, sizeof(*names));
	unsigned char l[3];

	(void)state;
	assert_non_null(names);
	for (i = 0; i < total; i++) {
		size_t len = i == 0 ? 0 : i <= k ? 1 : i <= k + k * k ? 2 : 3;
		size_t v = i - (len == 0 ? 0 : len == 1 ? 1 :
				len == 2 ? 1 + k : 1 + k + k * k);

		for (j = 0; j < len; j++, v /= k)
			l[j] = alphabet[v % k];
		mfs_name_encode(l, len, 0, names[i]);
	}
	for (i = 0; i < total; i++)
		for (j = i + 1; j < total; j++)
			assert_string_not_equal(names[i], names[j]);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_labels_kept),
		cmocka_unit_test(test_unsafe_bytes_encoded),
		cmocka_unit_test(test_invalid_utf8_encoded),
		cmocka_unit_test(test_special_forms),
		cmocka_unit_test(test_duplicates_numbered),
		cmocka_unit_test(test_long_labels_hashed),
		cmocka_unit_test(test_decode_rejects_foreign),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_injective_exhaustive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
