/*
 * test_tools_mmash.c - mmash's routes and pollstats' filters, on the
 * reference vector files (real files written by the Python reference),
 * and which files mmash shows: built byte by byte in a scratch
 * directory, written by this process (alive), by a pid no process can
 * hold, by this pid before it was reused (stale), and by nobody known.
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
#include <sys/stat.h>
#include <unistd.h>

#include "../../tools/aggr.h"
#include "../../tools/filter.h"
#include "../../tools/mmash_routes.h"
#include "reader_build.h"
#include "testdir.h"

static char glob_buf[512];
static char dir_buf[512];
static struct mmash_conf conf;

/* The scratch directory of the liveness tests, and mmash serving it. */
static char live_glob[sizeof(testdir_group) + 16];
static struct mmash_conf live_conf, ref_conf;

/* Above the largest pid_max (2^22): no process can hold it. */
#define DEAD_PID	(1u << 30)

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
	/* The vectors' writer, pid 16990, may run here or not: every file,
	 * so that the answers do not depend on it. */
	conf.all = true;
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

static struct mmash_reply get_from(const struct mmash_conf *c,
				   const char *path, const char *const *query)
{
	struct mmash_request req = { path, test_arg, (void *)query };
	struct mmash_reply rep;

	mmash_route(c, &req, &rep);
	assert_non_null(rep.body);
	assert_int_equal(strlen(rep.body), rep.len);
	return rep;
}

