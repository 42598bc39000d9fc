/* layout.h - where each part of a format 1 field goes. */
#ifndef MMS_LAYOUT_H
#define MMS_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmstats.h"

/* Byte 0 of every file; fields start right after it. */
#define MMS_HEADER_SIZE		1
#define MMS_UNBUFFERED		0xff
#define MMS_STRING_DEFAULT	255	/* StringField */
#define MMS_TEXT_DEFAULT	256	/* StaticTextField */
#define MMS_WINDOW_DEFAULT	100	/* MovingAverageField */
#define MMS_LABEL_MAX		UINT16_MAX
#define MMS_STRING_MAX		(1u << 20)
#define MMS_SIG_MAX		32

/* One field, planned at a given offset of the file. */
struct mms_layout {
	uint32_t offset;	/* of the label size, in the file */
	uint32_t label_len;
	uint32_t slot_off;	/* of the first value slot, in the file */
	uint32_t notes_len;	/* pad bytes of notes leading each slot */
	uint32_t value_off;	/* of the value readers read (past notes) */
	uint32_t value_size;	/* of one value, notes left out */
	uint32_t end;		/* first byte after the field; always even */
	bool buffered;
	uint16_t sig_len;
	char sig[MMS_SIG_MAX];	/* padded with leading spaces; NUL-ended */
};

/* The type signature character, or 0 for strings ("Ns"). */
char mms_type_char(enum mmstats_type type);
bool mms_type_buffered(enum mmstats_type type);
bool mms_type_is_string(enum mmstats_type type);
/* Size in bytes of the value (strings: capacity; size 0 = default). */
uint32_t mms_type_value_size(enum mmstats_type type, uint32_t size);

/*
 * Plan a field with a label of label_len bytes starting at `offset`,
 * with notes_len (0, or a multiple of 8 >= 24) bytes of notes leading
 * each slot.  Returns 0, or -EINVAL for an unknown type (histograms are
 * several fields: plan each), an empty or overlong label, or a string
 * size out of range.
 */
int mms_layout_plan(enum mmstats_type type, uint32_t size, size_t label_len,
		    uint32_t offset, uint32_t notes_len,
		    struct mms_layout *out);

/*
 * Write the field into the (zeroed) file image `base`, everything but
 * the label size, which mms_layout_publish() stores last.
 */
void mms_layout_write(unsigned char *base, const struct mms_layout *l,
		      const char *label);

/* Write the notes (l->notes_len bytes) at the start of every slot. */
void mms_layout_write_notes(unsigned char *base, const struct mms_layout *l,
			    const unsigned char *notes);

/*
 * Store the label size with one release store, so a concurrent reader
 * sees the end of the file or the whole field, never part of it.
 */
void mms_layout_publish(unsigned char *base, const struct mms_layout *l);

#endif
