/*
 * layout.c - field encoding of format 1:
 *
 *	u16 label_sz, label, u16 type_sig_sz, type_sig, u8 write_buffer,
 *	value (unbuffered, write_buffer 0xff) or two values (buffered).
 *
 * Every value is naturally aligned, and every field ends at an even
 * offset, by padding the type signature with leading spaces, which
 * struct formats ignore.  Aligned stores are single-copy atomic, so a
 * reader never sees a torn number, and the next field's label size can
 * be published with one 16-bit store.
 *
 * A field with notes (notes.c) has a signature "<spaces>Nx<type>": N
 * bytes of notes lead each slot.  The slot starts 8-aligned, so the
 * value after the notes (N is a multiple of 8) is naturally aligned;
 * only an unbuffered field of odd total size (a string of odd size, b,
 * ?) starts at 8k + 7 instead, so that the field still ends even (its
 * value needs no alignment: a string is copied byte by byte, b and ?
 * are single bytes; notes are read from the reader's copy).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

struct type_info {
	char sig;		/* 0: a string, "Ns" */
	uint8_t size;
	bool buffered;
};

static const struct type_info types[MMSTATS_TYPE_COUNT] = {
	[MMSTATS_COUNTER]	 = { 'Q', 8, true },
	[MMSTATS_AVERAGE]	 = { 'd', 8, true },
	[MMSTATS_MOVING_AVERAGE] = { 'd', 8, true },
	[MMSTATS_TIMER]		 = { 'd', 8, true },
	[MMSTATS_UINT64]	 = { 'Q', 8, true },
	[MMSTATS_UINT32]	 = { 'I', 4, true },
	[MMSTATS_INT32]		 = { 'i', 4, true },
	[MMSTATS_INT16]		 = { 'h', 2, true },
	[MMSTATS_UINT16]	 = { 'H', 2, true },
	[MMSTATS_BYTE]		 = { 'b', 1, false },
	[MMSTATS_FLOAT]		 = { 'f', 4, true },
	[MMSTATS_STATIC_FLOAT]	 = { 'f', 4, false },
	[MMSTATS_DOUBLE]	 = { 'd', 8, true },
	[MMSTATS_STATIC_DOUBLE]	 = { 'd', 8, false },
	[MMSTATS_BOOL]		 = { '?', 1, false },
	[MMSTATS_STRING]	 = { 0, 0, false },
	[MMSTATS_STATIC_UINT32]	 = { 'I', 4, false },
	[MMSTATS_STATIC_INT64]	 = { 'q', 8, false },
	[MMSTATS_STATIC_UINT64]	 = { 'Q', 8, false },
	[MMSTATS_STATIC_TEXT]	 = { 0, 0, false },
};

static bool type_valid(enum mmstats_type type)
{
	return (unsigned)type < MMSTATS_TYPE_COUNT &&
	       type != MMSTATS_HISTOGRAM;
}

char mms_type_char(enum mmstats_type type)
{
	return type_valid(type) ? types[type].sig : 0;
}

bool mms_type_buffered(enum mmstats_type type)
{
	return type_valid(type) && types[type].buffered;
}

bool mms_type_is_string(enum mmstats_type type)
{
	return type == MMSTATS_STRING || type == MMSTATS_STATIC_TEXT;
}

uint32_t mms_type_value_size(enum mmstats_type type, uint32_t size)
{
	if (type == MMSTATS_STRING)
		return size ? size : MMS_STRING_DEFAULT;
	if (type == MMSTATS_STATIC_TEXT)
		return size ? size : MMS_TEXT_DEFAULT;
	return type_valid(type) ? types[type].size : 0;
}

/* The signature without padding: "Q", "255s", "48xQ". */
static int core_signature(enum mmstats_type type, uint32_t vsize,
			  uint32_t notes_len, char *buf, size_t len)
{
	char pad[16] = "";

	if (notes_len)
		snprintf(pad, sizeof(pad), "%ux", notes_len);
	if (mms_type_is_string(type))
		return snprintf(buf, len, "%s%us", pad, vsize);
	return snprintf(buf, len, "%s%c", pad, types[type].sig);
}

