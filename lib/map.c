/*
 * map.c - a file kept mapped for reading again and again.
 *
 * Parsing costs the whole file (or what the map's limits let it read);
 * reading one value again costs one load, an fstat and a sigaction
 * (guard.c).  The fstat after the load vouches for it as the pair of
 * fstats around a parse does (mapped.c), with the change time the map
 * last saw standing for the first: it was observed before the load, so
 * if it has not moved since, nothing cut the file meanwhile.  A map is
 * made once per shape of the file: fields are only ever appended
 * (published by the label size at the old end), so whether the shape
 * changed is one load at that end and the file's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "guard.h"
#include "mapped.h"

/* Loads of a value of a file changing meanwhile, before giving up. */
#define VALUE_ATTEMPTS	4

struct mmstats_map {
	int fd;
	struct mms_mapped mapped;
	struct mmstats_snapshot fields;	/* as parsed when mapped */
	uint64_t seen_ctime;		/* __atomic: the last one fstat saw */
};

int mmstats_map_fd_within(int fd, const struct mmstats_limits *lim,
			  struct mmstats_map **out)
{
	struct mmstats_map *m = calloc(1, sizeof(*m));
	struct stat st;
	int err;

	*out = NULL;
	if (!m)
		return mms_error(-ENOMEM, "out of memory");
	if (fstat(fd, &st) < 0)
		err = mms_error(-errno, "fstat: %s", strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = mms_error(-EINVAL, "not a regular file");
	else
		err = 0;
	if (err) {
		free(m);
		return err;
	}
	err = mms_mapped_read(fd, (size_t)st.st_size, lim, &m->fields, true,
			      &m->mapped, &st);
	if (err && !m->mapped.base && st.st_size > 0 &&
	    st.st_size <= MMSTATS_MAX_FILE_SIZE) {
		mmstats_snapshot_free(&m->fields);	/* never mapped */
		free(m);
		return err;
	}
	m->fd = fd;
	m->seen_ctime = mms_ctime_ns(&st);
	*out = m;
	return err;
}

int mmstats_map_fd(int fd, struct mmstats_map **out)
{
	return mmstats_map_fd_within(fd, NULL, out);
}

int mmstats_map_at(int dirfd, const char *name, struct mmstats_map **out)
{
	struct stat st;
	int fd, err;

	*out = NULL;
	fd = mmstats_open_at(dirfd, name, &st);
	if (fd < 0)
		return fd;
	err = mmstats_map_fd(fd, out);
	if (!*out)
		close(fd);
	return err;
}

const struct mmstats_snapshot *mmstats_map_fields(const struct mmstats_map *m)
{
	return &m->fields;
}

int mmstats_map_fileno(const struct mmstats_map *m)
{
	return m->fd;
}

struct value_load {
	const struct mmstats_map *m;
	const struct mms_fieldinfo *fi;
	struct mmstats_value *val;
	unsigned char *buf;
};

static int load_value(void *arg)
{
	struct value_load *l = arg;

	mms_load_value(l->m->mapped.base, l->fi, l->val, l->buf);
	return 0;
}

/*
 * One load of field l->fi, vouched for by the fstat after it: the field
 * lies within the file, and the change time has not moved since `seen`.
 */
static int load_once(const struct mmstats_map *m, struct value_load *l,
		     uint64_t seen, struct stat *st)
{
	int fault = mms_guarded(m->mapped.base, m->mapped.len, load_value, l);

	if (fault && fault != -EFAULT)
		return fault;
	if (fstat(m->fd, st) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	if ((size_t)st->st_size < l->fi->end)
		return mms_error(-ESTALE, "shrank from %zu to %zu bytes",
				 m->mapped.len, (size_t)st->st_size);
	return fault || mms_ctime_ns(st) != seen ? -EAGAIN : 0;
}

int mmstats_map_value(const struct mmstats_map *m, size_t i,
		      struct mmstats_value *val, void *buf, size_t len,
		      struct stat *st)
{
	struct value_load l = { .m = m, .val = val, .buf = buf };
	const struct mmstats_stat *stat;
	struct stat own;
	uint64_t seen;
	int attempt, err = -EAGAIN;

	memset(val, 0, sizeof(*val));
	if (i >= m->fields.nstats)
		return mms_error(-EINVAL, "no field %zu", i);
	stat = &m->fields.stats[i];
	l.fi = &m->mapped.info[i];
	if (stat->value.kind == MMSTATS_KIND_STRING &&
	    len < l.fi->sig.item_size)
		return mms_error(-ENOBUFS, "%zu bytes for a %zu byte string",
				 len, l.fi->sig.item_size);
	st = st ? st : &own;
	for (attempt = 0; attempt < VALUE_ATTEMPTS && err == -EAGAIN;
	     attempt++) {
		seen = __atomic_load_n(&m->seen_ctime, __ATOMIC_ACQUIRE);
		err = load_once(m, &l, seen, st);
		if (err == -EAGAIN)	/* it changed: that is the new "before" */
			__atomic_store_n((uint64_t *)&m->seen_ctime,
					 mms_ctime_ns(st), __ATOMIC_RELEASE);
	}
	if (err == -EAGAIN)
		err = mms_error(-ESTALE, "changed while it was read (%d times)",
				VALUE_ATTEMPTS);
	if (err)
		memset(val, 0, sizeof(*val));
	return err;
}

/*
 * Whether the mapping still holds, byte for byte, what the map was
 * parsed from: the version, and each field's label size, label, type
 * size and type (values and write-buffer bytes are the writer's to
 * change; an unbuffered field's must stay 0xff).  Linear in the fields,
 * with no allocation: a file rewritten in place (cp over it) is told
 * from one merely touched or appended to.
 */
static int structure_same(void *arg)
{
	const struct mmstats_map *m = arg;
	const struct mmstats_snapshot *s = &m->fields;
	const unsigned char *base = m->mapped.base;
	const struct mms_fieldinfo *fi;
	size_t i, at;

	if (base[0] != s->data[0])
		return 0;
	for (i = 0; i < s->nstats; i++) {
		fi = &m->mapped.info[i];
		at = s->stats[i].offset;
		if (memcmp(base + at, s->data + at, fi->wb_off - at) ||
		    (!s->stats[i].buffered && base[fi->wb_off] != 0xff))
			return 0;
	}
	return 1;
}

/* 0 when the label size at the map's end is still the one it read. */
static int next_same(const struct mmstats_map *m)
{
	const struct mms_mapped *mp = &m->mapped;
	uint16_t next, seen;
	int err;

	err = mms_mapped_u16(mp, mp->end, &next);
	if (err)
		return err == -EFAULT ? 1 : err;
	memcpy(&seen, m->fields.data + mp->end, sizeof(seen));
	return next != seen;
}

/*
 * Fields are published at the end the map found, so a file of the same
 * structure that still holds a zero label size there has no new field
 * (bytes appended past it are no field of format 1); one whose end lay
 * past the mapping may have, once it grew.  A map stopped at its limits
 * ended at a field it did not read: a parse with the same limits would
 * stop there again as long as that field's label size (all the parse
 * read of it) is the same, whatever was added after it.
 */
int mmstats_map_changed(const struct mmstats_map *m)
{
	const struct mms_mapped *mp = &m->mapped;
	struct stat st;
	uint16_t next;
	int same;

	if (fstat(m->fd, &st) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	if ((size_t)st.st_size < mp->len || !mp->base ||
	    (size_t)st.st_size > MMSTATS_MAX_FILE_SIZE ||
	    !(mp->end_clean || mp->limited))
		return 1;
	same = mms_guarded(mp->base, mp->len, structure_same, (void *)m);
	if (same <= 0)
		return same == 0 || same == -EFAULT ? 1 : same;
	if (mp->limited)
		return next_same(m);
	if (mp->end + 2 > mp->len)
		return (size_t)st.st_size > mp->len;
	same = mms_mapped_u16(mp, mp->end, &next);
	if (same)
		return same == -EFAULT ? 1 : same;
	return next != 0;
}

void mmstats_map_close(struct mmstats_map *m)
{
	if (!m)
		return;
	mms_mapped_release(&m->mapped);
	mmstats_snapshot_free(&m->fields);
	close(m->fd);
	free(m);
}
