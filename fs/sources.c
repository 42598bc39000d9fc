/*
 * sources.c - the registry of source files and processes.
 *
 * A source is ALIVE when its sys.pid runs and started before the file was
 * made; such a process is watched (pidwatch.c), so its exit removes
 * /<pid> at once.  The files shown (ALIVE and UNKNOWN) are held mapped,
 * as read when last found, as many as the budget allows (budget.c); a
 * file removed, replaced or whose writer exits is let go at once, so the
 * daemon keeps no deleted file's storage.  Every change brings the
 * directories of the source and process touched up to date
 * (project.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "budget.h"
#include "hash.h"
#include "log.h"
#include "names.h"
#include "pidwatch.h"
#include "project.h"

static size_t src_bucket(const struct mfs_model *m, const char *name)
{
	return mfs_hash_mix(mfs_hash_str(m->seed, name)) % MFS_SRC_BUCKETS;
}

static size_t proc_bucket(pid_t pid)
{
	return (size_t)pid % MFS_PROC_BUCKETS;
}

int mfs_model_init(struct mfs_model *m, struct mfs_tree *t, int epfd)
{
	struct mfs_want w = {
		.name = "files", .kind = MFS_FILES_DIR,
		.mode = S_IFDIR | 0555,
	};

	memset(m, 0, sizeof(*m));
	m->tree = t;
	m->epfd = epfd;
	m->srcfd = -1;
	m->seed = mfs_hash_seed();
	mfs_limits_default(&m->limits);
	mfs_budget_init(m);
	m->files_dir = mfs_tree_put(t, t->root, &w, NULL);
	if (!m->files_dir)
		return -ENOMEM;
	return mfs_progs_init(m);
}

struct mfs_src *mfs_model_src(const struct mfs_model *m, const char *name)
{
	struct mfs_src *s;

	for (s = m->src_hash[src_bucket(m, name)]; s; s = s->hash_next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

struct mfs_handle *mfs_model_ident(const struct mfs_model *m,
				   const char *name, struct stat *was)
{
	struct mfs_src *s = mfs_model_src(m, name);

	/* a map stopped at its limits still tells a change (map.c) */
	if (!s || (s->info.err && s->info.err != -E2BIG) || !s->info.handle)
		return NULL;
	*was = s->info.st;
	return mfs_handle_get(s->info.handle);
}

struct mfs_proc *mfs_model_proc(const struct mfs_model *m, pid_t pid)
{
	struct mfs_proc *p;

