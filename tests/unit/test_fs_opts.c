/*
 * test_fs_opts.c - the command line of mmstatsfs (opts.c) and the making
 * ready of its mountpoint (mountpoint.c): every option is ours to accept
 * or refuse, in our words; --help names every option accepted; a missing
 * last component of the mountpoint is made, nothing else is; mountinfo
 * lines are read as proc(5) writes them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../fs/mountpoint.h"
#include "../../fs/opts.h"
#include "testdir.h"

#define MAX_ARGS 16

static char err_text[4096];

/*
 * mfs_opts_parse() of the arguments after "mmstatsfs", up to NULL; what
 * it printed to stderr goes to err_text.
 */
static int parse(struct mfs_opts *o, ...)
{
	char *argv[MAX_ARGS + 2] = { "mmstatsfs" };
	FILE *tmp = tmpfile();
	int argc = 1, saved, r;
	va_list ap;
	size_t n;

	va_start(ap, o);
	while ((argv[argc] = va_arg(ap, char *)) && argc < MAX_ARGS)
		argc++;
	va_end(ap);
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0 && dup2(fileno(tmp), 2) == 2);
	r = mfs_opts_parse(argc, argv, o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err_text, 1, sizeof(err_text) - 1, tmp);
	err_text[n] = '\0';
	fclose(tmp);
	return r;
}

static bool has_arg(const struct fuse_args *a, const char *s)
{
	int i;

	for (i = 0; i < a->argc; i++)
		if (strstr(a->argv[i], s))
			return true;
	return false;
}

static void test_valid_line(void **state)
{
	struct mfs_opts o;

	(void)state;
	assert_int_equal(parse(&o, "/src", "mnt/", "-f", "-o",
			       "multithread,max_fields=7,owner_bytes=0,"
			       "allow_other,nofail,_netdev,x-systemd.automount,"
			       "X-mount.mkdir,comment=a,user=me,rw,nosuid",
			       "-o", "max_threads=3", NULL), 0);
	assert_string_equal(err_text, "");
	assert_string_equal(o.source, "/src");
	/* as given: made canonical only once it exists (mountpoint.c) */
	assert_string_equal(o.cmd.mountpoint, "mnt/");
	assert_true(o.cmd.foreground);
	assert_true(o.multithread);
	assert_int_equal(o.cmd.max_threads, 3);
	assert_int_equal(o.limits.file.max_fields, 7);
	assert_int_equal(o.limits.owner_bytes, 0);
	assert_int_equal(o.limits.owner_files, MFS_DEFAULT_OWNER_FILES);
	assert_true(has_arg(&o.args, "allow_other"));
	assert_true(has_arg(&o.args, "nosuid"));
	assert_true(has_arg(&o.args, "ro,default_permissions"));
	assert_true(has_arg(&o.args, "fsname=/src"));
	/* ours and fstab's never reach libfuse, which would refuse them */
	assert_false(has_arg(&o.args, "multithread"));
	assert_false(has_arg(&o.args, "max_fields"));
	assert_false(has_arg(&o.args, "nofail"));
	assert_false(has_arg(&o.args, "x-systemd"));
	assert_false(has_arg(&o.args, "X-mount"));
	assert_false(has_arg(&o.args, "user=me"));
	mfs_opts_free(&o);
}

/* Refused with `want` on stderr and nothing else. */
static void refused(const char *opt, const char *want)
{
	struct mfs_opts o;
	int r = parse(&o, "/src", "/mnt", "-o", opt, NULL);

	assert_int_equal(r, -EINVAL);
	if (!strstr(err_text, want) || strstr(err_text, "fuse:"))
		fail_msg("-o %s said: %s", opt, err_text);
	assert_non_null(strchr(err_text, '\n'));
	assert_ptr_equal(strchr(err_text, '\n') + 1,
			 err_text + strlen(err_text));	/* one line */
	mfs_opts_free(&o);
}

