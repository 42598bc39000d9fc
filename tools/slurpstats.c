/*
 * slurpstats - print every field of mmstats files, as the reference does:
 *
 *	==> FILE
 *	  label  value
 *
 * or as JSON.  A file that cannot be read is reported on stderr and the
 * rest is still printed; the exit status says whether anything failed or
 * nothing was found.  Piped output is the reference's, byte for byte (it
 * is the compatibility witness), so stale files are marked by default
 * only on a terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "common.h"
#include "files.h"
#include "json.h"
#include "mmstats.h"
#include "pyfloat.h"
#include "statsfile.h"
#include "termtext.h"

struct slurp_opts {
	bool json;
	bool live_only;		/* skip files whose writer is gone */
	int mark_stale;		/* " (stale)" after the ==> line's name;
				   -1: on a terminal only */
	bool terminal;		/* stdout is one: control characters as '?' */
	bool py2_floats;	/* floats as the reference under Python 2 */
};

enum { OPT_PY2_FLOATS = 256 };

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE|DIR|GLOB]...\n"
	       "Print every field of mmstats files (default: %s).\n\n"
	       "  -j, --json         print JSON instead of text\n"
	       "  -l, --live         skip files whose writer is gone\n"
	       "  -m, --mark-stale[=WHEN]\n"
	       "                     add \" (stale)\" to the ==> line of "
	       "such files: always\n"
	       "                     (-m), never, or auto (the default: "
	       "on a terminal)\n"
	       "      --py2-floats   floats as Python 2's str(), 12 digits "
	       "(the reference\n"
	       "                     under Python 2), not the exact repr\n"
	       "  -h, --help         show this help and exit\n"
	       "  -V, --version      show the version and exit\n\n"
	       "Exit status: 0 all read, 1 some file failed or none found, "
	       "2 usage error.\n",
	       tool_name, "$MMSTATS_GLOB or $MMSTATS_PATH/*.mmstats");
}

/* Text from a file, with nothing a terminal would take as a command. */
static void add_shown(struct buf *b, const char *s, size_t len, bool terminal)
{
	if (terminal)
		text_add_printable(b, s, len);
	else
		buf_add(b, s, len);
}

/*
 * The value as the reference prints it: Python 3's repr of a float,
 * exact, unless asked for what Python 2's str() rounds it to.
 */
static void render_value(struct buf *b, const struct mmstats_value *v,
			 bool py2_floats)
{
	char text[64];
	int n;

	if (!py2_floats || v->kind != MMSTATS_KIND_FLOAT) {
		snap_render(b, v);
		return;
	}
	n = py2_float_str(v->v.d, text, sizeof(text));
	if (n > 0 && (size_t)n < sizeof(text))
		buf_add(b, text, (size_t)n);
}

static void print_field(struct buf *line, const struct mmstats_stat *st,
			size_t width, const struct slurp_opts *o)
{
	struct buf value = BUF_INIT;
	size_t w;

	line->len = 0;
	buf_puts(line, "  ");
	add_shown(line, st->label, strlen(st->label), o->terminal);
	for (w = text_width(st->label); w < width; w++)
		buf_putc(line, ' ');
	buf_putc(line, ' ');
	render_value(&value, &st->value, o->py2_floats);
	add_shown(line, value.data ? value.data : "", value.len, o->terminal);
	line->failed |= value.failed;
	buf_putc(line, '\n');
	buf_free(&value);
}

static void print_text(const struct slurp_opts *o, const char *path,
		       const struct mmstats_snapshot *snap, bool stale)
{
	struct buf line = BUF_INIT;
	size_t i, width = 0, w;

	buf_puts(&line, "==> ");
	add_shown(&line, path, strlen(path), o->terminal);
	buf_puts(&line, stale ? " (stale)\n" : "\n");
	if (!line.failed)
		fwrite(line.data, 1, line.len, stdout);
	for (i = 0; i < snap->nstats; i++) {
		w = text_width(snap->stats[i].label);
		if (w > width)
			width = w;
	}
	for (i = 0; i < snap->nstats; i++) {
		print_field(&line, &snap->stats[i], width, o);
		if (!line.failed)
			fwrite(line.data, 1, line.len, stdout);
	}
	putchar('\n');
	buf_free(&line);
}

static void json_file(struct buf *b, const char *path,
		      const struct mmstats_snapshot *snap,
		      enum mmstats_liveness live, const char *why)
{
	pid_t pid = mmstats_snapshot_pid(snap), host;
	size_t i;