	for (p = m->proc_hash[proc_bucket(pid)]; p; p = p->hash_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

static size_t src_check_cost(const struct mfs_src *s)
{
	return s->info.handle ? s->info.fields : SIZE_MAX;
}

size_t mfs_model_check_cost(const struct mfs_model *m, pid_t pid,
			    const char *name)
{
	const struct mfs_proc *p = pid ? mfs_model_proc(m, pid) : NULL;
	const struct mfs_src *s;
	size_t cost = 0, c;

	if (name)
		return (s = mfs_model_src(m, name)) ? src_check_cost(s) : 0;
	for (s = p ? p->srcs : NULL; s && cost != SIZE_MAX; s = s->proc_next) {
		c = src_check_cost(s);
		cost = c > SIZE_MAX - cost ? SIZE_MAX : cost + c;
	}
	return cost;
}

int mfs_src_rank(const struct mfs_src *s)
{
	const struct mfs_prog *g = s->proc ? s->proc->prog : NULL;

	if (s->info.st.st_uid == 0)
		return 0;
	return g && s->info.st.st_uid == g->uid ? 1 : 2;
}

struct mfs_prog *mfs_src_prog(const struct mfs_src *s)
{
	return s->proc && s->in_prog ? s->proc->prog : NULL;
}

/*
 * Whether a speaks for process pid before b (mfs_model_main_src): by
 * owner, never by what a file says of itself first, since any user the
 * process has been may have written one.  Files that both claim the
 * main thread (the reference's, named without a tid) are then told
 * apart the same way each time, whatever order they were found in, and
 * the one that speaks is the one task/<pid> shows (project.c, cmp_tid).
 */
static bool speaks_before(const struct mfs_src *a, const struct mfs_src *b,
			  pid_t pid)
{
	bool am = a->info.tid == pid, bm = b->info.tid == pid;
	int ar = mfs_src_rank(a), br = mfs_src_rank(b);

	if (ar != br)
		return ar < br;
	if (am != bm)
		return am;
	if (a->info.created != b->info.created)
		return a->info.created < b->info.created;
	return strcmp(a->name, b->name) < 0;
}

static struct mfs_src *main_of(const struct mfs_proc *p, bool prog)
{
	struct mfs_src *s, *best = NULL;

	for (s = p->srcs; s; s = s->proc_next)
		if ((!prog || s->in_prog) &&
		    (!best || speaks_before(s, best, p->pid)))
			best = s;
	return best;
}

struct mfs_src *mfs_model_main_src(const struct mfs_proc *p)
{
	return main_of(p, false);
}

struct mfs_src *mfs_model_prog_main(const struct mfs_proc *p)
{
	return main_of(p, true);
}

bool mfs_model_prog_counts(const struct mfs_proc *p)
{
	return main_of(p, true) != NULL;
}

/* p has a file again, or goes: it is no longer charged for. */
static void stop_awaiting(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_owner *o = p->awaiting;

	if (!o)
		return;
	o->files--;
	o->kept--;
	o->kept_bytes -= sizeof(*p);
	if (o->refused)		/* a file's room is free again */
		m->reread_wanted = true;
	p->awaiting = NULL;
	mfs_owner_put(&m->owners, o);
}

/* Said once per owner: a flood of such processes must not flood the log. */
static void log_not_awaited(struct mfs_owner *o, const struct mfs_proc *p,
			    const struct mfs_prog *g)
{
	if (o->await_logged)
		return;
	o->await_logged = true;
	mfs_log(LOG_WARNING, "uid %u: past owner_files, or owner_fields or "
		"owner_bytes of kept counters: pid %d of program %s, without "
		"files, is forgotten (and its program's counters, if it was "
		"the last)", (unsigned)o->uid, (int)p->pid, g->name);
}

/*
 * Whether p, left without a file, stays recorded and watched: while a
 * program waits for it (mfs_prog_awaits), its exit, not its files'
 * going for a moment, ends what the program keeps.
 *
 * It keeps its pidfd (or polled slot), from the descriptors all owners'
 * held files share (budget.h), so it is charged to its program's user
 * as a file (owner_files) as well as a kept counter: each process the
 * daemon records has a file recorded, or is charged as one, so one
 * user's processes, with files or waiting, cost at most owner_files
 * pidfds, as when only files kept them.  One that does not fit goes, its
 * program's counters with it if it was the last.
 */
static bool await_files(struct mfs_model *m, struct mfs_proc *p)
{
	const struct mfs_prog *g = p->prog ? p->prog : p->left;
	struct mfs_owner *o;

	if (!mfs_prog_awaits(p))
		return false;
	if (p->awaiting)
		return true;
	if (!(o = mfs_owner_get(&m->owners, g->uid)))
		return false;
	if (!mfs_owner_room_file(&m->limits, o) ||
	    !mfs_owner_room_kept(&m->limits, o, 1, sizeof(*p))) {
		log_not_awaited(o, p, g);
		mfs_owner_put(&m->owners, o);
		return false;
	}
	o->files++;	/* see above */
	o->kept++;
	o->kept_bytes += sizeof(*p);
	p->awaiting = o;
	return true;
}

static void free_proc(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_proc **pp = &m->proc_hash[proc_bucket(p->pid)];

	while (*pp != p)
		pp = &(*pp)->hash_next;
	*pp = p->hash_next;
	for (pp = &m->dirty; p->dirty && *pp != p; pp = &(*pp)->dirty_next)
		;
	if (p->dirty)
		*pp = p->dirty_next;
	mfs_prog_leave(m, p);
	stop_awaiting(m, p);
	mfs_pidwatch_remove(m, p);
	free(p);
}

/*
 * Bring /<pid> up to date; a process left without a file goes, unless
 * its program waits for it (await_files).  Its program's directory
 * follows, with the others of the batch when coalescing
 * (mfs_model_flush).
 */
static void sync_proc(struct mfs_model *m, struct mfs_proc *p,
		      struct mfs_changes *ch)
{
	mfs_prog_touch(m, p);
	if (mfs_project_proc(m, p, ch))
		stop_awaiting(m, p);
	else if (!await_files(m, p))
		free_proc(m, p);
	if (!m->coalesce)
		mfs_progs_flush(m, ch);
}

/* The same, now, or by mfs_model_flush() when coalescing. */
static void touch_proc(struct mfs_model *m, struct mfs_proc *p,
		       struct mfs_changes *ch)
{
	if (!m->coalesce || !p->srcs) {
		sync_proc(m, p, ch);
	} else if (!p->dirty) {
		p->dirty = true;
		p->dirty_next = m->dirty;
		m->dirty = p;
	}
}

static size_t proc_fields(const struct mfs_proc *p)
{
	const struct mfs_src *s;
	size_t n = 0;

	for (s = p->srcs; s; s = s->proc_next)
		n += s->info.fields;
	return n;
}

static long ms_until(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 +
	       (t->tv_nsec - now.tv_nsec) / 1000000;
}

/* Sync big p now, and none again for 4 times as long as it took. */
static void sync_big(struct mfs_model *m, struct mfs_proc *p,
		     struct mfs_changes *ch)
{
	struct timespec t0, t1;
	long ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	sync_proc(m, p, ch);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec;
	ns = 4 * ns + t1.tv_nsec;
	m->big_sync_after.tv_sec = t1.tv_sec + ns / 1000000000L;
	m->big_sync_after.tv_nsec = ns % 1000000000L;
}

long mfs_model_flush(struct mfs_model *m, struct mfs_changes *ch)
{
	struct mfs_proc *p, **pp = &m->dirty;
	long wait = -1, left;
	bool big;

	while ((p = *pp)) {
		big = proc_fields(p) > MFS_INLINE_FIELDS;
		left = big ? ms_until(&m->big_sync_after) : 0;
		if (left > 0) {		/* stays dirty, for later */
			wait = wait < 0 || left < wait ? left : wait;
			pp = &p->dirty_next;
			continue;
		}
		*pp = p->dirty_next;
		p->dirty = false;
		if (big)
			sync_big(m, p, ch);
		else
			sync_proc(m, p, ch);
	}
	mfs_progs_flush(m, ch);
	return wait;
}

/* The process record of pid, made and watched on first use. */
static struct mfs_proc *get_proc(struct mfs_model *m, pid_t pid)
{
	struct mfs_proc *p = mfs_model_proc(m, pid);

	if (p)
		return p;
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->pid = pid;
	p->pidfd = -1;
	if (m->epfd >= 0 && mfs_pidwatch_add(m, p) < 0) {
		free(p);
		return NULL;	/* it has just exited */
	}
	p->hash_next = m->proc_hash[proc_bucket(pid)];
	m->proc_hash[proc_bucket(pid)] = p;
	mfs_log(LOG_DEBUG, "pid %d appeared", (int)pid);
	return p;
}

static bool is_roots(const struct mfs_src *s)
{
	return s->info.st.st_uid == 0;
}

/*
 * Whether a names p's program before b: root's file first, since only
 * root may have written it; then a file of the program p is in, so that
 * files of other users p has been do not move it back and forth; then
 * as the process's speaker is chosen.
 */
static bool names_before(const struct mfs_src *a, const struct mfs_src *b,
			 const struct mfs_proc *p)
{
	bool af = mfs_prog_fits(p->prog, a->prog_name);
	bool bf = mfs_prog_fits(p->prog, b->prog_name);

	if (is_roots(a) != is_roots(b))
		return is_roots(a);
	if (af != bf)
		return af;
	return speaks_before(a, b, p->pid);
}

/*
 * s counts for its process's program when its own name and user are the
 * program's (another user's file, the process having changed users, is
 * not counted): what it had when it stops is kept by the program, and
 * it takes that back when it counts again.
 */
static void count_file(struct mfs_model *m, struct mfs_src *s)
{
	bool fits = mfs_prog_fits(s->proc->prog, s->prog_name);

	if (fits == s->in_prog)
		return;
	if (s->in_prog)
		mfs_prog_retire(m, s, false);
	s->in_prog = fits;
	if (fits)
		mfs_prog_reattach(m, s);
}

/*
 * p moves to the program `namer` names; the one it leaves keeps its
 * past, and waits for it (mfs_prog_move).
 */
static void move_to(struct mfs_model *m, struct mfs_proc *p,
		    const struct mfs_src *namer)
{
	struct mfs_src *s;

	for (s = p->srcs; s; s = s->proc_next)
		if (s->in_prog) {
			mfs_prog_retire(m, s, false);
			s->in_prog = false;
		}
	mfs_prog_move(m, p, namer);
	p->prog_by_root = p->prog && is_roots(namer);
	for (s = p->srcs; s; s = s->proc_next)
		count_file(m, s);
}

/*
 * A process is in the program its first file names, unless a file of
 * root's comes that names another: a root process that ran as a user
 * for a while may have written that user's file before its own, and
 * must not stay in the user's program with root's file counted for
 * none.  Only root's file moves it, so each file's coming costs O(1).
 * A process that had lost its files (kept for its program) and whose
 * only file now names another program moves too: it was exec'd.
 */
static void join_with(struct mfs_model *m, struct mfs_src *s)
{
	struct mfs_proc *p = s->proc;
	bool fits = mfs_prog_fits(p->prog, s->prog_name);

	if (!p->prog || (!fits && is_roots(s) && !p->prog_by_root) ||
	    (!fits && p->srcs == s && !s->proc_next)) {
		move_to(m, p, s);
		return;
	}
	count_file(m, s);
	/* root's file of the program a user's named: root's names it now */
	if (is_roots(s) && s->in_prog)
		p->prog_by_root = true;
}

/*
 * When the last of root's files that named p's program goes, p moves to
 * the program its best file left names (names_before).
 */
static void rejoin_without(struct mfs_model *m, struct mfs_proc *p,
			   bool root_left)
{
	struct mfs_src *s, *best = NULL;

	if (!root_left || !p->prog_by_root)
		return;
	for (s = p->srcs; s; s = s->proc_next) {
		if (is_roots(s) && s->in_prog)
			return;
		if (!best || names_before(s, best, p))
			best = s;
	}
	if (best && !mfs_prog_fits(p->prog, best->prog_name))
		move_to(m, p, best);
	else
		p->prog_by_root = false;
}

/*
 * s leaves its process, which is returned (or NULL: it had none), for
 * the caller to bring up to date (touch_proc) once the file's charge to
 * its owner is settled: a process left without a file may wait in the
 * room of the file that left it (await_files).
 */
static struct mfs_proc *detach(struct mfs_model *m, struct mfs_src *s)
{
	struct mfs_proc *p = s->proc;
	struct mfs_src **pp;

	if (!p)
		return NULL;
	mfs_prog_retire(m, s, false);
	for (pp = &p->srcs; *pp != s; pp = &(*pp)->proc_next)
		;
	*pp = s->proc_next;
	s->proc = NULL;
	s->proc_next = NULL;
	rejoin_without(m, p, is_roots(s) && s->in_prog);
	s->in_prog = false;
	return p;
}

static void attach(struct mfs_model *m, struct mfs_src *s,
		   struct mfs_changes *ch)
{
	struct mfs_proc *p = get_proc(m, s->info.pid);

	if (!p) {
		s->state = MFS_SRC_STALE;
		return;
	}
	s->proc = p;
	s->proc_next = p->srcs;
	p->srcs = s;
	join_with(m, s);
	touch_proc(m, p, ch);
}

static enum mfs_src_state classify(const struct mfs_srcinfo *si)
{
	if (!si->usable)
		return MFS_SRC_BAD;
	/* a writer that cannot be judged (liveness.h) is shown, in /files */
	if (!si->pid || si->live == MMSTATS_UNKNOWN ||
	    (si->live == MMSTATS_ALIVE && si->foreign))
		return MFS_SRC_UNKNOWN;
	return si->live == MMSTATS_ALIVE ? MFS_SRC_ALIVE : MFS_SRC_STALE;
}

/*
 * Log a file's trouble once per file (inode), not at every rescan, nor
 * every time a file being rewritten is caught half done; young files
 * that are still being filled in wait until they had their chance.
 */
static void log_trouble(struct mfs_src *s)
{
	struct timespec now;

	if ((!s->info.err && !s->info.foreign) || s->state == MFS_SRC_OVER ||
	    (s->logged && s->logged_ino == s->info.st.st_ino))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->state == MFS_SRC_BAD &&
	    now.tv_sec - s->bad_since.tv_sec < MFS_PENDING_SECS)
		return;
	if (s->info.foreign)
		mfs_log(LOG_WARNING, "%s: owned by uid %u, but its sys.pid %d "
			"runs as another user (shown in /files only)", s->name,
			(unsigned)s->info.st.st_uid, (int)s->info.pid);
	else
		mfs_log(LOG_WARNING, "%s: %s%s", s->name, s->info.errmsg,
			s->state == MFS_SRC_BAD ? " (ignored)" :
			" (fields before it shown)");
	s->logged = true;
	s->logged_ino = s->info.st.st_ino;
}

/*
 * A file cut while it was mapped (the same file, smaller than when it
 * was last read), told once: by the read that met the cut, or here.
 */
static void log_shrink(const struct mfs_src *s, off_t size)
{
	mfs_log(LOG_WARNING, "%s: shrank from %jd to %jd bytes since it was "
		"read (fields past the end are gone)", s->name,
		(intmax_t)s->info.st.st_size, (intmax_t)size);
}

/*
 * A cut told by a read (mfs_model_shrank) stays told until the file is
 * read at another size: a reading taken before the cut, applied after
 * it, must not make the reading of the cut tell it again.
 */
static void note_shrink(struct mfs_src *s, const struct mfs_srcinfo *si)
{
	bool same_file = s->info.st.st_ino == si->st.st_ino &&
			 s->info.st.st_dev == si->st.st_dev;

	if (same_file && si->st.st_size < s->info.st.st_size &&
	    !s->shrink_logged)
		log_shrink(s, si->st.st_size);
	if (!same_file || si->st.st_size != s->info.st.st_size)
		s->shrink_logged = false;
}

void mfs_model_shrank(struct mfs_model *m, const char *name,
		      const struct mfs_handle *h, off_t size)
{
	struct mfs_src *s = mfs_model_src(m, name);

	if (!s || s->info.handle != h || s->shrink_logged ||
	    size >= s->info.st.st_size)
		return;
	log_shrink(s, size);
	s->shrink_logged = true;
}

void mfs_model_seen(struct mfs_model *m, const char *name)
{
	struct mfs_src *s = mfs_model_src(m, name);

	if (s)
		s->seen = m->sweep;
}

static bool shown(enum mfs_src_state state)
{
	return state == MFS_SRC_ALIVE || state == MFS_SRC_UNKNOWN;
}

/*
 * What s costs its owner: `fields` and `bytes` of index when shown, and
 * whether it was left out (OVER).  When that goes down, files of the
 * owner left out may fit now: they are read again (mfs_model_reread).
 */
static void set_charge(struct mfs_model *m, struct mfs_src *s, size_t fields,
		       size_t bytes, bool over)
{
	struct mfs_owner *o = s->owner;

	if (!o)
		return;
	if (fields < s->fields && (o->over || o->refused))
		m->reread_wanted = true;
	o->fields = o->fields - s->fields + fields;
	o->bytes = o->bytes - s->bytes + bytes;
	o->over = o->over - s->left_out + over;
	s->fields = fields;
	s->bytes = bytes;
	s->left_out = over;
}

/* Let s's owner go: the file went, or is another user's now. */
static void disown(struct mfs_model *m, struct mfs_src *s)
{
	struct mfs_owner *o = s->owner;

	if (!o)
		return;
	set_charge(m, s, 0, 0, false);
	if (o->over || o->refused)
		m->reread_wanted = true;
	o->files--;
	s->owner = NULL;
	mfs_owner_put(&m->owners, o);
}

/* Said once per owner: a flood of files must not flood the log. */
static void log_over(const struct mfs_model *m, const struct mfs_src *s,
		     struct mfs_owner *o)
{
	if (o->over_logged)
		return;
	mfs_log(LOG_WARNING, "uid %u: files of %zu fields and %zu bytes of "
		"index, its limit (owner_fields=%zu, owner_bytes=%zu): %s and "
		"its other files past it are not shown", (unsigned)o->uid,
		o->fields, o->bytes, m->limits.owner_fields,
		m->limits.owner_bytes, s->name);
	o->over_logged = true;
}

/*
 * Charge s, read as s->info, to its owner: in `state`, or OVER when the
 * owner's budget has no room for its index.  Returns the state.
 */
static enum mfs_src_state charge(struct mfs_model *m, struct mfs_src *s,
				 enum mfs_src_state state)
{
	size_t fields = s->info.fields;
	size_t bytes = fields * MFS_FIELD_BYTES + s->info.label_bytes;
	struct mfs_owner *o = s->owner;

