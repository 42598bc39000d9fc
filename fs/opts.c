/*
 * opts.c - command line.
 *
 * fuse_parse_cmdline() takes exactly one non-option (the mountpoint), so
 * the non-options are taken out first: with two, the first is the source
 * directory, as mount.fuse3 passes it from fstab.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmstats.h"
#include "opts.h"

struct parse_ctx {
	char *pos[2];
	int npos;
	int err;
	bool multithread;
	struct mfs_limits limits;
};

#define LIMIT(name, member) \
	{ name "=%zu", offsetof(struct parse_ctx, limits.member), 0 }

/* Ours, not the kernel's: what a file and an owner may cost (owners.h). */
static const struct fuse_opt limit_opts[] = {
	LIMIT("max_fields", file.max_fields),
	LIMIT("max_label_bytes", file.max_label_bytes),
	LIMIT("owner_files", owner_files),
	LIMIT("owner_fields", owner_fields),
	LIMIT("owner_bytes", owner_bytes),
	FUSE_OPT_END
};

/* Options for mount(8) and fstab that a FUSE mount must not see. */
static bool is_fstab_noise(const char *opt)
{
	static const char *const noise[] = {
		"defaults", "auto", "noauto", "user", "nouser", "users",
		"_netdev", "nofail", "owner", "group", NULL,
	};
	int i;

	for (i = 0; noise[i]; i++)
		if (!strcmp(opt, noise[i]))
			return true;
	return !strncmp(opt, "x-", 2) || !strncmp(opt, "comment=", 8);
}

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct parse_ctx *c = data;

	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT) {
		if (c->npos == 2) {
			fprintf(stderr, "mmstatsfs: unexpected argument: %s\n",
				arg);
			c->err = -EINVAL;
			return -1;
		}
		if (!(c->pos[c->npos] = strdup(arg))) {
			c->err = -ENOMEM;
			return -1;
		}
		c->npos++;
		return 0;
	}
	if (key == FUSE_OPT_KEY_OPT && is_fstab_noise(arg))
		return 0;
	if (key == FUSE_OPT_KEY_OPT && !strcmp(arg, "multithread")) {
		c->multithread = true;	/* ours, not the kernel's */
		return 0;
	}
	return 1;
}

/* fsname=SOURCE, with the separators of -o escaped. */
static int add_fsname(struct fuse_args *args, const char *source)
{
	size_t len = strlen(source), i, o = 0;
	char *buf = malloc(2 * len + sizeof("-ofsname="));
	int err;

	if (!buf)
		return -ENOMEM;
	o = (size_t)sprintf(buf, "-ofsname=");
	for (i = 0; i < len; i++) {
		if (source[i] == ',' || source[i] == '\\')
			buf[o++] = '\\';
		buf[o++] = source[i];
	}
	buf[o] = '\0';
	err = fuse_opt_add_arg(args, buf);
	free(buf);
	return err ? -ENOMEM : 0;
}

static int finish(struct mfs_opts *o, struct parse_ctx *c)
{
	const char *env = getenv(MMSTATS_ENV_PATH);
	int mp = c->npos - 1;

	if (c->npos == 2)
		o->source = c->pos[0], c->pos[0] = NULL;
	else
		o->source = strdup(env && *env ? env : MMSTATS_DEFAULT_PATH);
	if (!o->source ||
	    (mp >= 0 && fuse_opt_add_arg(&o->args, c->pos[mp])) ||
	    fuse_opt_add_arg(&o->args, "-oro,default_permissions") ||
	    fuse_opt_add_arg(&o->args, "-osubtype=mmstatsfs") ||
	    add_fsname(&o->args, o->source) < 0)
		return -ENOMEM;
	if (fuse_parse_cmdline(&o->args, &o->cmd) != 0)
		return -EINVAL;
	if (!o->cmd.mountpoint && !o->cmd.show_help && !o->cmd.show_version) {
		fprintf(stderr, "mmstatsfs: no mountpoint given "
			"(try --help)\n");
		return -EINVAL;
	}
	return 0;
}

int mfs_opts_parse(int argc, char **argv, struct mfs_opts *o)
{
	struct parse_ctx c = { .npos = 0 };
	struct fuse_args in = FUSE_ARGS_INIT(argc, argv);
	int err;

	memset(o, 0, sizeof(*o));
	mfs_limits_default(&c.limits);
	if (fuse_opt_parse(&in, &c, limit_opts, opt_proc) != 0) {
		err = c.err ? c.err : -EINVAL;
	} else {
		o->args = in;
		o->multithread = c.multithread;
		o->limits = c.limits;
		memset(&in, 0, sizeof(in));
		err = finish(o, &c);
	}
	fuse_opt_free_args(&in);
	free(c.pos[0]);
	free(c.pos[1]);
	return err;
}

void mfs_opts_free(struct mfs_opts *o)
{
	free(o->source);
	free(o->cmd.mountpoint);
	fuse_opt_free_args(&o->args);
	memset(o, 0, sizeof(*o));
}
