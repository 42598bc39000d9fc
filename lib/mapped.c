/*
 * mapped.c - read a file through a read-only shared mapping.
 *
 * pread() copies with whatever the kernel's copy routine does (rep movsb
 * here), which is not single-copy atomic: a number the writer stores in
 * one go can come out of it torn.  Loads from a mapping of the same page
 * cache are the CPU's own, so parse.c can read each number with one load
 * of its width.  The price is SIGBUS when the file shrinks under the
 * mapping (guard.c turns that into an error), and loads that return
 * zeros from the part of the last page past a new end: hence the fstat
 * after the loads, which tells whether they all lay within the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "guard.h"
#include "mapped.h"

/* Mappings of a file growing while it is read, before giving up. */
#define MAP_ATTEMPTS	4

static int parse_fields(void *arg)
{
	return mms_parse_fields(arg);
}

/* The end of field i: where the next starts, or where parsing got to. */
static size_t field_end(const struct mms_parser *p, size_t i)
{
	const struct mmstats_snapshot *s = p->snap;

	return i + 1 < s->nstats ? s->stats[i + 1].offset : p->off;
}

/*
 * Leave out the fields past `size`, the file's size after the loads: a
 * load past the end of a file reads zeros from its last page, or faults
 * (err -EFAULT).  Either way it shrank while it was read: say so.
 * Fields within it were read from it, and a zero label size read past
 * its end is an end too (fewer than 2 bytes left).
 */
static int trim(struct mms_parser *p, size_t size, int err)
{
	struct mmstats_snapshot *s = p->snap;
	size_t had = s->nstats;

	while (s->nstats > 0 && field_end(p, s->nstats - 1) > size)
		s->nstats--;
	if (s->size > size)
		s->size = size;
	if (s->nstats == had && err != -EFAULT)
		return err;
	p->end_clean = false;
	p->off = s->nstats ? field_end(p, s->nstats - 1) : 1;
	snprintf(s->errmsg, sizeof(s->errmsg), "shrank to %zu bytes while "
		 "read: the %zu fields before that end kept", size, s->nstats);
	s->err = -ESTALE;
	return mms_error(-ESTALE, "%s", s->errmsg);
}

static int parse_mapped(int fd, struct mms_parser *p, struct stat *after)
{
	int err = mms_guarded(p->src, p->len, parse_fields, p);

	if (fstat(fd, after) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	return trim(p, (size_t)after->st_size, err);
}

static void *map_file(int fd, size_t len)
{
	void *base = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	if (base == MAP_FAILED) {
		mms_error(-errno, "mmap: %s", strerror(errno));
		return NULL;
	}
	return base;
}

static void keep(struct mms_mapped *m, const struct mms_parser *p)
{
	m->info = p->info;
	m->end = p->off;
	m->end_clean = p->end_clean;
}

static int read_once(int fd, size_t len, struct mmstats_snapshot *snap,
		     bool want_info, struct mms_mapped *m, struct stat *after,
		     bool *grew)
{
	struct mms_parser p;
	int err;

	memset(m, 0, sizeof(*m));
	memset(snap, 0, sizeof(*snap));
	if (len > 0 && len <= MMSTATS_MAX_FILE_SIZE &&
	    !(m->base = map_file(fd, len))) {
		snap->err = -errno;
		snprintf(snap->errmsg, sizeof(snap->errmsg), "%s",
			 mmstats_last_error());
		return snap->err;
	}
	m->len = m->base ? len : 0;
	err = mms_parse_begin(&p, m->base, len, snap, want_info);
	if (!err)
		err = parse_mapped(fd, &p, after);
	else if (fstat(fd, after) < 0)
		memset(after, 0, sizeof(*after));
	keep(m, &p);
	*grew = p.past_end && (size_t)after->st_size > len;
	return err;
}

/*
 * A file longer than what was mapped (it grew since it was sized, or the
 * size given was short) is mapped again at its new size if the parse ran
 * into the end of the mapping: a writer makes room for a field before it
 * publishes it, so a published field cut by that end, like the lack of a
 * zero label size before it, says there is more to read.
 */
int mms_mapped_read(int fd, size_t len, struct mmstats_snapshot *snap,
		    bool want_info, struct mms_mapped *m, struct stat *after)
{
	bool grew;
	int attempt, err;

	for (attempt = 1; ; attempt++) {
		err = read_once(fd, len, snap, want_info, m, after, &grew);
		if (!grew || attempt == MAP_ATTEMPTS)
			return err;
		mms_mapped_release(m);
		mmstats_snapshot_free(snap);
		len = (size_t)after->st_size;
	}
}

struct u16_load {
	const unsigned char *at;
	uint16_t v;
};

/* The reference's packed files may end at an odd offset. */
static int load_u16(void *arg)
{
	struct u16_load *l = arg;

	if ((uintptr_t)l->at % 2 == 0)
		l->v = __atomic_load_n((const uint16_t *)l->at,
				       __ATOMIC_ACQUIRE);
	else
		memcpy(&l->v, l->at, sizeof(l->v));
	return 0;
}

int mms_mapped_u16(const struct mms_mapped *m, size_t off, uint16_t *v)
{
	struct u16_load l = { .at = m->base + off };
	int err;

	*v = 0;
	if (!m->base || off + 2 > m->len)
		return 0;
	err = mms_guarded(m->base, m->len, load_u16, &l);
	*v = l.v;
	return err;
}

int mms_mapped_holds(int fd, size_t end, size_t len, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	if ((size_t)st->st_size < end)
		return mms_error(-ESTALE, "shrank from %zu to %zu bytes while "
				 "read", len, (size_t)st->st_size);
	return 0;
}

void mms_mapped_release(struct mms_mapped *m)
{
	if (m->base)
		munmap((void *)m->base, m->len);
	free(m->info);
	memset(m, 0, sizeof(*m));
}
