/*
 * pidscan.c - the pid, in our PID namespace, of a process of another one:
 * the table of them, and when to make it again.
 *
 * A file records its writer's pid as the writer's namespace numbers it
 * and that namespace's inode.  /proc can only go the other way (a pid
 * of ours to the namespace and the pids it has there: /proc/P/ns/pid and
 * the NSpid line of /proc/P/status), so the answer is a table of every
 * process of ours in another namespace, (namespace, pid there) -> our
 * pid, made by one scan of /proc.
 *
 * The daemon asks for each file on each listing, so the table is kept,
 * and a process it names is checked where it stands (its namespace and
 * NSpid now): a yes is true now, whatever happened since the scan.
 * - A "no" comes only from a scan that began after the question was
 *   asked: the file, hence its writer, existed then, and /proc is listed
 *   in pid order, so a process that lives through the whole listing is
 *   in it.  No start time can stand in for that: a writer in a time
 *   namespace counts it from another boot (time_namespaces(7)), and a
 *   PID namespace may hold processes of several time namespaces.
 * - A writer found dead stays dead: (namespace, pid, start, created) is
 *   kept in a small memory, so that a dead writer's file costs one scan,
 *   not one per look.  Questions that wait for a scan are kept there
 *   too, and the next scan settles them all.  The key is all the file
 *   says of its writer: a namespace inode is reused once the namespace
 *   is freed, and two containers' writers may hold one pid from one
 *   tick; sys.created (wall clock, set by the writer) proves nothing,
 *   but a key that has it too only misses more, and a miss costs a
 *   scan, never a wrong answer.
 * - Scans are rate-limited, whatever asks for them (a file anyone can
 *   plant names any namespace): each costs RESCAN_FACTOR times its
 *   duration, at least RESCAN_GAP_NS, counted from its end, and a scan
 *   may begin while the costs not yet paid off are below RESCAN_BURST_NS:
 *   a tool that judges a few files of dead writers at once is answered
 *   for each, a flood of planted files costs one scan per gap.  Not due,
 *   the answer is "cannot tell", which nobody takes for "dead".  The scan
 *   runs outside the lock: other threads, and fork(), wait for a table
 *   swap, never for /proc; a fork child forgets a scan that another of
 *   the parent's threads was making (forklock.c).
 *
 * What cannot be looked at (another user's processes, whose namespace
 * links need ptrace rights; /proc mounted with hidepid=) makes every
 * "no" a "cannot tell": the writer may be one of them.  A process whose
 * NSpid line has a single number is of /proc's namespace, ours (status
 * needs no ptrace rights), so it is no such process.  A namespace none
 * of whose processes is seen is dead, or not below ours (a sibling
 * container's, the host's from a container): only from the first PID
 * namespace, below which every other one is, is that a "no".
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forklock.h"
#include "pidscan.h"
#include "procns.h"

#define RESCAN_GAP_NS	(100 * 1000000ull)
#define RESCAN_FACTOR	10
#define RESCAN_BURST_NS	(2000 * 1000000ull)
#define NMEMO		1024
/* The inode of the first PID namespace, fixed (<linux/proc_ns.h>). */
#define PROC_PID_INIT_INO	0xEFFFFFFCull

struct nsproc {
	uint64_t ns;		/* inode of its PID namespace */
	pid_t nspid;		/* its pid there */
	pid_t pid;		/* its pid here */
};

struct table {
	struct nsproc *procs;	/* sorted by (ns, nspid) */
	size_t n, cap;
	uint64_t self;		/* the PID namespace it was made from */
	uint64_t begun;		/* boot clock (ns) when the scan began */
	unsigned hidden;	/* processes it could not place */
	bool blind;		/* hidepid=: processes it could not list */
};