	if (o && o->uid != s->info.st.st_uid)
		disown(m, s);
	if (!s->owner) {	/* without memory, the file is not shown */
		if (!(o = mfs_owner_get(&m->owners, s->info.st.st_uid)))
			return MFS_SRC_OVER;
		s->owner = o;
		o->files++;
	}
	if (!shown(state))
		fields = bytes = 0;
	if (!mfs_owner_room_index(&m->limits, o, s->fields, s->bytes, fields,
				  bytes)) {
		log_over(m, s, o);
		state = MFS_SRC_OVER, fields = bytes = 0;
	}
	set_charge(m, s, fields, bytes, state == MFS_SRC_OVER);
	return state;
}

/*
 * Whether a first file of uid may be recorded; said once per owner when
 * it may not.
 */
static bool owner_admits(struct mfs_model *m, uid_t uid)
{
	struct mfs_owner *o = mfs_owner_find(&m->owners, uid);

	if (!o || mfs_owner_room_file(&m->limits, o))
		return true;
	o->refused = true;
	if (!o->refusal_logged)
		mfs_log(LOG_WARNING, "uid %u: %zu files, its limit "
			"(owner_files): its other files are not read",
			(unsigned)uid, o->files);
	o->refusal_logged = true;
	return false;
}

bool mfs_model_admits(struct mfs_model *m, const char *name, uid_t uid)
{
	return mfs_model_src(m, name) || owner_admits(m, uid);
}

bool mfs_model_reread(struct mfs_model *m)
{
	struct mfs_owner *o;
	bool wanted = m->reread_wanted;
	size_t b;

	m->reread_wanted = false;
	for (b = 0; wanted && b < MFS_OWNER_BUCKETS; b++)
		for (o = m->owners.hash[b]; o; o = o->next)
			o->refused = false;	/* until refused again */
	return wanted;
}

static struct mfs_src *new_src(struct mfs_model *m, const char *name)
{
	struct mfs_src *s = calloc(1, sizeof(*s));
	size_t b = src_bucket(m, name);

