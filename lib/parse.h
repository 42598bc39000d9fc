/* parse.h - the format 1 parser, with what the file reader needs to know. */
#ifndef MMS_PARSE_H
#define MMS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "mmstats.h"

/*
 * mmstats_parse() of a malloc'ed buffer that the snapshot takes over
 * (freed by mmstats_snapshot_free(), or here on failure), without a
 * copy.  *truncated (may be NULL) tells whether parsing stopped at a
 * field that runs past the end of the data: the sign of a file read
 * while a writer appended a field to it.
 */
int mms_parse_owned(unsigned char *data, size_t len,
		    struct mmstats_snapshot *snap, bool *truncated);

#endif
