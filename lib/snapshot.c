/*
 * snapshot.c - read a file of a live writer into a snapshot.
 *
 * Files are read with pread(), never mapped: a writer may shrink or
 * remove its file at any time and a mapping would turn that into
 * SIGBUS.  A writer may also be appending a field or rewriting a string
 * while we read; both are detected and the file is read again, a
 * bounded number of times (see mmstats(5), READING A LIVE FILE).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "parse.h"

#define READ_ATTEMPTS	4
#define FIRST_READ	4096

static int grow(unsigned char **buf, size_t *cap)
{
	size_t want = *cap * 2;
	unsigned char *p;

	/* One byte past the limit is enough to see a file is too big. */
	if (want > (size_t)MMSTATS_MAX_FILE_SIZE + 1)
		want = (size_t)MMSTATS_MAX_FILE_SIZE + 1;
	p = realloc(*buf, want);
	if (!p)
		return mms_error(-ENOMEM, "out of memory reading a file");
	*buf = p;
	*cap = want;
	return 0;
}

/*
 * Room for `size` bytes, the size the caller's fstat() gave, and one more
 * so that a file that has not changed since ends in the first read (a
 * short read of a regular file is its end at that moment).  The size is
 * a hint: the file may change meanwhile.
 */
static size_t first_capacity(off_t size)
{
	if (size > 0 && size <= MMSTATS_MAX_FILE_SIZE)
		return (size_t)size + 1;
	return FIRST_READ;
}

/*
 * The whole file, up to EOF as pread() sees it, in a malloc'ed buffer.
 * A file that grows after the short read that ended this one is caught
 * by the parser (a field cut by the end) and read again by the caller.
 */
static int slurp(int fd, off_t size, unsigned char **out, size_t *outlen)
{
	size_t cap = first_capacity(size), len = 0;
	unsigned char *buf = malloc(cap);
	ssize_t n;
	int err;

	if (!buf)
		return mms_error(-ENOMEM, "out of memory reading a file");
	for (;;) {
		if (len == cap && (err = grow(&buf, &cap)) < 0)
			goto fail;
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = mms_error(-errno, "read: %s", strerror(errno));
			goto fail;
		}
		len += (size_t)n;
		if (len > MMSTATS_MAX_FILE_SIZE) {
			err = mms_error(-EFBIG, "file larger than %u bytes",
					MMSTATS_MAX_FILE_SIZE);
			goto fail;
		}
		if (len < cap)
			break;
	}
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	return err;
}

static bool file_grew(int fd, size_t len)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_size > (off_t)len;
}

/* Whether the file's bytes at [off, off+n) still are `want`. */
static bool same_bytes(int fd, const unsigned char *want, size_t off, size_t n)
{
	unsigned char chunk[4096];
	size_t done = 0, part;
	ssize_t got;

	while (done < n) {
		part = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		got = pread(fd, chunk, part, (off_t)(off + done));
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)part || memcmp(chunk, want + done, part))
			return false;
		done += part;
	}
	return true;
}

/*
 * A string is many bytes that a writer stores one by one: reading it a
 * second time and finding the same bytes shows the first copy was not
 * torn.  Numbers need no such check: their stores are single-copy atomic.
 */
static bool strings_changed(int fd, const struct mmstats_snapshot *s)
{
	const struct mmstats_stat *st;
	size_t i;

	for (i = 0; i < s->nstats; i++) {
		st = &s->stats[i];
		if (st->value.kind == MMSTATS_KIND_STRING &&
		    !same_bytes(fd, s->data + st->value_offset,
				st->value_offset, st->value_size))
			return true;
	}
	return false;
}

/* Whether what was read may be a torn view of a file being written. */
static bool worth_rereading(int fd, int err, bool truncated, size_t len,
			    const struct mmstats_snapshot *s)
{
	if (err == -EBADMSG && truncated && file_grew(fd, len))
		return true;
	/*
	 * A field being added is published by its label size, but the
	 * kernel's copy for pread() is not ordered: it may hold the new
	 * size with older bytes after it.  A bad field in a file that
	 * changed under us is read again; one that reads the same twice
	 * is really bad.
	 */
	if (err == -EBADMSG && !same_bytes(fd, s->data, 0, len))
		return true;
	return strings_changed(fd, s);
}

