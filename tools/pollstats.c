/*
 * pollstats - a vmstat/dstat-like view of mmstats fields: every interval,
 * one line with each listed field summed over the files of live writers:
 * counters per second, other noted numbers as values, fields without
 * notes as their change (see pollsample.h for how files that come and
 * go count).
 * This file is the command line and the reference's output format, with
 * columns widened for long names and strings shown as text.
 */
#include <bsd/stdlib.h>
#include <errno.h>
#include <sys/stat.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "common.h"
#include "filter.h"
#include "pollsample.h"
#include "termtext.h"

/* The reference's column; a longer name widens its own. */
#define COLUMN_WIDTH	20
#define ANSI_BOLD	"\033[1m"
#define ANSI_YELLOW	"\033[1;33m"
#define ANSI_DEFAULT	"\033[0;0m"

struct poll_opts {
	long count;		/* samples to print; 0: until interrupted */
	double delay;		/* seconds between samples */
	long headers;		/* header every N lines; 0: only once */
	const char *prefix;
	int color;
	int verbose;
	bool all;		/* stale files count too */
	struct filter filter;
	char **fields;		/* prefix + name */
	char **titles;		/* name and unit, once the first sample
				   told what each field is */
	size_t *widths;		/* of each column */
	size_t nfields;
	char **args;		/* FILE|DIR|GLOB */
	size_t nargs;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(void)
{
	printf("Usage: %s [OPTION]... FIELDS [FILE|DIR|GLOB]...\n"
	       "Every DELAY seconds print each of the comma-separated FIELDS, "
	       "summed over\nthe files (default: $MMSTATS_GLOB or "
	       "$MMSTATS_PATH/*.mmstats): counters\nper second, other "
	       "numbers their writer described as values, the rest as\n"
	       "their change.\n\n"
	       "  -c, --count=N       print N samples, then exit\n"
	       "  -d, --delay=SECS    seconds between samples (default 1)\n"
	       "  -n, --headers=N     repeat the header every N lines "
	       "(default 20, 0: once)\n"
	       "  -p, --prefix=P      prepend P to every field name\n"
	       "  -f, --filter=F      also sum files with a label starting "
	       "with F,\n"
	       "                      or, for F=KEY=VALUE, whose KEY is VALUE "
	       "(repeatable)\n"
	       "  -a, --all           also sum files whose writer is gone\n"
	       "      --color=WHEN    auto (default), always or never\n"
	       "  -v, --verbose       say which files are left out as stale\n"
	       "  -h, --help          show this help and exit\n"
	       "  -V, --version       show the version and exit\n\n"
	       "Exit status: 0 done or interrupted, 1 something asked for "
	       "was not found or\ncould not be read, 2 usage error.\n",
	       tool_name);
}

/* Python's str.center(): the odd space goes right for an even width. */
static void print_centered(const char *s, size_t width)
{
	size_t len = text_width(s), left, right;

	if (len > width)
		len = width;
	left = (width - len) / 2 + ((width - len) & width & 1);
	right = width - len - left;
	printf("%*s%s%*s", (int)left, "", s, (int)right, "");
}

static void print_headers(const struct poll_opts *o)
{
	size_t i, plen = strlen(o->prefix);

	for (i = 0; i < o->nfields; i++) {
		if (i)
			putchar('|');
		fputs(o->color ? ANSI_BOLD : "", stdout);
		print_centered(o->titles && o->titles[i] ? o->titles[i] :
			       o->fields[i] + plen, o->widths[i]);
		fputs(o->color ? ANSI_DEFAULT : "", stdout);
	}
	putchar('\n');
}

/*
 * A number as the column shows it.  A change that rounds to zero prints
 * as 0 or 0.000, never "-0.000": the sum of float changes can be a hair
 * below zero, and a minus sign there says something moved down.
 */
static void format_number(struct buf *b, long double v, bool floating)
{
	char text[64], *s = text;
	int n = snprintf(text, sizeof(text), "%.*Lf", floating ? 3 : 0, v);

	if (n < 0 || (size_t)n >= sizeof(text))
		n = snprintf(text, sizeof(text), "?");
	if (s[0] == '-' && strspn(s + 1, "0.") == strlen(s + 1))
		s++;
	buf_puts(b, s);
}

/*
 * The files' texts of a string field, once each, joined by ','; control
 * characters as '?' (a file's bytes never drive the terminal).  A text
 * too wide for its column is cut and ends with '~', so that the columns
 * stay in line.
 */
static void format_texts(struct buf *b, const struct pathlist *texts,
			 size_t width)
{
	size_t i, w = 0, at;

	for (i = 0; i < texts->n; i++) {
		if (i)
			buf_putc(b, ',');
		text_add_printable(b, texts->v[i], strlen(texts->v[i]));
	}
	if (b->failed || !b->data || text_width(b->data) <= width)
		return;
	for (at = 0; b->data[at]; at++) {
		if (((unsigned char)b->data[at] & 0xc0) == 0x80)
			continue;
		if (++w == width)
			break;
	}
	b->len = at;
	buf_putc(b, '~');
}

static void print_values(const struct poll_opts *o, const struct poller *p)
{
	struct buf v = BUF_INIT;
	size_t i, w;

	for (i = 0; i < o->nfields; i++) {
		v.len = 0;
		if (p->texts[i].n && !p->numeric[i])
			format_texts(&v, &p->texts[i], o->widths[i] - 1);
		else if (poll_is_rate(p, i) && p->elapsed > 0)
			format_number(&v, p->delta[i] / p->elapsed, true);
		else if (poll_is_rate(p, i))
			buf_putc(&v, '-');	/* no rate from one sample */
		else if (poll_is_value(p, i))
			format_number(&v, p->value[i], p->floating[i]);
		else
			format_number(&v, p->delta[i], p->floating[i]);
		if (i)
			putchar('|');
		fputs(o->color ? ANSI_YELLOW : "", stdout);
		for (w = v.data ? text_width(v.data) : 0; w < o->widths[i] - 1;
		     w++)
			putchar(' ');
		fputs(v.data && !v.failed ? v.data : "?", stdout);
		fputs(o->color ? ANSI_DEFAULT : "", stdout);
		putchar(' ');
	}
	putchar('\n');
	buf_free(&v);
}

/*
 * Every field must be in some file counted, or the run would print a
 * column of zeros that looks like a quiet service.  False if one is not
 * (each said once).  With nothing read at all, the reasons are said.
 */
static bool fields_found(const struct poll_opts *o, const struct poller *p)
{
	bool ok = true;
	size_t i;

	if (p->read == 0 && p->failed)
		return false;
	for (i = 0; i < o->nfields; i++) {
		if (p->found[i])
			continue;
		ok = false;
		if (p->found_stale[i])
			tool_warn("%s: only in files of writers that are gone "
				  "(-a counts them)", o->fields[i]);
		else
			tool_warn("%s: no such field in any file",
				  o->fields[i]);
	}
	return ok;
}

/* A column fits its name, with a space on each side. */
static size_t column_width(const char *name)
{
	size_t w = text_width(name) + 2;

	return w > COLUMN_WIDTH ? w : COLUMN_WIDTH;
}

/*
 * Column titles from what the samples found so far: "requests/s",
 * "sent (bytes/s)", "latency (seconds)"; a field without notes keeps
 * its bare name.  Made again when a sample tells what a field is
 * (a file with notes came): columns widen to fit, never narrow.
 */
static int make_titles(struct poll_opts *o, const struct poller *p)
{
	size_t i, plen = strlen(o->prefix), w;

	if (!o->titles)
		o->titles = calloc(o->nfields, sizeof(*o->titles));
	if (!o->titles)
		return -ENOMEM;
	for (i = 0; i < o->nfields; i++) {
		free(o->titles[i]);
		o->titles[i] = poll_title(p, i, o->fields[i] + plen);
		if (!o->titles[i])
			return -ENOMEM;
		w = column_width(o->titles[i]);
		if (w > o->widths[i])
			o->widths[i] = w;
	}
	return 0;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * Sleep until `next` (CLOCK_MONOTONIC) or a stop signal.  The signals
 * are blocked from the test of `interrupted` until ppoll() unblocks
 * them as it starts to sleep: one that came in between would otherwise
 * be noticed only after the whole delay.
 */
static void sleep_until(const struct timespec *next)
{
	struct timespec now, left;
	sigset_t stop, old;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	while (!interrupted) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, next))
			break;
		left.tv_sec = next->tv_sec - now.tv_sec;
		left.tv_nsec = next->tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000;
		}
		if (ppoll(NULL, 0, &left, &old) == 0)
			break;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void advance(struct timespec *next, double delay)
{
	long long ns = next->tv_nsec + (long long)(delay * 1e9);

	next->tv_sec += (time_t)(ns / 1000000000);
	next->tv_nsec = (long)(ns % 1000000000);
}

