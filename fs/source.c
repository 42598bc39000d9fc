/*
 * source.c - read one file of the source directory.
 *
 * mmstats_open_at() opens with O_NOFOLLOW and never opens anything but a
 * regular file (not even a FIFO or a device: opening some has side
 * effects).  A file is mapped and indexed when it is found, once per
 * shape (mmstats_map_changed()), and the map is then held: a value costs
 * one load from the mapping and an fstat, whatever the size of the file,
 * where opening by name again costs an open, a mapping and a parse.
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The decimal number that ends at end (exclusive), from *start; or 0. */
static long number_before(const char *name, const char *end,
			  const char **start)
{
	const char *p = end;
	long n = 0, scale = 1;

	while (p > name && p[-1] >= '0' && p[-1] <= '9' && end - p < 9) {
		p--;
		n += (p[0] - '0') * scale;
		scale *= 10;
	}
	*start = p;
	return p < end && p[0] != '0' ? n : 0;
}

/*
 * The thread of a file named "...-{PID}-{TID}.mmstats" (the reference's
 * default name), when {PID} is the file's own sys.pid; else 0.  The
 * reference writes its main thread's tid into sys.tid of every thread's
 * file, but each file's name holds the tid of the thread that made it:
 * the name is what tells its files apart.
 */
static pid_t tid_of_name(const char *name, pid_t pid)
{
	size_t len = strlen(name), sl = strlen(MMSTATS_SUFFIX);
	const char *end, *p;
	long tid;

	if (len <= sl || strcmp(name + len - sl, MMSTATS_SUFFIX))
		return 0;
	end = name + len - sl;
	tid = number_before(name, end, &p);
	if (!tid || p == name || p[-1] != '-')
		return 0;
	end = p - 1;
	if (number_before(name, end, &p) != pid || p == name || p[-1] != '-')
		return 0;
	return (pid_t)tid;
}

static void describe(const char *name, const struct mmstats_snapshot *snap,
		     struct mfs_srcinfo *si)
{
	const struct mmstats_stat *st;
	pid_t pid = mmstats_snapshot_pid(snap), named;

	si->pid = pid > 0 ? pid : 0;
	si->tid = si->pid;
	st = mmstats_snapshot_find(snap, "sys.tid");
	if (st && number(st) > 0 && number(st) < 1e10)
		si->tid = (pid_t)number(st);
	/* this library's files (with sys.starttime) have the right sys.tid,
	 * whatever their name template makes of the name */
	if (si->pid && !mmstats_snapshot_find(snap, "sys.starttime") &&
	    (named = tid_of_name(name, si->pid)))
		si->tid = named;
	st = mmstats_snapshot_find(snap, "sys.created");
	si->created = st ? number(st) : 0;
	/* files are ordered by it (sources.c, project.c): NaN orders nothing */
	if (!isfinite(si->created))
		si->created = 0;
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
	si->err = err < 0 ? err : snap ? snap->err : 0;
	if (si->err)
		snprintf(si->errmsg, sizeof(si->errmsg), "%s",
			 snap && snap->errmsg[0] ? snap->errmsg :
			 mmstats_last_error()[0] ? mmstats_last_error() :
			 strerror(-si->err));
}

/* What the map holds: liveness, names, and the map itself. */
static int index_map(const char *name, struct mmstats_map *map,
		     struct mfs_srcinfo *si)
{
	const struct mmstats_snapshot *snap = mmstats_map_fields(map);
	size_t i;
	int err;

	si->usable = snap->nstats > 0;
	si->fields = snap->nstats;
	for (i = 0; i < snap->nstats; i++)
		si->label_bytes += snap->stats[i].raw_label_len;
	if (si->usable) {
		describe(name, snap, si);
		if ((err = mfs_fieldnames_make(snap, &si->names)) < 0) {
			mmstats_map_close(map);
			return err;
		}
	}
	si->handle = mfs_handle_new(map);	/* NULL: read by name */
	return 0;
}

