/*
 * test_tools_prom.c - /metrics text from snapshots built by hand (the
 * notes a reader would find filled in) and from a file of the reference
 * built byte by byte: types, names with _total and units, histograms,
 * the process in labels, start time, collisions, OpenMetrics, Accept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/prom.h"
#include "reader_build.h"

#define MAXST 80

/* A snapshot made of stats, as mmstats_parse() would fill them. */
struct hand {
	struct mmstats_stat st[MAXST];
	struct mmstats_snapshot snap;
};

static struct mmstats_stat *add(struct hand *h, const char *label,
				enum mmstats_metric m, const char *unit,
				const char *help)
{
	struct mmstats_stat *s = &h->st[h->snap.nstats++];

	assert_true(h->snap.nstats <= MAXST);
	memset(s, 0, sizeof(*s));
	s->label = label;
	strcpy(s->type, "Q");
	s->buffered = true;
	s->notes.metric = m;
	s->notes.unit = unit ? unit : "";
	s->notes.help = help ? help : "";
	h->snap.stats = h->st;
	return s;
}

static void add_u(struct hand *h, const char *label, enum mmstats_metric m,
		  const char *unit, const char *help, uint64_t v)
{
	struct mmstats_stat *s = add(h, label, m, unit, help);

	s->value.kind = MMSTATS_KIND_UINT;
	s->value.v.u = v;
}

static void add_d(struct hand *h, const char *label, enum mmstats_metric m,
		  const char *unit, const char *help, double v)
{
	struct mmstats_stat *s = add(h, label, m, unit, help);

	strcpy(s->type, "d");
	s->value.kind = MMSTATS_KIND_FLOAT;
	s->value.v.d = v;
}

static void add_s(struct hand *h, const char *label, enum mmstats_metric m,
		  const char *text)
{
	struct mmstats_stat *s = add(h, label, m, NULL, NULL);

	strcpy(s->type, "64s");
	s->value.kind = MMSTATS_KIND_STRING;
	s->value.v.str.ptr = text;
	s->value.v.str.len = strlen(text);
}

static void add_bucket(struct hand *h, const char *label, size_t name_len,
		       double bound, uint64_t count)
{
	add_u(h, label, MMSTATS_METRIC_HISTOGRAM_BUCKET, NULL, NULL, count);
	h->st[h->snap.nstats - 1].notes.bound = bound;
	h->st[h->snap.nstats - 1].notes.name_len = (uint16_t)name_len;
}

