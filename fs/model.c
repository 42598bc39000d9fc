/*
 * model.c - source files and processes, and the tree nodes they make.
 *
 * A source is ALIVE when its sys.pid runs and started before the file was
 * made; such a process gets a pidfd in the watcher's epoll set, so its
 * exit removes /<pid> at once.  The tree is kept in step here: each
 * change re-syncs only the directories of the source and process touched.
 *
 * The files shown (ALIVE and UNKNOWN) are held mapped, as read when last
 * found, as many as descriptors and mappings allow; a file removed,
 * replaced or whose writer exits is let go at once, so the daemon keeps
 * no deleted file's storage.  A pidfd is worth more than a held file (without it a process
 * is polled, which costs a system call or two every MFS_POLL_MS), so a
 * new process takes a held file's descriptor when the limit is near, and
 * a polled one as soon as one frees up.  Polling is the fallback that
 * keeps every process shown however many there are: without it, anyone
 * who can start processes could use up the descriptors and so hide other
 * users' writers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "model.h"

static size_t str_bucket(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % MFS_SRC_BUCKETS;
}

static mode_t file_mode(mode_t m)
{
	return S_IFREG | (m & 0444);
}

/* Directories are searchable where the file is readable: r -> r-x. */
static mode_t dir_mode(mode_t m)
{
	return S_IFDIR | (m & 0444) | ((m & 0444) >> 2);
}

/* How many lines a file of /proc has (0 if it cannot be read). */
static size_t proc_lines(const char *path)
{
	char buf[65536];
	size_t lines = 0;
	ssize_t n, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* Mappings left for held files: what vm.max_map_count leaves us. */
static size_t map_budget(void)
{
	char buf[32] = "";
	size_t max = 65530, used = proc_lines("/proc/self/maps");
	ssize_t n;
	int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n > 0)
			max = strtoul(buf, NULL, 10);
		close(fd);
	}
	return max > used + MFS_MAP_RESERVE ? max - used - MFS_MAP_RESERVE : 0;
}

int mfs_model_init(struct mfs_model *m, struct mfs_tree *t, int epfd)
{
	struct mfs_want w = {
		.name = "files", .kind = MFS_FILES_DIR,
		.mode = S_IFDIR | 0555,
	};

	struct rlimit rl;

	memset(m, 0, sizeof(*m));
	m->tree = t;
	m->epfd = epfd;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		m->fd_limit = (size_t)rl.rlim_cur;
	else
		m->fd_limit = (size_t)1 << 20;
	m->map_limit = map_budget();
	mfs_log(LOG_DEBUG, "at most %zu source files held (descriptors: %zu,"
		" mappings: %zu)", m->fd_limit > MFS_FD_RESERVE ?
		m->fd_limit - MFS_FD_RESERVE : 0, m->fd_limit, m->map_limit);
	m->files_dir = mfs_tree_put(t, t->root, &w, NULL);
	return m->files_dir ? 0 : -ENOMEM;
}

struct mfs_src *mfs_model_src(const struct mfs_model *m, const char *name)
{
	struct mfs_src *s;

