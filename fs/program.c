/*
 * program.c - the programs: which processes make one, the counters its
 * exited processes leave, and /programs/<name>/ in the tree.
 *
 * A program's directory shows the union of its processes' labels, so
 * syncing it costs all of them: a change only marks it, and it is synced
 * with the other marked ones when the model is flushed (mfs_model_flush),
 * once for all the changes of a batch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "names.h"
#include "pidstat.h"
#include "project.h"
#include "sources.h"
#include "strv.h"

static size_t prog_bucket(const char *name)
{
	return mfs_hash_mix(mfs_hash_str(0, name)) % MFS_PROG_BUCKETS;
}

int mfs_progs_init(struct mfs_model *m)
{
	struct mfs_want w = {
		.name = "programs", .kind = MFS_PROGS_DIR,
		.mode = S_IFDIR | 0555,
	};

	m->progs.dir = mfs_tree_put(m->tree, m->tree->root, &w, NULL);
	return m->progs.dir ? 0 : -ENOMEM;
}

void mfs_kept_free(struct mfs_kept *k)
{
	free(k->name);
	free(k->label);
	free(k->unit);
	free(k->help);
}

static void retired_free(struct mfs_retired *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		mfs_kept_free(&r->k[i]);
	free(r->k);
}

static void gone_drop(struct mfs_prog *g, size_t i)
{
	free(g->gone[i].v);
	g->gone[i] = g->gone[--g->ngone];
}

static void prog_free(struct mfs_prog *g)
{
	size_t i;

	while (g->ngone)
		gone_drop(g, g->ngone - 1);
	free(g->gone);
	for (i = 0; i < g->nretired; i++)
		retired_free(&g->retired[i]);
	free(g->retired);
	free(g->name);
	free(g);
}

void mfs_progs_destroy(struct mfs_model *m)
{
	struct mfs_prog *g, *next;
	size_t b;

	for (b = 0; b < MFS_PROG_BUCKETS; b++)
		for (g = m->progs.hash[b]; g; g = next) {
			next = g->hash_next;
			prog_free(g);
		}
}

struct mfs_prog *mfs_prog_find(const struct mfs_model *m, const char *name)
{
	struct mfs_prog *g;

	for (g = m->progs.hash[prog_bucket(name)]; g; g = g->hash_next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static bool integer(const struct mmstats_stat *st)
{
	return st->value.kind == MMSTATS_KIND_INT ||
	       st->value.kind == MMSTATS_KIND_UINT;
}

bool mfs_is_counter(const struct mmstats_stat *st)
{
	if (!integer(st))
		return false;
	return st->notes.metric == MMSTATS_METRIC_COUNTER ||
	       st->notes.metric == MMSTATS_METRIC_HISTOGRAM_BUCKET ||
	       (st->notes.metric == MMSTATS_METRIC_UNKNOWN && st->buffered);
}

bool mfs_is_hist_sum(const struct mmstats_stat *st)
{
	return st->value.kind == MMSTATS_KIND_FLOAT &&
	       st->notes.metric == MMSTATS_METRIC_HISTOGRAM_SUM;
}

bool mfs_is_gauge_int(const struct mmstats_stat *st)
{
	return integer(st) && st->buffered &&
	       st->notes.metric == MMSTATS_METRIC_GAUGE;
}

/* ---- program names ---- */

static bool interpreter(const char *base)
{
	static const char *const exact[] = { "node", "java", "sh", "bash" };
	static const char *const prefix[] = { "python", "perl", "ruby" };
	size_t i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(base, exact[i]))
			return true;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(base, prefix[i], strlen(prefix[i])))
			return true;
	return false;
}

