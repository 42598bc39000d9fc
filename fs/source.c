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
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progname.h"
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
 * The real, effective, saved and filesystem uids of process pid: 0, or
 * -errno when /proc cannot tell.
 */
static int proc_uids(pid_t pid, unsigned long uid[4])
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%lu %lu %lu %lu", &uid[0], &uid[1], &uid[2],
			 &uid[3]) != 4)
		return -EIO;
	return 0;
}

/*
 * Whether the live writer could have written the file: root's files, or
 * those of its real, effective, saved or filesystem uid.  Anyone may
 * write a file into /tmp that names another user's process; it must not
 * add to that process's values.  Also whose program the writer is in:
 * the file's owner, or, for a file of root's, the writer's real uid
 * (root may make a file for a process that then drops to its user).
 */
static bool owner_ok(pid_t pid, uid_t owner, uid_t *prog_uid)
{
	unsigned long uid[4];
	int i;

	*prog_uid = owner;
	if (proc_uids(pid, uid) < 0)
		return owner == 0;	/* gone: its exit is on its way */
	if (owner == 0) {
		*prog_uid = (uid_t)uid[0];
		return true;
	}
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

/*
 * Thread nstid of process pid (as this daemon numbers it) as this daemon
 * numbers it: the last NSpid of /proc/pid/task/T/status whose own last
 * is nstid; or nstid when none is found.
 */
static pid_t host_tid(pid_t pid, pid_t nstid)
{
	char path[320], buf[2048], *p, *last;
	struct dirent *de;
	ssize_t n;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return nstid;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
			 (int)pid, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		if (!(p = strstr(buf, "\nNSpid:")))
			continue;
		p[strcspn(p + 1, "\n") + 1] = '\0';
		last = strrchr(p, '\t');
		if (last && atol(last + 1) == nstid) {
			closedir(d);
			return (pid_t)atol(de->d_name);
		}
	}
	closedir(d);
	return nstid;
}

/*
 * The program of si's live writer (progname.h), named by sys.program
 * whole (two names alike in their first 63 bytes are two programs), and
 * when the writer started, which orders a program's processes.
 */
static void program_of(const struct mmstats_snapshot *snap,
		       struct mfs_srcinfo *si)
{
	const struct mmstats_stat *st = mmstats_snapshot_find(snap,
							      "sys.program");
	const char *v = NULL;
	size_t len = 0;

	if (st && st->value.kind == MMSTATS_KIND_STRING) {
		v = (const char *)st->value.v.str.ptr;
		len = st->value.v.str.len;
	}
	si->program = mfs_program_name(si->pid, v, len, &si->program_len);
	if (mmstats_pid_starttime(si->pid, &si->starttime) < 0)
		si->starttime = 0;
}

/*
 * The writer's pid and tids are its own PID namespace's: each is shown
 * as this daemon's namespace numbers it (mmstats_writer_pid), and a
 * writer whose namespace is out of sight has no /<pid> (pid 0).
 */
static void describe(const char *name, const struct mmstats_snapshot *snap,
		     struct mfs_srcinfo *si)
{
	const struct mmstats_stat *st;
	pid_t pid = mmstats_snapshot_pid(snap), host, named, tid;

