/*
 * source.c - read one file of the source directory.
 *
 * mmstats_read_at() opens with O_NOFOLLOW and refuses anything that is not
 * a regular file; the lstat before it keeps FIFOs and devices from ever
 * being opened at all (opening some devices has side effects).
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

int mfs_source_snapshot(int dirfd, const char *name,
			struct mmstats_snapshot *snap, struct stat *st)
{
	memset(snap, 0, sizeof(*snap));
	if (strchr(name, '/'))
		return -EINVAL;
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode))
		return -EPERM;
	return mmstats_read_at(dirfd, name, snap);
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

int mfs_source_read(int dirfd, const char *name, struct mfs_srcinfo *si)
{
	struct mmstats_snapshot snap;
	int err;

	memset(si, 0, sizeof(*si));
	err = mfs_source_snapshot(dirfd, name, &snap, &si->st);
	if (err == -ENOENT || err == -EPERM || err == -EINVAL ||
	    err == -ELOOP || err == -EISDIR || err == -ESTALE ||
	    err == -EACCES) {	/* not a file we may open: no content */
		mmstats_snapshot_free(&snap);
		return err;
	}
	si->err = err < 0 ? err : snap.err;
	if (si->err)
		snprintf(si->errmsg, sizeof(si->errmsg), "%s",
			 snap.errmsg[0] ? snap.errmsg :
			 err < 0 ? strerror(-err) : "bad file");
	si->usable = snap.nstats > 0;
	if (si->usable) {
		describe(&snap, si);
		err = mfs_fieldnames_make(&snap, &si->names);
		if (err < 0) {
			mmstats_snapshot_free(&snap);
			return err;
		}
	}
	mmstats_snapshot_free(&snap);
	return 0;
}

void mfs_srcinfo_free(struct mfs_srcinfo *si)
{
	mfs_fieldnames_free(&si->names);
}
