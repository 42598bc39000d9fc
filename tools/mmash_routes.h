/*
 * mmash_routes.h - what mmash answers, apart from HTTP itself, so the
 * routes can be tested without a socket.
 *
 *	/                  index page
 *	/graph/            live graphs
 *	/stats/            {"stats": [labels]}
 *	/stats/PREFIX      {label: [values]}; ?exact=1 ?aggr=NAME ?glob=G
 *	/values/           the same for every label (used by /graph/)
 *	/files/[GLOB]      {"files": [paths]}
 *	/notes/            {label: {"metric", "unit", "help"}}
 *	/metrics           Prometheus text format 0.0.4, or OpenMetrics
 *	                   1.0.0 when the Accept header asks for it
 *
 * Every route but /metrics takes ?all=1 (or ?all=0 against --all): the
 * files of writers that are gone too.  /metrics never shows those.
 */
#ifndef TOOLS_MMASH_ROUTES_H
#define TOOLS_MMASH_ROUTES_H

#include <stddef.h>

#include "mmash_data.h"

struct mmash_request {
	const char *path;	/* decoded, without the query */
	/* A query argument's decoded value, or NULL. */
	const char *(*arg)(void *ctx, const char *name);
	void *ctx;
	const char *accept;	/* the Accept header, or NULL */
};

struct mmash_reply {
	unsigned status;
	const char *type;	/* Content-Type */
	char *body;		/* malloc'd, owned by the reply */
	size_t len;
};

void mmash_route(const struct mmash_conf *conf,
		 const struct mmash_request *req, struct mmash_reply *rep);
void mmash_reply_free(struct mmash_reply *rep);

#endif