	if (!s || !(s->name = strdup(name))) {
		free(s);
		return NULL;
	}
	s->state = MFS_SRC_BAD;
	clock_gettime(CLOCK_MONOTONIC, &s->bad_since);
	s->hash_next = m->src_hash[b];
	m->src_hash[b] = s;
	return s;
}

/* Take over the reading *si as s's; returns its map, not yet held. */
static struct mfs_handle *take_info(struct mfs_model *m, struct mfs_src *s,
				    struct mfs_srcinfo *si)
{
	struct mfs_handle *h = si->handle;

	mfs_budget_release(m, s);
	mfs_srcinfo_free(&s->info);
	s->info = *si;
	s->info.handle = NULL;
	memset(si, 0, sizeof(*si));
	return h;
}

/*
 * The directory name of the program a reading names (program.h), made
 * once a reading: every file's coming and going compares it.
 */
static char *prog_name_of(const struct mfs_srcinfo *si)
{
	char name[MFS_NAME_MAX + 1];

	if (!si->program)
		return NULL;
	mfs_prog_dir_name(si->program, si->program_len, si->prog_uid, name);
	return strdup(name);
}

void mfs_model_update(struct mfs_model *m, const char *name, int err,
		      struct mfs_srcinfo *si, struct mfs_changes *ch)
{
	struct mfs_src *s = mfs_model_src(m, name);
	enum mfs_src_state was, state;
	struct mfs_proc *left = NULL;
	struct mfs_handle *h;
	char *pname;