static struct mmash_reply get(const char *path, const char *const *query)
{
	return get_from(&conf, path, query);
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

/* The text of a 400 answer, which must say what was wrong. */
static void assert_400(struct mmash_reply *r, const char *says)
{
	assert_int_equal(r->status, 400);
	assert_string_equal(r->type, "text/plain; charset=utf-8");
	if (!strstr(r->body, says))
		fail_msg("%s: no \"%s\"", r->body, says);
	/* one line */
	assert_ptr_equal(strchr(r->body, '\n'), r->body + r->len - 1);
	mmash_reply_free(r);
}

/* Every name the message lists is an aggregator, and none is missing. */
static void assert_lists_aggregators(const char *body)
{
	const char *p = strstr(body, "(valid: ");
	char name[32];
	size_t n = 0, len;
	enum aggr a;

	assert_non_null(p);
	for (p += 8; *p && *p != ')'; p += len + (p[len] == ',' ? 2 : 0)) {
		len = strcspn(p, ",)");
		assert_true(len > 0 && len < sizeof(name));
		memcpy(name, p, len);
		name[len] = '\0';
		assert_int_equal(aggr_parse(name, &a), 0);
		n++;
	}
	assert_int_equal(n, AGGR_NONZERO_MIN);	/* every one but NONE */
}

static void test_errors_say_what(void **state)
{
	const char *bogus[] = { "aggr=bogus", NULL };
	const char *ctl[] = { "aggr=a\nb", NULL };
	const char *sum[] = { "aggr=sum", NULL };
	const char *up[] = { "glob=../*", NULL };
	const char *both[] = { "glob=../*", "aggr=bogus", NULL };
	struct mmash_reply r;

	(void)state;
	r = get("/stats/flip.", bogus);
	assert_lists_aggregators(r.body);
	assert_400(&r, "400 Bad Request: unknown aggregation 'bogus' "
		       "(valid: ");
	/* A client's bytes cannot break the line. */
	r = get("/stats/flip.", ctl);
	assert_400(&r, "unknown aggregation 'a\\x0ab'");
	r = get("/stats/", up);
	assert_400(&r, "invalid glob '../*': ");
	r = get("/files/..", NULL);
	assert_400(&r, "invalid glob '..': ");
	/* The glob is looked at first: it is what the message names. */
	r = get("/stats/flip.", both);
	assert_400(&r, "invalid glob '../*'");
	r = get("/stats/web.stats.string", sum);
	assert_400(&r, "aggregation 'sum' cannot combine the values of "
		       "'web.stats.string'");
}

static pid_t self;
static uint64_t self_start;

/* A file with t.n = n and, when pid > 0, sys.pid (and sys.starttime). */
static void put(const char *name, uint64_t n, uint64_t pid,
		const uint64_t *starttime)
{
	struct fbuild *f = malloc(sizeof(*f));

	assert_non_null(f);
	fb_init(f);
	fb_u64(f, "t.n", n);
	fb_field(f, "t.s", "8s", 0xff, "text\0\0\0\0", 8);
	if (pid)
		fb_u64(f, "sys.pid", pid);
	if (starttime)
		fb_u64(f, "sys.starttime", *starttime);
	fb_pad(f);
	assert_int_equal(fb_write(f, tmp_path(name)), 0);
	free(f);
}

/* The vector `name` into `dst`, its sys.pid (a uint32) set to `pid`. */
static void copy_vector(const char *name, const char *dst, uint32_t pid)
{
	static const char pid_field[] = "web.stats.sys.pid\x01\x00I\xff";
	struct fbuild *f = malloc(sizeof(*f));
	unsigned char *at;
	char path[600];
	ssize_t n;
	int fd;

	assert_non_null(f);
	snprintf(path, sizeof(path), "%s/%s", dir_buf, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, f->buf, sizeof(f->buf));
	close(fd);
	assert_true(n > 0);
	f->len = (size_t)n;
	at = memmem(f->buf, f->len, pid_field, sizeof(pid_field) - 1);
	if (pid) {
		assert_non_null(at);
		memcpy(at + sizeof(pid_field) - 1, &pid, sizeof(pid));
	}
	assert_int_equal(fb_write(f, dst), 0);
	free(f);
}

/* ref/: the reference's files, both shown on /metrics. */
static void ref_setup(void)
{
	static char dir[sizeof(testdir_group) + 8], glob[sizeof(dir) + 16];
	char path[sizeof(dir) + 32];

	snprintf(dir, sizeof(dir), "%s/ref", testdir_group);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/all_types.mmstats", dir);
	copy_vector("all_types.mmstats", path, (uint32_t)self);
	snprintf(path, sizeof(path), "%s/flip.mmstats", dir);
	copy_vector("buffered_flip_states.mmstats", path, 0);
	snprintf(glob, sizeof(glob), "%s/*.mmstats", dir);
	ref_conf.glob = glob;
	ref_conf.dir = dir;
}

/*
 * alive: this process (with its start time); dead: a pid no process
 * holds; reused: this pid, started a tick later than this process (the
 * pid was reused); nopid: no sys.pid, liveness unknown.
 */
static int live_setup(void **state)
{
	uint64_t later;

	if (testdir_group_setup(state) < 0)
		return -1;
	self = getpid();
	if (mmstats_pid_starttime(self, &self_start) < 0)
		return -1;
	later = self_start + 1;
	put("alive.mmstats", 5, (uint64_t)self, &self_start);
	put("dead.mmstats", 7, DEAD_PID, NULL);
	put("nopid.mmstats", 11, 0, NULL);
	put("reused.mmstats", 13, (uint64_t)self, &later);
	snprintf(live_glob, sizeof(live_glob), "%s/*.mmstats", testdir_group);
	live_conf.glob = live_glob;
	live_conf.dir = testdir_group;
	live_conf.all = false;
	ref_setup();
	return 0;
}

/* The answer of `path` with `query`, served with --all or not. */
static struct mmash_reply live_get(bool all, const char *path,
				   const char *const *query)
{
	struct mmash_reply r;

	live_conf.all = all;
	r = get_from(&live_conf, path, query);
	live_conf.all = false;
	assert_int_equal(r.status, 200);
	return r;
}

static void assert_body(bool all, const char *path, const char *const *query,
			const char *want)
{
	struct mmash_reply r = live_get(all, path, query);

	assert_string_equal(r.body, want);
	mmash_reply_free(&r);
}

static void test_stale_left_out(void **state)
{
	const char *sum[] = { "aggr=sum", NULL };
	const char *empty[] = { "all=", NULL };
	const char *zero[] = { "all=0", "aggr=sum", NULL };
	const char *glob[] = { "glob=*.mmstats", NULL };
	char want[1024];
	struct mmash_reply r;

	(void)state;
	assert_body(false, "/stats/t.n", NULL, "{\n  \"t.n\": [5, 11]\n}\n");
	assert_body(false, "/stats/t.n", sum, "{\n  \"t.n\": 16\n}\n");
	snprintf(want, sizeof(want),
		 "{\n  \"sys.pid\": [%d],\n  \"sys.starttime\": [%llu],\n"
		 "  \"t.n\": [5, 11],\n  \"t.s\": [\"text\", \"text\"]\n}\n",
		 (int)self, (unsigned long long)self_start);
	assert_body(false, "/values/", NULL, want);
	assert_body(false, "/stats/", NULL,
		    "{\n  \"stats\": [\n    \"sys.pid\",\n"
		    "    \"sys.starttime\",\n    \"t.n\",\n    \"t.s\"\n"
		    "  ]\n}\n");
	snprintf(want, sizeof(want),
		 "{\n  \"files\": [\n    \"%s/alive.mmstats\",\n"
		 "    \"%s/nopid.mmstats\"\n  ]\n}\n",
		 testdir_group, testdir_group);
	assert_body(false, "/files/", NULL, want);
	assert_body(false, "/files/*.mmstats", NULL, want);
	/* An empty all= is no: as with exact=, only a value asks. */
	assert_body(false, "/stats/t.n", empty, "{\n  \"t.n\": [5, 11]\n}\n");
	/* all=0 leaves them out on a server started with --all. */
	assert_body(true, "/stats/t.n", zero, "{\n  \"t.n\": 16\n}\n");
	r = live_get(false, "/", NULL);
	assert_non_null(strstr(r.body, ">2 files of writers that are gone "
				       "left out (<a href=\"?all=1\">"));
	mmash_reply_free(&r);
	/* "show all" shows all of the files asked for, not of another glob. */
	r = live_get(false, "/", glob);
	assert_non_null(strstr(r.body, "left out (<a href=\"?glob=%2A.mmstats"
				       "&amp;all=1\">show all</a>)"));
	mmash_reply_free(&r);
}

static void test_all_shows_stale(void **state)
{
	const char *all[] = { "all=1", NULL };
	const char *all_sum[] = { "all=yes", "aggr=sum", NULL };
	const char *sum[] = { "aggr=sum", NULL };
	const char *all_glob[] = { "all=1", "glob=*.mmstats", NULL };
	const char *odd_glob[] = { "glob=*\"&<'.mmstats", NULL };
	const char *every = "{\n  \"t.n\": [5, 7, 11, 13]\n}\n";
	char want[1024];
	struct mmash_reply r;

	(void)state;
	assert_body(false, "/stats/t.n", all, every);
	assert_body(true, "/stats/t.n", NULL, every);
	assert_body(false, "/stats/t.n", all_sum, "{\n  \"t.n\": 36\n}\n");
	assert_body(true, "/stats/t.n", sum, "{\n  \"t.n\": 36\n}\n");
	assert_body(false, "/stats/t.n", all_glob, every);
	snprintf(want, sizeof(want),
		 "{\n  \"files\": [\n    \"%s/alive.mmstats\",\n"
		 "    \"%s/dead.mmstats\",\n    \"%s/nopid.mmstats\",\n"
		 "    \"%s/reused.mmstats\"\n  ]\n}\n", testdir_group,
		 testdir_group, testdir_group, testdir_group);
	assert_body(true, "/files/", NULL, want);
	r = live_get(true, "/", NULL);
	assert_null(strstr(r.body, "left out"));
	assert_non_null(strstr(r.body, "that are gone are shown"));
	mmash_reply_free(&r);
	/* The glob goes with the link, URL-escaped, then HTML-escaped. */
	r = live_get(true, "/", odd_glob);
	assert_non_null(strstr(r.body, "are shown (<a href=\"?glob="
				       "%2A%22%26%3C%27.mmstats&amp;all=0\">"
				       "only live ones</a>)"));
	mmash_reply_free(&r);
}

/* This process's name, as /proc gives it: the program of its files. */
static const char *comm(void)
{
	static char name[64];
	FILE *f = fopen("/proc/self/comm", "r");

	assert_non_null(f);
	assert_non_null(fgets(name, sizeof(name), f));
	fclose(f);
	name[strcspn(name, "\n")] = '\0';
	return name;
}

/*
 * The reference's files on /metrics: the vector all_types.mmstats, its
 * sys.pid made this process's (its own writer, 16990, may run here or
 * not, and /metrics shows no stale file), and a file without sys.pid.
 */
static void test_metrics(void **state)
{
	struct mmash_reply r;
	char want[256];

	(void)state;
	r = get_from(&ref_conf, "/metrics", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/plain; version=0.0.4; charset=utf-8");
	/* No notes: format 1 does not tell a counter, nothing is guessed. */
	snprintf(want, sizeof(want), "# TYPE web_stats_counter untyped\n"
		 "web_stats_counter{pid=\"%d\",program=\"%s\","
		 "tid=\"16990\"} ", (int)self, comm());
	assert_non_null(strstr(r.body, want));
	assert_non_null(strstr(r.body, "# TYPE web_stats_double untyped\n"));
	assert_non_null(strstr(r.body, "web_stats_bool{"));
	assert_non_null(strstr(r.body,
		"# TYPE web_stats_string_info gauge\n"));
	assert_non_null(strstr(r.body,
		",value=\"h\xc3\xa9llo w\xc3\xb6rld 1 \xe2\x80\x94 ok\"} 1\n"));
	/* A file without sys.pid has no labels; no sys.* series. */
	assert_non_null(strstr(r.body, "\nflip_even "));
	assert_null(strstr(r.body, "sys_"));
	assert_null(strstr(r.body, "file="));
	mmash_reply_free(&r);
}

/* A dead writer's series never reaches Prometheus, however asked. */
static void test_metrics_never_stale(void **state)
{
	const char *all[] = { "all=1", NULL };
	const char *const *queries[] = { NULL, all };
	char alive[512], nopid[512];
	struct mmash_reply r;
	int server, q;

	(void)state;
	snprintf(alive, sizeof(alive), "\nt_n{pid=\"%d\",program=\"%s\"} 5\n",
		 (int)self, comm());
	snprintf(nopid, sizeof(nopid), "\nt_n 11\n");
	for (server = 0; server < 2; server++) {
		for (q = 0; q < 2; q++) {
			r = live_get(server, "/metrics", queries[q]);
			assert_non_null(strstr(r.body, alive));
			assert_non_null(strstr(r.body, nopid));
			assert_null(strstr(r.body, "dead.mmstats"));
			assert_null(strstr(r.body, "reused.mmstats"));
			assert_null(strstr(r.body, "1073741824"));
			mmash_reply_free(&r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_list),
		cmocka_unit_test(test_stats_prefix_and_aggr),
		cmocka_unit_test(test_aggr_error_is_400),
		cmocka_unit_test(test_client_globs),
		cmocka_unit_test(test_pages_and_404),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_errors_say_what),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_stale_left_out),
		cmocka_unit_test(test_all_shows_stale),
		cmocka_unit_test(test_metrics_never_stale),
		cmocka_unit_test(test_metrics),
	};
	int failed;

	failed = cmocka_run_group_tests(tests, setup, NULL);
	testdir_group_name = "test_tools_mmash";
	return failed + cmocka_run_group_tests(live, live_setup,
					       testdir_group_teardown);
}
