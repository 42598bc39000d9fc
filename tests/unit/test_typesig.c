/*
 * test_typesig.c - type signatures size and decode as CPython's struct.
 *
 * The table was made with python3 3.11: struct.calcsize() of each format
 * (-1 where it raises struct.error) and str() of struct.unpack()[0] on
 * the sample bytes ("none" where unpack gives no item).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mmstats.h"
#include "typesig.h"

struct sig_case {
	const char *sig;
	size_t len;
	long long size;
	const char *kind;
	const char *text;
};

static const unsigned char sample[65] = "R\362&e\246\014\022\322ab\000cd\303\251\2016\011\026ok\021=\027\215l\017\323\220\037\3629\241\240\225\362\017\223\225e\014\3718\013\216\333\042Jk$\212\036\222N\217\320\256.\032\224\222\2430_\030";
static const struct sig_case cases[] = {
	{ "Q", 1, 8, "int", "15137175206346814034" },
	{ "d", 1, 8, "float", "-2.2440982449681586e+87" },
	{ "I", 1, 4, "int", "1697051218" },
	{ "i", 1, 4, "int", "1697051218" },
	{ "h", 1, 2, "int", "-3502" },
	{ "H", 1, 2, "int", "62034" },
	{ "b", 1, 1, "int", "82" },
	{ "B", 1, 1, "int", "82" },
	{ "\077", 1, 1, "bool", "True" },
	{ "f", 1, 4, "float", "4.927392855905687e+22" },
	{ "e", 1, 2, "float", "-12944.0" },
	{ "q", 1, 8, "int", "-3309568867362737582" },
	{ "l", 1, 8, "int", "-3309568867362737582" },
	{ "L", 1, 8, "int", "15137175206346814034" },
	{ "n", 1, 8, "int", "-3309568867362737582" },
	{ "N", 1, 8, "int", "15137175206346814034" },
	{ "P", 1, 8, "int", "15137175206346814034" },
	{ "c", 1, 1, "unsupported", NULL },
	{ "p", 1, 1, "unsupported", NULL },
	{ "s", 1, 1, "str", "R" },
	{ "x", 1, 1, "none", NULL },
	{ "32s", 3, 32, "str", "R&e\014\022ab" },
	{ "256s", 4, 256, NULL, NULL },
	{ "0s", 2, 0, "str", "" },
	{ "<Q", 2, 8, "int", "15137175206346814034" },
	{ ">Q", 2, 8, "int", "5976881873493430994" },
	{ "!i", 2, 4, "int", "1391601253" },
	{ "=l", 2, 4, "int", "1697051218" },
	{ "<l", 2, 4, "int", "1697051218" },
	{ ">h", 2, 2, "int", "21234" },
	{ "@l", 2, 8, "int", "-3309568867362737582" },
	{ "xQ", 2, 16, "int", "9343213737881920097" },
	{ "xxxI", 4, 8, "int", "3524398246" },
	{ "bQ", 2, 16, "int", "82" },
	{ "b0Q", 3, 8, "int", "82" },
	{ "0Q", 2, 0, "none", NULL },
	{ "0i", 2, 0, "none", NULL },
	{ "c0i", 3, 4, "unsupported", NULL },
	{ "3xi", 3, 8, "int", "-770569050" },
	{ "<3xi", 4, 7, "int", "302818917" },
	{ "2h", 2, 4, "int", "-3502" },
	{ "2s", 2, 2, "str", "R" },
	{ "  Q", 3, 8, "int", "15137175206346814034" },
	{ "Q  ", 3, 8, "int", "15137175206346814034" },
	{ " \011Q\012", 4, 8, "int", "15137175206346814034" },
	{ "4x", 2, 4, "none", NULL },
	{ "", 0, 0, "none", NULL },
	{ "\077Q", 2, 16, "bool", "True" },
	{ ">d", 2, 8, "float", "3.6972179615603774e+91" },
	{ "<f", 2, 4, "float", "4.927392855905687e+22" },
	{ ">e", 2, 2, "float", "55.5625" },
	{ "e", 1, 2, "float", "-12944.0" },
	{ "<e", 2, 2, "float", "-12944.0" },
	{ "hd", 2, 16, "int", "-3502" },
	{ "5p", 2, 5, "unsupported", NULL },
	{ "<P", 2, -1, NULL, NULL },
	{ "=n", 2, -1, NULL, NULL },
	{ ">N", 2, -1, NULL, NULL },
	{ "z", 1, -1, NULL, NULL },
	{ "3", 1, -1, NULL, NULL },
	{ "Q3", 2, -1, NULL, NULL },
	{ "3 s", 3, -1, NULL, NULL },
	{ "<>Q", 3, -1, NULL, NULL },
	{ " <Q", 3, -1, NULL, NULL },
	{ "Qz", 2, -1, NULL, NULL },
	{ "q\000", 2, -1, NULL, NULL },
	{ "99999999999999999999s", 21, -1, NULL, NULL },
	{ "9223372036854775807s", 20, 9223372036854775807, NULL, NULL },
	{ "xxxd", 4, 16, "float", "-1.2021952206948984e-300" },
	{ "iQ", 2, 16, "int", "1697051218" },
	{ "@iQ", 3, 16, "int", "1697051218" },
	{ "=iQ", 3, 12, "int", "1697051218" },
	{ "10c", 3, 10, "unsupported", NULL },
	{ "2\077", 2, 2, "bool", "True" },
	{ "B\077", 2, 2, "int", "82" },
	{ "bxh", 3, 4, "int", "82" },
	{ "10x3d", 5, 40, "float", "9.721620791547161e-197" },
	{ ">10x3d", 6, 34, "float", "8.630443179000868e-307" },
	{ "!\077", 2, 1, "bool", "True" },
	{ ">\077", 2, 1, "bool", "True" },
	{ "<q", 2, 8, "int", "-3309568867362737582" },
	{ "s5", 2, -1, NULL, NULL },
	{ "Ii", 2, 8, "int", "1697051218" },
	{ "1000000s", 8, 1000000, NULL, NULL },
};

static enum mmstats_kind expected_kind(const struct sig_case *c)
{
	/* Python gives 'P' as an int; mmstats does not render pointers. */
	if (!strcmp(c->kind, "none") || !strcmp(c->kind, "unsupported") ||
	    memchr(c->sig, 'P', c->len))
		return MMSTATS_KIND_UNSUPPORTED;
	if (!strcmp(c->kind, "float"))
		return MMSTATS_KIND_FLOAT;
	if (!strcmp(c->kind, "bool"))
		return MMSTATS_KIND_BOOL;
	if (!strcmp(c->kind, "str"))
		return MMSTATS_KIND_STRING;
	return MMSTATS_KIND_INT;	/* or UINT */
}

