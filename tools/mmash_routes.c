/* mmash_routes.c - map a request to an answer. */
#include "mmash_routes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aggr.h"
#include "buf.h"
#include "mmash_pages.h"
#include "prom.h"

#define TYPE_JSON	"application/json"
#define TYPE_HTML	"text/html; charset=utf-8"
#define TYPE_TEXT	"text/plain; charset=utf-8"

static void reply_take(struct mmash_reply *rep, unsigned status,
		       const char *type, struct buf *b)
{
	rep->body = buf_steal(b, &rep->len);
	if (!rep->body) {
		status = 500;
		type = TYPE_TEXT;
		rep->body = strdup("500 Internal Server Error: "
				   "out of memory\n");
		rep->len = rep->body ? strlen(rep->body) : 0;
	}
	rep->status = status;
	rep->type = type;
}

static void reply_error(struct mmash_reply *rep, unsigned status,
			const char *reason)
{
	struct buf b = BUF_INIT;
	const char *what;

	switch (status) {
	case 400: what = "Bad Request"; break;
	case 404: what = "Not Found"; break;
	default:  what = "Internal Server Error"; break;
	}
	buf_printf(&b, "%u %s: %s\n", status, what, reason);
	reply_take(rep, status, TYPE_TEXT, &b);
}

/*
 * A client's text quoted in an error: it may hold any byte, and the
 * answer must stay one line of text, so control bytes are shown as \xNN.
 */
static void put_quoted(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(b, '\'');
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '\'')
			buf_printf(b, "\\x%02x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '\'');
}

/* The names aggr_parse() knows, for the message that lists them. */
static const char *const aggr_names[] = {
	"avg", "max", "min", "nonzero-avg", "nonzero-min", "one", "sum",
};

static void why_aggr_unknown(struct buf *why, const char *name)
{
	size_t i;

	buf_puts(why, "unknown aggregation ");
	put_quoted(why, name);
	buf_puts(why, " (valid: ");
	for (i = 0; i < sizeof(aggr_names) / sizeof(aggr_names[0]); i++)
		buf_printf(why, "%s%s", i ? ", " : "", aggr_names[i]);
	buf_putc(why, ')');
}

static void why_glob(struct buf *why, const char *glob)
{
	buf_puts(why, "invalid glob ");
	put_quoted(why, glob);
	buf_puts(why, ": one file name pattern in the stats directory "
		      "(no '/', no '..', no control character)");
}

/* -errno of loading a request's files to an HTTP status and a reason. */
static void reply_load_failure(const struct mmash_conf *conf,
			       const char *glob, int err,
			       struct mmash_reply *rep)
{
	struct buf why = BUF_INIT;

	if (err == -EINVAL) {
		why_glob(&why, glob ? glob : "");
		reply_error(rep, 400, why.data && !why.failed ? why.data :
				      "invalid glob");
	} else if (err == -ENOMEM) {
		reply_error(rep, 500, strerror(-err));
	} else {
		/* only listing the directory a client's glob looks in fails */
		buf_printf(&why, "%s: %s",
			   conf->dir ? conf->dir : files_stats_dir(),
			   strerror(-err));
		reply_error(rep, 500, why.data && !why.failed ? why.data :
				      strerror(-err));
	}
	buf_free(&why);
}

static const char *arg(const struct mmash_request *req, const char *name)
{
	return req->arg ? req->arg(req->ctx, name) : NULL;
}

/*
 * Whether the request sees stale files: ?all= decides when given (any
 * value but "" and "0" is yes), else --all does.
 */
static bool wants_stale(const struct mmash_conf *conf,
			const struct mmash_request *req)
{
	const char *all = arg(req, "all");

	if (!all)
		return conf->all;
	return *all && strcmp(all, "0") != 0;
}

/*
 * Builds an answer from the request's files.  On -EINVAL, `why` tells
 * the client what was wrong with its request (400).
 */
typedef int (*set_answer)(const struct mmash_conf *conf,
			  const struct mmash_request *req,
			  const struct mmash_set *set, const char *rest,
			  struct buf *out, struct buf *why);

/* Load the files the request names, then build the answer from them. */
static void answer(const struct mmash_conf *conf,
		   const struct mmash_request *req, const char *glob,
		   bool with_stale, const char *rest, set_answer fn,
		   const char *type, struct mmash_reply *rep)
{
	struct buf b = BUF_INIT, why = BUF_INIT;
	struct mmash_set set;
	int err;

	err = mmash_set_load(conf, glob, with_stale, &set);
	if (err) {
		reply_load_failure(conf, glob, err, rep);
		return;
	}
	err = fn(conf, req, &set, rest, &b, &why);
	mmash_set_free(&set);
	if (!err)
		reply_take(rep, 200, type, &b);
	else if (err == -EINVAL)
		reply_error(rep, 400, why.data && !why.failed ? why.data :
				      "invalid request");
	else
		reply_error(rep, 500, strerror(-err));
	buf_free(&b);
	buf_free(&why);
}