static int run(struct poll_opts *o, struct poller *p)
{
	struct timespec next;
	long n, since_header = 0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &next);
	/* The first sample, before any output: what is not there is said. */
	err = poll_start(p);
	if (err) {
		tool_warn("%s", strerror(-err));
		return 1;
	}
	if (!fields_found(o, p))
		return 1;
	if (make_titles(o, p) < 0) {
		tool_warn("%s", strerror(ENOMEM));
		return 1;
	}
	print_headers(o);
	for (n = 0; !interrupted && (o->count == 0 || n < o->count); n++) {
		if (n > 0) {
			advance(&next, o->delay);
			sleep_until(&next);
			if (interrupted)
				break;
			err = poll_sample(p);
			if (!err && p->learned)
				err = make_titles(o, p);
			if (err) {
				tool_warn("%s", strerror(-err));
				return 1;
			}
		}
		/* A column that changed its meaning gets its new title. */
		if ((n > 0 && p->learned) ||
		    (o->headers > 0 && since_header == o->headers)) {
			print_headers(o);
			since_header = 0;
		}
		print_values(o, p);
		since_header++;
		tool_flush();
	}
	return p->failed ? 1 : 0;
}

static long parse_long(const char *s, const char *what)
{
	const char *err;
	long long v = strtonum(s, 0, LONG_MAX, &err);

	if (err) {
		tool_warn("invalid %s '%s': %s", what, s, err);
		tool_usage_error();
	}
	return (long)v;
}

