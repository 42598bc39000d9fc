/*
 * pidns.c - the pid, in our PID namespace, of a process of another one.
 *
 * A file records its writer's pid as the writer's namespace numbers it
 * and that namespace's inode.  /proc can only go the other way (a pid
 * of ours to the namespace and the pids it has there: /proc/P/ns/pid and
 * the NSpid line of /proc/P/status), so the answer is a table of every
 * process of ours in another namespace, (namespace, pid there) -> our
 * pid, made by one scan of /proc.
 *
 * The daemon asks for each file on each listing, so the table is kept:
 * - A process the table names is checked where it stands (its namespace
 *   and NSpid now): a yes is true now, whatever happened since the scan.
 * - A "no" comes only from a scan that began after the question was
 *   asked: the file, hence its writer, existed then, and /proc is listed
 *   in pid order, so a process that lives through the whole listing is
 *   in it.  No start time can stand in for that: a writer in a time
 *   namespace counts it from another boot (time_namespaces(7)), and a
 *   PID namespace may hold processes of several time namespaces.
 * - A writer found dead stays dead: (namespace, pid, start) is kept in a
 *   small memory, so that a dead writer's file costs one scan, not one
 *   per look.  Questions that wait for a scan are kept there too, and
 *   the next scan settles them all.
 * - Scans are rate-limited, whatever asks for them (a file anyone can
 *   plant names any namespace): each costs RESCAN_FACTOR times its
 *   duration, at least RESCAN_GAP_NS, counted from its end, and a scan
 *   may begin while the costs not yet paid off are below RESCAN_BURST_NS:
 *   a tool that judges a few files of dead writers at once is answered
 *   for each, a flood of planted files costs one scan per gap.  Not due,
 *   the answer is "cannot tell", which nobody takes for "dead".  The scan
 *   runs outside the lock: other threads, and fork(), wait for a table
 *   swap, never for /proc.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pidns.h"

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
	uint64_t asked;		/* 0: found dead */
	pid_t nspid;		/* 0: free slot */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static struct table table;	/* .self == 0: none */
static bool scanning;
static uint64_t paid_off;	/* boot clock (ns): scans paid off then */
static struct memo memo[NMEMO];
static size_t memo_next;

static void lock_all(void)
{
	pthread_mutex_lock(&lock);
}

static void unlock_all(void)
{
	pthread_mutex_unlock(&lock);
}

/* The scanning thread is not the child's: the child may scan. */
static void unlock_child(void)
{
	scanning = false;
	pthread_mutex_unlock(&lock);
}

static void at_fork(void)
{
	pthread_atfork(lock_all, unlock_all, unlock_child);
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The inode behind /proc/<who>/ns/<kind>; stat() reads the magic link's
 * target, the namespace, and never opens anything. */
static int ns_inode(const char *who, const char *kind, uint64_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, kind);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

static int pid_ns_inode(pid_t pid, const char *kind, uint64_t *ino)
{
	char who[16];

	snprintf(who, sizeof(who), "%d", (int)pid);
	return ns_inode(who, kind, ino);
}

uint64_t mms_pidns_self(void)
{
	uint64_t ino;

	return ns_inode("self", "pid", &ino) ? 0 : ino;
}

bool mms_proc_is_ours(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strtol(buf, NULL, 10) == (long)getpid();
}

/* The time namespace of one of pid's threads: the main thread's link is
 * gone once it called pthread_exit(), while the others run. */
static int any_thread_timens(pid_t pid, uint64_t *ino)
{
	char path[48], who[48];
	struct dirent *e;
	int err = -ESRCH;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (!(d = opendir(path)))
		return -errno;
	while (err && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(who, sizeof(who), "%d/task/%.16s", (int)pid,
			 e->d_name);
		err = ns_inode(who, "time", ino);
	}
	closedir(d);
	return err;
}

bool mms_timens_may_differ(pid_t pid)
{
	uint64_t mine, theirs;
	int err = ns_inode("self", "time", &mine);

	if (err == -ENOENT)
		return false;	/* no time namespaces in this kernel */
	if (err)
		return true;
	if (pid_ns_inode(pid, "time", &theirs) == 0 ||
	    any_thread_timens(pid, &theirs) == 0)
		return mine != theirs;
	return true;		/* cannot tell (ptrace rights, EMFILE...) */
}

/*
 * From the NSpid line of /proc/PID/status: the last number (the pid in
 * its own namespace) and how many there are (1: /proc's namespace).
 */
static int read_nspid(pid_t pid, pid_t *nspid, int *levels)
{
	char path[32], *line = NULL;
	size_t cap = 0;
	int err = -EBADMSG;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(fp = fopen(path, "re")))
		return -errno;
	while (getline(&line, &cap, fp) > 0) {
		char *p, *end;
		long v = 0;

		if (strncmp(line, "NSpid:", 6))
			continue;
		*levels = 0;
		for (p = line + 6; ; p = end) {
			long x = strtol(p, &end, 10);

			if (end == p)
				break;
			v = x;
			++*levels;
		}
		if (v > 0) {
			*nspid = (pid_t)v;
			err = 0;
		}
		break;
	}
	if (err && ferror(fp))
		err = -EIO;
	free(line);
	fclose(fp);
	return err;
}

static bool gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

enum { NO, YES, CANNOT_TELL };

