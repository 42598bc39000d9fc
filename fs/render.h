/*
 * render.h - the text of one stat file: its value, as it is now, and a
 * newline.
 */
#ifndef MFS_RENDER_H
#define MFS_RENDER_H

#include "mmstatsfs.h"

struct mfs_text {
	size_t len;
	char data[];
};

/*
 * Render node ino for the caller of req into *out (free it).  The node is
 * looked up under fs->lock; the source files are read, and checked
 * against the caller's credentials as they are now, without it.
 * Returns 0, -ENOENT when the node, its process or its file is gone,
 * -EISDIR, -EACCES, -EIO or -ENOMEM.
 */
int mfs_render(fuse_req_t req, fuse_ino_t ino, struct mfs_text **out);

#endif