/* The default fields of a writer: no notes, as the library writes them. */
static void add_sys(struct hand *h, const char *prefix, uint64_t pid,
		    uint64_t tid, const char *program)
{
	static char labels[4][4][64];
	static int round;
	char (*l)[64] = labels[round++ % 4];

	snprintf(l[0], 64, "%ssys.pid", prefix);
	snprintf(l[1], 64, "%ssys.tid", prefix);
	snprintf(l[2], 64, "%ssys.starttime", prefix);
	snprintf(l[3], 64, "%ssys.program", prefix);
	add_u(h, l[0], MMSTATS_METRIC_UNKNOWN, NULL, NULL, pid);
	add_u(h, l[1], MMSTATS_METRIC_UNKNOWN, NULL, NULL, tid);
	add_u(h, l[2], MMSTATS_METRIC_UNKNOWN, NULL, NULL, 1000);
	if (program)
		add_s(h, l[3], MMSTATS_METRIC_UNKNOWN, program);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static char *render1(struct hand *h, const char *path, bool om)
{
	struct prom *p = prom_new();
	char *out;

	assert_non_null(p);
	prom_add_file(p, path, &h->snap);
	out = om ? prom_render_openmetrics(p, NULL) : prom_render(p, NULL);
	assert_non_null(out);
	prom_free(p);
	return out;
}

/* A pid no process has: the writer of a file of tests is long gone. */
#define PID	"2147480000"
#define LBL	"{pid=\"" PID "\",program=\"web\",tid=\"7\"}"

static void web_file(struct hand *h)
{
	memset(h, 0, sizeof(*h));
	add_u(h, "web.status.2XX", MMSTATS_METRIC_COUNTER, NULL, NULL, 12);
	add_u(h, "web.requests_total", MMSTATS_METRIC_COUNTER, NULL,
	      "Requests \"served\"\\n", 40);
	add_u(h, "web.sent_bytes", MMSTATS_METRIC_COUNTER, "bytes", NULL, 99);
	add_d(h, "web.latency", MMSTATS_METRIC_GAUGE, "seconds", NULL, 0.5);
	add_u(h, "web.raw", MMSTATS_METRIC_UNKNOWN, NULL, NULL, 3);
	add_s(h, "web.role", MMSTATS_METRIC_INFO, "pri\"mary");
	add_sys(h, "web.", 2147480000, 7, "web");
}

static void test_types_and_names(void **state)
{
	struct hand h;
	char *out;

	(void)state;
	web_file(&h);
	out = render1(&h, "/tmp/x.mmstats", false);
	assert_non_null(strstr(out, "# TYPE web_status_2XX_total counter\n"
				    "web_status_2XX_total" LBL " 12\n"));
	/* _total is not doubled; help from the notes, escaped */
	assert_non_null(strstr(out, "# HELP web_requests_total Requests "
				    "\"served\"\\\\n\n"
				    "# TYPE web_requests_total counter\n"
				    "web_requests_total" LBL " 40\n"));
	/* the unit is not doubled either */
	assert_non_null(strstr(out, "web_sent_bytes_total" LBL " 99\n"));
	assert_non_null(strstr(out, "# TYPE web_latency_seconds gauge\n"
				    "web_latency_seconds" LBL " 0.5\n"));
	/* no notes: nothing says what it is */
	assert_non_null(strstr(out, "# HELP web_raw mmstats field web.raw\n"
				    "# TYPE web_raw untyped\n"));
	assert_non_null(strstr(out, "# TYPE web_role_info gauge\n"
		"web_role_info{pid=\"" PID "\",program=\"web\",tid=\"7\","
		"value=\"pri\\\"mary\"} 1\n"));
	/* the writer is in the labels, not in gauges of its own */
	assert_null(strstr(out, "sys_"));
	assert_null(strstr(out, "file="));
	assert_int_equal(count(out, "process_start_time_seconds{"), 1);
	assert_non_null(strstr(out, "# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds{pid=\"" PID "\",program=\"web\"} "));
	assert_null(strstr(out, "# EOF"));
	free(out);
}

static void test_openmetrics(void **state)
{
	struct hand h;
	char *out;
	size_t n;

	(void)state;
	web_file(&h);
	out = render1(&h, "/tmp/x.mmstats", true);
	/* families are named without _total; units on # UNIT lines */
	assert_non_null(strstr(out, "# TYPE web_sent_bytes counter\n"
				    "# UNIT web_sent_bytes bytes\n"
				    "# HELP web_sent_bytes mmstats field "
				    "web.sent_bytes\n"
				    "web_sent_bytes_total" LBL " 99\n"));
	assert_non_null(strstr(out, "# TYPE web_requests counter\n"
				    "# HELP web_requests Requests "
				    "\\\"served\\\"\\\\n\n"));
	assert_non_null(strstr(out, "# TYPE web_latency_seconds gauge\n"
				    "# UNIT web_latency_seconds seconds\n"));
	assert_non_null(strstr(out, "# TYPE web_raw unknown\n"));
	assert_non_null(strstr(out, "# TYPE web_role info\n"));
	assert_non_null(strstr(out, "\nweb_role_info{"));
	assert_non_null(strstr(out, "# TYPE process_start_time_seconds gauge\n"
				    "# UNIT process_start_time_seconds "
				    "seconds\n"));
	n = strlen(out);
	assert_true(n > 6);
	assert_string_equal(out + n - 6, "# EOF\n");
	assert_int_equal(count(out, "# EOF"), 1);
	free(out);
}

static void test_start_time(void **state)
{
	struct hand h;
	unsigned long long bt = 0;
	char line[256], want[128], *out;
	FILE *f = fopen("/proc/stat", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "btime %llu", &bt);
	fclose(f);
	assert_true(bt > 0);
	web_file(&h);		/* sys.starttime 1000 ticks after boot */
	out = render1(&h, "/tmp/x.mmstats", false);
	snprintf(want, sizeof(want), "program=\"web\"} %.1f\n",
		 (double)bt + 1000.0 / (double)sysconf(_SC_CLK_TCK));
	assert_non_null(strstr(out, want));
	free(out);
}

static void test_histogram(void **state)
{
	struct hand h = { 0 };
	char *out;

	(void)state;
	add_d(&h, "lat.sum", MMSTATS_METRIC_HISTOGRAM_SUM, "seconds",
	      "Time to answer", 2.75);
	h.st[0].notes.name_len = 3;
	add_bucket(&h, "lat.le.0.25", 3, 0.25, 2);
	add_bucket(&h, "lat.le.1.0", 3, 1.0, 3);
	add_bucket(&h, "lat.le.inf", 3, INFINITY, 1);
	add_sys(&h, "", 2147480000, 7, "web");
	out = render1(&h, "/tmp/x.mmstats", false);
	/* buckets made cumulative, then count and sum */
	assert_non_null(strstr(out,
		"# HELP lat_seconds Time to answer\n"
		"# TYPE lat_seconds histogram\n"
		"lat_seconds_bucket{pid=\"" PID "\",program=\"web\",tid=\"7\","
		"le=\"0.25\"} 2\n"
		"lat_seconds_bucket{pid=\"" PID "\",program=\"web\",tid=\"7\","
		"le=\"1.0\"} 5\n"
		"lat_seconds_bucket{pid=\"" PID "\",program=\"web\",tid=\"7\","
		"le=\"+Inf\"} 6\n"
		"lat_seconds_count" LBL " 6\n"
		"lat_seconds_sum" LBL " 2.75\n"));
	assert_null(strstr(out, "lat_le"));
	free(out);
	out = render1(&h, "/tmp/x.mmstats", true);
	assert_non_null(strstr(out, "# TYPE lat_seconds histogram\n"
				    "# UNIT lat_seconds seconds\n"));
	free(out);
}

/* Two thread files of one process: a series each, one start time. */
static void test_threads(void **state)
{
	struct hand a, b;
	struct prom *p = prom_new();
	char *out;

	(void)state;
	web_file(&a);
	web_file(&b);
	b.st[b.snap.nstats - 3].value.v.u = 8;	/* sys.tid */
	prom_add_file(p, "a", &a.snap);
	prom_add_file(p, "b", &b.snap);
	out = prom_render(p, NULL);
	assert_non_null(out);
	assert_int_equal(count(out, "web_status_2XX_total{"), 2);
	assert_non_null(strstr(out, "tid=\"8\"} 12\n"));
	assert_int_equal(count(out, "process_start_time_seconds{"), 1);
	free(out);
	prom_free(p);
}

static void test_collisions(void **state)
{
	struct hand h = { 0 };
	char *out;

	(void)state;
	/* x.count is a counter named x_count_total; so would be this gauge */
	add_u(&h, "x.count", MMSTATS_METRIC_COUNTER, NULL, NULL, 1);
	add_d(&h, "x.count_total", MMSTATS_METRIC_GAUGE, NULL, NULL, 2.5);
	/* a gauge x_count would share the OpenMetrics family name */
	add_d(&h, "x_count", MMSTATS_METRIC_GAUGE, NULL, NULL, 3.5);
	/* the same name twice in one file: one series */
	add_d(&h, "y.v", MMSTATS_METRIC_GAUGE, NULL, NULL, 4);
	add_d(&h, "y_v", MMSTATS_METRIC_GAUGE, NULL, NULL, 5);
	/* a gauge named like a histogram's _sum */
	add_d(&h, "h.sum", MMSTATS_METRIC_HISTOGRAM_SUM, NULL, NULL, 1);
	h.st[h.snap.nstats - 1].notes.name_len = 1;
	add_bucket(&h, "h.le.inf", 1, INFINITY, 1);
	add_d(&h, "h_sum", MMSTATS_METRIC_GAUGE, NULL, NULL, 6);
	out = render1(&h, "f", false);
	assert_int_equal(count(out, "# TYPE"), 3);
	assert_non_null(strstr(out, "# TYPE x_count_total counter\n"
				    "x_count_total 1\n"));
	assert_null(strstr(out, "2.5"));
	assert_null(strstr(out, "3.5"));
	assert_non_null(strstr(out, "y_v 4.0\n"));
	assert_null(strstr(out, "y_v 5.0"));
	assert_non_null(strstr(out, "h_sum 1.0\n"));
	assert_null(strstr(out, " 6.0\n"));
	free(out);
}

/* A file of the reference: no notes, the program from its name. */
static void test_reference_file(void **state)
{
	struct mmstats_snapshot snap;
	struct fbuild *f = malloc(sizeof(*f));
	uint64_t slots[2] = { 0, 10 };
	char *out;
	struct prom *p = prom_new();

	(void)state;
	assert_non_null(f);
	fb_init(f);
	fb_field(f, "app.requests.count", "Q", 0, slots, sizeof(slots));
	fb_double(f, "app.load", INFINITY);
	fb_double(f, "app.ratio", NAN);
	fb_u32(f, "app.sys.pid", 2147480000);
	fb_u64(f, "app.sys.tid", 2147480001);
	fb_double(f, "app.sys.created", 1.5);
	f->len = (f->len + 4095) / 4096 * 4096;
	memset(&snap, 0, sizeof(snap));
	assert_int_equal(mmstats_parse(f->buf, f->len, &snap), 0);
	prom_add_file(p, "/tmp/my-app-2147480000-2147480001.mmstats", &snap);
	out = prom_render(p, NULL);
	assert_non_null(out);
	/* counted or not, format 1 cannot tell: no guess */
	assert_non_null(strstr(out, "# TYPE app_requests_count untyped\n"
		"app_requests_count{pid=\"2147480000\",program=\"my-app\","
		"tid=\"2147480001\"} 10\n"));
	assert_non_null(strstr(out, "app_load{pid=\"2147480000\","
				    "program=\"my-app\",tid=\"2147480001\"} "
				    "+Inf\n"));
	assert_non_null(strstr(out, "} NaN\n"));
	assert_null(strstr(out, "sys_"));
	/* a dead writer without sys.starttime: no start time to give */
	assert_null(strstr(out, "process_start_time_seconds"));
	free(out);
	prom_free(p);
	mmstats_snapshot_free(&snap);
	free(f);
}

static void test_accept(void **state)
{
	(void)state;
	assert_false(prom_accepts_openmetrics(NULL));
	assert_false(prom_accepts_openmetrics(""));
	assert_false(prom_accepts_openmetrics("text/plain;version=0.0.4"));
	assert_false(prom_accepts_openmetrics("*/*"));
	/* what Prometheus 2.42 sends */
	assert_true(prom_accepts_openmetrics(
		"application/openmetrics-text;version=1.0.0,"
		"application/openmetrics-text;version=0.0.1;q=0.75,"
		"text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	assert_true(prom_accepts_openmetrics("application/openmetrics-text"));
	assert_true(prom_accepts_openmetrics(
		"text/plain, Application/OpenMetrics-Text; version=1.0.0"));
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-text;q=0"));
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-text;version=0.0.1"));
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-textx"));
	/* weights count: text/plain is preferred here */
	assert_false(prom_accepts_openmetrics(
		"text/plain;version=0.0.4;q=1,"
		"application/openmetrics-text;version=1.0.0;q=0.1"));
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-text;q=0.5, */*"));
	assert_true(prom_accepts_openmetrics(
		"application/openmetrics-text;q=0.5, */*;q=0.4"));
	/* the more specific text/plain;q=0 beats any type, for the text */
	assert_true(prom_accepts_openmetrics(
		"application/openmetrics-text;q=0.2, text/plain;q=0, */*"));
	/* spaces and a quoted version */
	assert_true(prom_accepts_openmetrics(
		"application/openmetrics-text ; version = 1.0.0 ; q=0.9 ,"
		"text/plain;q=0.8"));
	assert_true(prom_accepts_openmetrics(
		"application/openmetrics-text;version=\"1.0.0\""));
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-text;version=\"0.0.1\";q=1"));
	/* a version refused is refused whatever follows it */
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-text;version=2.0.0;q=1"));
	assert_false(prom_accepts_openmetrics(
		"application/openmetrics-text;q=x"));
}

/* mmstatsfs' per-program sums: the program is the only label. */
static void test_program(void **state)
{
	struct hand h;
	struct prom *p = prom_new();
	char *out;

	(void)state;
	web_file(&h);
	prom_add_program(p, "we\"b", &h.snap);
	out = prom_render(p, NULL);
	assert_non_null(out);
	assert_non_null(strstr(out, "# TYPE web_status_2XX_total counter\n"
				    "web_status_2XX_total{program=\"we\\\"b\"} "
				    "12\n"));
	assert_non_null(strstr(out, "web_role_info{program=\"we\\\"b\","
				    "value=\"pri\\\"mary\"} 1\n"));
	assert_null(strstr(out, "pid="));
	assert_null(strstr(out, "tid="));
	assert_null(strstr(out, "file="));
	assert_null(strstr(out, "sys_"));
	assert_null(strstr(out, "process_start_time_seconds"));
	free(out);
	prom_free(p);
	p = prom_new();
	prom_add_program(p, NULL, &h.snap);
	out = prom_render(p, NULL);
	assert_non_null(strstr(out, "\nweb_status_2XX_total 12\n"));
	free(out);
	prom_free(p);
}

/* ---- the exposition grammar, line by line ---- */

static bool is_name(const char *s, size_t n, bool colon)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      (colon && s[i] == ':')))
			return false;
	return true;
}

