/*
 * defaults.c - the reference's default fields (with its type signatures:
 * sys.pid I, sys.tid q, sys.uid Q, sys.gid Q, sys.created d), less
 * org.python.version, plus sys.starttime so that a reader can tell a
 * live writer from a later process that got the same PID, sys.pidns so
 * that it can find the writer from another PID namespace, and
 * sys.program, which tells apart programs whose processes all bear an
 * interpreter's name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "defaults.h"
#include "pidns.h"
#include "procstat.h"
#include "utf8.h"

/*
 * Programs whose own name says nothing: the program they run does, and
 * how their command line names it.  Short options bundle as getopt's
 * do ("-uc code", "-Wignore"): in `arg`, an option whose argument is
 * the rest of the word or the next one; in `code`, one after which the
 * interpreter runs code (or its input), which has no name: the
 * interpreter's is kept; in `prog`, one whose argument is the program
 * (python's -m module); in `rest`, one whose value, if any, is the rest
 * of the word.  `words` are options of a word each ("--long", java's
 * "-cp"; "--long=value" holds its value), each after a mark: '+' takes
 * an argument, '!' runs code, '>' names the program; other words are
 * flags.  The first argument that is no option is the program.
 */
struct interp {
	const char *name;	/* a trailing '*' matches any end */
	const char *arg, *code, *prog, *rest;
	const char *words;	/* space-separated, each after its mark */
	bool whole_words;	/* no bundled short options (java) */
};

static const struct interp interpreters[] = {
	{ "python*", "WX", "c", "m", "", "+--check-hash-based-pycs", false },
	{ "pypy*", "WX", "c", "m", "", "+--check-hash-based-pycs", false },
	{ "perl*", "I", "eE", "", "MmxiFdDC", "", false },
	{ "ruby*", "IrCE", "e", "", "WTxKF", "!--eval", false },
	{ "node", "r", "ep", "", "",
	  "+--require +--import +--loader +--experimental-loader "
	  "+--input-type +--title !--eval !--print", false },
	{ "nodejs", "r", "ep", "", "",
	  "+--require +--import +--loader +--experimental-loader "
	  "+--input-type +--title !--eval !--print", false },
	{ "java", "", "", "", "",
	  "+-cp +-classpath +--class-path +-p +--module-path "
	  "+--upgrade-module-path +--add-modules +--limit-modules "
	  "+--add-reads +--add-exports +--add-opens +--patch-module "
	  "+--source >-jar >-m >--module", true },
	{ "sh", "oO", "cs", "", "", "+--rcfile +--init-file", false },
	{ "bash", "oO", "cs", "", "", "+--rcfile +--init-file", false },
	{ "dash", "oO", "cs", "", "", "", false },
	{ "zsh", "oO", "cs", "", "", "", false },
	{ "ksh", "oO", "cs", "", "", "", false },
};

