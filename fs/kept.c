/*
 * kept.c - the counters a program's exited files leave (kept.h), and the
 * records that let a file that comes back take back what it left.
 *
 * The kept sets are per owner and mode of the files, so that the sums
 * (progsum.c) ask of a reader what each file would; each set is indexed
 * by label in a hash table, for the sums look every label up in every
 * set, and a set may take a label at each of thousands of retirements.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "pidstat.h"
#include "progsum.h"
#include "progwalk.h"
#include "sources.h"

void mfs_kept_free(struct mfs_kept *k)
{
	free(k->name);
	free(k->label);
	free(k->unit);
	free(k->help);
}

/* What a set's owner is charged for a record of n values. */
static size_t gone_bytes(size_t n)
{
	return sizeof(struct mfs_gone) + n * sizeof(struct mfs_gone_value);
}

/*
 * Kept labels and recorded values cost the set's owner and its program
 * (the program's count is the sum over its sets and records, kept as it
 * changes rather than summed again at each file's going).
 */
static void charge(struct mfs_retired *r, size_t fields, size_t bytes)
{
	r->owner->kept += fields;
	r->owner->kept_bytes += bytes;
	r->prog->kept_n += fields;
}

static void uncharge(struct mfs_retired *r, size_t fields, size_t bytes)
{
	r->owner->kept -= fields;
	r->owner->kept_bytes -= bytes;
	r->prog->kept_n -= fields;
}

static void retired_free(struct mfs_retired *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		mfs_kept_free(&r->k[i]);
	free(r->k);
	free(r->slot);
	uncharge(r, r->n, r->bytes);
	mfs_owner_put(r->owners, r->owner);
}

static void gone_drop(struct mfs_prog *g, size_t i)
{
	struct mfs_gone *x = &g->gone[i];

	uncharge(&g->retired[x->set], x->n, gone_bytes(x->n));
	free(x->v);
	*x = g->gone[--g->ngone];
}

void mfs_kept_drop_all(struct mfs_prog *g)
{
	while (g->ngone)
		gone_drop(g, g->ngone - 1);
	free(g->gone);
	g->gone = NULL;
	while (g->nretired)
		retired_free(&g->retired[--g->nretired]);
	free(g->retired);
	g->retired = NULL;
}

static struct mfs_retired *retired_of(struct mfs_model *m,
				      struct mfs_prog *g,
				      const struct stat *st)
{
	struct mfs_owner *o;
	struct mfs_retired *r;
	size_t i;

	for (i = 0; i < g->nretired; i++) {
		r = &g->retired[i];
		if (r->uid == st->st_uid && r->gid == st->st_gid &&
		    r->mode == (st->st_mode & 0777))
			return r;
	}
	if (!(o = mfs_owner_get(&m->owners, st->st_uid)))
		return NULL;
	r = realloc(g->retired, (g->nretired + 1) * sizeof(*r));
	if (!r) {
		mfs_owner_put(&m->owners, o);
		return NULL;
	}
	g->retired = r;
	r = &r[g->nretired++];
	memset(r, 0, sizeof(*r));
	r->uid = st->st_uid;
	r->gid = st->st_gid;
	r->mode = st->st_mode & 0777;
	r->seed = mfs_hash_seed();
	r->owners = &m->owners;
	r->owner = o;
	r->prog = g;
	return r;
}

/*
 * Index of name in r, or SIZE_MAX; *pos gets its slot, or the free slot
 * it would take.  Open addressing, linear probing, at most half full.
 */
static size_t retired_index(const struct mfs_retired *r, const char *name,
			    size_t *pos)
{
	size_t mask = r->nslot - 1, i;

	if (!r->nslot)
		return SIZE_MAX;
	i = (size_t)mfs_hash_mix(mfs_hash_str(r->seed, name)) & mask;
	for (; r->slot[i]; i = (i + 1) & mask)
		if (!strcmp(r->k[r->slot[i] - 1].name, name))
			break;
	*pos = i;
	return r->slot[i] ? r->slot[i] - 1 : SIZE_MAX;
}

const struct mfs_kept *mfs_retired_find(const struct mfs_retired *r,
					const char *name)
{
	size_t pos, i = retired_index(r, name, &pos);

	return i == SIZE_MAX ? NULL : &r->k[i];
}

