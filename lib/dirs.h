/* dirs.h - stats directories, opened once and shared by instances. */
#ifndef MMS_DIRS_H
#define MMS_DIRS_H

/*
 * A descriptor of directory `path`, shared with the other instances in
 * it (so a thread's instance costs one descriptor, not two), or -errno.
 * Past its first base_len bytes, no symbolic link is followed
 * (mms_open_dir()).
 */
#include <stddef.h>
int mms_dir_get(const char *path, size_t base_len);
/* Done with a descriptor of mms_dir_get(); the last user closes it. */
void mms_dir_put(int fd);

#endif
