/*
 * parse.h - the format 1 parser, over bytes that may change while it
 * reads them (a shared mapping of a file being written).
 *
 * Every byte the parser uses is read once from the source and kept in the
 * snapshot's copy (snap->data), and everything is decided on that copy,
 * so a writer changing the file meanwhile can make the parse see an older
 * or a newer file, never an inconsistent one.  Order comes from the
 * writer's: a field is published by its label size, stored last with a
 * release store, and read here first with an acquire load.  Numbers are
 * read with one load of their natural width where they are naturally
 * aligned (every value of this library's writer): single-copy atomic,
 * never torn.  Strings are read again until two reads agree.
 */
#ifndef MMS_PARSE_H
#define MMS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmstats.h"
#include "typesig.h"

/* What it takes to read a field's value again, in the file. */
struct mms_fieldinfo {
	struct mms_typesig sig;
	uint32_t wb_off;	/* of the write buffer byte */
	uint32_t end;		/* first byte after the field */
};

/*
 * A parse in progress.  It lives in the caller's frame so that a parse
 * cut short by a fault (guard.h) still tells how far it got: the fields
 * in snap (snap->nstats of them) are whole, and `end` is where the next
 * one starts.
 */
struct mms_parser {
	struct mmstats_snapshot *snap;
	const unsigned char *src;	/* the source, perhaps live */
	size_t len;
	size_t off;		/* of the field being parsed */
	size_t arena_used, arena_cap;
	size_t stats_cap;
	struct mms_fieldinfo *info;	/* NULL unless asked for */
	struct mmstats_limits lim;	/* zeroed by mms_parse_begin: none */
	size_t label_bytes;	/* of the fields read: raw sizes, summed */
	bool want_info;
	bool end_clean;		/* stopped at a zero label size or the end */
	bool past_end;		/* stopped at the end of the source, */
				/* before a zero label size */
	bool limited;		/* stopped before a field past p->lim */
};

/*
 * Set up a parse of len bytes at src into *snap (zeroed first): checks
 * the size and the version byte, and allocates.  Returns 0, or -errno
 * with snap->err and snap->errmsg set.  With want_info, p->info gets one
 * entry per field.
 */
int mms_parse_begin(struct mms_parser *p, const void *src, size_t len,
		    struct mmstats_snapshot *snap, bool want_info);

/*
 * Parse the fields, loading from the source.  Returns 0 at a clean end,
 * or -errno at the first bad field (the fields before it are kept), or
 * -E2BIG before the first field past p->lim (p->limited; p->off is
 * where that field starts, and nothing of it but its label size is
 * read).
 */
int mms_parse_fields(struct mms_parser *p);

/* Record err (-errno) and its text in the snapshot and the thread. */
int mms_parse_fail(struct mms_parser *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Load the value of a field now, by the rules above: from `src` (the file
 * as mapped) into *val; a string's bytes go to buf, which holds
 * fi->sig.item_size bytes (val then points into it).
 */
void mms_load_value(const unsigned char *src, const struct mms_fieldinfo *fi,
		    struct mmstats_value *val, unsigned char *buf);

#endif
