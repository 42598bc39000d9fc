/*
 * rel-torn-check - check every value a reader tool prints of a
 * rel-torn-writer file.
 *
 *	rel-torn-check slurp|poll [-n MIN] [-t SECONDS] COMMAND [ARG...]
 *
 * Runs COMMAND again and again, its standard output on a pipe, and checks
 * every torn.* value in what it prints, until MIN values (default 10^7)
 * are checked or SECONDS (default 60) pass; then stops the command with
 * SIGTERM.  A run that ends by itself must exit 0.
 *
 * slurp: slurpstats' text.  Each file is a line "==> FILE", a line
 *   "  LABEL  VALUE" per field, and an empty line; integers in decimal,
 *   floats as Python's repr, which reads back to the same bits.  Every
 *   file must hold the torn.* fields of the first one, in its order.
 * poll: pollstats' output with one header (-n 0): the field names, each
 *   centred between "|"; then per sample a line of "|"-separated numbers,
 *   each field's value: rel-torn-writer's fields are gauges (the
 *   library's default notes for them), which pollstats prints as values,
 *   not as changes.  Integers are printed exactly (floats with 3
 *   decimals, so only integer fields may be named: torn.u64.* and
 *   torn.u32.*), and each value is checked.
 *
 * Exit 0 only if no value was torn, no line was unexpected, at least MIN
 * values were checked, and the values changed (else nothing raced).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rel-pattern.h"

#define MAX_FIELDS	4096

struct tally {
	uint64_t checked;	/* values checked */
	uint64_t runs;		/* of COMMAND */
	uint64_t lines;
	uint64_t torn;
	uint64_t bad;		/* unexpected lines, missing fields, failures */
	uint64_t changes;	/* checked values that differed from the last */
};

/* The fields a run prints: slurp learns them from the first file. */
struct field {
	char *label;
	int kind;
	uint64_t last;		/* bits of the last value checked */
};

struct checker {
	bool poll;
	struct tally t;
	struct field f[MAX_FIELDS];
	size_t nf;
	/* Where in the run's output we are. */
	bool header_seen;	/* poll */
	uint64_t samples;	/* poll: value lines of this run */
	bool in_file;		/* slurp: between "==>" and the empty line */
	size_t at;		/* slurp: torn.* fields of this file so far */
	bool learning;		/* slurp: the first file, learning fields */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bad(struct checker *c, const char *why, const char *line)
{
	if (c->t.bad++ < 10)
		fprintf(stderr, "BAD (line %llu): %s: \"%s\"\n",
			(unsigned long long)c->t.lines, why, line);
}

static void check(struct checker *c, struct field *f, uint64_t u, double d)
{
	bool ok = rel_check_value(f->kind, u, d);

	if (!rel_kind_is_int(f->kind))
		memcpy(&u, &d, 8);
	c->t.checked++;
	if (!ok && c->t.torn++ < 10)
		fprintf(stderr, "TORN %s (line %llu): %#018llx (%.17g)\n",
			f->label, (unsigned long long)c->t.lines,
			(unsigned long long)u, d);
	if (u != f->last)
		c->t.changes++;
	f->last = u;
}

/* An unsigned decimal integer, the whole of s. */
static bool parse_u64(const char *s, uint64_t *u)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*u = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static bool parse_double(const char *s, double *d)
{
	char *end;

	errno = 0;
	*d = strtod(s, &end);
	return end != s && errno == 0 && *end == '\0';
}

static struct field *add_field(struct checker *c, const char *label, int kind)
{
	struct field *f;