/*
 * The residue modulo `align` the first slot must start at: the value's
 * own alignment without notes, 8 with them (7 for an unbuffered field of
 * odd size, see above); either way the field must end even.
 */
static void slot_alignment(enum mmstats_type type, uint32_t vsize,
			   uint32_t notes_len, uint32_t *align,
			   uint32_t *residue)
{
	uint32_t nvalues = types[type].buffered ? 2 : 1;

	*residue = 0;
	if (!notes_len) {
		*align = mms_type_is_string(type) ? 1 : vsize;
		return;
	}
	*align = 8;
	if (nvalues * vsize % 2)
		*residue = 7;
}

int mms_layout_plan(enum mmstats_type type, uint32_t size, size_t label_len,
		    uint32_t offset, uint32_t notes_len,
		    struct mms_layout *out)
{
	char core[MMS_SIG_MAX];
	uint32_t vsize, align, residue, nvalues, base, pad, slot;
	int core_len;

	if (!type_valid(type) || label_len == 0 || label_len > MMS_LABEL_MAX ||
	    notes_len % 8 || (notes_len && notes_len < 24) ||
	    notes_len > UINT16_MAX)
		return -EINVAL;
	vsize = mms_type_value_size(type, size);
	if (vsize == 0 || vsize > MMS_STRING_MAX)
		return -EINVAL;
	core_len = core_signature(type, vsize, notes_len, core, sizeof(core));
	slot_alignment(type, vsize, notes_len, &align, &residue);
	nvalues = types[type].buffered ? 2 : 1;
	slot = notes_len + vsize;

	/* label size, label, signature size, signature, write buffer */
	base = offset + 2 + (uint32_t)label_len + 2 + (uint32_t)core_len + 1;
	pad = (align + residue - base % align) % align;
	if ((base + pad + nvalues * slot) % 2)
		pad++;

	out->offset = offset;
	out->label_len = (uint32_t)label_len;
	out->value_size = vsize;
	out->notes_len = notes_len;
	out->buffered = types[type].buffered;
	out->slot_off = base + pad;
	/* Writers store into slot 1: readers read write_buffer ^ 1. */
	out->value_off = base + pad + (out->buffered ? slot : 0) + notes_len;
	out->end = base + pad + nvalues * slot;
	out->sig_len = (uint16_t)(pad + (uint32_t)core_len);
	memset(out->sig, ' ', pad);
	memcpy(out->sig + pad, core, (size_t)core_len + 1);
	return 0;
}

static void put_u16(unsigned char *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

void mms_layout_write(unsigned char *base, const struct mms_layout *l,
		      const char *label)
{
	unsigned char *p = base + l->offset + 2;

	memcpy(p, label, l->label_len);
	p += l->label_len;
	put_u16(p, l->sig_len);
	p += 2;
	memcpy(p, l->sig, l->sig_len);
	p += l->sig_len;
	/* Buffered: index 0 forever, so readers read slot 1. */
	*p = l->buffered ? 0 : MMS_UNBUFFERED;
}

void mms_layout_write_notes(unsigned char *base, const struct mms_layout *l,
			    const unsigned char *notes)
{
	uint32_t slot = l->notes_len + l->value_size;

	if (!l->notes_len)
		return;
	memcpy(base + l->slot_off, notes, l->notes_len);
	if (l->buffered)
		memcpy(base + l->slot_off + slot, notes, l->notes_len);
}

void mms_layout_publish(unsigned char *base, const struct mms_layout *l)
{
	uint16_t len = (uint16_t)l->label_len;
	uint32_t word;

	if (l->offset % 2 == 0) {
		__atomic_store_n((uint16_t *)(void *)(base + l->offset), len,
				 __ATOMIC_RELEASE);
		return;
	}
	/*
	 * Only the first field starts at an odd offset (1, after the
	 * version byte): publish it with the aligned word at 0 that holds
	 * the version, the label size and the first label byte.
	 */
	memcpy(&word, base + l->offset - 1, sizeof(word));
	memcpy((unsigned char *)&word + 1, &len, sizeof(len));
	__atomic_store_n((uint32_t *)(void *)(base + l->offset - 1), word,
			 __ATOMIC_RELEASE);
}
