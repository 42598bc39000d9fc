/*
 * progname.h - the name of a process's program, the first half of the
 * name of its directory /programs/<name>@<uid>/ (program.h).
 */
#ifndef MFS_PROGNAME_H
#define MFS_PROGNAME_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The program of live process pid whose file's sys.program is
 * program[0..len) (len 0: it has none): that, whole, else the name the
 * library would have written for pid (mms_program_of() of its command
 * line), else its comm.  Returns a NUL-terminated copy of *out_len bytes
 * (bytes of sys.program may be NUL too), or NULL: no memory.
 *
 * It reads /proc/pid/cmdline, which takes pid's mmap_lock: never call it
 * under the model's lock (a process stuck in a fault would stall it).
 */
char *mfs_program_name(pid_t pid, const char *program, size_t len,
		       size_t *out_len);

#endif