/* Whether process pid is, right now, nspid of namespace ns. */
static int still(pid_t pid, uint64_t ns, pid_t nspid)
{
	uint64_t now;
	pid_t n;
	int levels, err;

	if ((err = pid_ns_inode(pid, "pid", &now)) == 0 && now != ns)
		return NO;	/* a process never changes its namespace */
	if (!err)
		err = read_nspid(pid, &n, &levels);
	if (gone(err))
		return NO;
	if (err)
		return CANNOT_TELL;
	return n == nspid ? YES : NO;
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

	nserr = pid_ns_inode(pid, "pid", &p.ns);
	if (nserr == 0 && p.ns == t->self)
		return 0;
	err = read_nspid(pid, &p.nspid, &levels);
	if (gone(nserr) || gone(err))
		return 0;	/* exited meanwhile: not a writer any more */
	if (!err && levels == 1)
		return 0;	/* of /proc's namespace, ours */
	if (nserr || err) {
		t->hidden++;
		return 0;
	}
	return append(t, &p);
}

/* Whether /proc is mounted with hidepid= (hidden processes). */
static bool proc_hides(void)
{
	FILE *fp = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	bool hides = true;	/* cannot tell: as if */

	if (!fp)
		return true;
	while (getline(&line, &cap, fp) > 0) {
		char mnt[256], *sep = strstr(line, " - "), *opt;
		char type[32];

		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", mnt) != 1 ||
		    strcmp(mnt, "/proc") ||
		    sscanf(sep + 3, "%31s", type) != 1 || strcmp(type, "proc"))
			continue;
		/* the last /proc mount is the one on top */
		opt = strstr(sep, "hidepid=");
		hides = opt && strncmp(opt + 8, "0", 1) &&
			strncmp(opt + 8, "off", 3);
	}
	free(line);
	fclose(fp);
	return hides;
}

/* A new table of t->self's view; on failure t holds nothing to use. */
static int scan(struct table *t)
{
	struct dirent *e;
	DIR *d;
	int err = 0;

	t->begun = boottime_ns();
	t->blind = proc_hides();
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

static struct memo *memo_find(uint64_t ns, pid_t nspid, uint64_t start)
{
	for (size_t i = 0; i < NMEMO; i++)
		if (memo[i].nspid == nspid && memo[i].ns == ns &&
		    memo[i].start == start)
			return &memo[i];
	return NULL;
}

/* Kept in a ring: a flood of planted files costs answers, not memory. */
static void memo_put(uint64_t ns, pid_t nspid, uint64_t start, uint64_t asked)
{
	struct memo *m = memo_find(ns, nspid, start);

	if (m) {
		if (!asked)
			m->asked = 0;
		return;	/* else the earliest question settles soonest */
	}
	memo[memo_next] = (struct memo){ ns, start, asked, nspid };
	memo_next = (memo_next + 1) % NMEMO;
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

/* Our pid for (ns, nspid) in the current table, or 0. */
static pid_t from_table(uint64_t self, uint64_t ns, pid_t nspid)
{
	const struct nsproc *p;

	if (table.self != self)
		return 0;
	p = find(&table, ns, nspid);
	return p ? p->pid : 0;
}

/* Make a new table, if one is due, and swap it in; false if not. */
static bool rescan(uint64_t self, uint64_t asked)
{
	struct table t = { .self = self };
	uint64_t end, cost;
	int err;

	if (scanning || paid_off > asked + RESCAN_BURST_NS)
		return false;
	scanning = true;
	unlock_all();
	err = scan(&t);
	end = boottime_ns();
	lock_all();
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

/* The answer of a scan that began after the question: -ESRCH is true. */
static pid_t settled(uint64_t self, uint64_t ns, pid_t nspid)
{
	pid_t here = from_table(self, ns, nspid);

	if (!here)
		return absent(&table, ns);
	return here;
}

pid_t mms_pidns_lookup(uint64_t ns, pid_t nspid, bool has_start,
		       uint64_t start)
{
	uint64_t asked = boottime_ns(), self = mms_pidns_self();
	struct memo *m;
	pid_t here;
	bool sure;
	int now;

	if (!self || !mms_proc_is_ours() || nspid <= 0)
		return -EREMOTE;
	pthread_once(&atfork_once, at_fork);
	lock_all();
	m = has_start ? memo_find(ns, nspid, start) : NULL;
	here = m && !m->asked ? -ESRCH : from_table(self, ns, nspid);
	unlock_all();
	if (here == -ESRCH)
		return here;
	if (here > 0 && (now = still(here, ns, nspid)) != NO)
		return now == YES ? here : -EREMOTE;

	lock_all();
	if (!rescan(self, asked)) {
		if (has_start)
			memo_put(ns, nspid, start, asked);
		unlock_all();
		return -EREMOTE;
	}
	here = settled(self, ns, nspid);
	if (here == -ESRCH && has_start)
		memo_put(ns, nspid, start, 0);
	sure = !table.hidden && !table.blind;
	unlock_all();
	if (here <= 0)
		return here;
	/* listed after we asked, gone now: it was the writer, or the
	 * writer was gone already (one process holds a pid at a time) */
	now = still(here, ns, nspid);
	if (now == NO && sure && has_start) {
		lock_all();
		memo_put(ns, nspid, start, 0);
		unlock_all();
	}
	if (now == NO)
		return sure ? -ESRCH : -EREMOTE;
	return now == YES ? here : -EREMOTE;
}
