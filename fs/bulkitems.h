/*
 * bulkitems.h - the labels of a bulk group (bulkgroup.h) loaded without
 * the daemon's lock, each combined as its own file combines it, and
 * rendered: what a program's label file and the bulk files show.
 */
#ifndef MFS_BULKITEMS_H
#define MFS_BULKITEMS_H

#include "bulkgroup.h"

/* One label's result. */
struct mfs_bulk_item {
	char *label;		/* as the file has it (UTF-8 cleaned) */
	struct mmstats_stat stat;	/* its field, with the value shown */
	char *text;		/* the value, rendered; NULL: none shown */
	char *unit, *help;	/* copies: the map may be gone */
};

void mfs_bulk_item_free(struct mfs_bulk_item *it);

/*
 * items[l] (zeroed, g->nlabels of them): label l of g, as its own file
 * would show it to `who` now.  0, -EACCES (`who` may not read a file
 * that gives a value, or a kept set), -ENOMEM, -EIO.
 */
int mfs_bulk_items(struct mfs *fs, const struct mfs_caller *who,
		   const struct mfs_bulk_group *g, struct mfs_bulk_item *items);

#endif
