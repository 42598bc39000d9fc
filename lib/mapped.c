/*
 * mapped.c - read a file through a read-only shared mapping.
 *
 * pread() copies with whatever the kernel's copy routine does (rep movsb
 * here), which is not single-copy atomic: a number the writer stores in
 * one go can come out of it torn.  Loads from a mapping of the same page
 * cache are the CPU's own, so parse.c can read each number with one load
 * of its width.  The price is that the file can be cut under the loads:
 * a load from a page past the new end faults (guard.c turns that into an
 * error), one from the last page past it reads zeros, and the file may
 * even be restored before anyone looks.  So the file's change time is
 * taken before the loads and after them: it moves with every truncation
 * and write, and since the first fstat observed it the kernel makes each
 * new one differ from it (multigrain timestamps, Linux 6.13, on tmpfs,
 * ext4, xfs and btrfs), so the same change time after says no cut, no
 * write, no restore happened meanwhile, and every load read the file.
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

/* Reads of a file changing while it is read, before giving up. */
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

uint64_t mms_ctime_ns(const struct stat *st)
{
	return (uint64_t)st->st_ctim.tv_sec * 1000000000u +
	       (uint64_t)st->st_ctim.tv_nsec;
}

/*
 * The file changed while it was read: none of its values can be vouched
 * for (a load may have met it cut, and zeros), so none is kept.
 */
static int changed(struct mms_parser *p)
{
	struct mmstats_snapshot *s = p->snap;

	s->nstats = 0;
	p->end_clean = false;
	p->limited = false;
	p->off = 1;
	snprintf(s->errmsg, sizeof(s->errmsg), "changed while it was read "
		 "(%d times): cut, written or restored", MAP_ATTEMPTS);
	s->err = -ESTALE;
	return mms_error(-ESTALE, "%s", s->errmsg);
}

/* Fields that run past `size`, the file's end, are not in the file. */
static void trim(struct mms_parser *p, size_t size)
{
	struct mmstats_snapshot *s = p->snap;
	size_t n = s->nstats;

	while (n > 0 && field_end(p, n - 1) > size)
		n--;
	if (n < s->nstats) {
		p->off = n ? field_end(p, n - 1) : 1;
		p->end_clean = false;
		p->limited = false;	/* the end is the file's now */
		s->nstats = n;
	}
	if (s->size > size)
		s->size = size;
}

/*
 * Parse the mapping between two fstats.  *again says whether to read the
 * file again, mapped at its size: it changed meanwhile, or it is shorter
 * than what was mapped (a size given too long), or longer and the parse
 * ran into the end of the mapping.  A parse stopped at the limits never
 * ran into it: reading more of the file would give the same fields.
 */
static int parse_mapped(int fd, struct mms_parser *p, struct stat *after,
			bool *again)
{
	struct stat before;
	int err;
	bool moved, grew;

	if (fstat(fd, &before) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	err = mms_guarded(p->src, p->len, parse_fields, p);
	if (fstat(fd, after) < 0)
		return mms_error(-errno, "fstat: %s", strerror(errno));
	/*
	 * A file that grew within one tick of its change time, and whose
	 * parse ran into the end of the mapping, changed all the same: a
	 * field cut there is a writer's growth, not a corrupt file.
	 */
	moved = mms_ctime_ns(&before) != mms_ctime_ns(after);
	grew = p->past_end && (size_t)after->st_size > p->len;
	*again = moved || grew || err == -EFAULT ||
		 (size_t)after->st_size < p->len;
	if (moved || grew || err == -EFAULT)
		return changed(p);
	trim(p, (size_t)after->st_size);
	return err;
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
	m->limited = p->limited;
}

static int read_once(int fd, size_t len, const struct mmstats_limits *lim,
		     struct mmstats_snapshot *snap, bool want_info,
		     struct mms_mapped *m, struct stat *after, bool *again)
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
	*again = false;
	err = mms_parse_begin(&p, m->base, len, snap, want_info);
	if (!err && lim)
		p.lim = *lim;
	if (!err)
		err = parse_mapped(fd, &p, after, again);
	else if (fstat(fd, after) < 0)
		memset(after, 0, sizeof(*after));
	keep(m, &p);
	return err;
}

/*
 * A writer makes room for a field before it publishes it, so a published
 * field cut by the end of the mapping, like the lack of a zero label size
 * before it, says the file grew since it was sized: it is mapped again
 * at its size then.  So is a file that changed while it was read.
 */
int mms_mapped_read(int fd, size_t len, const struct mmstats_limits *lim,
		    struct mmstats_snapshot *snap, bool want_info,
		    struct mms_mapped *m, struct stat *after)
{
	bool again;
	int attempt, err;

	for (attempt = 1; ; attempt++) {
		err = read_once(fd, len, lim, snap, want_info, m, after,
				&again);
		if (!again || attempt == MAP_ATTEMPTS)
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

void mms_mapped_release(struct mms_mapped *m)
{
	if (m->base)
		munmap((void *)m->base, m->len);
	free(m->info);
	memset(m, 0, sizeof(*m));
}