	buf_puts(b, "{\"file\": ");
	json_cstring(b, path);
	buf_puts(b, ", \"liveness\": ");
	json_cstring(b, snap_liveness_name(live));
	if (pid >= 0)
		buf_printf(b, ", \"pid\": %d", (int)pid);
	else
		buf_puts(b, ", \"pid\": null");
	/* a writer of another PID namespace, as we number it */
	if (pid >= 0 && (host = mmstats_writer_pid(snap)) > 0 && host != pid)
		buf_printf(b, ", \"host_pid\": %d", (int)host);
	buf_printf(b, ", \"size\": %zu", snap->size);
	if (why) {
		buf_puts(b, ", \"error\": ");
		json_cstring(b, why);
	}
	buf_puts(b, ", \"fields\": [");
	for (i = 0; i < snap->nstats; i++) {
		const struct mmstats_stat *st = &snap->stats[i];

		buf_puts(b, i ? ",\n  {\"label\": " : "\n  {\"label\": ");
		json_cstring(b, st->label);
		buf_puts(b, ", \"type\": ");
		json_cstring(b, st->type);
		buf_printf(b, ", \"buffered\": %s, \"value\": ",
			   st->buffered ? "true" : "false");
		json_value(b, &st->value);
		buf_putc(b, '}');
	}
	buf_puts(b, snap->nstats ? "\n ]}" : "]}");
}

/*
 * Print one file; false if it could not be read completely.  *shown
 * counts the files printed.
 */
static bool slurp_one(const struct slurp_opts *o, const char *path,
		      bool *first, size_t *shown)
{
	struct mmstats_snapshot snap;
	struct buf b = BUF_INIT;
	enum mmstats_liveness live;
	bool partial, stale;
	char why[256];
	int err;

	err = snap_read(path, &snap, NULL, why, sizeof(why), &partial);
	/* Show what was good in a bad file, if anything was. */
	if (err && (!partial || snap.nstats == 0))
		goto report;
	live = mmstats_liveness(&snap);	/* once: /proc may change meanwhile */
	stale = live == MMSTATS_STALE;
	/*
	 * A dead writer's file is left out whole, and what is wrong with it
	 * too: one killed while writing is the usual stale file, not a fault
	 * --live should fail on.
	 */
	if (o->live_only && stale) {
		err = 0;
		goto out;
	}
	(*shown)++;
	if (o->json) {
		json_file(&b, path, &snap, live, err ? why : NULL);
		printf("%s%s", *first ? "[\n" : ",\n",
		       b.failed ? "{}" : b.data);
		*first = false;
	} else {
		print_text(o, path, &snap, o->mark_stale > 0 && stale);
	}
	tool_flush();
report:
	if (err)
		tool_warn("%s: %s", path, why);
out:
	buf_free(&b);
	mmstats_snapshot_free(&snap);
	return err == 0;
}

/* -m: always; --mark-stale=WHEN: as --color's WHEN (-1: auto). */
static int mark_mode(const char *when)
{
	if (!when || strcmp(when, "always") == 0)
		return 1;
	if (strcmp(when, "never") == 0)
		return 0;
	if (strcmp(when, "auto") == 0)
		return -1;
	tool_warn("invalid --mark-stale: '%s'", when);
	tool_usage_error();
}

static void parse_args(int argc, char **argv, struct slurp_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "live", no_argument, NULL, 'l' },
		{ "mark-stale", optional_argument, NULL, 'm' },
		{ "py2-floats", no_argument, NULL, OPT_PY2_FLOATS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "jlmhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'l': o->live_only = true; break;
		case 'm': o->mark_stale = mark_mode(optarg); break;
		case OPT_PY2_FLOATS: o->py2_floats = true; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:  tool_usage_error();
		}
	}
}

int main(int argc, char **argv)
{
	struct slurp_opts o = { .mark_stale = -1 };
	struct pathlist files = PATHLIST_INIT;
	bool ok = true, first = true;
	size_t i, shown = 0;
	int err;

	tool_init("slurpstats");
	parse_args(argc, argv, &o);
	o.terminal = isatty(STDOUT_FILENO);
	if (o.mark_stale < 0)
		o.mark_stale = o.terminal;
	err = files_expand_args_strict(argv + optind,
				       (size_t)(argc - optind), &files,
				       tool_report_why);
	ok = err == 0;
	for (i = 0; i < files.n; i++)
		ok &= slurp_one(&o, files.v[i], &first, &shown);
	if (o.json)
		fputs(first ? "[]\n" : "\n]\n", stdout);
	tool_flush();
	/* Asked for live files and found only dead ones: nothing found. */
	if (ok && o.live_only && shown == 0) {
		tool_warn("no file of a live writer (%zu stale)", files.n);
		ok = false;
	}
	pathlist_free(&files);
	return ok ? 0 : 1;
}
