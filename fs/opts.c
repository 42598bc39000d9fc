/*
 * opts.c - command line.
 *
 * Every option is checked here against one table, and refused in our
 * words, before libfuse sees any: libfuse would only say "unknown
 * option(s)" from fuse_session_new(), after the mountpoint was looked at,
 * and its --help describes options (-s, max_threads) as they are for
 * other programs.  The options of libfuse that the table passes on are
 * exactly those it knows (fuse_parse_cmdline(), fuse_session_new() and
 * the mount in libfuse 3.12 to 3.14) and that mean something here.
 *
 * fuse_parse_cmdline() takes at most one non-option and makes it a
 * canonical path, which fails for a mountpoint that is not there yet, so
 * the non-options are taken out first: with two, the first is the source
 * directory, as mount.fuse3 passes it from fstab.  The mountpoint is
 * made ready and canonical later (mountpoint.c).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
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

enum opt_kind {
	OPT_FLAG,	/* exactly the name */
	OPT_NUMBER,	/* name=N, decimal */
	OPT_PREFIX,	/* anything that starts with the name */
};

enum opt_use {
	USE_OURS,	/* read here, never passed on */
	USE_FUSE,	/* passed on to libfuse */
	USE_DROP,	/* for mount(8) or fstab only: accepted, dropped */
};

#define NO_FIELD SIZE_MAX

struct opt_def {
	const char *name;
	enum opt_kind kind;
	enum opt_use use;
	size_t field;		/* USE_OURS numbers: a size_t in parse_ctx */
	unsigned long long min, max;	/* OPT_NUMBER */
};

#define FLAG(name, use) { name, OPT_FLAG, use, NO_FIELD, 0, 0 }
#define PREFIX(name) { name, OPT_PREFIX, USE_DROP, NO_FIELD, 0, 0 }
#define LIMIT(name, member) { name, OPT_NUMBER, USE_OURS, \
	offsetof(struct parse_ctx, limits.member), 0, SIZE_MAX }
#define FUSE_NUMBER(name, min) { name, OPT_NUMBER, USE_FUSE, NO_FIELD, \
	min, UINT_MAX }

/* Keep mfs_opts_help() and OPTIONS in mmstatsfs(8) in step with this. */
static const struct opt_def defs[] = {
	/* the command line of fuse_parse_cmdline() */
	FLAG("-f", USE_FUSE), FLAG("-d", USE_FUSE), FLAG("debug", USE_FUSE),
	FLAG("-s", USE_FUSE), FLAG("-h", USE_FUSE), FLAG("--help", USE_FUSE),
	FLAG("-V", USE_FUSE), FLAG("--version", USE_FUSE),
	/* threads: ours, then libfuse's, which matter only with ours */
	FLAG("multithread", USE_OURS),
	FUSE_NUMBER("max_threads", 1), FUSE_NUMBER("max_idle_threads", 0),
	FLAG("clone_fd", USE_FUSE),
	/* what a file and an owner may cost (owners.h) */
	LIMIT("max_fields", file.max_fields),
	LIMIT("max_label_bytes", file.max_label_bytes),
	LIMIT("owner_files", owner_files),
	LIMIT("owner_fields", owner_fields),
	LIMIT("owner_bytes", owner_bytes),
	/* the mount; ro and default_permissions are always added */
	FLAG("allow_other", USE_FUSE), FLAG("allow_root", USE_FUSE),
	FLAG("auto_unmount", USE_FUSE),
	FLAG("ro", USE_FUSE), FLAG("rw", USE_FUSE),
	FLAG("default_permissions", USE_FUSE),
	FLAG("nosuid", USE_FUSE), FLAG("suid", USE_FUSE),
	FLAG("nodev", USE_FUSE), FLAG("dev", USE_FUSE),
	FLAG("noexec", USE_FUSE), FLAG("exec", USE_FUSE),
	FLAG("noatime", USE_FUSE), FLAG("atime", USE_FUSE),
	FLAG("sync", USE_FUSE), FLAG("async", USE_FUSE),
	FLAG("dirsync", USE_FUSE),
	/* mount(8) and fstab(5): what a FUSE mount must not see */
	FLAG("defaults", USE_DROP), FLAG("auto", USE_DROP),
	FLAG("noauto", USE_DROP), FLAG("user", USE_DROP),
	FLAG("nouser", USE_DROP), FLAG("users", USE_DROP),
	FLAG("owner", USE_DROP), FLAG("group", USE_DROP),
	FLAG("_netdev", USE_DROP), FLAG("nofail", USE_DROP),
	PREFIX("x-"), PREFIX("X-"), PREFIX("comment="), PREFIX("user="),
};

#define NDEFS (sizeof(defs) / sizeof(defs[0]))

const char *mfs_opt_name(size_t i)
{
	return i < NDEFS ? defs[i].name : NULL;
}