/* Room for one more label in k and in the index. */
static int retired_reserve(struct mfs_retired *r)
{
	size_t cap, nslot, i, pos;
	struct mfs_kept *k;
	uint32_t *slot;

	if (r->n >= UINT32_MAX - 1)
		return -ENOSPC;
	if (r->n == r->cap) {
		cap = r->cap ? r->cap * 2 : 16;
		if (!(k = realloc(r->k, cap * sizeof(*k))))
			return -ENOMEM;
		r->k = k;
		r->cap = cap;
	}
	if ((r->n + 1) * 2 <= r->nslot)
		return 0;
	nslot = r->nslot ? r->nslot * 2 : 32;
	if (!(slot = calloc(nslot, sizeof(*slot))))
		return -ENOMEM;
	free(r->slot);
	r->slot = slot;
	r->nslot = nslot;
	for (i = 0; i < r->n; i++) {
		retired_index(r, r->k[i].name, &pos);
		r->slot[pos] = (uint32_t)i + 1;
	}
	return 0;
}

static int kept_init(struct mfs_kept *k, const char *name,
		     const struct mmstats_stat *st)
{
	memset(k, 0, sizeof(*k));
	k->name = strdup(name);
	k->label = strdup(st->label ? st->label : "");
	k->unit = strdup(st->notes.unit ? st->notes.unit : "");
	k->help = strdup(st->notes.help ? st->notes.help : "");
	k->metric = st->notes.metric;
	k->kind = st->value.kind;
	memcpy(k->type, st->type, sizeof(k->type));
	k->buffered = st->buffered;
	if (k->name && k->label && k->unit && k->help)
		return 0;
	mfs_kept_free(k);
	return -ENOMEM;
}

/* What a new kept label costs its owner, counted as it is held. */
static size_t kept_bytes(const char *name, const struct mmstats_stat *st)
{
	return sizeof(struct mfs_kept) + 2 * sizeof(uint32_t) +
	       strlen(name) + 1 + strlen(st->label ? st->label : "") + 1 +
	       strlen(st->notes.unit ? st->notes.unit : "") + 1 +
	       strlen(st->notes.help ? st->notes.help : "") + 1;
}

/* The index of label `name` (field st) in r, made if new; or -errno. */
static int retired_get(struct mfs_retired *r, const char *name,
		       const struct mmstats_stat *st, size_t *at)
{
	size_t pos, i = retired_index(r, name, &pos);
	int err;

	if (i != SIZE_MAX) {
		*at = i;
		return 0;
	}
	if ((err = retired_reserve(r)) < 0)
		return err;
	retired_index(r, name, &pos);	/* the index may have grown */
	if ((err = kept_init(&r->k[r->n], name, st)) < 0)
		return err;
	r->slot[pos] = (uint32_t)r->n + 1;
	r->bytes += kept_bytes(name, st);
	charge(r, 1, kept_bytes(name, st));
	*at = r->n++;
	return 0;
}

/* One counter of a file, read once, to keep. */
struct last {
	size_t i;		/* its field */
	__int128 sum;
	double dsum;
};

/*
 * The last values of the counters of map, whose fields fn names, into
 * *out (made here); *fresh and *bytes get what the labels not kept yet
 * in r would cost.  The number of them, or -ENOMEM.
 */
static ssize_t read_last(const struct mfs_retired *r,
			 const struct mmstats_map *map,
			 const struct mfs_fieldnames *fn, struct last **out,
			 size_t *fresh, size_t *bytes)
{
	const struct mmstats_snapshot *snap = mmstats_map_fields(map);
	struct mmstats_value v;
	unsigned char buf[16];
	struct last *l = calloc(snap->nstats + 1, sizeof(*l));
	size_t i, n = 0, pos;

	if (!l)
		return -ENOMEM;
	*fresh = *bytes = 0;
	for (i = 0; i < snap->nstats && i < fn->nfields; i++) {
		if ((!mfs_is_counter(&snap->stats[i]) &&
		     !mfs_is_hist_sum(&snap->stats[i])) ||
		    mmstats_map_value(map, i, &v, buf, sizeof(buf), NULL) < 0)
			continue;
		l[n].i = i;
		if (v.kind == MMSTATS_KIND_FLOAT)
			l[n].dsum = v.v.d;
		else
			l[n].sum = v.kind == MMSTATS_KIND_INT ?
				   (__int128)v.v.i : (__int128)v.v.u;
		n++;
		if (retired_index(r, fn->name[i], &pos) == SIZE_MAX) {
			(*fresh)++;
			*bytes += kept_bytes(fn->name[i], &snap->stats[i]);
		}
	}
	*out = l;
	return (ssize_t)n;
}

/* Kept counters and values recorded in g: at most owner_fields. */
static bool room_to_keep(const struct mfs_model *m, const struct mfs_prog *g,
			 const struct mfs_retired *r, size_t fields,
			 size_t bytes)
{
	size_t max = m->limits.owner_fields, used = g->kept_n;

	return mfs_owner_room_kept(&m->limits, r->owner, fields, bytes) &&
	       (!max || (used <= max && fields <= max - used));
}

