/*
 * mmstatsfs - mount live mmstats metrics as a tree of text files.
 *
 *	mmstatsfs [SOURCE] MOUNTPOINT [-f] [-d] [-s] [-o OPTION,...]
 *
 * See mmstatsfs(8).  Exit status: 0 after a clean unmount, 1 on error,
 * said once on stderr (or in the log, once serving).
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mmstats.h"
#include "mmstatsfs.h"
#include "mountpoint.h"
#include "mountroute.h"
#include "opts.h"

/* Said once, here: mfs_mountpoint_prepare() only returns why. */
static void mountpoint_error(const char *mp, int err)
{
	if (err == -EBUSY)
		fprintf(stderr, "mmstatsfs: %s: already an mmstatsfs mount "
			"(to replace it, unmount it first with fusermount3 -u "
			"%s)\n", mp, mp);
	else if (err == -ENOTCONN)
		fprintf(stderr, "mmstatsfs: %s: a FUSE mount whose daemon "
			"is gone (%s): clear it first with fusermount3 -u %s\n",
			mp, strerror(-err), mp);
	else if (err == -ESTALE)
		fprintf(stderr, "mmstatsfs: %s: a directory on its path was "
			"replaced while it was looked at; not mounted\n", mp);
	else if (err == -EPERM)
		fprintf(stderr, "mmstatsfs: %s: missing, and not made: its "
			"directory may be written by others (make it "
			"yourself)\n", mp);
	else
		fprintf(stderr, "mmstatsfs: %s: %s\n", mp, strerror(-err));
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

/*
 * Whether -o auto_unmount is given, with which libfuse 3.14 mounts
 * through fusermount3 (mountroute.c).  Asked before fuse_session_new(),
 * which takes the options out of args.
 */
static bool auto_unmount_given(const struct fuse_args *args)
{
	struct fuse_args copy = FUSE_ARGS_INIT(args->argc, args->argv);
	const struct fuse_opt opts[] = {
		{ "auto_unmount", 0, 1 },
		FUSE_OPT_END
	};
	int auto_unmount = 0;

	/* unparsable: fuse_session_new() will say so */
	if (fuse_opt_parse(&copy, &auto_unmount, opts, NULL) < 0)
		auto_unmount = 0;
	fuse_opt_free_args(&copy);
	return auto_unmount;
}

/*
 * Mount on mp, serve until unmounted or signalled, unmount.  Mounted
 * through its descriptor where that works (mountroute.c), mp is the
 * directory that was checked, whatever has become of its path since; the
 * kernel records the mount at the directory's real path, where
 * fusermount3 -u finds it.
 */
static int serve(struct mfs *fs, struct mfs_opts *o,
		 const struct mfs_mountpoint *mp)
{
	struct mfs_mount_facts facts;
	struct fuse_session *se;
	const char *at;
	int ret = 1, err;

	mfs_mount_facts_get(mp, auto_unmount_given(&o->args), &facts);
	at = mfs_mount_target(mp, &facts);

	se = fuse_session_new(&o->args, &mfs_ops, sizeof(mfs_ops), fs);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, at) != 0)
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
	struct mfs_mountpoint mp;
	struct mfs_opts o;
	struct mfs fs;
	int err, ret;

	if ((err = mfs_opts_parse(argc, argv, &o)) < 0) {
		if (err == -ENOMEM)	/* the others were said */
			fprintf(stderr, "mmstatsfs: %s\n", strerror(ENOMEM));
		mfs_opts_free(&o);
		return 1;
	}
	if (o.cmd.show_help || o.cmd.show_version) {
		if (o.cmd.show_help)
			mfs_opts_help(stdout);
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
	if ((err = mfs_mountpoint_prepare(o.cmd.mountpoint, &mp)) < 0) {
		mountpoint_error(o.cmd.mountpoint, err);
		ret = 1;
	} else {
		mfs_rescan(&fs);	/* the tree is whole before the mount */
		ret = serve(&fs, &o, &mp);
		mfs_mountpoint_close(&mp);
	}
	mfs_destroy(&fs);
	mfs_opts_free(&o);
	return ret;
}