static void check_value(const struct sig_case *c, const struct mms_typesig *t)
{
	struct mmstats_value v;
	enum mmstats_kind want = expected_kind(c);
	char text[128];

	mms_typesig_decode(t, sample, &v);
	if (want == MMSTATS_KIND_INT)
		assert_true(v.kind == MMSTATS_KIND_INT ||
			    v.kind == MMSTATS_KIND_UINT);
	else
		assert_int_equal(v.kind, want);
	assert_int_equal(t->has_item, strcmp(c->kind, "none") != 0);
	if (want == MMSTATS_KIND_UNSUPPORTED)
		return;
	assert_true(mmstats_render(&v, text, sizeof(text)) >= 0);
	assert_string_equal(text, c->text);
}

static void test_python_struct_table(void **state)
{
	const struct sig_case *c;
	struct mms_typesig t;
	const char *why = NULL;
	size_t i;
	int err;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		print_message("format \"%.*s\"\n", (int)c->len, c->sig);
		err = mms_typesig_parse(c->sig, c->len, &t, &why);
		if (c->size < 0) {	/* struct.error: bad format or overflow */
			assert_true(err == -EINVAL || err == -EOVERFLOW);
			assert_non_null(why);
			continue;
		}
		if (c->size > (long long)MMS_TYPESIG_MAX_COUNT) {
			assert_int_equal(err, -EOVERFLOW);
			continue;
		}
		assert_int_equal(err, 0);
		assert_int_equal(t.size, (size_t)c->size);
		if (c->kind && t.size < sizeof(sample))
			check_value(c, &t);
	}
}