/*
 * A file not held mapped (past the descriptor or map budget), read one
 * last time by its name, if the name still holds the same file (a
 * worker killed, or one that leaves its file behind).  A file its writer
 * removed, or replaced, is gone: what the daemon never held is lost.
 */
static struct mmstats_map *map_again(const struct mfs_model *m,
				     const struct mfs_src *s)
{
	struct mmstats_map *map = NULL;
	struct stat st;
	int fd;

	if (m->srcfd < 0 || strchr(s->name, '/'))
		return NULL;
	if ((fd = mmstats_open_at(m->srcfd, s->name, &st)) < 0)
		return NULL;
	if (st.st_dev == s->info.st.st_dev && st.st_ino == s->info.st.st_ino)
		mmstats_map_fd_within(fd, &m->limits.file, &map);
	if (!map)	/* else it owns fd; a damaged end keeps what is before */
		close(fd);
	return map;
}

/* What tells a file of a writer from any other (kept.h). */
static struct mfs_file_id file_id(const struct mfs_srcinfo *i)
{
	return (struct mfs_file_id){
		.dev = i->st.st_dev, .ino = i->st.st_ino, .pid = i->pid,
		.created = i->created,
	};
}

static bool same_file(struct mfs_file_id a, struct mfs_file_id b)
{
	return a.dev == b.dev && a.ino == b.ino && a.pid == b.pid &&
	       a.created == b.created;
}

/* Whether the file of s is counted live in g under another name. */
static bool live_elsewhere(const struct mfs_prog *g, const struct mfs_src *s)
{
	struct mfs_progwalk w;
	struct mfs_progfile f;

	mfs_progwalk_prog(&w, g);
	while (mfs_progwalk_next(&w, &f) && f.src)	/* kept ones come last */
		if (f.src != s &&
		    same_file(file_id(&f.src->info), file_id(&s->info)))
			return true;
	return false;
}

/*
 * Forget the files of writers gone (their files cannot come back), or
 * of writer pid (0: of none).  A writer that cannot be told now stays.
 */
void mfs_prog_forget_writers(struct mfs_prog *g, pid_t pid)
{
	size_t i = 0;

	while (i < g->ngone) {
		if (g->gone[i].id.pid == pid ||
		    !mfs_pid_runs(g->gone[i].id.pid, &g->gone[i].starttime))
			gone_drop(g, i);
		else
			i++;
	}
}

/*
 * Whether s's writer runs: then s may come back, and what is kept of it
 * is recorded (*start gets the writer's start time).
 */
static bool may_come_back(const struct mfs_src *s, uint64_t *start)
{
	*start = 0;
	return mfs_pid_runs(s->info.pid, start) != 0;
}

/*
 * A record of s, of its n values, kept in set r of g.  Records of
 * writers gone are swept as the records double, so that sweeping costs
 * O(1) a record.
 */
static struct mfs_gone *new_gone(struct mfs_prog *g, const struct mfs_src *s,
				 const struct mfs_retired *r, uint64_t start,
				 size_t n)
{
	struct mfs_gone *x;
	size_t set = (size_t)(r - g->retired);

	if (g->ngone >= 16 && !(g->ngone & (g->ngone - 1)))
		mfs_prog_forget_writers(g, 0);
	if (!(x = realloc(g->gone, (g->ngone + 1) * sizeof(*x))))
		return NULL;
	g->gone = x;
	x = &x[g->ngone];
	*x = (struct mfs_gone){
		.id = file_id(&s->info), .starttime = start, .set = set,
		.v = calloc(n + 1, sizeof(*x->v)),
	};
	if (!x->v)
		return NULL;
	g->ngone++;
	charge(&g->retired[set], n, gone_bytes(n));
	x->n = n;
	return x;
}

/* Said once per owner: a flood of exiting files must not flood the log. */
static void log_not_kept(const struct mfs_prog *g, struct mfs_retired *r)
{
	if (r->owner->kept_logged)
		return;
	r->owner->kept_logged = true;
	mfs_log(LOG_WARNING, "uid %u: counters of exited files of program %s "
		"not kept: past owner_fields or owner_bytes of kept counters "
		"(the program's sums go down by them)", (unsigned)r->uid,
		g->name);
}

/*
 * Keep the counters of map (of s, whose fields fn names) in set r of g,
 * all or none: a file that does not fit the budgets (kept.h) is not
 * kept.  Unless its writer `exited`, record what was kept of it.
 */