/* {a="..",b=".."}: returns the length, or 0 when it is not that. */
static size_t labels_len(const char *s)
{
	const char *p = s + 1, *q;

	if (*s != '{')
		return 0;
	while (*p != '}') {
		q = strchr(p, '=');
		if (!q || !is_name(p, (size_t)(q - p), false) || q[1] != '"')
			return 0;
		for (p = q + 2; *p != '"'; p++) {
			if (*p == '\0' || *p == '\n')
				return 0;
			if (*p == '\\' && !strchr("\\\"n", *++p))
				return 0;
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return 0;
	}
	return (size_t)(p - s) + 1;
}

static bool is_value(const char *s)
{
	char *end;

	if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
		return true;
	strtod(s, &end);
	return end != s && *end == '\0' && !strchr(s, 'n') && !strchr(s, 'N');
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Every line of `out` is a valid line of its format; in OpenMetrics a
 * unit is its family name's suffix and samples belong to the family
 * above them; no two samples have the same name and labels.
 */
static void check_exposition(const char *out, bool om)
{
	char *text = strdup(out), *line, *save = NULL, *sp, **seen;
	char family[512] = "", type[32] = "";
	size_t nseen = 0, n, i;

	assert_non_null(text);
	seen = calloc(strlen(out) + 1, sizeof(*seen));
	assert_non_null(seen);
	assert_true(*out == '\0' || out[strlen(out) - 1] == '\n');
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strcmp(line, "# EOF")) {
			assert_true(om);
			assert_null(strtok_r(NULL, "\n", &save));
			break;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			sp = strchr(line + 7, ' ');
			assert_non_null(sp);
			assert_true(is_name(line + 7, (size_t)(sp - line - 7),
					    true));
			snprintf(family, sizeof(family), "%.*s",
				 (int)(sp - line - 7), line + 7);
			snprintf(type, sizeof(type), "%s", sp + 1);
			assert_true(strstr(om ? " counter gauge info histogram "
					      "unknown " :
					      " counter gauge histogram "
					      "untyped ", type) != NULL);
			continue;
		}
		if (!strncmp(line, "# UNIT ", 7)) {
			assert_true(om);
			sp = strchr(line + 7, ' ');
			assert_non_null(sp);
			n = strlen(sp + 1);
			assert_true(n > 0 && is_name(sp + 1, n, true));
			assert_true((size_t)(sp - line - 7) > n + 1);
			assert_true(sp[-(long)n - 1] == '_');
			assert_memory_equal(sp - n, sp + 1, n);
			continue;
		}
		if (!strncmp(line, "# HELP ", 7)) {
			sp = strchr(line + 7, ' ');
			assert_non_null(sp);
			assert_true(is_name(line + 7, (size_t)(sp - line - 7),
					    true));
			continue;
		}
		assert_true(line[0] != '#');
		n = strcspn(line, "{ ");
		assert_true(is_name(line, n, true));
		if (om) {
			static const char *const sfx[] = { "", "_total",
				"_info", "_bucket", "_count", "_sum" };
			bool ok = false;

			for (i = 0; i < 6; i++)
				if (strlen(family) + strlen(sfx[i]) == n &&
				    !strncmp(line, family, strlen(family)) &&
				    !strncmp(line + strlen(family), sfx[i],
					     strlen(sfx[i])))
					ok = true;
			assert_true(ok);
		}
		if (line[n] == '{') {
			i = labels_len(line + n);
			assert_true(i > 0);
			n += i;
		}
		assert_true(line[n] == ' ');
		line[n] = '\0';
		assert_true(is_value(line + n + 1));
		seen[nseen++] = line;
	}
	qsort(seen, nseen, sizeof(*seen), str_cmp);
	for (i = 1; i < nseen; i++)
		if (!strcmp(seen[i - 1], seen[i]))
			fail_msg("two samples %s", seen[i]);
	free(seen);
	free(text);
}