static const struct opt_def *find_def(const char *arg)
{
	size_t i, n;

	for (i = 0; i < NDEFS; i++) {
		n = strlen(defs[i].name);
		if (strncmp(arg, defs[i].name, n))
			continue;
		if (defs[i].kind == OPT_PREFIX ||
		    arg[n] == '\0' || (arg[n] == '=' &&
				       defs[i].kind == OPT_NUMBER))
			return &defs[i];
	}
	return NULL;
}

/* Decimal digits only: strtoull() would take "-1", " 1" and "0x10". */
static int parse_number(const char *s, unsigned long long min,
			unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	return errno == ERANGE || *out < min || *out > max ? -ERANGE : 0;
}

static int take_number(struct parse_ctx *c, const struct opt_def *d,
		       const char *arg)
{
	const char *eq = arg + strlen(d->name);
	unsigned long long v;
	int err;

	if (*eq != '=') {
		fprintf(stderr, "mmstatsfs: option '%s' needs a value: "
			"%s=N\n", arg, d->name);
		return -EINVAL;
	}
	err = parse_number(eq + 1, d->min, d->max, &v);
	if (err == -EINVAL)
		fprintf(stderr, "mmstatsfs: option '%s': '%s' is not a "
			"number\n", arg, eq + 1);
	else if (err)
		fprintf(stderr, "mmstatsfs: option '%s': out of range "
			"(%llu to %llu)\n", arg, d->min, d->max);
	else if (d->field != NO_FIELD)
		*(size_t *)((char *)c + d->field) = (size_t)v;
	return err ? -EINVAL : 0;
}

static int take_nonopt(struct parse_ctx *c, const char *arg)
{
	if (c->npos == 2) {
		fprintf(stderr, "mmstatsfs: unexpected argument: %s\n", arg);
		return -EINVAL;
	}
	if (!(c->pos[c->npos] = strdup(arg)))
		return -ENOMEM;
	c->npos++;
	return 0;
}

/* Returns 1 to pass arg on to libfuse, 0 to drop it, -1 on error. */
static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct parse_ctx *c = data;
	const struct opt_def *d;

	(void)outargs;
	if (key == FUSE_OPT_KEY_NONOPT) {
		c->err = take_nonopt(c, arg);
		return c->err ? -1 : 0;
	}
	if (!(d = find_def(arg))) {
		fprintf(stderr, "mmstatsfs: unknown option '%s' "
			"(see mmstatsfs --help)\n", arg);
		c->err = -EINVAL;
		return -1;
	}
	if (d->kind == OPT_NUMBER && (c->err = take_number(c, d, arg)))
		return -1;
	if (!strcmp(d->name, "multithread"))
		c->multithread = true;
	return d->use == USE_FUSE;
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

/* Whether s has a template field ({{ is a brace): mmstats(3), ENVIRONMENT. */
static bool has_field(const char *s)
{
	for (; (s = strchr(s, '{')); s += 2)
		if (s[1] != '{')
			return true;
	return false;
}

/* A template without fields as writers expand it: "{{", "}}" a brace. */
static char *unescape_braces(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; out && *s; s++) {
		*o++ = *s;
		if ((*s == '{' || *s == '}') && s[1] == *s)
			s++;
	}
	if (out)
		*o = '\0';
	return out;
}

/*
 * The default source is $MMSTATS_PATH, as writers expand it, unless it
 * has a field: each writer's directory is then its own, and there is
 * no one to mount.
 */
static int default_source(struct mfs_opts *o)
{
	const char *env = getenv(MMSTATS_ENV_PATH);

	if (env && *env && has_field(env)) {
		fprintf(stderr, "mmstatsfs: $MMSTATS_PATH '%s' is a template: "
			"each writer's directory is its own; give SOURCE\n",
			env);
		return -EINVAL;
	}
	o->source = unescape_braces(env && *env ? env : MMSTATS_DEFAULT_PATH);
	return o->source ? 0 : -ENOMEM;
}

