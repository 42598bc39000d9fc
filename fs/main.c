/*
 * mmstatsfs - mount live mmstats metrics as a tree of text files.
 *
 *	mmstatsfs [SOURCE] MOUNTPOINT [-f] [-d] [-s] [-o OPTION,...]
 *
 * See mmstatsfs(8).  Exit status: 0 after a clean unmount, 1 on error.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mmstats.h"
#include "mmstatsfs.h"
#include "opts.h"

static void usage(const char *prog)
{
	printf("usage: %s [SOURCE] MOUNTPOINT [options]\n\n"
	       "Mount the mmstats files of SOURCE (default: $MMSTATS_PATH, "
	       "else /tmp)\nas /<pid>/<label> text files; see "
	       "mmstatsfs(8).\n\n"
	       "What one file and one owner's files may cost (0: no limit):\n"
	       "    -o max_fields=N        fields read of a file (%d)\n"
	       "    -o max_label_bytes=N   bytes of labels read of a file (%u)\n"
	       "    -o owner_files=N       files of one owner read (%d)\n"
	       "    -o owner_fields=N      fields of one owner shown (%d)\n"
	       "    -o owner_bytes=N       bytes of index of one owner (%u)\n\n",
	       prog, MFS_DEFAULT_MAX_FIELDS, MFS_DEFAULT_MAX_LABEL_BYTES,
	       MFS_DEFAULT_OWNER_FILES, MFS_DEFAULT_OWNER_FIELDS,
	       MFS_DEFAULT_OWNER_BYTES);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

static int check_mountpoint(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/*
 * One thread by default: every request is a short computation on memory
 * that never blocks, so more threads add only hand-offs.  libfuse's
 * multi-threaded loop wakes the idle thread that has waited longest, so a
 * client reading file after file meets a cold thread each time, and it
 * costs a lone reader about a third more (see tests/bench/README.md).
 */
static int loop(struct fuse_session *se, const struct mfs_opts *o)
{
	struct fuse_loop_config *cfg;
	int ret;

	if (!o->multithread || o->cmd.singlethread)
		return fuse_session_loop(se);
	if (!(cfg = fuse_loop_cfg_create()))
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned)o->cmd.clone_fd);
	fuse_loop_cfg_set_max_threads(cfg, o->cmd.max_threads);
	if (o->cmd.max_idle_threads != UINT_MAX)	/* UINT_MAX: not given */
		fuse_loop_cfg_set_idle_threads(cfg, o->cmd.max_idle_threads);
	ret = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return ret;
}

/*
 * Every source file shown is held mapped (see budget.c): take all the
 * descriptors we may.  Failing leaves the soft limit, and only means
 * more files are opened at each read.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			mfs_log(LOG_DEBUG, "RLIMIT_NOFILE: %s", strerror(errno));
	}
}

/* The source is opened with O_NOFOLLOW: a symlink says ENOTDIR. */
static const char *source_error(const char *source, int err)
{
	struct stat st;

	if (err == -ENOTDIR && lstat(source, &st) == 0 && S_ISLNK(st.st_mode))
		return "is a symbolic link: give the directory itself";
	return strerror(-err);
}

/* Mount, serve until unmounted or signalled, unmount. */
static int serve(struct mfs *fs, struct mfs_opts *o)
{
	struct fuse_session *se;
	int ret = 1, err;

	se = fuse_session_new(&o->args, &mfs_ops, sizeof(mfs_ops), fs);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, o->cmd.mountpoint) != 0)
		goto out_signals;
	fs->se = se;
	fuse_daemonize(o->cmd.foreground);
	if (!o->cmd.foreground)
		mfs_log_to_syslog();
	err = mfs_watch_start(fs);
	if (err) {
		mfs_log(LOG_ERR, "watcher: %s", strerror(-err));
	} else {
		ret = loop(se, o);
		/* a signal that asks us to stop is a clean end */
		ret = ret == 0 || ret == SIGTERM || ret == SIGINT ||
		      ret == SIGHUP ? 0 : 1;
		mfs_watch_stop(fs);
	}
	fs->se = NULL;
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
	return ret;
}

int main(int argc, char **argv)
{
	struct mfs_opts o;
	struct mfs fs;
	int err, ret;

	if (mfs_opts_parse(argc, argv, &o) < 0) {
		mfs_opts_free(&o);
		return 1;
	}
	if (o.cmd.show_help || o.cmd.show_version) {
		if (o.cmd.show_help)
			usage(argv[0]);
		else
			printf("mmstatsfs %s (libmmstats, FUSE %s)\n",
			       MMSTATS_VERSION, fuse_pkgversion());
		mfs_opts_free(&o);
		return 0;
	}
	mfs_log_init(true, o.cmd.debug);
	raise_nofile();
	if ((err = mfs_init(&fs, o.source)) < 0) {
		fprintf(stderr, "mmstatsfs: %s: %s\n", o.source,
			source_error(o.source, err));
		mfs_opts_free(&o);
		return 1;
	}
	fs.model.limits = o.limits;
	if ((err = check_mountpoint(o.cmd.mountpoint)) < 0) {
		fprintf(stderr, "mmstatsfs: %s: %s\n", o.cmd.mountpoint,
			strerror(-err));
		ret = 1;
	} else {
		mfs_rescan(&fs);	/* the tree is whole before the mount */
		ret = serve(&fs, &o);
	}
	mfs_destroy(&fs);
	mfs_opts_free(&o);
	return ret;
}
