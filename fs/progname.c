/*
 * progname.c - the name of a process's program: its file's sys.program,
 * else what the library would have written there.
 *
 * A worker that does not name its program (the reference's files) is
 * named by the library's own rule (lib/defaults.c), so that a program's
 * processes meet in one directory whether they wrote sys.program or not,
 * and so that no text of a command line but a program's name (argv[0]'s,
 * or the script or module an interpreter runs) ever makes a name: a
 * shell's -c code, a password given as an option, never do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "progname.h"

#define MAX_ARGS	256

static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';	/* an argument cut by the buffer ends here */
	return n;
}

/* sys.program as the library would write it for pid, into name; or "". */
static void proc_program(pid_t pid, char name[MMS_PROGRAM_SIZE])
{
	char buf[4096], *args[MAX_ARGS], *p, *self;
	ssize_t n;
	size_t nargs = 0;

	name[0] = '\0';
	if ((n = read_proc(pid, "cmdline", buf, sizeof(buf))) > 0 && buf[0]) {
		self = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
		for (p = buf + strlen(buf) + 1; p < buf + n && nargs < MAX_ARGS;
		     p += strlen(p) + 1)
			args[nargs++] = p;
		mms_program_of(self, args, nargs, name);
	}
	/* a kernel thread, a zombie: no command line */
	if (!name[0] && read_proc(pid, "comm", buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		mms_program_of(buf, NULL, 0, name);
	}
}

char *mfs_program_name(pid_t pid, const char *program, size_t len,
		       size_t *out_len)
{
	char name[MMS_PROGRAM_SIZE], *out;

	if (!len) {
		proc_program(pid, name);
		program = name;
		len = strlen(name);
	}
	if (!(out = malloc(len + 1)))
		return NULL;
	memcpy(out, program, len);
	out[len] = '\0';
	*out_len = len;
	return out;
}