/* A writer found dead, or a question that waits for the next scan. */
struct memo {
	uint64_t ns, start;
	uint64_t created;	/* sys.created's bits, 0 if none */
	uint64_t asked;		/* 0: found dead */
	pid_t nspid;		/* 0: free slot */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t forklock_once = PTHREAD_ONCE_INIT;
static struct table table;	/* .self == 0: none */
static bool scanning;
static uint64_t paid_off;	/* boot clock (ns): scans paid off then */
static struct memo memo[NMEMO];
static size_t memo_next;

/* The scanning thread is not the child's: the child may scan. */
static void forget_scan(void)
{
	scanning = false;
}

/* Without the fork lock a child may hang on `lock`: no worse than before
 * the first look-up, and nothing to report it to. */
static void add_forklock(void)
{
	(void)mms_forklock_add_child(&lock, forget_scan);
}

static void lock_table(void)
{
	pthread_once(&forklock_once, add_forklock);
	pthread_mutex_lock(&lock);
}

static void unlock_table(void)
{
	pthread_mutex_unlock(&lock);
}

/* The clock scans and questions are timed by (boot clock, ns). */
static uint64_t boot_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int by_key(const void *a, const void *b)
{
	const struct nsproc *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? -1 : 1;
	return (x->nspid > y->nspid) - (x->nspid < y->nspid);
}

static int append(struct table *t, const struct nsproc *p)
{
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct nsproc *np = realloc(t->procs, ncap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		t->procs = np;
		t->cap = ncap;
	}
	t->procs[t->n++] = *p;
	return 0;
}

/* Add process pid to t if it is of another namespace than t->self. */
static int add_proc(struct table *t, pid_t pid)
{
	struct nsproc p = { .pid = pid };
	int levels = 0, nserr, err;

	nserr = mms_pid_ns_inode(pid, "pid", &p.ns);
	if (nserr == 0 && p.ns == t->self)
		return 0;
	err = mms_read_nspid(pid, &p.nspid, &levels);
	if (mms_proc_gone(nserr) || mms_proc_gone(err))
		return 0;	/* exited meanwhile: not a writer any more */
	if (!err && levels == 1)
		return 0;	/* of /proc's namespace, ours */
	if (nserr || err) {
		t->hidden++;
		return 0;
	}
	return append(t, &p);
}

/* A new table of t->self's view; on failure t holds nothing to use. */
static int scan(struct table *t)
{
	struct dirent *e;
	DIR *d;
	int err = 0;

	t->begun = boot_clock();
	t->blind = mms_proc_hides();
	if (!(d = opendir("/proc")))
		return -errno;
	for (;;) {
		char *end;
		long pid;

		errno = 0;
		if (!(e = readdir(d))) {
			err = -errno;	/* 0 at the end of the listing */
			break;
		}
		pid = strtol(e->d_name, &end, 10);
		if (pid <= 0 || *end || !isdigit((unsigned char)e->d_name[0]))
			continue;
		if ((err = add_proc(t, (pid_t)pid)))
			break;
	}
	closedir(d);
	if (err)
		return err;
	if (t->n)
		qsort(t->procs, t->n, sizeof(*t->procs), by_key);
	return 0;
}

static const struct nsproc *find(const struct table *t, uint64_t ns,
				 pid_t nspid)
{
	struct nsproc key = { .ns = ns, .nspid = nspid };

	if (!t->n)
		return NULL;
	return bsearch(&key, t->procs, t->n, sizeof(*t->procs), by_key);
}

static bool has_ns(const struct table *t, uint64_t ns)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->procs[mid].ns < ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->n && t->procs[lo].ns == ns;
}

/* What a complete scan that did not list (ns, nspid) says of it. */
static pid_t absent(const struct table *t, uint64_t ns)
{
	if (t->hidden || t->blind)
		return -EREMOTE;
	/* from the first namespace, all others are in sight */
	if (!has_ns(t, ns) && t->self != PROC_PID_INIT_INO)
		return -EREMOTE;
	return -ESRCH;
}

/*
 * A writer's key: sys.created compared bit for bit, so that a NaN
 * matches itself and a file without it (0.0) keys as before.
 */
static struct memo writer_key(uint64_t ns, pid_t nspid, uint64_t start,
			      double created)
{
	struct memo k = { .ns = ns, .start = start, .nspid = nspid };

	memcpy(&k.created, &created, sizeof(k.created));
	return k;
}

static struct memo *memo_find(const struct memo *k)
{
	for (size_t i = 0; i < NMEMO; i++)
		if (memo[i].nspid == k->nspid && memo[i].ns == k->ns &&
		    memo[i].start == k->start &&
		    memo[i].created == k->created)
			return &memo[i];
	return NULL;
}

/*
 * Remember the writer k: found dead (asked 0), or asked about at
 * `asked`, for the next scan to settle.  Kept in a ring: a flood of
 * planted files costs answers, not memory.
 */
static void remember(const struct memo *k, uint64_t asked)
{
	struct memo *m = memo_find(k);

	if (m) {
		if (!asked)
			m->asked = 0;
		return;	/* else the earliest question settles soonest */
	}
	memo[memo_next] = *k;
	memo[memo_next].asked = asked;
	memo_next = (memo_next + 1) % NMEMO;
}

static bool found_dead(const struct memo *k)
{
	struct memo *m = memo_find(k);

	return m && !m->asked;
}