	if (c->nf == MAX_FIELDS)
		return NULL;
	f = &c->f[c->nf++];
	f->label = strdup(label);
	f->kind = kind;
	if (!f->label)
		abort();
	return f;
}

/* ------------------------------------------------------------------ */

/* One "  LABEL  VALUE" line of a file. */
static void slurp_field(struct checker *c, char *line)
{
	char *label = line + 2, *value = strchr(label, ' ');
	struct field *f;
	uint64_t u = 0;
	double d = 0;
	int kind;
	bool ok;

	if (!value) {
		bad(c, "no value", line);
		return;
	}
	*value++ = '\0';
	while (*value == ' ')
		value++;
	kind = rel_kind_of(label);
	if (kind < 0)
		return;		/* sys.* */
	if (c->learning) {
		f = add_field(c, label, kind);
		if (!f) {
			bad(c, "too many fields", label);
			return;
		}
	} else if (c->at >= c->nf || strcmp(c->f[c->at].label, label)) {
		bad(c, "not the first file's next field", label);
		return;
	} else {
		f = &c->f[c->at];
	}
	c->at++;
	ok = rel_kind_is_int(kind) ? parse_u64(value, &u) :
				     parse_double(value, &d);
	if (!ok) {
		bad(c, "not a number", value);
		return;
	}
	check(c, f, u, d);
}

static void slurp_line(struct checker *c, char *line)
{
	if (strncmp(line, "==> ", 4) == 0) {
		if (c->in_file)
			bad(c, "a file without its empty line", line);
		c->in_file = true;
		c->at = 0;
		c->learning = c->nf == 0;
	} else if (!c->in_file) {
		bad(c, "a line outside a file", line);
	} else if (*line == '\0') {
		if (c->at != c->nf || c->nf == 0)
			bad(c, "a file with fields missing", line);
		c->in_file = false;
	} else if (strncmp(line, "  ", 2) == 0) {
		slurp_field(c, line);
	} else {
		bad(c, "a line that is no field", line);
	}
}

/* ------------------------------------------------------------------ */

static char *trim(char *s)
{
	char *end;

	while (*s == ' ')
		s++;
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		*--end = '\0';
	return s;
}

/* The header names the columns; every run prints the same one. */
static void poll_header(struct checker *c, char *line)
{
	char *save = NULL, *tok;
	size_t n = 0;
	int kind;

	c->header_seen = true;
	for (tok = strtok_r(line, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save), n++) {
		tok = trim(tok);
		kind = rel_kind_of(tok);
		if (!rel_kind_is_int(kind)) {
			bad(c, "not an integer torn.* field", tok);
			return;
		}
		if (c->t.runs == 0 && !add_field(c, tok, kind)) {
			bad(c, "too many fields", tok);
			return;
		}
		if (n >= c->nf || strcmp(c->f[n].label, tok)) {
			bad(c, "not the first run's header", tok);
			return;
		}
	}
	if (n != c->nf || n == 0)
		bad(c, "not the first run's header", "");
}

/* A sample: "DIGITS" per column, the value. */
static void poll_sample(struct checker *c, char *line)
{
	char *save = NULL, *tok;
	size_t n = 0;
	uint64_t mag;

	for (tok = strtok_r(line, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save), n++) {
		tok = trim(tok);
		if (n >= c->nf) {
			bad(c, "more columns than the header", tok);
			return;
		}
		if (!parse_u64(tok, &mag)) {
			bad(c, "not an unsigned integer", tok);
			return;
		}
		check(c, &c->f[n], mag, 0);
	}
	if (n != c->nf)
		bad(c, "fewer columns than the header", "");
	c->samples++;
}

static void poll_line(struct checker *c, char *line)
{
	if (!c->header_seen)
		poll_header(c, line);
	else
		poll_sample(c, line);
}

/* ------------------------------------------------------------------ */

/* One run of the command; false when it must not be run again. */
static bool run_once(struct checker *c, char **cmd, uint64_t min,
		     double deadline)
{
	posix_spawn_file_actions_t fa;
	uint64_t before = c->t.checked;
	bool stopped = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int pipefd[2], status, err;
	pid_t pid;
	FILE *out;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		perror("pipe2");
		return false;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	err = posix_spawnp(&pid, cmd[0], &fa, NULL, cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err) {
		fprintf(stderr, "%s: %s\n", cmd[0], strerror(err));
		close(pipefd[0]);
		return false;
	}
	out = fdopen(pipefd[0], "r");
	if (!out)
		abort();
	c->header_seen = c->in_file = false;
	c->samples = 0;
	while ((len = getline(&line, &cap, out)) > 0) {
		c->t.lines++;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (c->poll)
			poll_line(c, line);
		else
			slurp_line(c, line);
		if (c->t.checked >= min || now() >= deadline) {
			stopped = true;
			break;
		}
	}
	if (stopped)
		kill(pid, SIGTERM);
	fclose(out);
	free(line);
	c->t.runs++;
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return false;
	}
	/* Stopped by us, it may die of SIGTERM or SIGPIPE, or exit 0. */
	if (!stopped && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		fprintf(stderr, "run %llu: %s exited with status %#x\n",
			(unsigned long long)c->t.runs, cmd[0], status);
		c->t.bad++;
		return false;
	}
	if (c->t.checked == before) {
		fprintf(stderr, "run %llu: no value checked\n",
			(unsigned long long)c->t.runs);
		c->t.bad++;
		return false;
	}
	return !stopped;
}

static void usage(void)
{
	fprintf(stderr, "usage: rel-torn-check slurp|poll [-n MIN] "
		"[-t SECONDS] COMMAND [ARG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct checker c;
	uint64_t min = 10000000;
	double secs = 60, start, took;
	int opt;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "poll") == 0)
		c.poll = true;
	else if (strcmp(argv[1], "slurp") != 0)
		usage();
	optind = 2;
	/* "+": the options of COMMAND are its own. */
	while ((opt = getopt(argc, argv, "+n:t:")) != -1) {
		switch (opt) {
		case 'n': min = strtoull(optarg, NULL, 10); break;
		case 't': secs = atof(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();

	start = now();
	while (c.t.checked < min && now() < start + secs &&
	       run_once(&c, argv + optind, min, start + secs))
		;
	took = now() - start;
	printf("%s: checked %llu values in %llu runs (%llu lines), %.1f s "
	       "(%.0f/s): %llu torn, %llu bad, %llu changes seen\n", argv[1],
	       (unsigned long long)c.t.checked, (unsigned long long)c.t.runs,
	       (unsigned long long)c.t.lines, took,
	       c.t.checked / (took > 0 ? took : 1),
	       (unsigned long long)c.t.torn, (unsigned long long)c.t.bad,
	       (unsigned long long)c.t.changes);
	for (size_t i = 0; i < c.nf; i++)
		free(c.f[i].label);
	if (c.t.torn || c.t.bad)
		return 1;
	if (c.t.checked < min) {
		printf("FAIL: fewer than %llu values checked in %.0f s\n",
		       (unsigned long long)min, secs);
		return 1;
	}
	if (c.t.changes < c.t.checked / 1000) {
		printf("FAIL: values hardly changed: the writer did not race "
		       "the reader\n");
		return 1;
	}
	return 0;
}
