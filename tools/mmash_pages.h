/* mmash_pages.h - mmash's HTML: the index and the live graph page. */
#ifndef TOOLS_MMASH_PAGES_H
#define TOOLS_MMASH_PAGES_H

#include <stdbool.h>

#include "buf.h"
#include "mmash_data.h"

/* Text with &, <, >, " and ' escaped for HTML. */
void mmash_html_escape(struct buf *b, const char *s);

/*
 * The index: every label, linking to its JSON, and links to the rest;
 * it says how many stale files were left out, and how to see them (a
 * link that keeps the request's `glob`, which may be NULL).
 */
int mmash_page_index(const struct mmash_conf *conf,
		     const struct mmash_set *set, const char *glob,
		     bool with_stale, struct buf *out);

/*
 * The graph page: self-contained (no external script), it polls
 * /values/ (with the page's own ?glob= and ?all=, so it shows the files
 * the rest of mmash shows) and draws each numeric stat, summed over
 * files, on a canvas.
 */
int mmash_page_graph(const struct mmash_conf *conf, struct buf *out);

#endif
