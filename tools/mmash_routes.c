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

/* -errno of building an answer to an HTTP status. */
static void reply_failure(struct mmash_reply *rep, int err)
{
	if (err == -EINVAL)
		reply_error(rep, 400, "invalid glob or aggregation");
	else
		reply_error(rep, 500, strerror(-err));
}

static const char *arg(const struct mmash_request *req, const char *name)
{
	return req->arg ? req->arg(req->ctx, name) : NULL;
}

typedef int (*set_answer)(const struct mmash_conf *conf,
			  const struct mmash_request *req,
			  const struct mmash_set *set, const char *rest,
			  struct buf *out);

/* Load the files the request names, then build the answer from them. */
static void answer(const struct mmash_conf *conf,
		   const struct mmash_request *req, const char *glob,
		   const char *rest, set_answer fn, const char *type,
		   struct mmash_reply *rep)
{
	struct mmash_set set;
	struct buf b = BUF_INIT;
	int err;

	err = mmash_set_load(conf, glob, &set);
	if (err) {
		reply_failure(rep, err);
		return;
	}
	err = fn(conf, req, &set, rest, &b);
	mmash_set_free(&set);
	if (err) {
		buf_free(&b);
		reply_failure(rep, err);
		return;
	}
	reply_take(rep, 200, type, &b);
}

static int answer_index(const struct mmash_conf *conf,
			const struct mmash_request *req,
			const struct mmash_set *set, const char *rest,
			struct buf *out)
{
	(void)req, (void)rest;
	return mmash_page_index(conf, set, out);
}

static int answer_labels(const struct mmash_conf *conf,
			 const struct mmash_request *req,
			 const struct mmash_set *set, const char *rest,
			 struct buf *out)
{
	(void)conf, (void)req, (void)rest;
	return mmash_json_labels(set, out);
}

static int answer_files(const struct mmash_conf *conf,
			const struct mmash_request *req,
			const struct mmash_set *set, const char *rest,
			struct buf *out)
{
	(void)conf, (void)req, (void)rest;
	return mmash_json_files(set, out);
}

/* The reference's `if exact:` is true for any non-empty value. */
static int answer_values(const struct mmash_conf *conf,
			 const struct mmash_request *req,
			 const struct mmash_set *set, const char *prefix,
			 struct buf *out)
{
	const char *exact = arg(req, "exact"), *name = arg(req, "aggr");
	enum aggr a = AGGR_NONE;

	(void)conf;
	if (name && *name && aggr_parse(name, &a) < 0)
		return -EINVAL;
	return mmash_json_values(set, prefix, exact && *exact, a, out);
}

static int answer_metrics(const struct mmash_conf *conf,
			  const struct mmash_request *req,
			  const struct mmash_set *set, const char *rest,
			  struct buf *out)
{
	struct prom *p = prom_new();
	size_t i, len;
	char *text;

	(void)conf, (void)req, (void)rest;
	if (!p)
		return -ENOMEM;
	for (i = 0; i < set->n; i++)
		prom_add_file(p, set->paths.v[i], &set->snaps[i]);
	text = prom_render(p, &len);
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

	memset(rep, 0, sizeof(*rep));
	if (strcmp(path, "/") == 0)
		answer(conf, req, glob, "", answer_index, TYPE_HTML, rep);
	else if (strcmp(path, "/graph/") == 0 || strcmp(path, "/graph") == 0)
		answer_graph(conf, rep);
	else if (strcmp(path, "/stats/") == 0)
		answer(conf, req, glob, "", answer_labels, TYPE_JSON, rep);
	else if (starts(path, "/stats/", &rest))
		answer(conf, req, glob, rest, answer_values, TYPE_JSON, rep);
	else if (strcmp(path, "/values/") == 0)
		answer(conf, req, glob, "", answer_values, TYPE_JSON, rep);
	else if (starts(path, "/files/", &rest))
		answer(conf, req, *rest ? rest : glob, "", answer_files,
		       TYPE_JSON, rep);
	else if (strcmp(path, "/metrics") == 0)
		answer(conf, req, glob, "", answer_metrics, PROM_CONTENT_TYPE,
		       rep);
	else
		reply_error(rep, 404, "no such page");
}

void mmash_reply_free(struct mmash_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
}