static void keep_map(struct mfs_model *m, struct mfs_prog *g,
		     struct mfs_retired *r, const struct mfs_src *s,
		     const struct mmstats_map *map,
		     const struct mfs_fieldnames *fn, bool exited)
{
	const struct mmstats_snapshot *snap = mmstats_map_fields(map);
	size_t fresh, bytes, fields, i, at;
	struct mfs_gone *x = NULL;
	struct last *l = NULL;
	uint64_t start = 0;
	bool record;
	ssize_t n = read_last(r, map, fn, &l, &fresh, &bytes);

	if (n <= 0)
		goto out;
	record = !exited && may_come_back(s, &start);
	fields = fresh + (record ? (size_t)n : 0);
	bytes += record ? gone_bytes((size_t)n) : 0;
	if (!room_to_keep(m, g, r, fields, bytes) && record)
		mfs_prog_forget_writers(g, 0);	/* writers gone: records go first */
	if (!room_to_keep(m, g, r, fields, bytes)) {
		log_not_kept(g, r);
		goto out;
	}
	if (record && !(x = new_gone(g, s, r, start, (size_t)n)))
		goto nomem;
	for (i = 0; i < (size_t)n; i++) {
		if (retired_get(r, fn->name[l[i].i], &snap->stats[l[i].i],
				&at) < 0)
			break;
		r->k[at].sum += l[i].sum;
		r->k[at].dsum += l[i].dsum;
		if (x)
			x->v[i] = (struct mfs_gone_value){
				.k = at, .sum = l[i].sum, .dsum = l[i].dsum,
			};
	}
	if (i == (size_t)n)
		goto out;
	/* what was kept of it stays, and is taken back if it comes back */
	if (x) {
		uncharge(r, x->n - i, gone_bytes(x->n) - gone_bytes(i));
		x->n = i;
		if (!i)		/* none: no record, so r may go (drop_empty) */
			gone_drop(g, g->ngone - 1);
	}
nomem:
	mfs_log(LOG_ERR, "out of memory");
out:
	free(l);
}

/*
 * A set nothing was kept in (a file without counters, one that did not
 * fit, or could not be read again) goes at once: it would charge its
 * owner nothing, so hold a pointer to an owner mfs_owner_put() may free,
 * and would make its program look as if it kept something.  It is the
 * last set, just made: a set with a label never goes empty, and no
 * record (keep_map) points to an empty one.
 */
static void drop_empty(struct mfs_prog *g, struct mfs_retired *r)
{
	if (r->n || r != &g->retired[g->nretired - 1])
		return;
	retired_free(r);
	g->nretired--;
}

/*
 * A held file is still mapped (it goes after this): its counters are as
 * their writer left them, or as they are now if it still writes.
 */
void mfs_prog_retire(struct mfs_model *m, const struct mfs_src *s,
		     bool exited)
{
	struct mfs_prog *g = mfs_src_prog(s);
	struct mmstats_map *map;
	struct mfs_fieldnames fn;
	struct mfs_retired *r;

	if (!g || live_elsewhere(g, s) ||
	    !(r = retired_of(m, g, &s->info.st)))
		return;
	if (s->info.handle) {
		keep_map(m, g, r, s, s->info.handle->map, &s->info.names,
			 exited);
	} else if ((map = map_again(m, s))) {
		/* named as the file is now: its fields may have grown */
		if (mfs_fieldnames_make(mmstats_map_fields(map), &fn) == 0) {
			keep_map(m, g, r, s, map, &fn, exited);
			mfs_fieldnames_free(&fn);
		}
		mmstats_map_close(map);
	}
	drop_empty(g, r);
	mfs_prog_touch(m, s->proc);
}

static bool is_gone(const struct mfs_gone *x, const struct mfs_srcinfo *i)
{
	return same_file(x->id, file_id(i));
}

/* Take back what x added to its kept set. */
static void take_back(struct mfs_prog *g, const struct mfs_gone *x)
{
	struct mfs_retired *r = &g->retired[x->set];
	size_t i;

	for (i = 0; i < x->n; i++) {
		r->k[x->v[i].k].sum -= x->v[i].sum;
		r->k[x->v[i].k].dsum -= x->v[i].dsum;
	}
}

void mfs_prog_reattach(struct mfs_model *m, const struct mfs_src *s)
{
	struct mfs_prog *g = mfs_src_prog(s);
	size_t i;

	for (i = 0; g && i < g->ngone; i++) {
		if (!is_gone(&g->gone[i], &s->info))
			continue;
		take_back(g, &g->gone[i]);
		gone_drop(g, i);
		mfs_prog_touch(m, s->proc);
		return;
	}
}