static void check_both(struct prom *p)
{
	char *out = prom_render(p, NULL);

	assert_non_null(out);
	check_exposition(out, false);
	free(out);
	out = prom_render_openmetrics(p, NULL);
	assert_non_null(out);
	check_exposition(out, true);
	free(out);
}

/* A name that is its unit still ends with _UNIT, as OpenMetrics wants. */
static void test_unit_is_the_name(void **state)
{
	struct hand h = { 0 };
	char *out;

	(void)state;
	add_d(&h, "seconds", MMSTATS_METRIC_GAUGE, "seconds", NULL, 1);
	add_d(&h, "xbytes", MMSTATS_METRIC_GAUGE, "bytes", NULL, 2);
	add_d(&h, "a.seconds", MMSTATS_METRIC_GAUGE, "seconds", NULL, 3);
	add_u(&h, "bytes_total", MMSTATS_METRIC_COUNTER, "bytes", NULL, 4);
	out = render1(&h, "f", true);
	assert_non_null(strstr(out, "# UNIT seconds_seconds seconds\n"));
	assert_non_null(strstr(out, "# UNIT xbytes_bytes bytes\n"));
	assert_non_null(strstr(out, "# UNIT a_seconds seconds\n"));
	assert_non_null(strstr(out, "# TYPE bytes_bytes counter\n"
				    "# UNIT bytes_bytes bytes\n"));
	assert_non_null(strstr(out, "\nbytes_bytes_total 4\n"));
	check_exposition(out, true);
	free(out);
}

