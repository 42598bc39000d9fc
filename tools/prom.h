/*
 * prom.h - the Prometheus text exposition format 0.0.4 for mmstats files.
 *
 * Each numeric field becomes a sample of the metric named after its label
 * (sanitized), one series per file, labelled with the writer's pid, tid
 * and the file.  Counters are guessed (format 1 does not record field
 * classes): a buffered unsigned 64-bit field whose label mentions "count" or
 * "total".  Strings become NAME_info gauges of 1 with
 * the text in a "value" label.
 */
#ifndef TOOLS_PROM_H
#define TOOLS_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mmstats.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A metric name from a label: [a-zA-Z_:][a-zA-Z0-9_:]*. */
void prom_name(struct buf *b, const char *label);
/* A label value inside double quotes: \\, \" and \n escaped. */
void prom_label_value(struct buf *b, const char *s, size_t len);
/* HELP text: \\ and \n escaped. */
void prom_help(struct buf *b, const char *s);
/* Whether a stat is exposed as a counter (see above). */
bool prom_is_counter(const struct mmstats_stat *st);

struct prom;

struct prom *prom_new(void);
/* Add every field of the file `path`. */
void prom_add_file(struct prom *p, const char *path,
		   const struct mmstats_snapshot *snap);
/* The exposition: families sorted by name; NULL when out of memory. */
char *prom_render(struct prom *p, size_t *len);
void prom_free(struct prom *p);

#endif
