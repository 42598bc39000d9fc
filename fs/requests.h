/*
 * requests.h - what each request of the mount does, apart from FUSE.
 *
 * Each returns 0 or a -errno and fills in its result; ops.c turns that
 * into the one reply, as libfuse's passthrough_ll.c does.  So the logic
 * can be driven without a kernel (tests/unit/test_fs_requests.c).
 */
#ifndef MFS_REQUESTS_H
#define MFS_REQUESTS_H

#include <sys/stat.h>

#include "mmstatsfs.h"

/*
 * Look `name` up in directory `parent`; on a miss, read again what may
 * have missed it (a new file, a field added to a live one: neither makes
 * an event) and look again.  A hit takes one of the kernel's references.
 * Unless may_block, work that reads files is not done: -EWOULDBLOCK says
 * to ask again where it may be (lane.h).
 */
int mfs_req_lookup(struct mfs *fs, fuse_ino_t parent, const char *name,
		   bool may_block, struct fuse_entry_param *e);

/* The kernel dropped n references to ino. */
void mfs_req_forget(struct mfs *fs, fuse_ino_t ino, uint64_t n);

int mfs_req_getattr(struct mfs *fs, fuse_ino_t ino, struct stat *st);

/* One entry of a directory listing. */
struct mfs_dirent {
	char *name;
	fuse_ino_t ino;
	mode_t mode;
};

/* A directory as opendir found it: offsets into it stay valid. */
struct mfs_listing {
	struct mfs_dirent *v;
	size_t n;
};

/*
 * List directory ino (".", ".." and its children), after reading again
 * the files of a process or file directory (fields added to a live file
 * make no event).  -EWOULDBLOCK, unless may_block, when that costs more
 * than MFS_INLINE_FIELDS fields' worth or a file not held mapped.
 */
int mfs_req_opendir(struct mfs *fs, fuse_ino_t ino, bool may_block,
		    struct mfs_listing **out);
void mfs_listing_free(struct mfs_listing *l);

#endif