static double now_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const struct interp *interpreter(const char *name)
{
	for (size_t i = 0; i < sizeof(interpreters) / sizeof(*interpreters);
	     i++) {
		const char *pat = interpreters[i].name;
		size_t len = strcspn(pat, "*");

		if (pat[len] == '*' ? strncmp(name, pat, len) == 0 :
				      strcmp(name, pat) == 0)
			return &interpreters[i];
	}
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The mark of option word w (its first len bytes) in words, or 0. */
static char word_mark(const char *words, const char *w, size_t len)
{
	for (const char *p = words; *p; p += strspn(p, " ")) {
		size_t n = strcspn(p, " ");

		if (n == len + 1 && strncmp(p + 1, w, len) == 0)
			return p[0];
		p += n;
	}
	return 0;
}

/*
 * What option word args[*i] says: the program (set *prog, 1), code or
 * input (0), or go on (-1), past its argument.
 */
static int word_option(const struct interp *in, char *const args[],
		       size_t n, size_t *i, const char **prog)
{
	const char *a = args[*i], *eq = strchr(a, '=');
	char mark = word_mark(in->words, a, eq ? (size_t)(eq - a) : strlen(a));

	if (mark == '!')
		return 0;
	if (mark == '>') {
		*prog = eq ? eq + 1 : *i + 1 < n ? args[*i + 1] : NULL;
		return *prog != NULL;
	}
	if (mark == '+' && !eq)
		++*i;
	return -1;
}

/* The same for a word of bundled short options. */
static int short_options(const struct interp *in, char *const args[],
			 size_t n, size_t *i, const char **prog)
{
	for (const char *p = args[*i] + 1; *p; p++) {
		if (strchr(in->code, *p))
			return 0;
		if (strchr(in->prog, *p)) {
			*prog = p[1] ? p + 1 : *i + 1 < n ? args[*i + 1] : NULL;
			return *prog != NULL;
		}
		if (strchr(in->arg, *p)) {
			*i += !p[1];
			break;
		}
		if (strchr(in->rest, *p))
			break;
	}
	return -1;
}

/* The program interpreter `in` runs with args, or NULL: none named. */
static const char *program_run(const struct interp *in, char *const args[],
			       size_t n)
{
	const char *prog = NULL;

	for (size_t i = 0; i < n; i++) {
		const char *a = args[i];
		int r;

		if (a[0] != '-')
			return a;
		if (!a[1])
			return NULL;	/* "-": its standard input */
		if (!strcmp(a, "--"))
			return i + 1 < n ? args[i + 1] : NULL;
		if (a[1] == '-' || in->whole_words)
			r = word_option(in, args, n, &i, &prog);
		else
			r = short_options(in, args, n, &i, &prog);
		if (r >= 0)
			return r ? prog : NULL;
	}
	return NULL;
}

void mms_program_of(const char *self, char *const args[], size_t n,
		    char name[MMS_PROGRAM_SIZE])
{
	const struct interp *in;
	const char *prog;

	self += *self == '-';	/* a login shell's "-bash" */
	in = interpreter(self);
	prog = in ? program_run(in, args, n) : NULL;
	if (!prog || !*base_name(prog))
		prog = self;
	snprintf(name, MMS_PROGRAM_SIZE, "%s", base_name(prog));
	name[mms_utf8_cut(name, MMS_PROGRAM_SIZE - 1)] = '\0';
}

/* Our arguments after argv[0], from /proc/self/cmdline, into buf. */
static size_t own_args(char *buf, size_t size, char *args[], size_t max)
{
	ssize_t len;
	size_t n = 0;
	char *p, *end;
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';	/* an argument cut by the buffer ends here */
	end = buf + len;
	for (p = buf + strlen(buf) + 1; p < end && n < max;
	     p += strlen(p) + 1)
		args[n++] = p;
	return n;
}

/* sys.program: the option, the environment, or the program's own name. */
static void program_name(const char *given, char name[MMS_PROGRAM_SIZE])
{
	const char *v = given ? given : getenv("MMSTATS_PROGRAM");
	char buf[4096], *args[256];
	size_t n;

	if (v && *v) {
		snprintf(name, MMS_PROGRAM_SIZE, "%s", v);
		name[mms_utf8_cut(name, MMS_PROGRAM_SIZE - 1)] = '\0';
		return;
	}
	v = program_invocation_short_name ? program_invocation_short_name :
					    "";
	n = interpreter(v + (*v == '-')) ?
	    own_args(buf, sizeof(buf), args, sizeof(args) / sizeof(*args)) : 0;
	mms_program_of(v, args, n, name);
}

size_t mms_default_defs(struct mmstats_field_def defs[MMS_NDEFAULTS],
			const char *program, char name[MMS_PROGRAM_SIZE])
{
	struct mms_procstat self;
	size_t n = 0;

	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.pid", MMSTATS_STATIC_UINT32, (uint64_t)getpid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_I(
		"sys.tid", MMSTATS_STATIC_INT64, (int64_t)gettid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.uid", MMSTATS_STATIC_UINT64, (uint64_t)getuid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.gid", MMSTATS_STATIC_UINT64, (uint64_t)getgid());
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_D(
		"sys.created", MMSTATS_STATIC_DOUBLE, now_realtime());
	if (mms_procstat(0, &self) == 0)
		defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
			"sys.starttime", MMSTATS_STATIC_UINT64,
			self.starttime);
	defs[n++] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_U(
		"sys.pidns", MMSTATS_STATIC_UINT64, mms_pidns_self());
	program_name(program, name);
	defs[n] = (struct mmstats_field_def)MMSTATS_DEF_STATIC_S(
		"sys.program", MMSTATS_STATIC_TEXT, name);
	defs[n++].size = MMS_PROGRAM_SIZE;
	return n;
}