static int finish(struct mfs_opts *o, struct parse_ctx *c)
{
	int mp = c->npos - 1, err;

	if (c->npos == 2)
		o->source = c->pos[0], c->pos[0] = NULL;
	else if ((err = default_source(o)) < 0)
		return err;
	if (!o->source ||
	    fuse_opt_add_arg(&o->args, "-oro,default_permissions") ||
	    fuse_opt_add_arg(&o->args, "-osubtype=mmstatsfs") ||
	    add_fsname(&o->args, o->source) < 0)
		return -ENOMEM;
	/* every option was checked: this fails only without memory */
	if (fuse_parse_cmdline(&o->args, &o->cmd) != 0)
		return -EINVAL;
	if (mp >= 0)
		o->cmd.mountpoint = c->pos[mp], c->pos[mp] = NULL;
	if (!o->cmd.mountpoint && !o->cmd.show_help && !o->cmd.show_version) {
		fprintf(stderr, "mmstatsfs: no mountpoint given "
			"(see mmstatsfs --help)\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * The flags of the command line (-f, --help, ...) are in the same table
 * as the -o options, and opt_proc() cannot tell where it met them:
 * refuse them inside -o here, or libfuse would refuse them in its words.
 */
static int check_o_items(int argc, char **argv)
{
	const char *v, *item;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (strncmp(argv[i], "-o", 2))
			continue;
		v = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : "");
		for (item = v; item; item = strchr(item, ',')) {
			if (*item == ',')
				item++;		/* past the comma */
			if (*item != '-')
				continue;
			fprintf(stderr, "mmstatsfs: unknown option '%.*s' "
				"(see mmstatsfs --help)\n",
				(int)strcspn(item, ","), item);
			return -EINVAL;
		}
	}
	return 0;
}

int mfs_opts_parse(int argc, char **argv, struct mfs_opts *o)
{
	static const struct fuse_opt none[] = { FUSE_OPT_END };
	struct parse_ctx c = { .npos = 0 };
	struct fuse_args in = FUSE_ARGS_INIT(argc, argv);
	int err;

	memset(o, 0, sizeof(*o));
	mfs_limits_default(&c.limits);
	/* fuse_opt_parse() would say it in its words */
	if (argc > 1 && !strcmp(argv[argc - 1], "-o")) {
		fprintf(stderr, "mmstatsfs: -o needs an argument "
			"(see mmstatsfs --help)\n");
		return -EINVAL;
	}
	if ((err = check_o_items(argc, argv)) < 0)
		return err;
	if (fuse_opt_parse(&in, &c, none, opt_proc) != 0) {
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

void mfs_opts_help(FILE *out)
{
	struct mfs_limits d;

	mfs_limits_default(&d);
	fprintf(out,
"usage: mmstatsfs [SOURCE] MOUNTPOINT [-f] [-d] [-s] [-o OPTION[,OPTION...]]\n"
"       mmstatsfs -h | --help | -V | --version\n"
"\n"
"Mount the mmstats files of SOURCE (default: $MMSTATS_PATH, else /tmp)\n"
"as /<pid>/<label> text files on MOUNTPOINT, which is created if only its\n"
"last component is missing; see mmstatsfs(8).\n"
"\n"
"    -f                     stay in the foreground, log to stderr\n"
"                           (default: detach once mounted, log to syslog)\n"
"    -d, -o debug           as -f, and log every FUSE request and the\n"
"                           daemon's debug messages\n"
"    -s                     one thread serves requests, even with\n"
"                           -o multithread (one is the default anyway)\n"
"    -h, --help             print this help and exit\n"
"    -V, --version          print the version and exit\n"
"\n"
"Threads (default: one thread serves every request):\n"
"    -o multithread         serve requests with libfuse's multi-threaded\n"
"                           loop; the three options below apply only then\n"
"    -o max_threads=N       at most N threads (10)\n"
"    -o max_idle_threads=N  at most N idle threads kept (no limit)\n"
"    -o clone_fd            a /dev/fuse descriptor of its own per thread\n"
"\n"
"What one file and one owner's files may cost (0: no limit):\n"
"    -o max_fields=N        fields read of a file (%zu)\n"
"    -o max_label_bytes=N   bytes of labels read of a file (%zu)\n"
"    -o owner_files=N       files of one owner read (%zu)\n"
"    -o owner_fields=N      fields of one owner shown (%zu)\n"
"    -o owner_bytes=N       bytes of index of one owner (%zu)\n"
"\n"
"Mount options (the mount is always ro,default_permissions):\n"
"    -o allow_other         every user may read the tree, as far as the\n"
"                           modes of the source files allow\n"
"                           (default: only the user who mounted it)\n"
"    -o allow_root          the user who mounted it and root may read it\n"
"    -o auto_unmount        unmount when the daemon ends, even if killed\n"
"    -o nosuid, nodev, noexec, noatime, sync, dirsync, and\n"
"       suid, dev, exec, atime, async: passed to mount(2)\n"
"    -o ro, default_permissions: always on; -o rw: accepted, no effect\n"
"\n"
"Accepted and ignored, for mount(8) and fstab(5): defaults, auto, noauto,\n"
"user, nouser, users, owner, group, _netdev, nofail, user=*, comment=*,\n"
"x-* and X-*.\n",
		d.file.max_fields, d.file.max_label_bytes, d.owner_files,
		d.owner_fields, d.owner_bytes);
}

void mfs_opts_free(struct mfs_opts *o)
{
	free(o->source);
	free(o->cmd.mountpoint);
	fuse_opt_free_args(&o->args);
	memset(o, 0, sizeof(*o));
}