/* Counts that would overflow any integer type stop cleanly. */
static void test_huge_counts(void **state)
{
	static const char *sigs[] = {
		"99999999999999999999s",
		"18446744073709551617Q",
		"1099511627776Q",	/* 2^40 items of 8 bytes */
		"1099511627775Q1099511627775Q",
		"9999999999999999999999999999999999999999x",
	};
	struct mms_typesig t;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		why = NULL;
		assert_int_equal(mms_typesig_parse(sigs[i], strlen(sigs[i]),
						   &t, &why), -EOVERFLOW);
		assert_non_null(why);
	}
}

static void test_every_byte_as_code(void **state)
{
	static const char known[] = "xcbB?hHiIlLqQnNefdspP";
	struct mms_typesig t;
	const char *why;
	char sig[2] = { 0, 0 };
	int c, err;

	(void)state;
	for (c = 0; c < 256; c++) {
		sig[0] = (char)c;
		err = mms_typesig_parse(sig, 1, &t, &why);
		if (c && strchr(known, c))
			assert_int_equal(err, 0);
		else if (c && strchr("@=<>! \t\n\r\v\f", c))
			assert_int_equal(t.size, 0);	/* prefix or blank */
		else
			assert_int_equal(err, -EINVAL);
	}
}

static void test_strip(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(mms_typesig_strip(" \tQ \n", 5, out, sizeof(out)), 1);
	assert_string_equal(out, "Q");
	assert_int_equal(mms_typesig_strip("< 3x i", 6, out, sizeof(out)), 4);
	assert_string_equal(out, "<3xi");
	assert_int_equal(mms_typesig_strip("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* 31 characters fit, 32 do not. */
	assert_int_equal(mms_typesig_strip("1234567890123456789012345678901s",
					   31, out, sizeof(out)), 31);
	assert_int_equal(mms_typesig_strip("1234567890123456789012345678901s",
					   32, out, sizeof(out)),
			 -ENAMETOOLONG);
}

/* The decoders by hand, for what the table cannot show plainly. */
static void test_decode_edges(void **state)
{
	static const unsigned char half_inf[2] = { 0x00, 0x7c };
	static const unsigned char half_sub[2] = { 0x01, 0x00 };
	static const unsigned char bool2[1] = { 2 };
	static const unsigned char nostr[4] = { 'a', 'b', 'c', 'd' };
	struct mms_typesig t;
	struct mmstats_value v;
	const char *why;

	(void)state;
	assert_int_equal(mms_typesig_parse("<e", 2, &t, &why), 0);
	mms_typesig_decode(&t, half_inf, &v);
	assert_true(v.v.d > 1e308);
	mms_typesig_decode(&t, half_sub, &v);
	assert_true(v.v.d == 5.960464477539063e-08);
	assert_int_equal(mms_typesig_parse("?", 1, &t, &why), 0);
	mms_typesig_decode(&t, bool2, &v);
	assert_true(v.v.b);
	/* No NUL: the string is the whole slot. */
	assert_int_equal(mms_typesig_parse("4s", 2, &t, &why), 0);
	mms_typesig_decode(&t, nostr, &v);
	assert_int_equal(v.v.str.len, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_struct_table),
		cmocka_unit_test(test_huge_counts),
		cmocka_unit_test(test_every_byte_as_code),
		cmocka_unit_test(test_strip),
		cmocka_unit_test(test_decode_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