static void test_unknown_refused_in_our_words(void **state)
{
	struct mfs_opts o;

	(void)state;
	refused("bogus", "mmstatsfs: unknown option 'bogus' "
		"(see mmstatsfs --help)");
	refused("allow_other,bogus", "unknown option 'bogus'");
	/* libfuse knows these, but they would break or mean nothing here */
	refused("fsname=x", "unknown option 'fsname=x'");
	refused("subtype=x", "unknown option 'subtype=x'");
	refused("max_read=4096", "unknown option 'max_read=4096'");
	refused("blkdev", "unknown option 'blkdev'");
	/* near misses of names we know */
	refused("allow_other=1", "unknown option 'allow_other=1'");
	refused("multithreads", "unknown option 'multithreads'");
	refused("owner_fields_x=1", "unknown option 'owner_fields_x=1'");
	/* the command line's flags are no mount options */
	refused("-f", "mmstatsfs: unknown option '-f' (see mmstatsfs --help)");
	refused("ro,--help", "unknown option '--help'");
	refused(",,-d", "unknown option '-d'");	/* empty items: no loop */
	assert_int_equal(parse(&o, "/src", "/mnt", "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err_text, "unknown option '--bogus'"));
	mfs_opts_free(&o);
	assert_int_equal(parse(&o, "/src", "/mnt", "-fd", NULL), -EINVAL);
	assert_non_null(strstr(err_text, "unknown option '-fd'"));
	mfs_opts_free(&o);
}

static void test_numbers(void **state)
{
	(void)state;
	refused("max_fields", "option 'max_fields' needs a value");
	refused("max_fields=", "'' is not a number");
	refused("max_fields=abc", "'abc' is not a number");
	refused("max_fields=-1", "'-1' is not a number");	/* no wrap */
	refused("max_fields=0x10", "'0x10' is not a number");
	refused("owner_files= 1", "' 1' is not a number");
	refused("owner_bytes=99999999999999999999", "out of range");
	refused("max_threads=0", "out of range (1 to");
	refused("max_idle_threads=4294967296", "out of range (0 to");
}

static void test_positionals(void **state)
{
	struct mfs_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-f", NULL), -EINVAL);
	assert_non_null(strstr(err_text, "mmstatsfs: no mountpoint given"));
	mfs_opts_free(&o);
	assert_int_equal(parse(&o, "a", "b", "c", NULL), -EINVAL);
	assert_non_null(strstr(err_text, "unexpected argument: c"));
	mfs_opts_free(&o);
	assert_int_equal(parse(&o, "/src", "/mnt", "-o", NULL), -EINVAL);
	assert_non_null(strstr(err_text, "mmstatsfs: -o needs an argument"));
	mfs_opts_free(&o);
	/* -s is accepted; -h needs no mountpoint */
	assert_int_equal(parse(&o, "/mnt", "-s", NULL), 0);
	assert_true(o.cmd.singlethread);
	assert_string_equal(o.cmd.mountpoint, "/mnt");
	mfs_opts_free(&o);
	assert_int_equal(parse(&o, "--help", NULL), 0);
	assert_true(o.cmd.show_help);
	mfs_opts_free(&o);
	/* the default source: $MMSTATS_PATH, never a template */
	setenv("MMSTATS_PATH", "/run/{{x}}", 1);
	assert_int_equal(parse(&o, "/mnt", NULL), 0);
	assert_string_equal(o.source, "/run/{x}");	/* as writers do */
	mfs_opts_free(&o);
	setenv("MMSTATS_PATH", "/run/app-{CMD}", 1);
	assert_int_equal(parse(&o, "/mnt", NULL), -EINVAL);
	assert_non_null(strstr(err_text, "'/run/app-{CMD}' is a template"));
	mfs_opts_free(&o);
	assert_int_equal(parse(&o, "/src", "/mnt", NULL), 0);
	assert_string_equal(o.source, "/src");
	mfs_opts_free(&o);
	unsetenv("MMSTATS_PATH");
}

/* Every option accepted is in --help, and is accepted. */
static void test_help_names_every_option(void **state)
{
	char *text = NULL, opt[64];
	const char *name;
	size_t len = 0, i;
	struct mfs_opts o;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	mfs_opts_help(f);
	fclose(f);
	assert_non_null(strstr(text, "usage: mmstatsfs [SOURCE] MOUNTPOINT"));
	assert_null(strstr(text, "disable multi-threaded"));
	for (i = 0; (name = mfs_opt_name(i)); i++) {
		if (!strstr(text, name))
			fail_msg("--help does not name %s", name);
		if (name[0] == '-')
			continue;
		snprintf(opt, sizeof(opt), "%s%s", name,
			 !strncmp(name, "max_", 4) || !strncmp(name, "owner_", 6)
			 ? "=1" : name[strlen(name) - 1] == '=' ? "v" : "");
		if (parse(&o, "/src", "/mnt", "-o", opt, NULL) != 0)
			fail_msg("-o %s refused: %s", opt, err_text);
		mfs_opts_free(&o);
	}
	assert_true(i > 40);
	free(text);
}

/* ---------------------------------------------------------- mountpoint */

static void test_mountinfo_lines(void **state)
{
	dev_t dev = makedev(0, 39);

	(void)state;
	assert_true(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /run/mmstats ro,nosuid - fuse.mmstatsfs /tmp "
		"ro,user_id=0\n", "/run/mmstats", dev));
	/* optional fields before the separator */
	assert_true(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /run/mmstats ro shared:7 master:2 - "
		"fuse.mmstatsfs /tmp ro\n", "/run/mmstats", dev));
	/* names as proc(5) escapes them */
	assert_true(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /tmp/a\\040b\\134c ro - fuse.mmstatsfs /tmp ro\n",
		"/tmp/a b\\c", dev));
	assert_false(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /tmp/a\\040b ro - fuse.mmstatsfs /tmp ro\n",
		"/tmp/a\\040b", dev));
	/* another file system, another path, another device */
	assert_false(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /run/mmstats ro - fuse.sshfs h: ro\n",
		"/run/mmstats", dev));
	assert_false(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /run/mmstats2 ro - fuse.mmstatsfs /tmp ro\n",
		"/run/mmstats", dev));
	assert_false(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:40 / /run/mmstats ro - fuse.mmstatsfs /tmp ro\n",
		"/run/mmstats", dev));
	/* a fuse.mmstatsfs optional field is no file system type */
	assert_false(mfs_mountinfo_is_mmstatsfs(
		"44 26 0:39 / /run/mmstats ro fuse.mmstatsfs\n",
		"/run/mmstats", dev));
	assert_false(mfs_mountinfo_is_mmstatsfs("", "/run/mmstats", dev));
	assert_false(mfs_mountinfo_is_mmstatsfs("44 26", "/run/mmstats",
						dev));
}

