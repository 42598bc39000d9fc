/*
 * promint.h - what the files of the exposition writer share (prom*.c):
 * the series they collect, and the writer's identity.  Tools include
 * prom.h, never this.
 */
#ifndef TOOLS_PROMINT_H
#define TOOLS_PROMINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "mmstats.h"
#include "prom.h"

enum prom_type { PT_UNTYPED, PT_COUNTER, PT_GAUGE, PT_INFO, PT_HISTOGRAM };

/* One sample line: family base name + suffix {labels,extra} value. */
struct prom_point {
	const char *suffix;	/* "", "_total", "_bucket", ... */
	char *extra;		/* le="..." or value="...", or NULL */
	char *value;
};

/* One field of one file (a histogram is one, with all its lines). */
struct prom_series {
	char *key;		/* family name in 0.0.4: base, and _total
				   for counters, _info for texts */
	size_t base_len;	/* of the OpenMetrics family name, a prefix */
	enum prom_type type;
	char *help;
	char *unit;		/* sanitized; "" when none */
	char *labels;		/* pid="..",program="..",tid="..": escaped */
	struct prom_point *pt;
	size_t npt;
	size_t seq;		/* order added: the first of a name wins */
};

struct prom {
	struct prom_series *v;
	size_t n, cap;
	bool failed;
	double btime;		/* boot time, s since the epoch; <0: unknown */
	bool btime_read;
	uint64_t pidns;		/* our PID namespace's inode; 0: unknown */
	bool pidns_read;
};

/* promname.c: the family's names (key, base_len, unit) from a field's. */
void prom_series_names(struct prom_series *s, const char *name,
		       size_t name_len, const char *unit);

/* promseries.c */
void prom_series_free(struct prom_series *s);
bool prom_series_points(struct prom_series *s, size_t n);
/* Takes ownership of the strings in `s`, also when it fails. */
void prom_push(struct prom *p, struct prom_series *s, bool ok);
void prom_double_text(struct buf *b, double d);

/* promwriter.c: who wrote a file. */
struct prom_writer {
	const char *prefix;	/* of the default fields: "" or the model's */
	size_t plen;
	pid_t pid;		/* as this process sees it, else as recorded;
				   -1: unknown */
	bool here;		/* pid is of our namespace */
	int alive;		/* -1: not asked yet; then whether pid still
				   names the writer (not a reuse of it) */
	char tid[24];		/* "" when the file has no sys.tid */
	uint64_t pidns;		/* the namespace pid is of, when not ours */
	struct buf program;	/* escaped label value; empty: unknown */
};

/* 0, or -ENOMEM.  Free w with prom_writer_free() whatever the result. */
int prom_writer_identify(struct prom *p, struct prom_writer *w,
			 const char *path,
			 const struct mmstats_snapshot *snap);
/* Only the default fields' prefix: for sums of many writers. */
void prom_writer_anonymous(struct prom_writer *w,
			   const struct mmstats_snapshot *snap);
/* pid="..",program=".."[,pidns=".."][,tid=".."]; NULL: out of memory. */
char *prom_writer_labels(const struct prom_writer *w, bool with_tid);
/* A default field (sys.*): not exported, it describes the writer. */
bool prom_writer_is_sys(const struct prom_writer *w,
			const struct mmstats_stat *st);
/* process_start_time_seconds{pid=..,program=..} when it is known. */
void prom_add_start_time(struct prom *p, struct prom_writer *w,
			 const struct mmstats_snapshot *snap);
void prom_writer_free(struct prom_writer *w);

#endif