	if (err < 0) {
		mfs_model_remove(m, name, ch);
		return;
	}
	if (!s && !owner_admits(m, si->st.st_uid)) {
		mfs_srcinfo_free(si);
		return;
	}
	if (!s && !(s = new_src(m, name))) {
		mfs_srcinfo_free(si);
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	s->seen = m->sweep;
	note_shrink(s, si);
	was = s->state;
	state = classify(si);
	pname = prog_name_of(si);
	/*
	 * Keep /<pid> (and its inode numbers) while the file stays in it,
	 * and in its program or out of it.
	 */
	if (s->proc && (state != MFS_SRC_ALIVE || si->pid != s->proc->pid ||
			mfs_prog_fits(s->proc->prog, pname) != s->in_prog))
		left = detach(m, s);
	free(s->prog_name);
	s->prog_name = pname;
	h = take_info(m, s, si);
	state = charge(m, s, state);
	if (left)
		touch_proc(m, left, ch);
	if (state == MFS_SRC_OVER)	/* keeps nothing of the file */
		mfs_fieldnames_free(&s->info.names);
	s->state = state;
	if (state == MFS_SRC_BAD && was != MFS_SRC_BAD)
		clock_gettime(CLOCK_MONOTONIC, &s->bad_since);
	if (state == MFS_SRC_ALIVE && s->proc)
		touch_proc(m, s->proc, ch);
	else if (state == MFS_SRC_ALIVE)
		attach(m, s, ch);
	mfs_budget_hold(m, s, h);
	log_trouble(s);
	mfs_project_src(m, s, ch);
}

void mfs_model_remove(struct mfs_model *m, const char *name,
		      struct mfs_changes *ch)
{
	struct mfs_src **pp = &m->src_hash[src_bucket(m, name)], *s;
	struct mfs_proc *p;

	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->hash_next;
	if (!(s = *pp))
		return;
	*pp = s->hash_next;
	p = detach(m, s);
	mfs_budget_release(m, s);
	disown(m, s);
	if (p)
		touch_proc(m, p, ch);
	s->state = MFS_SRC_STALE;
	mfs_project_src(m, s, ch);
	mfs_srcinfo_free(&s->info);
	free(s->prog_name);
	free(s->name);
	free(s);
}

void mfs_model_proc_exit(struct mfs_model *m, pid_t pid,
			 struct mfs_changes *ch)
{
	struct mfs_proc *p = mfs_model_proc(m, pid);
	struct mfs_src *s;