static void prepared(const char *given, const char *want_real)
{
	struct mfs_mountpoint mp;

	assert_int_equal(mfs_mountpoint_prepare(given, &mp), 0);
	assert_string_equal(mp.path, want_real);
	mfs_mountpoint_close(&mp);
}

static void test_missing_last_component_made(void **state)
{
	char base[sizeof(testdir_group)], want[512], cwd[4096];
	struct stat st;
	mode_t old = umask(022);

	(void)state;
	snprintf(base, sizeof(base), "%s", testdir_group);
	snprintf(want, sizeof(want), "%s/new", base);
	prepared(tmp_path("new"), want);
	assert_int_equal(stat(want, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	prepared(tmp_path("new"), want);		/* there: kept */
	/* trailing slashes, and a relative path made canonical */
	snprintf(want, sizeof(want), "%s/slash", base);
	prepared(tmp_path("slash//"), want);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(base), 0);
	snprintf(want, sizeof(want), "%s/rel", base);
	prepared("rel", want);
	assert_int_equal(chdir(cwd), 0);
	umask(old);
}

static void test_nothing_else_made(void **state)
{
	struct mfs_mountpoint mp;
	char target[512];
	struct stat st;

	(void)state;
	/* a missing parent: not made, nor the mountpoint */
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("no/sub"), &mp),
			 -ENOENT);
	assert_null(mp.path);
	assert_int_equal(lstat(tmp_path("no"), &st), -1);
	/* a dangling symbolic link: nothing made where it points */
	snprintf(target, sizeof(target), "%s", tmp_path("target"));
	assert_int_equal(symlink(target, tmp_path("dangling")), 0);
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("dangling"), &mp),
			 -ENOENT);
	assert_int_equal(lstat(tmp_path("target"), &st), -1);
	assert_int_equal(lstat(tmp_path("dangling"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* a file */
	close(open(tmp_path("file"), O_CREAT | O_WRONLY, 0644));
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("file"), &mp),
			 -ENOTDIR);
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("file/sub"), &mp),
			 -ENOTDIR);
	assert_int_equal(mfs_mountpoint_prepare("", &mp), -ENOENT);
}

/*
 * Made only where nobody else can swap it for a symbolic link before the
 * mount: a directory others may write without the sticky bit, or one of
 * another user, is refused; /tmp's mode (sticky) is not.
 */
static void test_made_only_in_trusted_dirs(void **state)
{
	struct mfs_mountpoint mp;
	char want[512];
	struct stat st;

	(void)state;
	assert_int_equal(mkdir(tmp_path("open"), 0777), 0);
	assert_int_equal(chmod(tmp_path("open"), 0777), 0);
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("open/mnt"), &mp),
			 -EPERM);
	assert_null(mp.path);
	assert_int_equal(lstat(tmp_path("open/mnt"), &st), -1);
	assert_int_equal(mkdir(tmp_path("other"), 0755), 0);
	assert_int_equal(chown(tmp_path("other"), 65534, 65534), 0);
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("other/mnt"),
						&mp), -EPERM);
	assert_int_equal(lstat(tmp_path("other/mnt"), &st), -1);
	assert_int_equal(chmod(tmp_path("open"), 01777), 0);
	snprintf(want, sizeof(want), "%s/open/mnt", testdir_group);
	prepared(tmp_path("open/mnt"), want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_line),
		cmocka_unit_test(test_unknown_refused_in_our_words),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_positionals),
		cmocka_unit_test(test_help_names_every_option),
		cmocka_unit_test(test_mountinfo_lines),
		cmocka_unit_test(test_missing_last_component_made),
		cmocka_unit_test(test_nothing_else_made),
		cmocka_unit_test(test_made_only_in_trusted_dirs),
	};

	return testdir_run_group("test_fs_opts", tests);
}
