/*
 * test_tools_mmash.c - mmash's routes and pollstats' filters, on the
 * reference vector files (real files written by the Python reference).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/filter.h"
#include "../../tools/mmash_routes.h"

static char glob_buf[512];
static char dir_buf[512];
static struct mmash_conf conf;

static int setup(void **state)
{
	const char *v = getenv("MMSTATS_VECTORS");

	(void)state;
	if (!v)
		v = "tests/vectors";
	snprintf(dir_buf, sizeof(dir_buf), "%s", v);
	snprintf(glob_buf, sizeof(glob_buf), "%s/*.mmstats", v);
	conf.glob = glob_buf;
	conf.dir = dir_buf;
	return 0;
}

/* Query arguments as "name=value" strings. */
static const char *test_arg(void *ctx, const char *name)
{
	const char *const *q = ctx;
	size_t n = strlen(name);

	for (; q && *q; q++)
		if (strncmp(*q, name, n) == 0 && (*q)[n] == '=')
			return *q + n + 1;
	return NULL;
}

static struct mmash_reply get(const char *path, const char *const *query)
{
	struct mmash_request req = { path, test_arg, (void *)query };
	struct mmash_reply rep;

	mmash_route(&conf, &req, &rep);
	assert_non_null(rep.body);
	assert_int_equal(strlen(rep.body), rep.len);
	return rep;
}

static void test_stats_list(void **state)
{
	struct mmash_reply r = get("/stats/", NULL);

	(void)state;
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "application/json");
	assert_memory_equal(r.body, "{\n  \"stats\": [\n    \"bulk.counter.000\",", 37);
	assert_non_null(strstr(r.body, "\"web.stats.sys.pid\""));
	/* Sorted: flip.* comes before web.*. */
	assert_true(strstr(r.body, "\"flip.even\"") <
		    strstr(r.body, "\"web.stats.bool\""));
	mmash_reply_free(&r);
}

static void test_stats_prefix_and_aggr(void **state)
{
	const char *sum[] = { "aggr=sum", NULL };
	const char *exact[] = { "exact=1", NULL };
	const char *bad[] = { "aggr=median", NULL };
	struct mmash_reply r;

	(void)state;
	r = get("/stats/flip.", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body,
		"{\n  \"flip.double_even\": [2.5],\n"
		"  \"flip.double_odd\": [-0.5],\n"
		"  \"flip.even\": [20],\n  \"flip.never\": [0],\n"
		"  \"flip.odd\": [30]\n}\n");
	mmash_reply_free(&r);
	r = get("/stats/flip.", sum);
	assert_non_null(strstr(r.body, "\"flip.odd\": 30\n"));
	mmash_reply_free(&r);
	r = get("/stats/flip.even", exact);
	assert_string_equal(r.body, "{\n  \"flip.even\": [20]\n}\n");
	mmash_reply_free(&r);
	/* Without exact, a prefix: flip.even matches nothing else here. */
	r = get("/stats/flip.double", NULL);
	assert_non_null(strstr(r.body, "double_odd"));
	mmash_reply_free(&r);
	r = get("/stats/nothing.here", NULL);
	assert_string_equal(r.body, "{}\n");
	mmash_reply_free(&r);
	r = get("/stats/flip.", bad);
	assert_int_equal(r.status, 400);
	mmash_reply_free(&r);
}

static void test_aggr_error_is_400(void **state)
{
	const char *sum[] = { "aggr=sum", NULL };
	struct mmash_reply r;

	(void)state;
	/* A sum over a string field cannot be made. */
	r = get("/stats/web.stats.string", sum);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.type, "text/plain; charset=utf-8");
	mmash_reply_free(&r);
}