static int answer_index(const struct mmash_conf *conf,
			const struct mmash_request *req,
			const struct mmash_set *set, const char *rest,
			struct buf *out, struct buf *why)
{
	(void)rest, (void)why;
	return mmash_page_index(conf, set, arg(req, "glob"),
				wants_stale(conf, req), out);
}

static int answer_labels(const struct mmash_conf *conf,
			 const struct mmash_request *req,
			 const struct mmash_set *set, const char *rest,
			 struct buf *out, struct buf *why)
{
	(void)conf, (void)req, (void)rest, (void)why;
	return mmash_json_labels(set, out);
}

static int answer_notes(const struct mmash_conf *conf,
			const struct mmash_request *req,
			const struct mmash_set *set, const char *rest,
			struct buf *out, struct buf *why)
{
	(void)conf, (void)req, (void)rest, (void)why;
	return mmash_json_notes(set, out);
}

static int answer_files(const struct mmash_conf *conf,
			const struct mmash_request *req,
			const struct mmash_set *set, const char *rest,
			struct buf *out, struct buf *why)
{
	(void)conf, (void)req, (void)rest, (void)why;
	return mmash_json_files(set, out);
}

/* The reference's `if exact:` is true for any non-empty value. */
static int answer_values(const struct mmash_conf *conf,
			 const struct mmash_request *req,
			 const struct mmash_set *set, const char *prefix,
			 struct buf *out, struct buf *why)
{
	const char *exact = arg(req, "exact"), *name = arg(req, "aggr");
	const char *bad;
	enum aggr a = AGGR_NONE;
	int err;

	(void)conf;
	if (name && *name && aggr_parse(name, &a) < 0) {
		why_aggr_unknown(why, name);
		return -EINVAL;
	}
	err = mmash_json_values_why(set, prefix, exact && *exact, a, out,
				    &bad);
	if (err == -EINVAL && bad && name) {
		buf_puts(why, "aggregation ");
		put_quoted(why, name);
		buf_puts(why, " cannot combine the values of ");
		put_quoted(why, bad);
	}
	return err;
}

static int answer_metrics(const struct mmash_conf *conf,
			  const struct mmash_request *req,
			  const struct mmash_set *set, const char *rest,
			  struct buf *out, struct buf *why)
{
	struct prom *p = prom_new();
	size_t i, len;
	char *text;

	(void)conf, (void)rest, (void)why;
	if (!p)
		return -ENOMEM;
	for (i = 0; i < set->n; i++)
		prom_add_file(p, set->paths.v[i], &set->snaps[i]);
	text = prom_accepts_openmetrics(req->accept) ?
	       prom_render_openmetrics(p, &len) : prom_render(p, &len);
	prom_free(p);
	if (!text)
		return -ENOMEM;
	buf_add(out, text, len);
	free(text);
	return out->failed ? -ENOMEM : 0;
}

static void answer_graph(const struct mmash_conf *conf,
			 struct mmash_reply *rep)
{
	struct buf b = BUF_INIT;

	if (mmash_page_graph(conf, &b) < 0) {
		buf_free(&b);
		reply_error(rep, 500, "out of memory");
		return;
	}
	reply_take(rep, 200, TYPE_HTML, &b);
}

static bool starts(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

void mmash_route(const struct mmash_conf *conf,
		 const struct mmash_request *req, struct mmash_reply *rep)
{
	const char *path = req->path, *glob = arg(req, "glob"), *rest;
	bool stale = wants_stale(conf, req);

	memset(rep, 0, sizeof(*rep));
	if (strcmp(path, "/") == 0)
		answer(conf, req, glob, stale, "", answer_index, TYPE_HTML,
		       rep);
	else if (strcmp(path, "/graph/") == 0 || strcmp(path, "/graph") == 0)
		answer_graph(conf, rep);
	else if (strcmp(path, "/stats/") == 0)
		answer(conf, req, glob, stale, "", answer_labels, TYPE_JSON,
		       rep);
	else if (starts(path, "/stats/", &rest))
		answer(conf, req, glob, stale, rest, answer_values, TYPE_JSON,
		       rep);
	else if (strcmp(path, "/values/") == 0)
		answer(conf, req, glob, stale, "", answer_values, TYPE_JSON,
		       rep);
	else if (strcmp(path, "/notes/") == 0)
		answer(conf, req, glob, stale, "", answer_notes, TYPE_JSON,
		       rep);
	else if (starts(path, "/files/", &rest))
		answer(conf, req, *rest ? rest : glob, stale, "", answer_files,
		       TYPE_JSON, rep);
	else if (strcmp(path, "/metrics") == 0)
		/* A dead writer's file stays until removed: its frozen
		 * series would pass for a live process's, so it is never
		 * exported, even with --all or ?all=1. */
		answer(conf, req, glob, false, "", answer_metrics,
		       prom_accepts_openmetrics(req->accept) ?
		       PROM_OPENMETRICS_TYPE : PROM_CONTENT_TYPE, rep);
	else
		reply_error(rep, 404, "no such page");
}

void mmash_reply_free(struct mmash_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
}
