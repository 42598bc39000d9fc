/*
 * source.c - read one file of the source directory.
 *
 * mmstats_open_at() opens with O_NOFOLLOW and never opens anything but a
 * regular file (not even a FIFO or a device: opening some has side
 * effects).  A file is opened so when it is found and then held open:
 * rendering a value costs an fstat and a pread, where opening by name
 * again costs an lstat, an open, an fstat, a pread and a close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

bool mfs_source_name_ok(const char *name)
{
	size_t len = strlen(name), sl = strlen(MMSTATS_SUFFIX);

	/* Python's glob("*.mmstats") skips dot files: so do we. */
	return name[0] != '.' && len > sl &&
	       !strcmp(name + len - sl, MMSTATS_SUFFIX) && !strchr(name, '/');
}

static int snapshot_by_name(int dirfd, const char *name,
			    struct mmstats_snapshot *snap, struct stat *st)
{
	int fd, err;

	if (strchr(name, '/'))
		return -EINVAL;
	fd = mmstats_open_at(dirfd, name, st);
	if (fd < 0)
		return fd;
	err = mmstats_read_fd_sized(fd, st->st_size, snap);
	close(fd);
	return err;
}

/*
 * The fstat does three things for one system call: it checks the file
 * still has a name, gives the owner and mode as they are now for the
 * permission check at open, and sizes the read so that it needs one
 * pread.
 */
int mfs_source_snapshot(int dirfd, const char *name, struct mfs_handle *h,
			struct mmstats_snapshot *snap, struct stat *st)
{
	memset(snap, 0, sizeof(*snap));
	if (!h)
		return snapshot_by_name(dirfd, name, snap, st);
	if (fstat(h->fd, st) < 0)
		return -errno;
	/* Gone from the directory: what the name holds now, if anything. */
	if (st->st_nlink == 0)
		return snapshot_by_name(dirfd, name, snap, st);
	return mmstats_read_fd_sized(h->fd, st->st_size, snap);
}

static double number(const struct mmstats_stat *st)
{
	switch (st->value.kind) {
	case MMSTATS_KIND_INT:
		return (double)st->value.v.i;
	case MMSTATS_KIND_UINT:
		return (double)st->value.v.u;
	case MMSTATS_KIND_FLOAT:
		return st->value.v.d;
	default:
		return 0;
	}
}

/*
 * Whether the process could have written a file owned by `owner`: root's
 * files, or those of its real, effective, saved or filesystem uid.
 * Anyone may write a file into /tmp that names another user's process;
 * it must not add to that process's values.
 */
static bool owner_ok(pid_t pid, uid_t owner)
{
	char path[64], buf[4096], *p;
	unsigned long uid[4];
	ssize_t n;
	int fd, i;

	if (owner == 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%lu %lu %lu %lu", &uid[0], &uid[1], &uid[2],
			 &uid[3]) != 4)
		return false;
	for (i = 0; i < 4; i++)
		if (uid[i] == owner)
			return true;
	return false;
}

static void describe(const struct mmstats_snapshot *snap,
		     struct mfs_srcinfo *si)
{
	const struct mmstats_stat *st;
	pid_t pid = mmstats_snapshot_pid(snap);

	si->pid = pid > 0 ? pid : 0;
	si->tid = si->pid;
	st = mmstats_snapshot_find(snap, "sys.tid");
	if (st && number(st) > 0 && number(st) < 1e10)
		si->tid = (pid_t)number(st);
	st = mmstats_snapshot_find(snap, "sys.created");
	si->created = st ? number(st) : 0;
	si->live = si->pid ? mmstats_liveness(snap) : MMSTATS_UNKNOWN;
	si->foreign = si->live == MMSTATS_ALIVE &&
		      !owner_ok(si->pid, si->st.st_uid);
}

/* Whether open failed because the name is no file we may open. */
static bool not_ours(int err)
{
	return err == -ENOENT || err == -EPERM || err == -EINVAL ||
	       err == -ELOOP || err == -EISDIR || err == -ESTALE ||
	       err == -EACCES;
}

static void set_error(struct mfs_srcinfo *si, int err,
		      const struct mmstats_snapshot *snap)
{
	si->err = err < 0 ? err : snap->err;
	if (si->err)
		snprintf(si->errmsg, sizeof(si->errmsg), "%s",
			 snap->errmsg[0] ? snap->errmsg :
			 err < 0 ? strerror(-err) : "bad file");
}

int mfs_source_read(int dirfd, const char *name, struct mfs_srcinfo *si)
{
	struct mmstats_snapshot snap = { 0 };
	int fd, err;

	memset(si, 0, sizeof(*si));
	if (strchr(name, '/'))
		return -EINVAL;
	fd = mmstats_open_at(dirfd, name, &si->st);
	if (fd < 0 && not_ours(fd))
		return fd;
	if (fd < 0) {		/* EMFILE and such: try again later */
		set_error(si, fd, &snap);
		return 0;
	}
	err = mmstats_read_fd_sized(fd, si->st.st_size, &snap);
	si->handle = mfs_handle_new(fd);	/* NULL: read by name */
	set_error(si, err, &snap);
	si->usable = snap.nstats > 0;
	if (si->usable) {
		describe(&snap, si);
		err = mfs_fieldnames_make(&snap, &si->names);
		if (err < 0) {
			mmstats_snapshot_free(&snap);
			mfs_srcinfo_free(si);
			return err;
		}
	}
	mmstats_snapshot_free(&snap);
	return 0;
}

void mfs_srcinfo_free(struct mfs_srcinfo *si)
{
	mfs_fieldnames_free(&si->names);
	mfs_handle_put(si->handle);
	si->handle = NULL;
}
