/*
 * test_fs_program_name.c - a program's directory name (program.h): the
 * name mapped, '@' as %40, then "@<uid>", within NAME_MAX; a name too
 * long keeps its head and always the hash of the whole, so two names
 * alike in their head stay two programs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../fs/names.h"
#include "../../fs/program.h"

static size_t dname(const char *raw, size_t len, unsigned uid,
		    char out[MFS_NAME_MAX + 1])
{
	size_t n;

	memset(out, 'Z', MFS_NAME_MAX + 1);
	mfs_prog_dir_name(raw, len, uid, out);
	n = strlen(out);
	assert_true(n <= MFS_NAME_MAX);
	return n;
}

static size_t ats(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '@';
	return n;
}

static void test_short(void **state)
{
	char out[MFS_NAME_MAX + 1];

	(void)state;
	dname("web", 3, 1000, out);
	assert_string_equal(out, "web@1000");
	dname("", 0, 0, out);
	assert_string_equal(out, "%@0");
	dname("a/b%c", 5, 7, out);
	assert_string_equal(out, "a%2Fb%25c@7");
}

static void test_at_sign(void **state)
{
	char out[MFS_NAME_MAX + 1];

	(void)state;
	dname("web@0", 5, 1000, out);
	assert_string_equal(out, "web%400@1000");
	dname("@@", 2, 0, out);
	assert_string_equal(out, "%40%40@0");
}

/* Names alike in their first 260 bytes: two directories, with the uid. */
static void test_long_heads(void **state)
{
	char raw[2][300], out[2][MFS_NAME_MAX + 1];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(raw[i], 'a', 260);
		memset(raw[i] + 260, '0' + i, 40);
		dname(raw[i], 300, 1000, out[i]);
		assert_non_null(strstr(out[i], "%~"));
		assert_int_equal(ats(out[i]), 1);
		assert_string_equal(strchr(out[i], '@'), "@1000");
	}
	assert_string_not_equal(out[0], out[1]);
}

/* Filled to the last byte without a hash; one byte more takes one. */
static void test_edge(void **state)
{
	char raw[300], a[MFS_NAME_MAX + 1], b[MFS_NAME_MAX + 1];

	(void)state;
	memset(raw, 'x', sizeof(raw));
	assert_int_equal(dname(raw, 250, 1000, a), MFS_NAME_MAX);
	assert_null(strstr(a, "%~"));
	dname(raw, 251, 1000, a);
	dname(raw, 252, 1000, b);
	assert_non_null(strstr(a, "%~"));
	assert_string_not_equal(a, b);
	/* '@' widens a name past the limit: hashed, still one '@' */
	memset(raw, '@', 100);
	dname(raw, 100, 4294967294u, a);
	assert_non_null(strstr(a, "%~"));
	assert_int_equal(ats(a), 1);
	assert_string_equal(strchr(a, '@'), "@4294967294");
}

/* Multibyte characters are cut between two characters. */
static void test_utf8(void **state)
{
	char raw[400], out[MFS_NAME_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i + 2 <= sizeof(raw); i += 2)
		memcpy(raw + i, "\xc3\xa9", 2);
	dname(raw, sizeof(raw), 33, out);
	i = (size_t)(strstr(out, "%~") - out);
	assert_int_equal(i % 2, 0);
	assert_int_equal((unsigned char)out[i - 2], 0xc3);
	assert_string_equal(strchr(out, '@'), "@33");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_at_sign),
		cmocka_unit_test(test_long_heads),
		cmocka_unit_test(test_edge),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
