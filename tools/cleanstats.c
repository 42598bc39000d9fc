/*
 * cleanstats - remove the mmstats files of processes that are gone.
 *
 * A file is removed only when its sys.pid names no process, a zombie, a
 * kernel thread, or a process that did not start at the tick of its
 * sys.starttime (the PID was reused): mmstats_liveness(), which never
 * calls a running pid's file stale on the wall clock's word (sys.created),
 * which a clock step fakes.  Files without sys.pid, of live processes,
 * symlinks and anything that is not a regular file are left alone.  The
 * file judged is the file removed: it is opened relative to its directory
 * without following symlinks, and unlinked only while the name still
 * leads to the same inode.
 *
 * Decisions go to stdout in the reference's words; what could not be
 * judged or removed goes to stderr, one line each, and makes the exit
 * status 1, except an invalid file in the default directory: anyone can
 * plant one in /tmp, and the timer's every run would fail for it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "common.h"
#include "files.h"
#include "judged.h"
#include "mmstats.h"
#include "statsfile.h"
#include "termtext.h"

struct clean_opts {
	bool dry_run;
	bool verbose;
	bool terminal;		/* stdout is one: control characters as '?' */
	bool by_default;	/* no arguments: the default glob's files */
	struct judged judged;	/* one answer per file: see judged.h */
};

struct clean_count {
	unsigned removed, alive;
	unsigned unjudged;	/* no sys.pid, not regular, changed, invalid */
	bool failed;
};

/* A file opened in its directory, never through a symlink. */
struct target {
	const char *path;	/* for messages: see shown_name() */
	char *dir, *base;	/* owned copies */
	int dirfd, fd;
	struct stat st;		/* of the open file */
};

static void usage(void)
{
	printf("Usage: %s [OPTION]... [FILE|DIR|GLOB]...\n"
	       "Remove mmstats files whose writing process is gone "
	       "(default: %s).\n\n"
	       "  -n, --dry-run   say what would be removed, remove nothing\n"
	       "  -v, --verbose   also report files of live processes\n"
	       "  -h, --help      show this help and exit\n"
	       "  -V, --version   show the version and exit\n\n"
	       "Exit status: 0 done, 1 some file could not be found, judged "
	       "or removed,\n2 usage error.\n",
	       tool_name, "$MMSTATS_GLOB or $MMSTATS_PATH/*.mmstats");
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static void target_close(struct target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->dirfd >= 0)
		close(t->dirfd);
	free(t->dir);
	free(t->base);
}

/*
 * Open the file for judging, as the library opens any stats file: the
 * inode looked at is the inode opened, so a FIFO or device swapped in
 * under the name is never opened.  -ENOTSUP: not a regular file.
 */
static int target_open(struct target *t, const char *path, const char *shown)
{
	char *d = strdup(path), *b = strdup(path);
	int fd;

	t->path = shown;
	t->dirfd = t->fd = -1;
	t->dir = t->base = NULL;
	if (!d || !b) {
		free(d);
		free(b);
		return -ENOMEM;
	}
	t->dir = strdup(dirname(d));
	t->base = strdup(basename(b));
	free(d);
	free(b);
	if (!t->dir || !t->base)
		return -ENOMEM;
	t->dirfd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0)
		return -errno;
	fd = mmstats_open_at(t->dirfd, t->base, &t->st);
	if (fd == -ELOOP || fd == -EISDIR || fd == -EINVAL)
		return -ENOTSUP;
	if (fd < 0)
		return fd;
	t->fd = fd;
	return 0;
}