static void test_client_globs(void **state)
{
	const char *flip[] = { "glob=buffered_*", NULL };
	const char *up[] = { "glob=../*", NULL };
	const char *abs[] = { "glob=/etc/*", NULL };
	struct mmash_reply r;

	(void)state;
	r = get("/stats/", flip);
	assert_int_equal(r.status, 200);
	assert_null(strstr(r.body, "web.stats"));
	assert_non_null(strstr(r.body, "flip.even"));
	mmash_reply_free(&r);
	r = get("/stats/", up);
	assert_int_equal(r.status, 400);
	mmash_reply_free(&r);
	r = get("/stats/x", abs);
	assert_int_equal(r.status, 400);
	mmash_reply_free(&r);
	r = get("/files/all_*", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "all_types.mmstats\""));
	assert_null(strstr(r.body, "many_fields"));
	mmash_reply_free(&r);
	r = get("/files/..", NULL);
	assert_int_equal(r.status, 400);
	mmash_reply_free(&r);
}

static void test_pages_and_404(void **state)
{
	struct mmash_reply r;

	(void)state;
	r = get("/", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/html; charset=utf-8");
	assert_non_null(strstr(r.body,
		"<a href=\"/stats/web.stats.counter?exact=1\">"));
	mmash_reply_free(&r);
	r = get("/graph/", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "getContext('2d')"));
	assert_null(strstr(r.body, "src=\"http"));	/* self-contained */
	mmash_reply_free(&r);
	r = get("/nope", NULL);
	assert_int_equal(r.status, 404);
	mmash_reply_free(&r);
}

static void test_metrics(void **state)
{
	struct mmash_reply r = get("/metrics", NULL);

	(void)state;
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(r.body,
		"# TYPE web_stats_counter_total counter\n"
		"web_stats_counter_total{pid=\"16990\",tid=\"16990\",file=\""));
	assert_non_null(strstr(r.body, "# TYPE web_stats_double gauge\n"));
	assert_non_null(strstr(r.body, "web_stats_bool{"));
	assert_non_null(strstr(r.body,
		"# TYPE web_stats_string_info gauge\n"));
	assert_non_null(strstr(r.body,
		",value=\"h\xc3\xa9llo w\xc3\xb6rld 1 \xe2\x80\x94 ok\"} 1\n"));
	/* A file without sys.pid has only the file label. */
	assert_non_null(strstr(r.body, "flip_even{file=\""));
	mmash_reply_free(&r);
}

static void read_vector(const char *name, struct mmstats_snapshot *snap)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", dir_buf, name);
	memset(snap, 0, sizeof(*snap));
	assert_int_equal(mmstats_read_at(AT_FDCWD, path, snap), 0);
}

static void test_filters(void **state)
{
	struct mmstats_snapshot all, flip;
	struct filter f = FILTER_INIT;

	(void)state;
	read_vector("all_types.mmstats", &all);
	read_vector("buffered_flip_states.mmstats", &flip);
	assert_false(filter_match(&f, &all));	/* nothing asked for */
	assert_int_equal(filter_add(&f, "flip."), 0);
	assert_true(filter_match(&f, &flip));
	assert_false(filter_match(&f, &all));
	filter_free(&f);
	/* KEY=VALUE compares the printed value, on the exact label. */
	assert_int_equal(filter_add(&f, "web.stats.bool=True"), 0);
	assert_true(filter_match(&f, &all));
	assert_false(filter_match(&f, &flip));
	filter_free(&f);
	assert_int_equal(filter_add(&f, "web.stats.bool=False"), 0);
	assert_false(filter_match(&f, &all));
	filter_free(&f);
	assert_int_equal(filter_add(&f, "web.stats.string=h\xc3\xa9llo w\xc3\xb6rld 1 \xe2\x80\x94 ok"), 0);
	assert_true(filter_match(&f, &all));
	filter_free(&f);
	assert_int_equal(filter_add(&f, "web.stats=True"), 0);
	assert_false(filter_match(&f, &all));	/* not a prefix match */
	filter_free(&f);
	assert_int_equal(filter_add(&f, ""), -EINVAL);
	assert_int_equal(filter_add(&f, "=x"), -EINVAL);
	filter_free(&f);
	mmstats_snapshot_free(&all);
	mmstats_snapshot_free(&flip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_list),
		cmocka_unit_test(test_stats_prefix_and_aggr),
		cmocka_unit_test(test_aggr_error_is_400),
		cmocka_unit_test(test_client_globs),
		cmocka_unit_test(test_pages_and_404),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_filters),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
