/* opts.h - the command line of mmstatsfs. */
#ifndef MFS_OPTS_H
#define MFS_OPTS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stdio.h>

#include "owners.h"

struct mfs_opts {
	char *source;		/* SOURCE, else $MMSTATS_PATH, else /tmp */
	struct fuse_cmdline_opts cmd;	/* -f, -d, -s, ...; mountpoint as
					 * given, not yet canonical */
	struct fuse_args args;	/* what fuse_session_new() gets */
	bool multithread;	/* -o multithread: libfuse's mt loop */
	struct mfs_limits limits;	/* -o max_fields=N ... (owners.h) */
};

/*
 * Parse `mmstatsfs [SOURCE] MOUNTPOINT [options]`.  Every option must be
 * one of mfs_opts_help(); mount options that only mean something to
 * mount(8) or fstab (defaults, auto, noauto, user, nouser, users, owner,
 * group, _netdev, nofail, user=*, comment=*, x-*, X-*) are dropped; ro
 * and default_permissions are always added.  Returns 0, or -EINVAL after
 * printing why to stderr (-ENOMEM without).  mfs_opts_free() in both
 * cases.
 */
int mfs_opts_parse(int argc, char **argv, struct mfs_opts *o);
void mfs_opts_free(struct mfs_opts *o);

/* --help: every option accepted, with its default. */
void mfs_opts_help(FILE *out);

/* The i-th option accepted ("-f", "max_fields", "x-"), NULL past them. */
const char *mfs_opt_name(size_t i);

#endif