	if (!p)
		return;
	mfs_log(LOG_DEBUG, "pid %d exited", (int)pid);
	if (p->prog)
		mfs_prog_forget_writers(p->prog, pid);
	if (p->left)
		mfs_prog_forget_writers(p->left, pid);
	while ((s = p->srcs)) {
		mfs_prog_retire(m, s, true);
		p->srcs = s->proc_next;
		s->proc = NULL;
		s->proc_next = NULL;
		s->in_prog = false;
		set_charge(m, s, 0, 0, false);
		s->state = MFS_SRC_STALE;
		mfs_budget_release(m, s);
		mfs_project_src(m, s, ch);
	}
	mfs_prog_leave(m, p);	/* for good: nothing waits for it now */
	sync_proc(m, p, ch);	/* removes /<pid> and frees p */
}

void mfs_model_sweep_begin(struct mfs_model *m)
{
	m->sweep++;
}

void mfs_model_sweep_end(struct mfs_model *m, struct mfs_changes *ch)
{
	struct mfs_src *s, *next;
	size_t b;

	for (b = 0; b < MFS_SRC_BUCKETS; b++) {
		for (s = m->src_hash[b]; s; s = next) {
			next = s->hash_next;
			if (s->seen != m->sweep)
				mfs_model_remove(m, s->name, ch);
		}
	}
}

/*
 * The processes left are those without files that programs wait for
 * (await_files): their programs' kept counters came from a directory
 * that is no longer the source, and one mounted in its place must not
 * add to them.  They go, and their programs with them.
 */
void mfs_model_forget_all(struct mfs_model *m, struct mfs_changes *ch)
{
	struct mfs_proc *p, *next;
	size_t b;

	mfs_model_sweep_begin(m);
	mfs_model_sweep_end(m, ch);
	for (b = 0; b < MFS_PROC_BUCKETS; b++) {
		for (p = m->proc_hash[b]; p; p = next) {
			next = p->hash_next;
			mfs_prog_leave(m, p);	/* nothing waits for it now */
			sync_proc(m, p, ch);	/* frees p */
		}
	}
	mfs_progs_flush(m, ch);
}

int mfs_model_pending(struct mfs_model *m, struct mfs_strv *out)
{
	struct timespec now;
	struct mfs_src *s;
	size_t b;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (b = 0; b < MFS_SRC_BUCKETS; b++) {
		for (s = m->src_hash[b]; s; s = s->hash_next) {
			if (s->state != MFS_SRC_BAD)
				continue;
			if (now.tv_sec - s->bad_since.tv_sec > MFS_PENDING_SECS) {
				log_trouble(s);
				continue;
			}
			if ((err = mfs_strv_add(out, s->name)) < 0)
				return err;
		}
	}
	return 0;
}

int mfs_model_proc_names(const struct mfs_model *m, pid_t pid,
			 struct mfs_strv *out)
{
	struct mfs_proc *p = mfs_model_proc(m, pid);
	struct mfs_src *s;
	int err;

