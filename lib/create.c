/*
 * create.c - file names from templates, and safe creation.
 *
 * A new file is built complete in an unnamed O_TMPFILE file of the stats
 * directory and only then linked to its final name, so a reader (an
 * inotify watcher, say) sees a whole file or nothing.  linkat() and
 * renameat2(RENAME_NOREPLACE) never follow a symlink at the target and
 * fail when the name exists, which is when we look at what is there.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "create.h"
#include "onsignal.h"
#include "registry.h"
#include "template.h"

bool mms_no_tmpfile;
bool mms_no_renameat2;

/*
 * The values of the template fields for the calling thread.  {CMD} is
 * argv[0]'s base name, as the reference's os.path.basename(sys.argv[0]);
 * a '/' in it can only come from a strange prctl name, and becomes '_' so
 * that {CMD} never adds a directory.  *copy is what to free.
 */
static int own_fields(struct mms_template_fields *f, char **copy)
{
	const char *cmd = program_invocation_short_name;

	*copy = NULL;
	if (!cmd || !*cmd)
		cmd = "unknown";
	if (strchr(cmd, '/')) {
		*copy = strdup(cmd);
		if (!*copy)
			return mms_error(-ENOMEM, "out of memory");
		for (char *p = *copy; (p = strchr(p, '/')); p++)
			*p = '_';
		cmd = *copy;
	}
	f->cmd = cmd;
	f->pid = getpid();
	f->tid = gettid();
	return 0;
}

static int expand(const char *what, const char *template, char *buf,
		  size_t len)
{
	struct mms_template_fields f;
	char *copy;
	int err = own_fields(&f, &copy);

	if (!err)
		err = mms_template_format(what, template, &f, buf, len);
	free(copy);
	return err;
}

/* Each '/'-separated part names an entry: not "", "." nor "..". */
static bool relative_path(const char *name)
{
	const char *p = name;

	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

int mms_expand_name(const char *template, char *buf, size_t len)
{
	int err = expand("file name template", template, buf, len);

	if (err)
		return err;
	if (!relative_path(buf))
		return mms_error(-EINVAL, "file name template \"%s\" gives "
				 "the bad name \"%s\" (empty, absolute, or "
				 "with an empty, \".\" or \"..\" part)",
				 template, buf);
	return 0;
}

static char *join(const char *dir, const char *sub)
{
	char *path;

	return asprintf(&path, "%s/%s", dir, sub) < 0 ? NULL : path;
}

int mms_expand_place(const char *dir_template, const char *name_template,
		     char **dir, size_t *base_len, char **name)
{
	char d[PATH_MAX], n[PATH_MAX], *slash;
	int err;

	*dir = *name = NULL;
	if (base_len)
		*base_len = 0;
	err = expand("directory template", dir_template, d, sizeof(d));
	if (!err && !d[0])
		err = mms_error(-EINVAL, "directory template \"%s\" gives "
				"an empty name", dir_template);
	if (!err)
		err = mms_expand_name(name_template, n, sizeof(n));
	if (err)
		return err;
	/* The name's own directories are the file's directory. */
	slash = strrchr(n, '/');
	if (slash)
		*slash = '\0';
	*dir = slash ? join(d, n) : strdup(d);
	*name = strdup(slash ? slash + 1 : n);
	if (base_len)
		*base_len = strlen(d);
	if (!*dir || !*name) {
		free(*dir);
		free(*name);
		*dir = *name = NULL;
		return mms_error(-ENOMEM, "out of memory");
	}
	return 0;
}

/* One directory below fd, never through a symbolic link. */
static int open_below(int fd, const char *path, size_t from, size_t to)
{
	char comp[NAME_MAX + 1];
	struct stat st;
	int sub;

	if (to - from > NAME_MAX)
		return mms_error(-ENAMETOOLONG, "%.*s: name too long",
				 (int)to, path);
	memcpy(comp, path + from, to - from);
	comp[to - from] = '\0';
	sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		     O_CLOEXEC);
	if (sub >= 0)
		return sub;
	/* O_DIRECTORY meets the link first: ENOTDIR, not ELOOP */
	if (errno == ENOTDIR && fstatat(fd, comp, &st,
					AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		errno = ELOOP;
	return mms_error(-errno, "%.*s: %s", (int)to, path, errno == ELOOP ?
			 "a symbolic link, not followed in a file name's "
			 "directories" : strerror(errno));
}

int mms_open_dir(const char *path, size_t base_len)
{
	size_t len = strlen(path), at, end;
	char *base = strndup(path, base_len < len ? base_len : len);
	int fd, sub;

	if (!base)
		return mms_error(-ENOMEM, "out of memory");
	fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = mms_error(-errno, "%s: %s", base, strerror(errno));
	free(base);
	/* the directories of the file name template: below, each itself */
	for (at = base_len + 1; fd >= 0 && at < len; at = end + 1) {
		end = at + strcspn(path + at, "/");
		sub = open_below(fd, path, at, end);
		close(fd);
		fd = sub;
	}
	return fd;
}

/* ".mmstats-<hex>.tmp": never matches a reader's *.mmstats glob. */
static void random_name(char *buf, size_t len)
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		r = (uint64_t)ts.tv_nsec * 2654435761u ^
		    (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)buf;
	}
	snprintf(buf, len, ".mmstats-%016" PRIx64 ".tmp", r);
}