static double parse_delay(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400) {
		tool_warn("invalid delay: '%s'", s);
		tool_usage_error();
	}
	return v;
}

/* FIELDS is "a,b,c": each gets the prefix; empty names are refused. */
static void parse_fields(struct poll_opts *o, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;

	if (!copy)
		tool_oom();
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		o->fields = reallocarray(o->fields, o->nfields + 1,
					 sizeof(*o->fields));
		o->widths = reallocarray(o->widths, o->nfields + 1,
					 sizeof(*o->widths));
		if (!o->fields || !o->widths ||
		    asprintf(&o->fields[o->nfields], "%s%s", o->prefix,
			     tok) < 0)
			tool_oom();
		o->widths[o->nfields] = column_width(tok);
		/* Fields are key filters too, as in the reference. */
		if (filter_add(&o->filter, o->fields[o->nfields]) < 0)
			tool_oom();
		o->nfields++;
	}
	free(copy);
	if (o->nfields == 0) {
		tool_warn("no field given");
		tool_usage_error();
	}
}

static void opts_free(struct poll_opts *o)
{
	size_t i;

	for (i = 0; i < o->nfields; i++) {
		free(o->fields[i]);
		if (o->titles)
			free(o->titles[i]);
	}
	free(o->titles);
	free(o->fields);
	free(o->widths);
	filter_free(&o->filter);
}

enum { OPT_COLOR = 256 };

/*
 * vmstat's habit, "pollstats FIELDS 1", names the delay where files go.
 * A number that is no file's name is refused with the option to use:
 * taking it as the delay would make a file named "5" mean two things.
 */
static void refuse_numbers(char *const *args, size_t nargs)
{
	struct stat st;
	char *end;
	size_t i;

	for (i = 0; i < nargs; i++) {
		strtod(args[i], &end);
		if (end == args[i] || *end || lstat(args[i], &st) == 0)
			continue;
		tool_warn("%s: no such file (a delay is given with -d %s, "
			  "a count with -c)", args[i], args[i]);
		tool_usage_error();
	}
}

static void parse_args(int argc, char **argv, struct poll_opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "delay", required_argument, NULL, 'd' },
		{ "headers", required_argument, NULL, 'n' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "filter", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *color = "auto";
	int c;

	while ((c = getopt_long(argc, argv, "c:d:n:p:f:avhV", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c': o->count = parse_long(optarg, "count"); break;
		case 'd': o->delay = parse_delay(optarg); break;
		case 'n': o->headers = parse_long(optarg, "headers"); break;
		case 'p': o->prefix = optarg; break;
		case 'f':
			if (filter_add(&o->filter, optarg) < 0) {
				tool_warn("invalid filter: '%s'", optarg);
				tool_usage_error();
			}
			break;
		case 'a': o->all = true; break;
		case OPT_COLOR: color = optarg; break;
		case 'v': o->verbose++; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:  tool_usage_error();
		}
	}
	o->color = tool_color_mode(color);
	if (o->color < 0) {
		tool_warn("invalid --color: '%s'", color);
		tool_usage_error();
	}
	if (optind >= argc) {
		tool_warn("no FIELDS given");
		tool_usage_error();
	}
	parse_fields(o, argv[optind++]);
	o->args = argv + optind;
	o->nargs = (size_t)(argc - optind);
	refuse_numbers(o->args, o->nargs);
}

int main(int argc, char **argv)
{
	struct poll_opts o = { .delay = 1, .headers = 20, .prefix = "" };
	struct sigaction sa = { .sa_handler = on_signal };
	struct poller p;
	int rc;

	tool_init("pollstats");
	parse_args(argc, argv, &o);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (poller_init(&p, o.fields, o.nfields, &o.filter, o.args,
			o.nargs) < 0) {
		tool_warn("%s", strerror(ENOMEM));
		return 1;
	}
	p.verbose = o.verbose > 0;
	p.all = o.all;
	/* A column shows less than its width of a field's texts. */
	p.text_limits = o.widths;
	rc = run(&o, &p);
	tool_flush();
	poller_free(&p);
	opts_free(&o);
	return rc;
}