	for (s = m->src_hash[str_bucket(name)]; s; s = s->hash_next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

struct mfs_handle *mfs_model_ident(const struct mfs_model *m,
				   const char *name, struct stat *was)
{
	struct mfs_src *s = mfs_model_src(m, name);

	if (!s || s->info.err || !s->info.handle)
		return NULL;
	*was = s->info.st;
	return mfs_handle_get(s->info.handle);
}

struct mfs_proc *mfs_model_proc(const struct mfs_model *m, pid_t pid)
{
	struct mfs_proc *p;

	for (p = m->proc_hash[(size_t)pid % MFS_PROC_BUCKETS]; p;
	     p = p->hash_next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* The file that speaks for the process: main thread, else the oldest. */
static struct mfs_src *main_src(const struct mfs_proc *p)
{
	struct mfs_src *s, *best = NULL;

	for (s = p->srcs; s; s = s->proc_next) {
		if (s->info.tid == p->pid)
			return s;
		if (!best || s->info.created < best->info.created)
			best = s;
	}
	return best;
}

/* Label files of one source under dir. */
static void sync_labels(struct mfs_model *m, struct mfs_node *dir,
			const struct mfs_src *s, struct mfs_changes *ch)
{
	const struct mfs_fieldnames *fn = &s->info.names;
	struct mfs_want *w = calloc(fn->n + 1, sizeof(*w));
	size_t i;

	if (!w) {
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	for (i = 0; i < fn->n; i++) {
		w[i].name = fn->name[i];
		w[i].kind = MFS_SRC_LABEL;
		w[i].mode = file_mode(s->info.st.st_mode);
		w[i].uid = s->info.st.st_uid;
		w[i].gid = s->info.st.st_gid;
		w[i].pid = s->info.pid;	/* source: dir's, not a copy each */
	}
	if (mfs_tree_sync(m->tree, dir, w, fn->n, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
	free(w);
}

static struct mfs_want src_dir_want(const struct mfs_src *s, const char *name,
				    enum mfs_kind kind)
{
	struct mfs_want w = {
		.name = name, .kind = kind,
		.mode = dir_mode(s->info.st.st_mode),
		.uid = s->info.st.st_uid, .gid = s->info.st.st_gid,
		.pid = s->info.pid, .source = s->name,
	};
	return w;
}

/* /files/<name>: every file whose writer is not known to be dead. */
static void sync_src(struct mfs_model *m, struct mfs_src *s,
		     struct mfs_changes *ch)
{
	struct mfs_node *dir;
	struct mfs_want w;

	if (s->state != MFS_SRC_ALIVE && s->state != MFS_SRC_UNKNOWN) {
		dir = mfs_tree_lookup(m->tree, m->files_dir->ino, s->name);
		if (dir)
			mfs_tree_remove(m->tree, dir, ch);
		return;
	}
	w = src_dir_want(s, s->name, MFS_SRC_DIR);
	dir = mfs_tree_put(m->tree, m->files_dir, &w, ch);
	if (dir)
		sync_labels(m, dir, s, ch);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* /<pid>/task/<tid>/: the tid, or "<tid>-<n>" when threads share one. */
static void sync_tasks(struct mfs_model *m, struct mfs_proc *p,
		       struct mfs_node *task, struct mfs_changes *ch)
{
	struct mfs_node *dir, *next;
	struct mfs_src *s;
	struct mfs_want w;
	char name[32];
	unsigned n;

	for (dir = task->children; dir; dir = dir->sib_next)
		dir->mark = false;
	for (s = p->srcs; s; s = s->proc_next) {
		snprintf(name, sizeof(name), "%d", (int)s->info.tid);
		for (n = 2; (dir = mfs_tree_lookup(m->tree, task->ino, name)) &&
			    dir->mark; n++)
			snprintf(name, sizeof(name), "%d-%u",
				 (int)s->info.tid, n);
		w = src_dir_want(s, name, MFS_TID_DIR);
		dir = mfs_tree_put(m->tree, task, &w, ch);
		if (!dir)
			continue;
		dir->mark = true;
		sync_labels(m, dir, s, ch);
	}
	for (dir = task->children; dir; dir = next) {
		next = dir->sib_next;
		if (!dir->mark)
			mfs_tree_remove(m->tree, dir, ch);
	}
}

/* Every label of every file of p, once, sorted. */
static char **union_names(const struct mfs_proc *p, size_t *n)
{
	const struct mfs_src *s;
	size_t total = 0, i, k = 0;
	char **v;

	for (s = p->srcs; s; s = s->proc_next)
		total += s->info.names.n;
	v = malloc((total + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (s = p->srcs; s; s = s->proc_next)
		for (i = 0; i < s->info.names.n; i++)
			v[k++] = s->info.names.name[i];
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = 0, *n = 0; i < k; i++)
		if (*n == 0 || strcmp(v[*n - 1], v[i]))
			v[(*n)++] = v[i];
	return v;
}

static void free_proc(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_proc **pp = &m->proc_hash[(size_t)p->pid % MFS_PROC_BUCKETS];

	while (*pp != p)
		pp = &(*pp)->hash_next;
	*pp = p->hash_next;
	if (p->pidfd >= 0) {
		close(p->pidfd);	/* leaves the epoll set with it */
		m->pidfds--;
	}
	if (p->polled)
		m->polled--;
	free(p);
}

/* /<pid>: "task" and the process-wide labels; gone with the last file. */
static void sync_proc(struct mfs_model *m, struct mfs_proc *p,
		      struct mfs_changes *ch)
{
	struct mfs_src *main = main_src(p);
	struct mfs_node *dir, *task;
	struct mfs_want w, *lw;
	char pidname[16], **names;
	size_t n = 0, i;

	snprintf(pidname, sizeof(pidname), "%d", (int)p->pid);
	if (!main) {
		dir = mfs_tree_lookup(m->tree, MFS_ROOT_INO, pidname);
		if (dir)
			mfs_tree_remove(m->tree, dir, ch);
		free_proc(m, p);
		return;
	}
	w = src_dir_want(main, pidname, MFS_PID_DIR);
	w.source = NULL;
	dir = mfs_tree_put(m->tree, m->tree->root, &w, ch);
	names = union_names(p, &n);
	lw = calloc(n + 1, sizeof(*lw));
	if (!dir || !names || !lw)
		goto oom;
	lw[0] = w;
	lw[0].name = "task";
	lw[0].kind = MFS_TASK_DIR;
	for (i = 0; i < n; i++) {
		lw[i + 1] = w;
		lw[i + 1].name = names[i];
		lw[i + 1].kind = MFS_PID_LABEL;
		lw[i + 1].mode = file_mode(main->info.st.st_mode);
	}
	if (mfs_tree_sync(m->tree, dir, lw, n + 1, ch) < 0)
		goto oom;
	task = mfs_tree_lookup(m->tree, dir->ino, "task");
	if (task)
		sync_tasks(m, p, task, ch);
	free(names);
	free(lw);
	return;
oom:
	mfs_log(LOG_ERR, "out of memory");
	free(names);
	free(lw);
}

/* Whether n more descriptors leave the reserve whole. */
static bool fds_to_spare(const struct mfs_model *m, size_t n)
{
	return m->held + m->pidfds + MFS_FD_RESERVE + n <= m->fd_limit;
}

/* Whether one more file may be held: a descriptor and a mapping. */
static bool room_to_hold(const struct mfs_model *m)
{
	return fds_to_spare(m, 1) && m->held < m->map_limit;
}

/* Close the file of s, unless a read in progress still holds it. */
static void drop_handle(struct mfs_model *m, struct mfs_src *s)
{
	if (!s->info.handle)
		return;
	mfs_handle_put(s->info.handle);
	s->info.handle = NULL;
	m->held--;
}

/* Keep h, the file just read, open if it is shown and there is room. */
static void keep_handle(struct mfs_model *m, struct mfs_src *s,
			struct mfs_handle *h)
{
	if (!h)
		return;
	if ((s->state != MFS_SRC_ALIVE && s->state != MFS_SRC_UNKNOWN) ||
	    !room_to_hold(m)) {
		mfs_handle_put(h);
		return;
	}
	s->info.handle = h;
	m->held++;
}

/* Let go of one held file, to give its descriptor to a pidfd. */
static void evict_one(struct mfs_model *m)
{
	struct mfs_src *s;
	size_t i, b;

	for (i = 0; i < MFS_SRC_BUCKETS && m->held; i++) {
		b = (m->evict_bucket + i) % MFS_SRC_BUCKETS;
		for (s = m->src_hash[b]; s; s = s->hash_next) {
			if (s->info.handle) {
				drop_handle(m, s);
				m->evict_bucket = b;
				return;
			}
		}
	}
}

static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A pidfd for p in the epoll set, if a descriptor is to spare. */
static int watch_pidfd(struct mfs_model *m, struct mfs_proc *p)
{
	struct epoll_event ev = {
		.events = EPOLLIN, .data.u64 = (uint64_t)p->pid,
	};
	int fd, err;

	if (!fds_to_spare(m, 1))
		evict_one(m);
	if (!fds_to_spare(m, 1))
		return -EMFILE;
	if ((fd = open_pidfd(p->pid)) < 0)
		return -errno;
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	p->pidfd = fd;
	m->pidfds++;
	return 0;
}

/*
 * Watch p by a pidfd, else by polling: whatever stands in the way of a
 * pidfd (no descriptor, no memory, epoll's limit), the process is shown.
 * Fails only when p has exited.  Its start time is learnt at the first
 * poll, without the lock: its file has just been found live.
 */
static int watch(struct mfs_model *m, struct mfs_proc *p)
{
	int err = watch_pidfd(m, p);

	if (!err || err == -ESRCH)
		return err;
	mfs_log(LOG_DEBUG, "pid %d: polled (pidfd: %s)", (int)p->pid,
		strerror(-err));
	p->polled = true;
	m->polled++;
	return 0;
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
	if (m->epfd >= 0 && watch(m, p) < 0) {
		free(p);
		return NULL;	/* it has just exited */
	}
	p->hash_next = m->proc_hash[(size_t)pid % MFS_PROC_BUCKETS];
	m->proc_hash[(size_t)pid % MFS_PROC_BUCKETS] = p;
	mfs_log(LOG_DEBUG, "pid %d appeared", (int)pid);
	return p;
}

static void detach(struct mfs_model *m, struct mfs_src *s,
		   struct mfs_changes *ch)
{
	struct mfs_proc *p = s->proc;
	struct mfs_src **pp;

	if (!p)
		return;
	for (pp = &p->srcs; *pp != s; pp = &(*pp)->proc_next)
		;
	*pp = s->proc_next;
	s->proc = NULL;
	s->proc_next = NULL;
	sync_proc(m, p, ch);
}

static enum mfs_src_state classify(const struct mfs_srcinfo *si)
{
	if (!si->usable)
		return MFS_SRC_BAD;
	if (!si->pid || (si->live == MMSTATS_ALIVE && si->foreign))
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

	if ((!s->info.err && !s->info.foreign) ||
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
		s->seen = m->generation;
}

static struct mfs_src *new_src(struct mfs_model *m, const char *name)
{
	struct mfs_src *s = calloc(1, sizeof(*s));
	size_t b = str_bucket(name);

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
	sync_proc(m, p, ch);
}

void mfs_model_update(struct mfs_model *m, const char *name, int err,
		      struct mfs_srcinfo *si, struct mfs_changes *ch)
{
	struct mfs_src *s = mfs_model_src(m, name);
	enum mfs_src_state was, state;
	struct mfs_handle *h;

	if (err < 0) {
		mfs_model_remove(m, name, ch);
		return;
	}
	if (!s && !(s = new_src(m, name))) {
		mfs_srcinfo_free(si);
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	s->seen = m->generation;
	note_shrink(s, si);
	was = s->state;
	state = classify(si);
	/* Keep /<pid> (and its inode numbers) while the file stays in it. */
	if (s->proc && (state != MFS_SRC_ALIVE || si->pid != s->proc->pid))
		detach(m, s, ch);
	drop_handle(m, s);
	mfs_srcinfo_free(&s->info);
	s->info = *si;
	h = si->handle;		/* counted once kept, below */
	s->info.handle = NULL;
	memset(si, 0, sizeof(*si));
	s->state = state;
	if (state == MFS_SRC_BAD && was != MFS_SRC_BAD)
		clock_gettime(CLOCK_MONOTONIC, &s->bad_since);
	if (state == MFS_SRC_ALIVE && s->proc)
		sync_proc(m, s->proc, ch);
	else if (state == MFS_SRC_ALIVE)
		attach(m, s, ch);
	keep_handle(m, s, h);
	log_trouble(s);
	sync_src(m, s, ch);
}

void mfs_model_remove(struct mfs_model *m, const char *name,
		      struct mfs_changes *ch)
{
	struct mfs_src **pp = &m->src_hash[str_bucket(name)], *s;

	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->hash_next;
	if (!(s = *pp))
		return;
	*pp = s->hash_next;
	detach(m, s, ch);
	s->state = MFS_SRC_STALE;
	sync_src(m, s, ch);
	drop_handle(m, s);
	mfs_srcinfo_free(&s->info);
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
	while ((s = p->srcs)) {
		p->srcs = s->proc_next;
		s->proc = NULL;
		s->proc_next = NULL;
		s->state = MFS_SRC_STALE;
		drop_handle(m, s);
		sync_src(m, s, ch);
	}
	sync_proc(m, p, ch);	/* removes /<pid> and frees p */
}

struct mfs_pollee *mfs_model_polled(const struct mfs_model *m, size_t *n)
{
	struct mfs_pollee *v;
	struct mfs_proc *p;
	size_t b;

	*n = 0;
	if (!m->polled || !(v = calloc(m->polled, sizeof(*v))))
		return NULL;
	for (b = 0; b < MFS_PROC_BUCKETS && *n < m->polled; b++) {
		for (p = m->proc_hash[b]; p && *n < m->polled;
		     p = p->hash_next) {
			if (!p->polled)
				continue;
			v[*n].pid = p->pid;
			v[(*n)++].starttime = p->starttime;
		}
	}
	return v;
}

size_t mfs_model_poll(struct mfs_model *m, const struct mfs_pollee *v,
		      size_t n, struct mfs_changes *ch)
{
	struct mfs_proc *p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = mfs_model_proc(m, v[i].pid);
		if (!p || !p->polled)
			continue;	/* gone or watched meanwhile */
		if (v[i].runs == 0) {
			mfs_model_proc_exit(m, p->pid, ch);	/* frees p */
			continue;
		}
		if (v[i].runs > 0)
			p->starttime = v[i].starttime;
		if (watch_pidfd(m, p) == 0) {
			p->polled = false;
			m->polled--;
		}
	}
	return m->polled;
}

void mfs_model_prune(struct mfs_model *m, struct mfs_changes *ch)
{
	struct mfs_src *s, *next;
	size_t b;

	for (b = 0; b < MFS_SRC_BUCKETS; b++) {
		for (s = m->src_hash[b]; s; s = next) {
			next = s->hash_next;
			if (s->seen != m->generation)
				mfs_model_remove(m, s->name, ch);
		}
	}
}

void mfs_strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Append a copy of name to the NULL-terminated *v. */
static int strv_add(char ***v, size_t *n, const char *name)
{
	char **nv = realloc(*v, (*n + 2) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(name)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

char **mfs_model_pending(struct mfs_model *m, size_t *n)
{
	struct timespec now;
	struct mfs_src *s;
	char **v = NULL;
	size_t b;

	*n = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (b = 0; b < MFS_SRC_BUCKETS; b++) {
		for (s = m->src_hash[b]; s; s = s->hash_next) {
			if (s->state != MFS_SRC_BAD)
				continue;
			if (now.tv_sec - s->bad_since.tv_sec > MFS_PENDING_SECS) {
				log_trouble(s);
				continue;
			}
			if (strv_add(&v, n, s->name) < 0)
				return v;
		}
	}
	return v;
}

char **mfs_model_proc_names(const struct mfs_model *m, pid_t pid, size_t *n)
{
	struct mfs_proc *p = mfs_model_proc(m, pid);
	struct mfs_src *s;
	char **v = NULL;

	*n = 0;
	for (s = p ? p->srcs : NULL; s; s = s->proc_next)
		if (strv_add(&v, n, s->name) < 0)
			break;
	return v;
}

static int fileref(const struct mfs_src *s, pid_t pid, const char *label,
		   struct mfs_fileref *ref)
{
	if (!(ref->name = strdup(s->name)))
		return -ENOMEM;
	ref->main = s->info.tid == pid;
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
	struct mfs_src *s;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!p)
		return -ENOENT;
	for (s = p->srcs; s; s = s->proc_next)
		k++;
	if (!(*out = calloc(k, sizeof(**out))))
		return -ENOMEM;
	for (s = p->srcs; s; s = s->proc_next, ++*n)
		if (fileref(s, pid, label, &(*out)[*n]) < 0)
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
	return fileref(s, s->info.pid, label, *out);
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
			if (p->pidfd >= 0)
				close(p->pidfd);
			free(p);
		}
	}
	for (b = 0; b < MFS_SRC_BUCKETS; b++) {
		for (s = m->src_hash[b]; s; s = sn) {
			sn = s->hash_next;
			mfs_srcinfo_free(&s->info);
			free(s->name);
			free(s);
		}
	}
	memset(m, 0, sizeof(*m));
}
