/*
 * mmash_data.h - the stats mmash serves: the files of a glob, read once
 * per request, and the reference's JSON answers built from them.
 */
#ifndef TOOLS_MMASH_DATA_H
#define TOOLS_MMASH_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "files.h"
#include "mmstats.h"

struct mmash_conf {
	const char *glob;	/* the files served by default */
	const char *dir;	/* where a client's glob looks; NULL: the
				 * directories of $MMSTATS_PATH, template
				 * or not (files_stats_dirs) */
	bool all;		/* --all: stale files too, unless ?all=0 */
};

/*
 * Readable files of one request, each with at least one field.  Members
 * are added at the end only: the fuzz target fills the first three.
 */
struct mmash_set {
	struct pathlist paths;
	struct mmstats_snapshot *snaps;
	size_t n;
	size_t nstale;		/* stale files left out */
};

/*
 * Load the default files, or those in conf->dir matching `client_glob`
 * (NULL or "": the default).  Files whose writer is gone (STALE for
 * mmstats_liveness(), the rule of every reader of the library) are left
 * out unless `with_stale`; files without sys.pid (UNKNOWN) are kept, as
 * mmstatsfs keeps them under /files.  -EINVAL for a glob that could
 * leave the directory, else -errno of listing conf->dir (or the one
 * directory of a $MMSTATS_PATH that is no template); unreadable
 * files are skipped, as the reference does.
 */
int mmash_set_load(const struct mmash_conf *conf, const char *client_glob,
		   bool with_stale, struct mmash_set *set);
void mmash_set_free(struct mmash_set *set);

/* Every label, sorted, once; pointers into the set; free(*out). */
int mmash_labels(const struct mmash_set *set, const char ***out, size_t *n);

/* {"stats": [every label, sorted, once]} */
int mmash_json_labels(const struct mmash_set *set, struct buf *out);

/*
 * {label: {"metric": "counter", "unit": "seconds", "help": ".."}} for the
 * labels some file has notes for (mmstats(5)), from the first such file;
 * metric is counter, gauge, info, histogram_sum or histogram_bucket.
 */
int mmash_json_notes(const struct mmash_set *set, struct buf *out);

/* {"files": [every file that has fields]} */
int mmash_json_files(const struct mmash_set *set, struct buf *out);

/*
 * {label: [values...]} for the labels starting with `prefix` (equal to it
 * when `exact`), keys sorted; with an aggregator, {label: value}.
 * -EINVAL when the aggregator cannot combine some label's values.
 */
int mmash_json_values(const struct mmash_set *set, const char *prefix,
		      bool exact, int aggr, struct buf *out);

/*
 * mmash_json_values(), and on -EINVAL the label whose values could not
 * be combined in *bad (a pointer into the set), so that the client is
 * told which.
 */
int mmash_json_values_why(const struct mmash_set *set, const char *prefix,
			  bool exact, int aggr, struct buf *out,
			  const char **bad);

#endif