/* Settle the questions asked before scan t began. */
static void memo_settle(const struct table *t)
{
	for (size_t i = 0; i < NMEMO; i++) {
		struct memo *m = &memo[i];

		if (!m->nspid || !m->asked || m->asked > t->begun)
			continue;
		if (!find(t, m->ns, m->nspid) && absent(t, m->ns) == -ESRCH)
			m->asked = 0;
		else
			m->nspid = 0;	/* asked again, it is looked up */
	}
}

/* Our pid for (ns, nspid) in the table made from namespace self, or 0. */
static pid_t table_find(uint64_t self, uint64_t ns, pid_t nspid)
{
	const struct nsproc *p;

	if (table.self != self)
		return 0;
	p = find(&table, ns, nspid);
	return p ? p->pid : 0;
}

/*
 * Make a new table from namespace self, if one is due for a question
 * asked at `asked`, and swap it in; false if not.  Called locked; the
 * lock is dropped while it scans.
 */
static bool rescan(uint64_t self, uint64_t asked)
{
	struct table t = { .self = self };
	uint64_t end, cost;
	int err;

	if (scanning || paid_off > asked + RESCAN_BURST_NS)
		return false;
	scanning = true;
	unlock_table();
	err = scan(&t);
	end = boot_clock();
	lock_table();
	scanning = false;
	cost = (end - t.begun) * RESCAN_FACTOR;
	paid_off = (paid_off > end ? paid_off : end) +
		   (cost > RESCAN_GAP_NS ? cost : RESCAN_GAP_NS);
	if (err) {
		free(t.procs);
		return false;
	}
	free(table.procs);
	table = t;
	memo_settle(&table);
	return true;
}

/*
 * What the table, made after the question was asked, says of (ns,
 * nspid): our pid, or -ESRCH (no such process: true), or -EREMOTE
 * (cannot tell).
 */
static pid_t settled(uint64_t self, uint64_t ns, pid_t nspid)
{
	pid_t here = table_find(self, ns, nspid);

	if (!here)
		return absent(&table, ns);
	return here;
}

/* Whether the table saw every process: its "no" is a no. */
static bool sure_table(void)
{
	return !table.hidden && !table.blind;
}

enum { NO, YES, CANNOT_TELL };

/* Whether process pid is, right now, nspid of namespace ns. */
static int still(pid_t pid, uint64_t ns, pid_t nspid)
{
	uint64_t now;
	pid_t n;
	int levels, err;

	if ((err = mms_pid_ns_inode(pid, "pid", &now)) == 0 && now != ns)
		return NO;	/* a process never changes its namespace */
	if (!err)
		err = mms_read_nspid(pid, &n, &levels);
	if (mms_proc_gone(err))
		return NO;
	if (err)
		return CANNOT_TELL;
	return n == nspid ? YES : NO;
}

/*
 * From a scan that began after `asked`: the answer for writer k,
 * remembered if k is a key (the file has a start time).
 */
static pid_t after_scan(uint64_t self, const struct memo *k, bool key,
			uint64_t asked)
{
	uint64_t ns = k->ns;
	pid_t nspid = k->nspid, here;
	bool sure;
	int now;

	lock_table();
	if (!rescan(self, asked)) {
		if (key)
			remember(k, asked);
		unlock_table();
		return -EREMOTE;
	}
	here = settled(self, ns, nspid);
	if (here == -ESRCH && key)
		remember(k, 0);
	sure = sure_table();
	unlock_table();
	if (here <= 0)
		return here;
	/* listed after we asked, gone now: it was the writer, or the
	 * writer was gone already (one process holds a pid at a time) */
	now = still(here, ns, nspid);
	if (now == NO && sure && key) {
		lock_table();
		remember(k, 0);
		unlock_table();
	}
	if (now == NO)
		return sure ? -ESRCH : -EREMOTE;
	return now == YES ? here : -EREMOTE;
}

pid_t mms_pidscan_lookup(uint64_t self, uint64_t ns, pid_t nspid,
			 bool has_start, uint64_t start, double created)
{
	struct memo k = writer_key(ns, nspid, start, created);
	uint64_t asked = boot_clock();
	pid_t here;
	int now;

	lock_table();
	here = has_start && found_dead(&k) ?
	       -ESRCH : table_find(self, ns, nspid);
	unlock_table();
	if (here == -ESRCH)
		return here;
	if (here > 0 && (now = still(here, ns, nspid)) != NO)
		return now == YES ? here : -EREMOTE;
	return after_scan(self, &k, has_start, asked);
}
