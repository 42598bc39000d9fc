/*
 * prom.h - mmstats files in the Prometheus text format 0.0.4 and in
 * OpenMetrics 1.0.0.
 *
 * A field's notes (mmstats(5), Field notes) say what it is: counters
 * become counters named NAME_total, gauges gauges, texts NAME_info of 1
 * with the text in a "value" label, histograms NAME_bucket{le=...} (made
 * cumulative, only when the last bucket is +Inf), NAME_sum and
 * NAME_count; a unit is appended to the name (NAME_seconds) unless it
 * ends with _UNIT; no name is ever empty.  Fields without notes (the
 * reference's files) are untyped (OpenMetrics: unknown): format 1 does
 * not say whether a number only goes up.  The writer's default fields
 * (sys.*) are not exported: the process is in the labels of each series,
 * pid, program and tid (a process writes a file per thread, so the
 * thread tells its series apart), and pidns when the pid is of a PID
 * namespace we cannot see into; its start time is
 * process_start_time_seconds{pid=...,program=...}.
 * The code: names and escaping in promname.c, writers in promwriter.c,
 * series in promseries.c, rendering in prom.c, Accept in promaccept.c.
 */
#ifndef TOOLS_PROM_H
#define TOOLS_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "mmstats.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define PROM_OPENMETRICS_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"

/* A metric name from a label: [a-zA-Z_:][a-zA-Z0-9_:]*. */
void prom_name(struct buf *b, const char *label);
/* A label value inside double quotes: \\, \" and \n escaped. */
void prom_label_value(struct buf *b, const char *s, size_t len);
/* HELP text: \\ and \n escaped (and \" for OpenMetrics). */
void prom_help(struct buf *b, const char *s, bool openmetrics);
/*
 * Whether an HTTP Accept header prefers OpenMetrics 1.0.0: its q is > 0
 * and >= that of text/plain, or failing that of the text/ wildcard,
 * or of the any-type wildcard.  NULL: no.
 */
bool prom_accepts_openmetrics(const char *accept);

struct prom;

struct prom *prom_new(void);
/* Add every field of the file `path` (its name may tell the program). */
void prom_add_file(struct prom *p, const char *path,
		   const struct mmstats_snapshot *snap);
/*
 * Add the fields of `snap`, values already summed over the processes of
 * `program` (mmstatsfs' /programs/NAME/%metrics): each series has the
 * one label program="NAME" (none when program is NULL or ""), and no
 * process_start_time_seconds is given.  Default fields (sys.*) are
 * left out as prom_add_file() leaves them out.
 */
void prom_add_program(struct prom *p, const char *program,
		      const struct mmstats_snapshot *snap);
/*
 * The exposition, families sorted by name; NULL when out of memory.
 * Of the families whose names collide (labels that sanitize alike, a
 * gauge named like a counter's NAME_total...), the one added first is
 * kept; so is the first of two series with the same labels.
 */
char *prom_render(struct prom *p, size_t *len);
/* The same in OpenMetrics text, with # UNIT lines and the final # EOF. */
char *prom_render_openmetrics(struct prom *p, size_t *len);
void prom_free(struct prom *p);

#endif
