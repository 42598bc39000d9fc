/*
 * notes.h - field notes (mmstats(5), Field notes): what a value means,
 * in pad bytes at the start of its slot that the reference never unpacks.
 */
#ifndef MMS_NOTES_H
#define MMS_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmstats.h"

#define MMS_NOTES_HEAD	24	/* fixed part; unit and help follow */

/* Notes as written: strings are the writer's, not NUL-terminated. */
struct mms_notes_spec {
	enum mmstats_metric metric;
	const char *unit, *help;
	size_t unit_len, help_len;
	double bound;		/* histogram buckets */
	uint16_t name_len;	/* histogram sums and buckets */
};

/* Notes as found in a slot: unit and help point into it. */
struct mms_notes_raw {
	enum mmstats_metric metric;
	const unsigned char *unit, *help;
	size_t unit_len, help_len;
	double bound;
	uint16_t name_len;
};

/* Bytes of notes for a spec: 24 + unit + help, rounded up to 8. */
uint32_t mms_notes_size(const struct mms_notes_spec *spec);

/* Encode into dst, of n = mms_notes_size(spec) bytes. */
void mms_notes_encode(unsigned char *dst, size_t n,
		      const struct mms_notes_spec *spec);

/*
 * Decode the n pad bytes at the start of a slot; false (and nothing
 * told) when they are not notes: no magic, a metric out of range, a
 * unit or a help longer than MMSTATS_UNIT_MAX or MMSTATS_HELP_MAX, or
 * a unit and a help that do not fit.
 */
bool mms_notes_decode(const unsigned char *p, size_t n,
		      struct mms_notes_raw *out);

/*
 * Clean len bytes of a unit or help into dst (len + 1 bytes): bad UTF-8,
 * NUL and control bytes dropped.  Returns the length.
 */
size_t mms_notes_clean(char *dst, const unsigned char *src, size_t len);

#endif
