/* instance.h - an open mmstats file, shared by the writer's modules. */
#ifndef MMS_INSTANCE_H
#define MMS_INSTANCE_H

#include <stdbool.h>
#include <sys/types.h>

#include "mmstats.h"
#include "labelmap.h"
#include "layout.h"

/* One field of the file, and its notes until they are written. */
struct mms_part {
	struct mms_layout layout;
	char *label;			/* full label, prefix included */
	unsigned char *notes;		/* layout.notes_len bytes, or NULL */
};

/*
 * What a def made, and what the instance needs to move it when the file
 * grows: one field, or a histogram's sum and buckets (parts[0], the
 * sum, is what field.value points at).
 */
struct mms_slot {
	struct mmstats_field field;	/* first: handed out to callers */
	char *label;			/* the def's, prefix included */
	struct mms_part *parts;
	uint32_t nparts;
};

struct mmstats {
	int fd;
	int dirfd;
	char *path;		/* directory/name, for messages and callers */
	char *name;		/* in dirfd */
	dev_t dev;
	ino_t ino;
	pid_t owner;		/* the process that created the file */
	unsigned flags;
	bool removed;
	bool linked;		/* the file has its name (registry lock) */
	bool unlink_pending;	/* removed before it had it (same lock) */

	unsigned char *map;
	size_t map_size;	/* = file size, whole pages */
	uint32_t used;		/* end of the last field */

	char *prefix;
	struct mms_slot **slots;
	size_t nslots, cap;
	struct mms_labelmap labels;	/* every label of every slot */

	struct mmstats *reg_next;	/* registry.c */
};

/* slot.c: a def's fields, planned from `offset` on (noted: with notes). */
int mms_slot_new(const char *prefix, const struct mmstats_field_def *def,
		 bool noted, uint32_t offset, struct mms_slot **out);
void mms_slot_free(struct mms_slot *slot);
uint32_t mms_slot_end(const struct mms_slot *slot);
/* Point the field (and a histogram's buckets) into map. */
void mms_slot_rebase(struct mms_slot *slot, unsigned char *map);
/* Write the slot's fields into the zeroed map, then publish them. */
void mms_slot_write(struct mms_slot *slot, unsigned char *map,
		    const struct mmstats_field_def *def);
void mms_slot_publish(struct mms_slot *slot, unsigned char *map);

#endif
