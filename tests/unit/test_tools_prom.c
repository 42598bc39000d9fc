/*
 * test_tools_prom.c - /metrics text from files built byte by byte:
 * families grouped across files, one HELP and TYPE each, colliding
 * names, counters, strings as _info, label escaping, non-finite values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/prom.h"
#include "reader_build.h"

/* A buffered field whose readable slot (index 1) holds `v`. */
static void field_q(struct fbuild *f, const char *label, uint64_t v)
{
	uint64_t slots[2] = { 0, v };

	fb_field(f, label, "Q", 0, slots, sizeof(slots));
}

static void field_s(struct fbuild *f, const char *label, const char *s)
{
	char text[16] = { 0 };

	memcpy(text, s, strlen(s));
	fb_field(f, label, "16s", 0xff, text, sizeof(text));
}

static void parse(struct fbuild *f, struct mmstats_snapshot *snap)
{
	fb_pad(f);		/* a whole page, as writers leave it */
	memset(snap, 0, sizeof(*snap));
	assert_int_equal(mmstats_parse(f->buf, f->len, snap), 0);
}

static struct fbuild *new_file(void)
{
	struct fbuild *f = malloc(sizeof(*f));

	assert_non_null(f);
	fb_init(f);
	return f;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static void test_grouping_and_types(void **state)
{
	struct mmstats_snapshot s1, s2;
	struct fbuild *f1 = new_file(), *f2 = new_file();
	struct prom *p = prom_new();
	char *out;

	(void)state;
	field_q(f1, "app.requests.count", 10);
	fb_double(f1, "app.load", 0.5);
	field_q(f1, "sys.pid", 4242);
	field_q(f1, "sys.tid", 4243);
	field_s(f1, "app.role", "pri\"mary");
	field_q(f2, "app.requests.count", 32);
	fb_double(f2, "app.load", INFINITY);
	fb_double(f2, "app.ratio", NAN);
	/* Sanitize to the same name as app.load: same family, same series. */
	fb_double(f2, "app_load", 7);
	parse(f1, &s1);
	parse(f2, &s2);
	prom_add_file(p, "/run/a.mmstats", &s1);
	prom_add_file(p, "/run/b\xff.mmstats", &s2);
	out = prom_render(p, NULL);
	assert_non_null(out);
	assert_int_equal(count(out, "# TYPE app_requests_count_total counter\n"), 1);
	assert_int_equal(count(out, "# HELP app_requests_count_total "), 1);
	/* Series of a family in the order of their label text. */
	assert_non_null(strstr(out,
		"app_requests_count_total{file=\"/run/b\xef\xbf\xbd.mmstats\"} 32\n"
		"app_requests_count_total{pid=\"4242\",tid=\"4243\","
		"file=\"/run/a.mmstats\"} 10\n"));
	assert_int_equal(count(out, "# TYPE app_load gauge\n"), 1);
	assert_non_null(strstr(out, "} 0.5\n"));
	assert_non_null(strstr(out, "app_load{file=\"/run/b\xef\xbf\xbd.mmstats\"} +Inf\n"));
	/* The colliding app_load of file b is dropped, not repeated. */
	assert_int_equal(count(out, "app_load{file="), 1);
	assert_non_null(strstr(out, "app_ratio{file=\"/run/b\xef\xbf\xbd.mmstats\"} NaN\n"));
	assert_non_null(strstr(out, "# TYPE app_role_info gauge\n"));
	assert_non_null(strstr(out, ",value=\"pri\\\"mary\"} 1\n"));
	/* Families are contiguous: each name's samples follow its TYPE. */
	assert_true(strstr(out, "app_load{") > strstr(out, "# TYPE app_load"));
	assert_true(strstr(out, "app_load{") < strstr(out, "# HELP app_ratio"));
	free(out);
	prom_free(p);
	mmstats_snapshot_free(&s1);
	mmstats_snapshot_free(&s2);
	free(f1);
	free(f2);
}

static void test_type_conflict(void **state)
{
	struct mmstats_snapshot s;
	struct fbuild *f = new_file();
	struct prom *p = prom_new();
	char *out;

	(void)state;
	/* x.count is a counter named x_count_total; so would be this gauge. */
	field_q(f, "x.count", 1);
	fb_double(f, "x.count_total", 2.5);
	parse(f, &s);
	prom_add_file(p, "f", &s);
	out = prom_render(p, NULL);
	assert_non_null(out);
	assert_int_equal(count(out, "# TYPE"), 1);
	assert_non_null(strstr(out, "# TYPE x_count_total counter\n"));
	assert_non_null(strstr(out, "x_count_total{file=\"f\"} 1\n"));
	assert_null(strstr(out, "2.5"));
	free(out);
	prom_free(p);
	mmstats_snapshot_free(&s);
	free(f);
}

static void test_empty(void **state)
{
	struct prom *p = prom_new();
	size_t len = 1;
	char *out;

	(void)state;
	out = prom_render(p, &len);
	assert_non_null(out);
	assert_int_equal(len, 0);
	free(out);
	prom_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouping_and_types),
		cmocka_unit_test(test_type_conflict),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