/* Labels made to break names: every line still follows the grammar. */
static void test_hostile_labels(void **state)
{
	static const char *const names[] = {
		"_total", ".total", "total", "", "9", "_info", ".info",
		"x_total", "\xff\xfe", "a b\nc", "_", ":", "seconds",
		"_seconds", "le", "x.sum", "x_bucket", "x_count",
	};
	struct hand h = { 0 };
	struct prom *p = prom_new();
	size_t i;
	char *out;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		add_u(&h, names[i], MMSTATS_METRIC_COUNTER, NULL, NULL, i);
		add_s(&h, names[i], MMSTATS_METRIC_INFO, "v\n\"\\");
		add_d(&h, names[i], MMSTATS_METRIC_GAUGE,
		      i % 2 ? "seconds" : "\xc3\xa9 x", NULL, 1.5);
	}
	add_d(&h, "_", MMSTATS_METRIC_HISTOGRAM_SUM, "_", NULL, 2);
	h.st[h.snap.nstats - 1].notes.name_len = 1;
	add_bucket(&h, "_.le.1.0", 1, 1.0, 1);
	add_bucket(&h, "_.le.inf", 1, INFINITY, 1);
	assert_true(h.snap.nstats <= MAXST);
	prom_add_file(p, "f", &h.snap);
	prom_add_program(p, "\"\\\n", &h.snap);
	check_both(p);
	out = prom_render(p, NULL);
	/* never an empty name: the counter _total keeps its name */
	assert_null(strstr(out, "# TYPE  "));
	assert_null(strstr(out, "\n_total "));
	assert_non_null(strstr(out, "# TYPE _total_total counter\n"));
	free(out);
	prom_free(p);
}