int mmstats_read_fd_sized(int fd, off_t size, struct mmstats_snapshot *snap)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	bool truncated;
	int attempt, err;

	memset(snap, 0, sizeof(*snap));
	for (attempt = 1; ; attempt++) {
		err = slurp(fd, attempt == 1 ? size : (off_t)len, &buf,
			    &len);
		if (err) {
			snap->err = err;
			snprintf(snap->errmsg, sizeof(snap->errmsg), "%s",
				 mmstats_last_error());
			return err;
		}
		err = mms_parse_owned(buf, len, snap, &truncated);
		if (attempt == READ_ATTEMPTS ||
		    !worth_rereading(fd, err, truncated, len, snap))
			return err;
		mmstats_snapshot_free(snap);
	}
}

int mmstats_read_fd(int fd, struct mmstats_snapshot *snap)
{
	struct stat st;

	return mmstats_read_fd_sized(fd, fstat(fd, &st) == 0 ? st.st_size : 0,
				     snap);
}

static int check_regular(const char *name, const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return 0;
	if (S_ISLNK(st->st_mode))
		return mms_error(-ELOOP, "%s: is a symbolic link, not followed",
				 name);
	if (S_ISDIR(st->st_mode))
		return mms_error(-EISDIR, "%s: is a directory", name);
	return mms_error(-EINVAL, "%s: not a regular file, not opened", name);
}

/*
 * Without /proc: the lstat before the open keeps FIFOs and devices named
 * so from being opened, and the fstat after it tells the file opened is
 * the one looked at.  One swapped in between the two is opened, then
 * refused.
 */
static int open_checked(int dirfd, const char *name, struct stat *after)
{
	struct stat before;
	int fd, err;

	if (fstatat(dirfd, name, &before, AT_SYMLINK_NOFOLLOW) < 0)
		return mms_error(-errno, "%s: %s", name, strerror(errno));
	err = check_regular(name, &before);
	if (err)
		return err;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mms_error(-errno, "%s: %s", name, strerror(errno));
	if (fstat(fd, after) < 0) {
		err = mms_error(-errno, "%s: %s", name, strerror(errno));
	} else if (!S_ISREG(after->st_mode) || after->st_dev != before.st_dev ||
		   after->st_ino != before.st_ino) {
		err = mms_error(-ESTALE, "%s: replaced while being opened",
				name);
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * An O_PATH descriptor names an inode without opening it (no FIFO
 * rendezvous, no device driver's open): its fstat decides, and only
 * then is that very inode opened, through /proc/self/fd, so nothing
 * swapped in under the name meanwhile can be opened.
 */
int mmstats_open_at(int dirfd, const char *name, struct stat *st)
{
	char proc[32];
	int path, fd, err;

	path = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (path < 0)
		return mms_error(-errno, "%s: %s", name, strerror(errno));
	if (fstat(path, st) < 0)
		err = mms_error(-errno, "%s: %s", name, strerror(errno));
	else
		err = check_regular(name, st);
	if (err) {
		close(path);
		return err;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path);
	fd = open(proc, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	err = fd < 0 ? errno : 0;
	close(path);
	if (fd >= 0)
		return fd;
	if (err == ENOENT)	/* no /proc here */
		return open_checked(dirfd, name, st);
	return mms_error(-err, "%s: %s", name, strerror(err));
}

int mmstats_read_at(int dirfd, const char *name, struct mmstats_snapshot *snap)
{
	char why[sizeof(snap->errmsg)];
	struct stat st;
	int fd, err;

	memset(snap, 0, sizeof(*snap));
	fd = mmstats_open_at(dirfd, name, &st);
	if (fd < 0) {
		snap->err = fd;
		snprintf(snap->errmsg, sizeof(snap->errmsg), "%s",
			 mmstats_last_error());
		return fd;
	}
	err = mmstats_read_fd_sized(fd, st.st_size, snap);
	close(fd);
	if (err) {
		snprintf(why, sizeof(why), "%s", mmstats_last_error());
		mms_error(err, "%s: %s", name, why);
	}
	return err;
}

void mmstats_snapshot_free(struct mmstats_snapshot *snap)
{
	if (!snap)
		return;
	free(snap->data);
	free(snap->stats);
	free(snap->labels);
	memset(snap, 0, sizeof(*snap));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

const struct mmstats_stat *
mmstats_snapshot_find(const struct mmstats_snapshot *snap, const char *suffix)
{
	size_t i;

	/* the last one, as the reference's tools keep the last they see */
	for (i = snap->nstats; i-- > 0;)
		if (ends_with(snap->stats[i].label, suffix))
			return &snap->stats[i];
	return NULL;
}