/* Unlink the name only if it still leads to the inode that was judged. */
static int target_unlink(const struct target *t)
{
	struct stat now;

	if (fstatat(t->dirfd, t->base, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(now.st_mode) || !same_inode(&now, &t->st))
		return -ESTALE;
	if (unlinkat(t->dirfd, t->base, 0) < 0)
		return -errno;
	return 0;
}

static void report_open_error(const struct target *t, int err,
			      struct clean_count *c)
{
	/* removed since it was listed (its writer exited): nothing to do */
	if (err == -ENOENT)
		return;
	c->unjudged++;
	switch (err) {
	case -ENOTSUP:
		printf("Not a regular file, skipping: %s\n", t->path);
		return;
	case -ESTALE:
		printf("File changed while checked, skipping: %s\n", t->path);
		return;
	default:
		tool_warn("%s: %s", t->path, strerror(-err));
		break;
	}
	c->failed = true;
}

/* Print why a stale file goes: its PID is gone, or it was reused. */
static void report_stale(const struct clean_opts *o, const struct target *t,
			 const struct mmstats_snapshot *snap, pid_t seen)
{
	const char *verb = o->dry_run ? "Would delete" : "Deleting";
	uint64_t ticks;

	if (seen <= 0 || mmstats_pid_starttime(seen, &ticks) < 0)
		printf("PID %d not found. %s %s\n",
		       (int)mmstats_snapshot_pid(snap), verb, t->path);
	else
		printf("PID %d was reused since %s was written. %s %s\n",
		       (int)seen, t->path, verb, t->path);
}

/* Remove a stale file's name (-n: say so only); counts it once. */
static void remove_stale(const struct clean_opts *o, const struct target *t,
			 struct clean_count *c, bool counted)
{
	int err = o->dry_run ? 0 : target_unlink(t);

	if (err == -ESTALE) {
		printf("File changed while checked, skipping: %s\n", t->path);
		c->unjudged += !counted;
	} else if (err == -ENOENT) {
		;	/* removed by someone else meanwhile: nothing to do */
	} else if (err) {
		tool_warn("%s: cannot remove: %s", t->path, strerror(-err));
		c->failed = true;
	} else if (!counted) {
		c->removed++;
	}
}

/*
 * The verdict is mmstats_liveness()'s alone.  The pid a message shows
 * is asked for once more, once, after it (mmstats_writer_pid(): the pid
 * this process sees, which for another PID namespace's writer is not
 * the one recorded): that answer may differ from the one the verdict
 * rests on (a scan of /proc not due yet says "cannot tell"), so it picks
 * words only, never what is done; "cannot tell" shows the recorded pid.
 */
static enum judged_verdict judge(const struct clean_opts *o, struct target *t,
				 const struct mmstats_snapshot *snap,
				 struct clean_count *c)
{
	pid_t pid = mmstats_snapshot_pid(snap), seen;
	enum mmstats_liveness l = mmstats_liveness(snap);

	if (l == MMSTATS_UNKNOWN) {
		if (pid >= 0)	/* another namespace's, out of sight */
			printf("PID %d cannot be checked. Keeping %s\n",
			       (int)pid, t->path);
		else
			printf("File has no sys.pid entry: %s\n", t->path);
		c->unjudged++;
		return JUDGED_KEPT;
	}
	if (l == MMSTATS_ALIVE) {
		if (o->verbose) {
			seen = mmstats_writer_pid(snap);
			printf("PID %d is alive. Keeping %s\n",
			       (int)(seen > 0 ? seen : pid), t->path);
		}
		c->alive++;
		return JUDGED_ALIVE;
	}
	seen = mmstats_writer_pid(snap);
	report_stale(o, t, snap, seen);
	remove_stale(o, t, c, false);
	return JUDGED_STALE;
}

/* Another name of a file judged in this run: the same answer. */
static void judge_again(const struct clean_opts *o, const struct target *t,
			const struct judged_file *f, struct clean_count *c)
{
	if (f->verdict == JUDGED_STALE) {
		printf("Same file as %s. %s %s\n", f->name,
		       o->dry_run ? "Would delete" : "Deleting", t->path);
		remove_stale(o, t, c, true);
	} else if (f->verdict == JUDGED_KEPT || o->verbose) {
		printf("Same file as %s. Keeping %s\n", f->name, t->path);
	}
}

/*
 * Not an mmstats file, or not one we can read: it cannot be judged.
 * Said always; a failure only when asked for by name, for anyone may
 * plant an invalid file where the default glob looks (/tmp).
 */
static enum judged_verdict report_invalid(const struct clean_opts *o,
					  const struct target *t,
					  const struct mmstats_snapshot *snap,
					  int err, struct clean_count *c)
{
	tool_warn("%s: invalid file: %s", t->path,
		  snap->errmsg[0] ? snap->errmsg : strerror(-err));
	c->unjudged++;
	c->failed |= !o->by_default;
	return JUDGED_KEPT;
}

/* "Removed 2 files, kept 3 alive": what was done, in plain words. */
static void print_summary(const struct clean_opts *o,
			  const struct clean_count *c)
{
	printf("%s %u file%s, kept %u alive", o->dry_run ? "Would remove" :
	       "Removed", c->removed, c->removed == 1 ? "" : "s", c->alive);
	if (c->unjudged)
		printf(", left %u unjudged", c->unjudged);
	putchar('\n');
}

/*
 * A name as messages show it, since anyone who can write to the
 * directory chooses the names: control characters as '?' on a terminal,
 * else as \xNN, so that a newline cannot forge a line of the log.
 */
static char *shown_name(const char *path, bool terminal)
{
	struct buf b = BUF_INIT;
	char *s;

	text_add_shown(&b, path, strlen(path), terminal);
	s = buf_steal(&b, NULL);
	if (!s)
		tool_oom();
	return s;
}

static void clean_one(struct clean_opts *o, const char *path,
		      struct clean_count *c)
{
	char *shown = shown_name(path, o->terminal);
	const struct judged_file *before;
	struct mmstats_snapshot snap;
	enum judged_verdict v;
	struct target t;
	int err;

	memset(&snap, 0, sizeof(snap));
	err = target_open(&t, path, shown);
	if (err) {
		report_open_error(&t, err, c);
		goto out;
	}
	if ((before = judged_find(&o->judged, &t.st)) != NULL) {
		judge_again(o, &t, before, c);
		goto out;
	}
	err = mmstats_read_fd(t.fd, &snap);
	/* Fields before a corrupt one still tell whose file it is. */
	if (err == -EPROTONOSUPPORT || (err && snap.nstats == 0))
		v = report_invalid(o, &t, &snap, err, c);
	else
		v = judge(o, &t, &snap, c);
	/* A STALE verdict keeps t.fd open: see judged.h. */
	if (judged_add(&o->judged, &t.st, v, shown, &t.fd) < 0)
		tool_oom();
out:
	tool_flush();
	mmstats_snapshot_free(&snap);
	target_close(&t);
	free(shown);
}

/* 0 if `dir` can be listed, else -errno. */
static int dir_error(const char *dir)
{
	DIR *dp = opendir(dir);

	if (!dp)
		return -errno;
	closedir(dp);
	return 0;
}

/*
 * The default directory, when $MMSTATS_GLOB does not say otherwise: it
 * must be listable (glob() would call it empty), and its holding no
 * file is no error.  The directories a $MMSTATS_PATH template names are
 * not checked: they are anyone's (/tmp/mmstats-{CMD} matches every
 * user's), so one this user cannot list is passed over, as glob() passes
 * it over, rather than failing every run.  1 if there is nothing to
 * look in (the directory of a $MMSTATS_PATH without fields is missing),
 * else 0 or -errno, said.
 */
static int check_default_dirs(void)
{
	struct pathlist dirs = PATHLIST_INIT;
	struct stat st;
	bool tmpl;
	int err;

	if ((err = files_stats_dirs(&dirs, &tmpl)) < 0) {
		tool_report(files_stats_dir(), err);
		return err;
	}
	if (!tmpl && (stat(dirs.v[0], &st) < 0 || !S_ISDIR(st.st_mode)))
		err = 1;
	else if (!tmpl && (err = dir_error(dirs.v[0])) < 0)
		tool_report(dirs.v[0], err);
	pathlist_free(&dirs);
	return err;
}

/*
 * What was asked for must be there (a missing FILE, an empty DIR, a GLOB
 * that matches nothing are errors), except the default directory: that
 * it holds no file is the usual state of /tmp, where a timer runs this,
 * and nothing is left to clean.  Its absence is an error still, and so
 * is a directory that cannot be listed.  The directories of a template
 * come and go with their writers: none is no error.
 */
static int expand(char *const *args, size_t nargs, struct pathlist *files)
{
	const char *glob_env = getenv(MMSTATS_ENV_GLOB);
	int err;

	if (nargs == 0 && !(glob_env && *glob_env) &&
	    (err = check_default_dirs()) <= 0) {
		if (err)
			return err;
		return files_expand_args(args, nargs, files, tool_report);
	}
	return files_expand_args_strict(args, nargs, files, tool_report_why);
}

static void parse_args(int argc, char **argv, struct clean_opts *o)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "nvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': o->dry_run = true; break;
		case 'v': o->verbose = true; break;
		case 'h': tool_help(usage);
		case 'V': tool_version();
		default:  tool_usage_error();
		}
	}
}

int main(int argc, char **argv)
{
	struct clean_opts o = { 0 };
	struct clean_count c = { 0 };
	struct pathlist files = PATHLIST_INIT;
	size_t i;
	int err;

	tool_init("cleanstats");
	parse_args(argc, argv, &o);
	o.terminal = isatty(STDOUT_FILENO);
	o.by_default = optind == argc;
	err = expand(argv + optind, (size_t)(argc - optind), &files);
	c.failed = err != 0;
	for (i = 0; i < files.n; i++)
		clean_one(&o, files.v[i], &c);
	print_summary(&o, &c);
	tool_flush();
	judged_free(&o.judged);
	pathlist_free(&files);
	return c.failed ? 1 : 0;
}
