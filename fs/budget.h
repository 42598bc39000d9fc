/*
 * budget.h - how many source files may be held mapped, and which are.
 *
 * A held file costs a descriptor and a mapping.  Files are held while
 * held + pidfds + MFS_FD_RESERVE stays under the soft RLIMIT_NOFILE of
 * init and held stays under what vm.max_map_count leaves (less the
 * mappings the daemon had at init and MFS_MAP_RESERVE).  A pidfd is
 * worth more than a held file (without it a process is polled, a system
 * call or two every MFS_POLL_MS), so a new process takes a held file's
 * descriptor when none is left.  Files not held are mapped at each read:
 * no number of files can hide one.
 */
#ifndef MFS_BUDGET_H
#define MFS_BUDGET_H

#include "sources.h"

/*
 * Descriptors left to everything but held files and pidfds: the FUSE
 * device, epoll, inotify, directories, and files opened by name while a
 * request or a rescan reads them.
 */
#define MFS_FD_RESERVE		32

/*
 * Mappings (vm.max_map_count) left to everything but held files, on top
 * of those the daemon had at start: the heap's, thread stacks, and files
 * mapped while a request or a rescan reads them.
 */
#define MFS_MAP_RESERVE		256

/* One owner holds at most this fraction of the files held (owners.h). */
#define MFS_OWNER_SHARE		4

/* The limits, from RLIMIT_NOFILE and vm.max_map_count now. */
void mfs_budget_init(struct mfs_model *m);

/* Whether n more descriptors leave the reserve whole. */
bool mfs_budget_fds(const struct mfs_model *m, size_t n);

/*
 * Hold h, the map of s just read, if s is shown and there is room; else
 * let it go (reads then map the file by name).
 */
void mfs_budget_hold(struct mfs_model *m, struct mfs_src *s,
		     struct mfs_handle *h);
/* Let go of the map of s, unless a read in progress still holds it. */
void mfs_budget_release(struct mfs_model *m, struct mfs_src *s);
/* Let go of one held file, to give its descriptor to a pidfd. */
void mfs_budget_evict_one(struct mfs_model *m);

#endif