/* Buckets that stop at a finite bound: no +Inf to claim, no count. */
static void test_histogram_without_inf(void **state)
{
	struct hand h = { 0 };
	char *out;

	(void)state;
	add_d(&h, "lat.sum", MMSTATS_METRIC_HISTOGRAM_SUM, "seconds", NULL, 1);
	h.st[0].notes.name_len = 3;
	add_bucket(&h, "lat.le.0.25", 3, 0.25, 2);
	add_bucket(&h, "lat.le.1.0", 3, 1.0, 3);
	out = render1(&h, "f", true);
	assert_null(strstr(out, "+Inf"));
	assert_null(strstr(out, "lat_seconds_count"));
	assert_null(strstr(out, "_bucket"));
	check_exposition(out, true);
	free(out);
}

/*
 * Writers in two PID namespaces we cannot see, with the same pid,
 * program and thread: two series, told apart by their namespace.
 */
static void test_other_namespaces(void **state)
{
	struct hand a, b;
	struct prom *p = prom_new();
	char *out;

	(void)state;
	web_file(&a);
	web_file(&b);
	add_u(&a, "web.sys.pidns", MMSTATS_METRIC_UNKNOWN, NULL, NULL,
	      4026999991u);
	add_u(&b, "web.sys.pidns", MMSTATS_METRIC_UNKNOWN, NULL, NULL,
	      4026999992u);
	prom_add_file(p, "a", &a.snap);
	prom_add_file(p, "b", &b.snap);
	check_both(p);
	out = prom_render(p, NULL);
	assert_int_equal(count(out, "web_status_2XX_total{"), 2);
	assert_non_null(strstr(out, "web_status_2XX_total{pid=\"" PID "\","
				    "pidns=\"4026999991\",program=\"web\","
				    "tid=\"7\"} 12\n"));
	assert_non_null(strstr(out, "pidns=\"4026999992\",program=\"web\","
				    "tid=\"7\"} 12\n"));
	assert_int_equal(count(out, "process_start_time_seconds{"), 2);
	free(out);
	prom_free(p);
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
	out = prom_render_openmetrics(p, &len);
	assert_string_equal(out, "# EOF\n");
	free(out);
	prom_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_names),
		cmocka_unit_test(test_openmetrics),
		cmocka_unit_test(test_start_time),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_reference_file),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_unit_is_the_name),
		cmocka_unit_test(test_hostile_labels),
		cmocka_unit_test(test_histogram_without_inf),
		cmocka_unit_test(test_other_namespaces),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