	for (s = p ? p->srcs : NULL; s; s = s->proc_next)
		if ((err = mfs_strv_add(out, s->name)) < 0)
			return err;
	return 0;
}

static int fileref(const struct mfs_src *s, bool main, const char *label,
		   struct mfs_fileref *ref)
{
	if (!(ref->name = strdup(s->name)))
		return -ENOMEM;
	ref->main = main;
	ref->created = s->info.created;
	ref->handle = mfs_handle_get(s->info.handle);
	ref->index = mfs_fieldnames_find(&s->info.names, label);
	return 0;
}

int mfs_model_pid_label(const struct mfs_model *m, pid_t pid,
			const char *label, struct mfs_fileref **out,
			size_t *n)
{
	struct mfs_proc *p = mfs_model_proc(m, pid);
	struct mfs_src *s, *main;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!p)
		return -ENOENT;
	for (s = p->srcs; s; s = s->proc_next)
		k++;
	if (!(*out = calloc(k, sizeof(**out))))
		return -ENOMEM;
	/* one file speaks, even when several claim the main thread */
	main = mfs_model_main_src(p);
	for (s = p->srcs; s; s = s->proc_next, ++*n)
		if (fileref(s, s == main, label, &(*out)[*n]) < 0)
			return -ENOMEM;
	return 0;
}

int mfs_model_src_label(const struct mfs_model *m, const char *name,
			const char *label, struct mfs_fileref **out,
			size_t *n)
{
	struct mfs_src *s = mfs_model_src(m, name);

	*out = NULL;
	*n = 0;
	if (!s)
		return -ENOENT;
	if (!(*out = calloc(1, sizeof(**out))))
		return -ENOMEM;
	*n = 1;
	return fileref(s, true, label, *out);
}

void mfs_filerefs_free(struct mfs_fileref *v, size_t n)
{
	while (n--) {
		free(v[n].name);
		mfs_handle_put(v[n].handle);
	}
	free(v);
}

void mfs_model_destroy(struct mfs_model *m)
{
	struct mfs_proc *p, *pn;
	struct mfs_src *s, *sn;
	size_t b;

	for (b = 0; b < MFS_PROC_BUCKETS; b++) {
		for (p = m->proc_hash[b]; p; p = pn) {
			pn = p->hash_next;
			mfs_pidwatch_remove(m, p);
			free(p);
		}
	}
	for (b = 0; b < MFS_SRC_BUCKETS; b++) {
		for (s = m->src_hash[b]; s; s = sn) {
			sn = s->hash_next;
			mfs_srcinfo_free(&s->info);
			free(s->prog_name);
			free(s->name);
			free(s);
		}
	}
	mfs_progs_destroy(m);
	mfs_owners_free(&m->owners);
	memset(m, 0, sizeof(*m));
}