static const char *basename_of(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* The name cmdline gives, or NULL: argv[0]'s, or an interpreter's script. */
static const char *from_cmdline(char *buf, ssize_t n)
{
	const char *arg0 = basename_of(buf), *p;

	if (!interpreter(arg0))
		return arg0[0] ? arg0 : NULL;
	for (p = buf + strlen(buf) + 1; p < buf + n; p += strlen(p) + 1)
		if (p[0] && p[0] != '-')
			return basename_of(p);
	return arg0;
}

/* Cut s to fit out without cutting a UTF-8 character. */
static size_t copy_name(const char *s, char *out)
{
	size_t len = strlen(s), k = 0, c;

	while (k < len) {
		c = mmstats_utf8_len(s + k, len - k);
		c = c ? c : 1;
		if (k + c > MFS_PROGRAM_MAX - 1)
			break;
		k += c;
	}
	memcpy(out, s, k);
	out[k] = '\0';
	return k;
}

size_t mfs_proc_program(pid_t pid, char *out)
{
	char buf[4096];
	const char *name = NULL;
	ssize_t n;

	out[0] = '\0';
	if ((n = read_proc(pid, "cmdline", buf, sizeof(buf))) > 0)
		name = from_cmdline(buf, n);
	if (!name && (n = read_proc(pid, "comm", buf, sizeof(buf))) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		name = buf;
	}
	return name ? copy_name(name, out) : 0;
}

/* ---- membership ---- */

static struct mfs_prog *get_prog(struct mfs_model *m, const char *name)
{
	struct mfs_prog *g = mfs_prog_find(m, name);
	size_t b = prog_bucket(name);

	if (g)
		return g;
	if (!(g = calloc(1, sizeof(*g))) || !(g->name = strdup(name))) {
		free(g);
		return NULL;
	}
	g->hash_next = m->progs.hash[b];
	m->progs.hash[b] = g;
	return g;
}

void mfs_prog_touch(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_prog *g = p->prog;

	if (!g || g->dirty)
		return;
	g->dirty = true;
	g->dirty_next = m->progs.dirty;
	m->progs.dirty = g;
}

void mfs_prog_join(struct mfs_model *m, struct mfs_proc *p,
		   const char *program)
{
	char raw[MFS_PROGRAM_MAX], name[MFS_NAME_MAX + 1];
	struct mfs_prog *g;
	size_t len;

	if (p->prog)
		return;
	if (program && program[0])
		len = copy_name(program, raw);
	else
		len = mfs_proc_program(p->pid, raw);
	mfs_name_encode((const unsigned char *)raw, len, 0, name);
	if (!(g = get_prog(m, name))) {
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	p->prog = g;
	p->prog_next = g->procs;
	g->procs = p;
	g->nprocs++;
	mfs_prog_touch(m, p);
}

static void unhash(struct mfs_model *m, struct mfs_prog *g)
{
	struct mfs_prog **pp = &m->progs.hash[prog_bucket(g->name)];

	while (*pp != g)
		pp = &(*pp)->hash_next;
	*pp = g->hash_next;
}

void mfs_prog_leave(struct mfs_model *m, struct mfs_proc *p)
{
	struct mfs_prog *g = p->prog;
	struct mfs_proc **pp;

	if (!g)
		return;
	for (pp = &g->procs; *pp != p; pp = &(*pp)->prog_next)
		;
	*pp = p->prog_next;
	p->prog = NULL;
	p->prog_next = NULL;
	g->nprocs--;
	if (g->nprocs == 0) {
		/* kept counters go with it: the next one starts afresh */
		while (g->ngone)
			gone_drop(g, g->ngone - 1);
		while (g->nretired)
			retired_free(&g->retired[--g->nretired]);
	}
	if (!g->dirty) {
		g->dirty = true;
		g->dirty_next = m->progs.dirty;
		m->progs.dirty = g;
	}
}

/* ---- counters of exited files ---- */

static struct mfs_retired *retired_of(struct mfs_prog *g,
				      const struct stat *st)
{
	struct mfs_retired *r;
	size_t i;

	for (i = 0; i < g->nretired; i++) {
		r = &g->retired[i];
		if (r->uid == st->st_uid && r->gid == st->st_gid &&
		    r->mode == (st->st_mode & 0777))
			return r;
	}
	r = realloc(g->retired, (g->nretired + 1) * sizeof(*r));
	if (!r)
		return NULL;
	g->retired = r;
	r = &r[g->nretired++];
	memset(r, 0, sizeof(*r));
	r->uid = st->st_uid;
	r->gid = st->st_gid;
	r->mode = st->st_mode & 0777;
	return r;
}

/* Index of name in r, or where it would go (*found false). */
static size_t retired_index(const struct mfs_retired *r, const char *name,
			    bool *found)
{
	size_t lo = 0, hi = r->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(r->k[mid].name, name);
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const struct mfs_kept *mfs_retired_find(const struct mfs_retired *r,
					const char *name)
{
	bool found;
	size_t i = retired_index(r, name, &found);

	return found ? &r->k[i] : NULL;
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

/* Add the last value v of field st, named `name`, to r (and to x). */
static int retired_add(struct mfs_retired *r, const char *name,
		       const struct mmstats_stat *st,
		       const struct mmstats_value *v, struct mfs_gone *x)
{
	struct mfs_gone_value one = { 0 };
	bool found;
	size_t i = retired_index(r, name, &found), cap;
	struct mfs_kept *k;
	int err;

	if (!found) {
		if (r->n == r->cap) {
			cap = r->cap ? r->cap * 2 : 16;
			if (!(k = realloc(r->k, cap * sizeof(*k))))
				return -ENOMEM;
			r->k = k;
			r->cap = cap;
		}
		memmove(&r->k[i + 1], &r->k[i], (r->n - i) * sizeof(*k));
		if ((err = kept_init(&r->k[i], name, st)) < 0) {
			memmove(&r->k[i], &r->k[i + 1],
				(r->n - i) * sizeof(*k));
			return err;
		}
		r->n++;
	}
	k = &r->k[i];
	one.name = k->name;
	if (v->kind == MMSTATS_KIND_FLOAT)
		one.dsum = v->v.d;
	else
		one.sum = v->kind == MMSTATS_KIND_INT ? (__int128)v->v.i :
							(__int128)v->v.u;
	k->sum += one.sum;
	k->dsum += one.dsum;
	if (x)
		x->v[x->n++] = one;
	return 0;
}

/*
 * Keep the counters of map, whose fields fn names; what is kept of each
 * goes into x too (x->v made here), unless x is NULL.
 */
static void retire_map(struct mfs_retired *r, const struct mmstats_map *map,
		       const struct mfs_fieldnames *fn, struct mfs_gone *x)
{
	const struct mmstats_snapshot *snap = mmstats_map_fields(map);
	struct mmstats_value v;
	unsigned char buf[16];
	size_t i;

	if (x && !(x->v = calloc(snap->nstats + 1, sizeof(*x->v))))
		return;		/* the caller forgets x: nothing was kept */
	for (i = 0; i < snap->nstats && i < fn->nfields; i++) {
		if ((!mfs_is_counter(&snap->stats[i]) &&
		     !mfs_is_hist_sum(&snap->stats[i])) ||
		    mmstats_map_value(map, i, &v, buf, sizeof(buf), NULL) < 0)
			continue;
		if (retired_add(r, fn->name[i], &snap->stats[i], &v, x) < 0)
			mfs_log(LOG_ERR, "out of memory");
	}
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

static bool same_file(const struct mfs_src *s, const struct mfs_srcinfo *i)
{
	return s->info.st.st_dev == i->st.st_dev &&
	       s->info.st.st_ino == i->st.st_ino && s->info.pid == i->pid &&
	       s->info.created == i->created;
}

/* Whether the file of s is counted live in g under another name. */
static bool live_elsewhere(const struct mfs_prog *g, const struct mfs_src *s)
{
	const struct mfs_proc *p;
	const struct mfs_src *o;

	for (p = g->procs; p; p = p->prog_next)
		for (o = p->srcs; o; o = o->proc_next)
			if (o != s && same_file(o, &s->info))
				return true;
	return false;
}

/*
 * Forget the files of writers gone (their files cannot come back), or
 * of writer pid (0: of none).  A writer that cannot be told now stays.
 */
static void forget_writers(struct mfs_prog *g, pid_t pid)
{
	size_t i = 0;

	while (i < g->ngone) {
		if (g->gone[i].pid == pid ||
		    !mfs_pid_runs(g->gone[i].pid, &g->gone[i].starttime))
			gone_drop(g, i);
		else
			i++;
	}
}

/* A record of s, kept in set r of g, or NULL (its writer is gone). */
static struct mfs_gone *new_gone(struct mfs_prog *g, const struct mfs_src *s,
				 const struct mfs_retired *r)
{
	struct mfs_gone *x;
	uint64_t start = 0;

	if (mfs_pid_runs(s->info.pid, &start) == 0)
		return NULL;
	forget_writers(g, 0);
	if (!(x = realloc(g->gone, (g->ngone + 1) * sizeof(*x))))
		return NULL;
	g->gone = x;
	x = &x[g->ngone++];
	*x = (struct mfs_gone){
		.dev = s->info.st.st_dev, .ino = s->info.st.st_ino,
		.pid = s->info.pid, .starttime = start,
		.created = s->info.created, .set = (size_t)(r - g->retired),
	};
	return x;
}

/*
 * A held file is still mapped (it goes after this): its counters are as
 * their writer left them, or as they are now if it still writes.
 */
void mfs_prog_retire(struct mfs_model *m, const struct mfs_src *s,
		     bool exited)
{
	struct mfs_prog *g = s->proc ? s->proc->prog : NULL;
	struct mmstats_map *map;
	struct mfs_fieldnames fn;
	struct mfs_retired *r;
	struct mfs_gone *x;

	if (!g || live_elsewhere(g, s) || !(r = retired_of(g, &s->info.st)))
		return;
	if (exited)
		forget_writers(g, s->info.pid);
	x = exited ? NULL : new_gone(g, s, r);
	if (s->info.handle) {
		retire_map(r, s->info.handle->map, &s->info.names, x);
	} else if ((map = map_again(m, s))) {
		/* named as the file is now: its fields may have grown */
		if (mfs_fieldnames_make(mmstats_map_fields(map), &fn) == 0) {
			retire_map(r, map, &fn, x);
			mfs_fieldnames_free(&fn);
		}
		mmstats_map_close(map);
	}
	if (x && !x->v)		/* nothing kept, or kept for good */
		gone_drop(g, (size_t)(x - g->gone));
	mfs_prog_touch(m, s->proc);
}

static bool is_gone(const struct mfs_gone *x, const struct mfs_srcinfo *i)
{
	return x->dev == i->st.st_dev && x->ino == i->st.st_ino &&
	       x->pid == i->pid && x->created == i->created;
}

/* Take back what x added to its kept set. */
static void take_back(struct mfs_prog *g, const struct mfs_gone *x)
{
	struct mfs_retired *r = &g->retired[x->set];
	struct mfs_kept *k;
	bool found;
	size_t i, j;

	for (i = 0; i < x->n; i++) {
		j = retired_index(r, x->v[i].name, &found);
		if (!found)
			continue;
		k = &r->k[j];
		k->sum -= x->v[i].sum;
		k->dsum -= x->v[i].dsum;
	}
}

void mfs_prog_reattach(struct mfs_model *m, const struct mfs_src *s)
{
	struct mfs_prog *g = s->proc ? s->proc->prog : NULL;
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

/* ---- the tree ---- */

/* Whether process a is older than b: by its main file, then by pid. */
static bool proc_older(const struct mfs_proc *a, const struct mfs_proc *b)
{
	const struct mfs_src *x = mfs_model_main_src(a);
	const struct mfs_src *y = mfs_model_main_src(b);

	if (x && y && x->info.created != y->info.created)
		return x->info.created < y->info.created;
	if (!x != !y)
		return x != NULL;
	return a->pid < b->pid;
}

struct mfs_proc *mfs_prog_rep(const struct mfs_prog *g)
{
	struct mfs_proc *p, *best = NULL;

	for (p = g->procs; p; p = p->prog_next)
		if (p->srcs && (!best || proc_older(p, best)))
			best = p;
	return best;
}

/*
 * Every label of every file of the program, and every label of its kept
 * counters (a counter only exited workers had must not vanish: its sum
 * would go down), once, sorted (borrowed).
 */
static char **union_names(const struct mfs_prog *g, size_t *n)
{
	const struct mfs_proc *p;
	const struct mfs_src *s;
	size_t total = 0, i, r, k = 0;
	char **v;

	for (p = g->procs; p; p = p->prog_next)
		for (s = p->srcs; s; s = s->proc_next)
			total += s->info.names.n;
	for (r = 0; r < g->nretired; r++)
		total += g->retired[r].n;
	if (!(v = malloc((total + 1) * sizeof(*v))))
		return NULL;
	for (p = g->procs; p; p = p->prog_next)
		for (s = p->srcs; s; s = s->proc_next)
			for (i = 0; i < s->info.names.n; i++)
				v[k++] = s->info.names.name[i];
	for (r = 0; r < g->nretired; r++)
		for (i = 0; i < g->retired[r].n; i++)
			v[k++] = g->retired[r].k[i].name;
	*n = mfs_sort_unique(v, k);
	return v;
}

static void sync_links(struct mfs_model *m, const struct mfs_prog *g,
		       struct mfs_node *task, const struct mfs_want *dirw,
		       struct mfs_changes *ch)
{
	struct mfs_want *w = calloc(g->nprocs + 1, sizeof(*w));
	char (*names)[16] = calloc(g->nprocs + 1, sizeof(*names));
	const struct mfs_proc *p;
	size_t k = 0;

	if (!w || !names) {
		mfs_log(LOG_ERR, "out of memory");
		goto out;
	}
	for (p = g->procs; p && k < g->nprocs; p = p->prog_next) {
		if (!p->srcs)
			continue;
		snprintf(names[k], sizeof(names[k]), "%d", (int)p->pid);
		w[k] = *dirw;
		w[k].name = names[k];
		w[k].kind = MFS_PROG_LINK;
		w[k].mode = S_IFLNK | 0777;
		w[k].pid = p->pid;
		k++;
	}
	if (mfs_tree_sync(m->tree, task, w, k, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
out:
	free(w);
	free(names);
}

static const char *const bulk_names[] = { "%all", "%metrics" };

static void sync_prog(struct mfs_model *m, struct mfs_prog *g,
		      struct mfs_changes *ch)
{
	struct mfs_proc *rep = mfs_prog_rep(g);
	struct mfs_src *main = rep ? mfs_model_main_src(rep) : NULL;
	struct mfs_node *dir = mfs_tree_lookup(m->tree, m->progs.dir->ino,
					       g->name), *task;
	struct mfs_want w, *lw = NULL;
	char **names = NULL;
	size_t n = 0, i;

	if (!main) {
		if (dir)
			mfs_tree_remove(m->tree, dir, ch);
		return;
	}
	w = (struct mfs_want){
		.name = g->name, .kind = MFS_PROG_DIR,
		.mode = mfs_dir_mode(main->info.st.st_mode),
		.uid = main->info.st.st_uid, .gid = main->info.st.st_gid,
		.source = g->name,
	};
	if (!(dir = mfs_tree_put(m->tree, m->progs.dir, &w, ch)) ||
	    !(names = union_names(g, &n)) ||
	    !(lw = calloc(n + 3, sizeof(*lw)))) {
		mfs_log(LOG_ERR, "out of memory");
		goto out;
	}
	lw[0] = w;
	lw[0].name = "task";
	lw[0].kind = MFS_PROG_TASK_DIR;
	for (i = 0; i < 2; i++) {
		lw[i + 1] = w;
		lw[i + 1].name = bulk_names[i];
		lw[i + 1].kind = i ? MFS_BULK_PROM : MFS_BULK_TEXT;
		lw[i + 1].mode = mfs_file_mode(main->info.st.st_mode);
		lw[i + 1].source = NULL;
	}
	for (i = 0; i < n; i++) {
		lw[i + 3] = lw[1];
		lw[i + 3].name = names[i];
		lw[i + 3].kind = MFS_PROG_LABEL;
	}
	if (mfs_tree_sync(m->tree, dir, lw, n + 3, ch) < 0)
		mfs_log(LOG_ERR, "out of memory");
	else if ((task = mfs_tree_lookup(m->tree, dir->ino, "task")))
		sync_links(m, g, task, &w, ch);
out:
	free(names);
	free(lw);
}

void mfs_progs_flush(struct mfs_model *m, struct mfs_changes *ch)
{
	struct mfs_prog *g;

	while ((g = m->progs.dirty)) {
		m->progs.dirty = g->dirty_next;
		g->dirty = false;
		sync_prog(m, g, ch);
		if (g->nprocs == 0) {
			unhash(m, g);
			prog_free(g);
		}
	}
}
