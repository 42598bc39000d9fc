/* instance.h - an open mmstats file, shared by the writer's modules. */
#ifndef MMS_INSTANCE_H
#define MMS_INSTANCE_H

#include <stdbool.h>
#include <sys/types.h>

#include "mmstats.h"
#include "layout.h"

/* A field and what the instance needs to move it when the file grows. */
struct mms_slot {
	struct mmstats_field field;	/* first: handed out to callers */
	struct mms_layout layout;
	char *label;			/* full label, prefix included */
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

	struct mmstats *reg_next;	/* registry.c */
};

#endif
