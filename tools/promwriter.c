/*
 * promwriter.c - who wrote a file, for the labels of its series: pid
 * (and the PID namespace it is of, when that is not ours), program,
 * thread, and the process's start time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "promint.h"

/* The default field `name` (say "sys.tid") of the file's writer. */
static const struct mmstats_stat *sys_field(const struct mmstats_snapshot *s,
					    const struct prom_writer *w,
					    const char *name)
{
	size_t i;

	for (i = s->nstats; i-- > 0;) {
		const char *l = s->stats[i].label;

		if (strncmp(l, w->prefix, w->plen) == 0 &&
		    strcmp(l + w->plen, name) == 0)
			return &s->stats[i];
	}
	return NULL;
}

bool prom_writer_is_sys(const struct prom_writer *w,
			const struct mmstats_stat *st)
{
	return st->notes.metric == MMSTATS_METRIC_UNKNOWN &&
	       strncmp(st->label, w->prefix, w->plen) == 0 &&
	       strncmp(st->label + w->plen, "sys.", 4) == 0;
}

/* {CMD} of the default file name {CMD}-{PID}-{TID}.mmstats. */
static bool program_from_name(struct prom_writer *w, const char *path,
			      const char *pid)
{
	const char *base = strrchr(path, '/'), *end;
	size_t tl = strlen(w->tid), pl = strlen(pid), n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (!tl || !pl || n < 8 || strcmp(base + n - 8, ".mmstats") != 0)
		return false;
	end = base + n - 8;
	if ((size_t)(end - base) < tl + pl + 3)
		return false;
	end -= tl + 1;
	if (*end != '-' || strncmp(end + 1, w->tid, tl) != 0)
		return false;
	end -= pl + 1;
	if (end <= base || *end != '-' || strncmp(end + 1, pid, pl) != 0)
		return false;
	prom_label_value(&w->program, base, (size_t)(end - base));
	return true;
}

static void program_from_comm(struct prom_writer *w)
{
	char path[64], comm[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)w->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, sizeof(comm));
	close(fd);
	while (n > 0 && (comm[n - 1] == '\n' || comm[n - 1] == '\0'))
		n--;
	if (n > 0)
		prom_label_value(&w->program, comm, (size_t)n);
}

/*
 * Whether /proc/PID is the writer's, for what the file does not say
 * itself (the reference's files: the program, the start time).
 */
static bool writer_alive(struct prom_writer *w,
			 const struct mmstats_snapshot *snap)
{
	if (w->alive < 0)
		w->alive = w->here && mmstats_liveness(snap) == MMSTATS_ALIVE;
	return w->alive;
}

static uint64_t own_pidns(struct prom *p)
{
	struct stat st;

	if (!p->pidns_read && stat("/proc/self/ns/pid", &st) == 0)
		p->pidns = st.st_ino;
	p->pidns_read = true;
	return p->pidns;
}

void prom_writer_anonymous(struct prom_writer *w,
			   const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st = mmstats_snapshot_find(snap, "sys.pid");

	memset(w, 0, sizeof(*w));
	w->prefix = "";
	w->pid = -1;
	w->alive = -1;
	if (st) {
		w->prefix = st->label;
		w->plen = strlen(st->label) - strlen("sys.pid");
	}
}

/*
 * The pid as we see it when we can; else the pid the file records,
 * which numbers a process of the writer's namespace: when that is not
 * ours, the namespace goes into the labels too, or two writers of two
 * containers with the same pid, program and thread would be one series.
 */
static void writer_pid(struct prom *p, struct prom_writer *w,
		       const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *ns = sys_field(snap, w, "sys.pidns");
	pid_t live = mmstats_writer_pid(snap);

	w->pid = mmstats_snapshot_pid(snap);
	if (live > 0) {
		w->pid = live;
		w->here = true;
		return;
	}
	if (w->pid >= 0 && ns && ns->value.kind == MMSTATS_KIND_UINT &&
	    ns->value.v.u != 0 && ns->value.v.u != own_pidns(p))
		w->pidns = ns->value.v.u;
}

int prom_writer_identify(struct prom *p, struct prom_writer *w,
			 const char *path,
			 const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st;
	char pid[24] = "";

	prom_writer_anonymous(w, snap);
	writer_pid(p, w, snap);
	if (mmstats_snapshot_pid(snap) >= 0)
		snprintf(pid, sizeof(pid), "%d",
			 (int)mmstats_snapshot_pid(snap));
	st = sys_field(snap, w, "sys.tid");
	if (st && st->value.kind != MMSTATS_KIND_STRING &&
	    st->value.kind != MMSTATS_KIND_UNSUPPORTED)
		mmstats_render(&st->value, w->tid, sizeof(w->tid));
	st = sys_field(snap, w, "sys.program");
	if (st && st->value.kind == MMSTATS_KIND_STRING && st->value.v.str.len)
		prom_label_value(&w->program, st->value.v.str.ptr,
				 st->value.v.str.len);
	else if (!program_from_name(w, path, pid) && writer_alive(w, snap))
		program_from_comm(w);
	return w->program.failed ? -ENOMEM : 0;
}

char *prom_writer_labels(const struct prom_writer *w, bool with_tid)
{
	struct buf b = BUF_INIT;
	const char *sep = "";

	if (w->pid >= 0) {
		buf_printf(&b, "pid=\"%d\"", (int)w->pid);
		sep = ",";
	}
	if (w->pidns) {
		buf_printf(&b, "%spidns=\"%llu\"", sep,
			   (unsigned long long)w->pidns);
		sep = ",";
	}
	if (w->program.len) {
		buf_printf(&b, "%sprogram=\"%s\"", sep, w->program.data);
		sep = ",";
	}
	if (with_tid && w->tid[0])
		buf_printf(&b, "%stid=\"%s\"", sep, w->tid);
	return buf_steal(&b, NULL);
}

/* Boot time from /proc/stat, once: start times are ticks after it. */
static double boot_time(struct prom *p)
{
	char line[256];
	unsigned long long bt;
	FILE *f;

	if (p->btime_read)
		return p->btime;
	p->btime_read = true;
	p->btime = -1;
	f = fopen("/proc/stat", "re");
	if (!f)
		return p->btime;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &bt) == 1)
			p->btime = (double)bt;
	fclose(f);
	return p->btime;
}

void prom_add_start_time(struct prom *p, struct prom_writer *w,
			 const struct mmstats_snapshot *snap)
{
	const struct mmstats_stat *st = sys_field(snap, w, "sys.starttime");
	struct prom_series s = { .type = PT_GAUGE };
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t ticks;
	struct buf b = BUF_INIT;
	bool ok;

	if (w->pid < 0 || hz <= 0 || boot_time(p) < 0)
		return;
	if (st && st->value.kind == MMSTATS_KIND_UINT)
		ticks = st->value.v.u;
	else if (!writer_alive(w, snap) ||
		 mmstats_pid_starttime(w->pid, &ticks) < 0)
		return;
	s.key = strdup("process_start_time_seconds");
	s.base_len = strlen("process_start_time_seconds");
	s.unit = strdup("seconds");
	s.help = strdup("Start time of the process since unix epoch in "
			"seconds.");
	s.labels = prom_writer_labels(w, false);
	ok = prom_series_points(&s, 1);
	if (ok) {
		prom_double_text(&b, p->btime + (double)ticks / (double)hz);
		s.pt[0].suffix = "";
		s.pt[0].value = buf_steal(&b, NULL);
	}
	prom_push(p, &s, ok);
}

void prom_writer_free(struct prom_writer *w)
{
	buf_free(&w->program);
}
