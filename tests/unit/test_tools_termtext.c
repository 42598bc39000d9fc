/*
 * test_tools_termtext.c - the text the tools produce: JSON escaping and
 * values, Prometheus names and escaping, HTML escaping, growable buffers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/buf.h"
#include "../../tools/json.h"
#include "../../tools/mmash_pages.h"
#include "../../tools/prom.h"
#include "../../tools/termtext.h"

static char *json_of(const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	json_string(&b, s, len);
	return buf_steal(&b, NULL);
}

static void assert_json(const char *in, size_t len, const char *want)
{
	char *got = json_of(in, len);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_json_escapes(void **state)
{
	(void)state;
	assert_json("plain", 5, "\"plain\"");
	assert_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	assert_json("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\"");
	assert_json("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	/* Safe inside <script>: no raw < > &. */
	assert_json("</script>&", 10, "\"\\u003c/script\\u003e\\u0026\"");
	/* A NUL inside the length is data, not the end. */
	assert_json("a\0b", 3, "\"a\\u0000b\"");
}

static void test_json_utf8(void **state)
{
	(void)state;
	assert_json("h\xc3\xa9llo \xe2\x80\x94 \xf0\x9f\x98\x80", 15,
		    "\"h\xc3\xa9llo \xe2\x80\x94 \xf0\x9f\x98\x80\"");
	/* Invalid bytes, overlong forms, surrogates, truncated sequences. */
	assert_json("\xff", 1, "\"\\ufffd\"");
	assert_json("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	assert_json("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	assert_json("ab\xe2\x80", 4, "\"ab\\ufffd\\ufffd\"");
	assert_json("\xf4\x90\x80\x80", 4,
		    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static char *value_json(struct mmstats_value v)
{
	struct buf b = BUF_INIT;

	json_value(&b, &v);
	return buf_steal(&b, NULL);
}

static void assert_value(struct mmstats_value v, const char *want)
{
	char *got = value_json(v);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_json_values(void **state)
{
	struct mmstats_value v;

	(void)state;
	v.kind = MMSTATS_KIND_INT;
	v.v.i = INT64_MIN;
	assert_value(v, "-9223372036854775808");
	v.kind = MMSTATS_KIND_UINT;
	v.v.u = UINT64_MAX;
	assert_value(v, "18446744073709551615");
	v.kind = MMSTATS_KIND_FLOAT;
	v.v.d = 0.1;
	assert_value(v, "0.1");
	v.v.d = 1e16;
	assert_value(v, "1e+16");
	v.v.d = INFINITY;
	assert_value(v, "null");
	v.v.d = NAN;
	assert_value(v, "null");
	v.kind = MMSTATS_KIND_BOOL;
	v.v.b = true;
	assert_value(v, "true");
	v.kind = MMSTATS_KIND_STRING;
	v.v.str.ptr = "x\"y";
	v.v.str.len = 3;
	assert_value(v, "\"x\\\"y\"");
	v.kind = MMSTATS_KIND_UNSUPPORTED;
	assert_value(v, "null");
}

static void assert_prom_name(const char *label, const char *want)
{
	struct buf b = BUF_INIT;
	char *got;

	prom_name(&b, label);
	got = buf_steal(&b, NULL);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_prom_names(void **state)
{
	(void)state;
	assert_prom_name("web.stats.requests", "web_stats_requests");
	assert_prom_name("ok_name:sub", "ok_name:sub");
	assert_prom_name("9lives", "_9lives");
	assert_prom_name("", "_");
	assert_prom_name("a-b c/d", "a_b_c_d");
	/* Every byte of a multibyte character becomes one '_'. */
	assert_prom_name("caf\xc3\xa9", "caf__");
	assert_prom_name("x9", "x9");
}

static void test_prom_escapes(void **state)
{
	struct buf b = BUF_INIT;
	char *got;

	(void)state;
	prom_label_value(&b, "a\\b\"c\nd", 7);
	got = buf_steal(&b, NULL);
	assert_string_equal(got, "a\\\\b\\\"c\\nd");
	free(got);
	prom_help(&b, "x\\y\"z\nw", false);
	got = buf_steal(&b, NULL);
	/* HELP of the 0.0.4 text keeps double quotes as they are... */
	assert_string_equal(got, "x\\\\y\"z\\nw");
	free(got);
	prom_help(&b, "x\\y\"z\nw", true);
	got = buf_steal(&b, NULL);
	/* ...OpenMetrics escapes them, as in label values. */
	assert_string_equal(got, "x\\\\y\\\"z\\nw");
	free(got);
}

static void test_html_escape(void **state)
{
	struct buf b = BUF_INIT;
	char *got;

	(void)state;
	mmash_html_escape(&b, "<a href=\"x\">&'</a>");
	got = buf_steal(&b, NULL);
	assert_string_equal(got,
		"&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	free(got);
}

static void test_text_width(void **state)
{
	(void)state;
	/* slurpstats pads labels by code points, as Python's len(). */
	assert_int_equal(text_width(""), 0);
	assert_int_equal(text_width("web.stats"), 9);
	assert_int_equal(text_width("h\xc3\xa9llo \xe2\x80\x94 \xf0\x9f\x98\x80"), 9);
	assert_int_equal(mmstats_utf8_len((const unsigned char *)"\xe2\x80\x94", 3), 3);
	assert_int_equal(mmstats_utf8_len((const unsigned char *)"\xe2\x80\x94", 2), 0);
	assert_int_equal(mmstats_utf8_len((const unsigned char *)"\xc1\xbf", 2), 0);
}

static void assert_printable(const char *in, size_t len, const char *want)
{
	struct buf b = BUF_INIT;

	text_add_printable(&b, in, len);
	assert_false(b.failed);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_text_printable(void **state)
{
	(void)state;
	/* Escape sequences (ESC, CSI as C1, BEL) reach no terminal. */
	assert_printable("", 0, "");
	assert_printable("plain text", 10, "plain text");
	assert_printable("a\x1b[2Jb", 6, "a?[2Jb");
	assert_printable("\x1b]0;t\x07", 6, "?]0;t?");
	assert_printable("x\xc2\x9b" "31m", 6, "x?31m");
	assert_printable("tab\there\nnl\x7f", 12, "tab?here?nl?");
	/* Printable UTF-8 next to C1's lead byte stays whole. */
	assert_printable("\xc2\xa0h\xc3\xa9 \xe2\x80\x94", 9,
			 "\xc2\xa0h\xc3\xa9 \xe2\x80\x94");
}

static void assert_escaped(const char *in, size_t len, const char *want)
{
	struct buf b = BUF_INIT;

	text_add_escaped(&b, in, len);
	assert_false(b.failed);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_text_escaped(void **state)
{
	(void)state;
	/* A name in a log: a newline cannot start a line of its own. */
	assert_escaped("", 0, "");
	assert_escaped("a\\b.mmstats", 11, "a\\b.mmstats");
	assert_escaped("x\nPID 1 is alive", 16, "x\\x0aPID 1 is alive");
	assert_escaped("\r\x1b[2J\x7f", 6, "\\x0d\\x1b[2J\\x7f");
	/* C1 (NEL here, a line break to some readers): each byte. */
	assert_escaped("a\xc2\x85" "b", 4, "a\\xc2\\x85b");
	assert_escaped("h\xc3\xa9", 3, "h\xc3\xa9");
}

static void test_buf_grows(void **state)
{
	struct buf b = BUF_INIT;
	size_t len, i;
	char *got;

	(void)state;
	for (i = 0; i < 10000; i++)
		buf_printf(&b, "%zu,", i % 10);
	got = buf_steal(&b, &len);
	assert_non_null(got);
	assert_int_equal(len, 20000);
	assert_int_equal(strlen(got), 20000);
	assert_memory_equal(got + 19996, "8,9,", 4);
	free(got);
	/* An empty buffer still hands over a string. */
	got = buf_steal(&b, &len);
	assert_non_null(got);
	assert_int_equal(len, 0);
	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_values),
		cmocka_unit_test(test_prom_names),
		cmocka_unit_test(test_prom_escapes),
		cmocka_unit_test(test_html_escape),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_printable),
		cmocka_unit_test(test_text_escaped),
		cmocka_unit_test(test_buf_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
