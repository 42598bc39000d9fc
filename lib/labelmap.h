/*
 * labelmap.h - the labels of an instance's fields, to their slots: one
 * lookup per label, so that opening a file of n fields is linear in n
 * (every new label is checked against all the file's).
 */
#ifndef MMS_LABELMAP_H
#define MMS_LABELMAP_H

#include <stdbool.h>
#include <stddef.h>

struct mms_slot;

struct mms_labelmap {
	struct mms_labelmap_entry *tab;	/* NULL label: free */
	size_t cap;			/* a power of two, or 0 */
	size_t n;
};

void mms_labelmap_free(struct mms_labelmap *m);

/* Room for `more` labels, so that the next adds cannot fail: 0 or -ENOMEM. */
int mms_labelmap_reserve(struct mms_labelmap *m, size_t more);

/*
 * Add a label (not copied: the slot owns it) that is not in the map yet,
 * within the room reserved.  `own`: the def's own label, which
 * mms_labelmap_slot() finds, not only a field's that it made.
 */
void mms_labelmap_add(struct mms_labelmap *m, const char *label,
		      struct mms_slot *slot, bool own);

bool mms_labelmap_has(const struct mms_labelmap *m, const char *label);

/* The slot of the def labelled `label`, or NULL. */
struct mms_slot *mms_labelmap_slot(const struct mms_labelmap *m,
				   const char *label);

#endif
