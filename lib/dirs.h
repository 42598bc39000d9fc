/* dirs.h - stats directories, opened once and shared by instances. */
#ifndef MMS_DIRS_H
#define MMS_DIRS_H

/*
 * A descriptor of directory `path`, shared with the other instances in
 * it (so a thread's instance costs one descriptor, not two), or -errno.
 */
int mms_dir_get(const char *path);
/* Done with a descriptor of mms_dir_get(); the last user closes it. */
void mms_dir_put(int fd);

#endif