/* Open `name` and map it within lim; -errno from the open, or the map's. */
static int map_at(int dirfd, const char *name,
		  const struct mmstats_limits *lim, struct stat *st,
		  struct mmstats_map **map)
{
	int fd = mmstats_open_at(dirfd, name, st), err;

	*map = NULL;
	if (fd < 0)
		return fd;
	err = mmstats_map_fd_within(fd, lim, map);
	if (!*map)
		close(fd);
	return err;
}

int mfs_source_read(int dirfd, const char *name,
		    const struct mmstats_limits *lim, struct mfs_srcinfo *si)
{
	struct mmstats_map *map;
	int fd, err;

	memset(si, 0, sizeof(*si));
	if (strchr(name, '/'))
		return -EINVAL;
	fd = mmstats_open_at(dirfd, name, &si->st);
	if (fd < 0 && not_ours(fd))
		return fd;
	if (fd < 0) {		/* EMFILE and such: try again later */
		set_error(si, fd, NULL);
		return 0;
	}
	err = mmstats_map_fd_within(fd, lim, &map);
	if (!map) {		/* ENOMEM, ENFILE, mmap limits: later */
		close(fd);
		set_error(si, err, NULL);
		return 0;
	}
	/* the size indexed: it may have changed since open's fstat */
	si->st.st_size = (off_t)mmstats_map_fields(map)->size;
	set_error(si, err, mmstats_map_fields(map));
	err = index_map(name, map, si);
	if (err < 0)
		mfs_srcinfo_free(si);
	return err;
}

bool mfs_source_unchanged(int dirfd, const char *name,
			  const struct stat *was, struct mfs_handle *h)
{
	struct stat st;

	if (!h || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return st.st_dev == was->st_dev && st.st_ino == was->st_ino &&
	       st.st_mode == was->st_mode && st.st_uid == was->st_uid &&
	       st.st_gid == was->st_gid &&
	       mmstats_map_changed(h->map) == 0;
}

/* Field i of map, as it is now; a string's bytes into out. */
static int value_of(const struct mmstats_map *map, size_t i,
		    struct mfs_value *out)
{
	const struct mmstats_stat *st = &mmstats_map_fields(map)->stats[i];
	unsigned char *buf = out->small;
	size_t len = sizeof(out->small);

	out->stat = *st;
	if (st->value_size > len) {
		if (!(out->big = malloc(st->value_size)))
			return -ENOMEM;
		buf = out->big;
		len = st->value_size;
	}
	return mmstats_map_value(map, i, &out->stat.value, buf, len,
				 &out->st);
}

static int value_by_name(int dirfd, const char *name, const char *label,
			 const struct mmstats_limits *lim,
			 struct mfs_value *out)
{
	struct mfs_fieldnames fn;
	struct mmstats_map *map;
	struct stat st;
	long i;
	int err;

	if (strchr(name, '/'))
		return -EINVAL;
	map_at(dirfd, name, lim, &st, &map);
	if (!map)
		return -ENOENT;
	err = mfs_fieldnames_make(mmstats_map_fields(map), &fn);
	if (!err) {
		i = mfs_fieldnames_find(&fn, label);
		err = i < 0 ? -ENOENT : value_of(map, (size_t)i, out);
		mfs_fieldnames_free(&fn);
	}
	mmstats_map_close(map);
	return err;
}

int mfs_source_value(int dirfd, const char *name, struct mfs_handle *h,
		     long index, const char *label,
		     const struct mmstats_limits *lim, struct mfs_value *out)
{
	int err;

	memset(out, 0, offsetof(struct mfs_value, small));
	if (h && index < 0)
		return -ENOENT;
	if (h) {
		err = value_of(h->map, (size_t)index, out);
		/* Gone from the directory: what the name holds now, if any */
		if (err || out->st.st_nlink > 0)
			return err;
		mfs_value_free(out);
	}
	return value_by_name(dirfd, name, label, lim, out);
}

void mfs_value_free(struct mfs_value *v)
{
	free(v->big);
	v->big = NULL;
}

void mfs_srcinfo_free(struct mfs_srcinfo *si)
{
	mfs_fieldnames_free(&si->names);
	mfs_handle_put(si->handle);
	si->handle = NULL;
}
