/* mmash_pages.h - mmash's HTML: the index and the live graph page. */
#ifndef TOOLS_MMASH_PAGES_H
#define TOOLS_MMASH_PAGES_H

#include "buf.h"
#include "mmash_data.h"

/* Text with &, <, >, " and ' escaped for HTML. */
void mmash_html_escape(struct buf *b, const char *s);

/* The index: every label, linking to its JSON, and links to the rest. */
int mmash_page_index(const struct mmash_conf *conf,
		     const struct mmash_set *set, struct buf *out);

/*
 * The graph page: self-contained (no external script), it polls
 * /values/ and draws each numeric stat, summed over files, on a canvas.
 */
int mmash_page_graph(const struct mmash_conf *conf, struct buf *out);

#endif