static int open_named(int dirfd, struct mms_newfile *nf)
{
	for (int tries = 0; tries < 100; tries++) {
		random_name(nf->tmpname, sizeof(nf->tmpname));
		nf->fd = openat(dirfd, nf->tmpname, O_RDWR | O_CREAT |
				O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (nf->fd >= 0) {
			nf->named = true;
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/*
 * A temporary name is recorded for mmstats_remove_on_signal()'s handler
 * before anything can kill us with it: between mms_onsignal_begin() and
 * _end() this thread takes no signal, and a handler running in another
 * waits for us, then looks again at the list, where the name now is; or
 * we saw the process dying and created nothing.
 */
/* The signal handler is to remove nf's temporary name while it exists. */
static int record_building(int dirfd, struct mms_newfile *nf)
{
	struct stat st;
	int err;

	if (fstat(nf->fd, &st) < 0)
		return -errno;
	err = mms_registry_building(nf, dirfd, nf->tmpname, st.st_dev,
				    st.st_ino);
	nf->building = !err;
	return err;
}

static int create_named(int dirfd, struct mms_newfile *nf)
{
	sigset_t old;
	int err;

	if ((err = mms_onsignal_begin(&old)) < 0)
		return err;
	err = open_named(dirfd, nf);
	if (!err)
		err = record_building(dirfd, nf);
	if (err && nf->named)
		mms_newfile_discard(dirfd, nf);
	mms_onsignal_end(&old);
	return err;
}

static int create_unnamed(int dirfd, struct mms_newfile *nf)
{
	if (mms_no_tmpfile)
		return -EOPNOTSUPP;
	nf->fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
	return nf->fd < 0 ? -errno : 0;
}

int mms_newfile_create(int dirfd, const char *dirpath, size_t size,
		       struct mms_newfile *nf)
{
	int err;

	nf->fd = -1;
	nf->named = false;
	nf->building = false;
	nf->tmpname[0] = '\0';
	err = create_unnamed(dirfd, nf);
	/* Filesystems without O_TMPFILE say so in one of these ways. */
	if (err == -EOPNOTSUPP || err == -EISDIR || err == -EINVAL)
		err = create_named(dirfd, nf);
	if (err)
		return mms_error(err, "%s: %s", dirpath,
				 strerror(-err));
	if (ftruncate(nf->fd, (off_t)size) < 0) {
		err = -errno;
		mms_newfile_discard(dirfd, nf);
		return mms_error(err, "%s: %s", dirpath,
				 strerror(-err));
	}
	return 0;
}

/* The temporary name is gone (renamed, removed): the handler's too. */
static void built(struct mms_newfile *nf)
{
	nf->named = false;
	if (nf->building)
		mms_registry_built(nf);
	nf->building = false;
}

/* Give an unnamed file a name: via /proc, else AT_EMPTY_PATH. */
static int link_fd(int fd, int dirfd, const char *name)
{
	char proc[32];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != ENOENT)
		return -errno;
	return linkat(fd, "", dirfd, name, AT_EMPTY_PATH) ? -errno : 0;
}

/* Move the temporary name to `name`, failing if `name` exists. */
static int rename_noreplace(int dirfd, const char *tmp, const char *name)
{
	if (!mms_no_renameat2 &&
	    renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (!mms_no_renameat2 && errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* Old kernels and some filesystems: link() fails on EEXIST too. */
	if (linkat(dirfd, tmp, dirfd, name, 0) < 0)
		return -errno;
	unlinkat(dirfd, tmp, 0);
	return 0;
}

static int link_final(int dirfd, const char *name, struct mms_newfile *nf)
{
	int err;

	if (!nf->named)
		return link_fd(nf->fd, dirfd, name);
	err = rename_noreplace(dirfd, nf->tmpname, name);
	if (err == 0)
		built(nf);
	return err;
}

/* What is at `name` may go only if it is a stale file of ours. */
static int check_replaceable(int dirfd, const char *dirpath,
			     const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return mms_error(-errno, "%s/%s: %s", dirpath, name,
				 strerror(errno));
	if (S_ISLNK(st.st_mode))
		return mms_error(-EEXIST, "%s/%s: exists and is a "
				 "symbolic link; not replaced", dirpath, name);
	if (!S_ISREG(st.st_mode))
		return mms_error(-EEXIST, "%s/%s: exists and is not "
				 "a regular file; not replaced", dirpath, name);
	if (st.st_uid != geteuid())
		return mms_error(-EEXIST, "%s/%s: exists and belongs "
				 "to uid %u; not replaced", dirpath, name,
				 (unsigned)st.st_uid);
	if (mms_registry_owns(st.st_dev, st.st_ino))
		return mms_error(-EEXIST, "%s/%s: in use by another "
				 "instance of this process", dirpath, name);
	return 0;
}

/*
 * An O_TMPFILE file gets a temporary name to be renamed from, recorded
 * for the signal handler before it is linked, as create_named() records
 * its own: if the rename fails, mms_newfile_discard() removes the name
 * only after the caller has let signals in again.
 */
static int name_unnamed(int dirfd, struct mms_newfile *nf)
{
	int err;

	random_name(nf->tmpname, sizeof(nf->tmpname));
	if ((err = record_building(dirfd, nf)))
		return err;
	if ((err = link_fd(nf->fd, dirfd, nf->tmpname))) {
		built(nf);
		return err;
	}
	nf->named = true;
	return 0;
}

/* rename() replaces the directory entry itself, never what it points to. */
static int replace_stale(int dirfd, const char *name, struct mms_newfile *nf)
{
	int err;

	if (!nf->named && (err = name_unnamed(dirfd, nf)))
		return err;
	if (renameat(dirfd, nf->tmpname, dirfd, name) < 0)
		return -errno;
	built(nf);
	return 0;
}

int mms_newfile_publish(int dirfd, const char *dirpath, const char *name,
			struct mms_newfile *nf)
{
	int err = link_final(dirfd, name, nf);

	if (err == -EEXIST) {
		err = check_replaceable(dirfd, dirpath, name);
		if (err)
			return err;
		err = replace_stale(dirfd, name, nf);
	}
	if (err)
		return mms_error(err, "%s/%s: %s", dirpath, name,
				 strerror(-err));
	return 0;
}

void mms_newfile_discard(int dirfd, struct mms_newfile *nf)
{
	if (nf->named)
		unlinkat(dirfd, nf->tmpname, 0);
	built(nf);
	if (nf->fd >= 0)
		close(nf->fd);
	nf->fd = -1;
}
