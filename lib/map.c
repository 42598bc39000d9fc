/*
 * map.c - a file kept mapped for reading again and again.
 *
 * Parsing costs the whole file; reading one value again costs one load,
 * an fstat and a sigaction (guard.c).  A map is made once per shape of the file: fields are
 * only ever appended (published by the label size at the old end), so
 * whether the shape changed is one load at that end and the file's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "guard.h"
#include "mapped.h"

struct mmstats_map {
	int fd;
	struct mms_mapped mapped;
	struct mmstats_snapshot fields;	/* as parsed when mapped */
};

int mmstats_map_fd(int fd, struct mmstats_map **out)
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
	err = mms_mapped_read(fd, (size_t)st.st_size, &m->fields, true,
			      &m->mapped, &st);
	if (err && !m->mapped.base && st.st_size > 0 &&
	    st.st_size <= MMSTATS_MAX_FILE_SIZE) {
		mmstats_snapshot_free(&m->fields);	/* never mapped */
		free(m);
		return err;
	}
	m->fd = fd;
	*out = m;
	return err;
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

int mmstats_map_value(const struct mmstats_map *m, size_t i,
		      struct mmstats_value *val, void *buf, size_t len,
		      struct stat *st)
{
	struct value_load l = { .m = m, .val = val, .buf = buf };
	const struct mmstats_stat *stat;
	struct stat own;
	int fault, err;

	memset(val, 0, sizeof(*val));
	if (i >= m->fields.nstats)
		return mms_error(-EINVAL, "no field %zu", i);
	stat = &m->fields.stats[i];
	l.fi = &m->mapped.info[i];
	if (stat->value.kind == MMSTATS_KIND_STRING &&
	    len < l.fi->sig.item_size)
		return mms_error(-ENOBUFS, "%zu bytes for a %zu byte string",
				 len, l.fi->sig.item_size);
	fault = mms_guarded(m->mapped.base, m->mapped.len, load_value, &l);
	if (fault && fault != -EFAULT)
		return fault;
	err = mms_mapped_holds(m->fd, l.fi->end, m->mapped.len,
			       st ? st : &own);
	if (!err && fault)	/* it shrank, then grew again */
		err = mms_error(-ESTALE, "changed size while read");
	if (err)
		memset(val, 0, sizeof(*val));
	return err;
}

int mmstats_map_changed(const struct mmstats_map *m)
{
	const struct mms_mapped *mp = &m->mapped;
	struct stat st;
	uint16_t next;
	int err;

	if (fstat(m->fd, &st) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	if ((size_t)st.st_size != mp->len || !mp->base || !mp->end_clean)
		return 1;
	err = mms_mapped_u16(mp, mp->end, &next);
	if (err)
		return err == -EFAULT ? 1 : err;
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