	host = pid > 0 ? mmstats_writer_pid(snap) : 0;
	/* a writer gone keeps its number: its file is stale, not unknown */
	si->pid = host > 0 ? host : host == -ESRCH ? pid : 0;
	tid = pid > 0 ? pid : 0;
	st = mmstats_snapshot_find(snap, "sys.tid");
	if (st && number(st) > 0 && number(st) < 1e10)
		tid = (pid_t)number(st);
	/* this library's files (with sys.starttime) have the right sys.tid,
	 * whatever their name template makes of the name */
	if (pid > 0 && !mmstats_snapshot_find(snap, "sys.starttime") &&
	    (named = tid_of_name(name, pid)))
		tid = named;
	if (tid == pid || host <= 0)
		si->tid = si->pid;
	else
		si->tid = host == pid ? tid : host_tid(host, tid);
	st = mmstats_snapshot_find(snap, "sys.created");
	si->created = st ? number(st) : 0;
	/* files are ordered by it (sources.c, project.c): NaN orders nothing */
	if (!isfinite(si->created))
		si->created = 0;
	if (host > 0)
		si->live = mmstats_liveness(snap);
	else
		si->live = host == -ESRCH ? MMSTATS_STALE : MMSTATS_UNKNOWN;
	if (si->live != MMSTATS_ALIVE)
		return;
	si->foreign = !owner_ok(si->pid, si->st.st_uid, &si->prog_uid);
	if (!si->foreign)
		program_of(snap, si);
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

/*
 * Copy the strings of out->stat (label, raw label, unit, help) out of the
 * map: a map read by name is closed once the read returns, and whatever
 * shows them later (the bulk files) would read freed memory.
 */
static int own_strings(struct mfs_value *out)
{
	struct mmstats_stat *st = &out->stat;
	const char *unit = st->notes.unit ? st->notes.unit : "";
	const char *help = st->notes.help ? st->notes.help : "";
	const char *label = st->label ? st->label : "";
	size_t ll = strlen(label) + 1, ul = strlen(unit) + 1;
	size_t hl = strlen(help) + 1, rl = st->raw_label_len;
	char *p = malloc(ll + ul + hl + rl + 1);

	if (!(out->strs = p))
		return -ENOMEM;
	st->label = memcpy(p, label, ll);
	st->notes.unit = memcpy(p + ll, unit, ul);
	st->notes.help = memcpy(p + ll + ul, help, hl);
	if (rl)
		memcpy(p + ll + ul + hl, st->raw_label, rl);
	st->raw_label = (const unsigned char *)(p + ll + ul + hl);
	return 0;
}

/* Field i of map, as it is now; a string's bytes into out (a mfs_value). */
int mfs_value_read(const struct mmstats_map *map, size_t i, void *arg,
		   struct stat *st_out)
{
	const struct mmstats_stat *st = &mmstats_map_fields(map)->stats[i];
	struct mfs_value *out = arg;
	unsigned char *buf = out->small;
	size_t len = sizeof(out->small);
	int err;

	mfs_value_free(out);
	out->stat = *st;
	if ((err = own_strings(out)) < 0)
		return err;
	if (st->value_size > len) {
		if (!(out->big = malloc(st->value_size)))
			return -ENOMEM;
		buf = out->big;
		len = st->value_size;
	}
	err = mmstats_map_value(map, i, &out->stat.value, buf, len, &out->st);
	*st_out = out->st;
	return err;
}

static int field_by_name(int dirfd, const char *name, const char *label,
			 const struct mmstats_limits *lim, mfs_field_fn fn,
			 void *arg, struct stat *st_out)
{
	struct mfs_fieldnames fn_;
	struct mmstats_map *map;
	struct stat st;
	long i;
	int err;

	if (strchr(name, '/'))
		return -EINVAL;
	map_at(dirfd, name, lim, &st, &map);
	if (!map)
		return -ENOENT;
	err = mfs_fieldnames_make(mmstats_map_fields(map), &fn_);
	if (!err) {
		i = mfs_fieldnames_find(&fn_, label);
		err = i < 0 ? -ENOENT : fn(map, (size_t)i, arg, st_out);
		mfs_fieldnames_free(&fn_);
	}
	mmstats_map_close(map);
	return err;
}

int mfs_source_with_field(int dirfd, const char *name, struct mfs_handle *h,
			  long index, const char *label,
			  const struct mmstats_limits *lim, mfs_field_fn fn,
			  void *arg, void (*undo)(void *arg),
			  struct stat *st)
{
	int err;

	if (h && index < 0)
		return -ENOENT;
	if (h) {
		err = fn(h->map, (size_t)index, arg, st);
		/* Gone from the directory: what the name holds now, if any */
		if (err || st->st_nlink > 0)
			return err;
		if (undo)
			undo(arg);
	}
	return field_by_name(dirfd, name, label, lim, fn, arg, st);
}

void mfs_value_undo(void *arg)
{
	mfs_value_free(arg);
}

int mfs_source_value(int dirfd, const char *name, struct mfs_handle *h,
		     long index, const char *label,
		     const struct mmstats_limits *lim, struct mfs_value *out)
{
	memset(out, 0, offsetof(struct mfs_value, small));
	return mfs_source_with_field(dirfd, name, h, index, label, lim,
				     mfs_value_read, out, mfs_value_undo,
				     &out->st);
}

void mfs_value_free(struct mfs_value *v)
{
	free(v->big);
	free(v->strs);
	v->big = NULL;
	v->strs = NULL;
}

void mfs_srcinfo_free(struct mfs_srcinfo *si)
{
	free(si->program);
	si->program = NULL;
	mfs_fieldnames_free(&si->names);
	mfs_handle_put(si->handle);
	si->handle = NULL;
}
