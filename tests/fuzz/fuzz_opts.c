/*
 * fuzz_opts.c - the mmstatsfs command line.
 *
 * Input: NUL-separated arguments after the program name.  Parsing must
 * never crash or leak, and a successful parse names a mountpoint (or
 * asks for help or the version) and always mounts read-only with
 * default_permissions.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/opts.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_arg(const struct fuse_args *a, const char *s)
{
	int i;

	for (i = 0; i < a->argc; i++)
		if (strstr(a->argv[i], s))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2], *p;
	struct mfs_opts o;
	int argc = 1, r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "mmstatsfs";
	for (p = buf; p < buf + size && argc <= MAX_ARGS;
	     p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	r = mfs_opts_parse(argc, argv, &o);
	if (r == 0) {
		if (!o.cmd.mountpoint && !o.cmd.show_help &&
		    !o.cmd.show_version)
			abort();
		if (!o.source || !has_arg(&o.args, "ro,default_permissions"))
			abort();
	}
	mfs_opts_free(&o);
	free(buf);
	return 0;
}
