/*
 * budget.c - descriptors and mappings for held source files.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "budget.h"
#include "log.h"

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

void mfs_budget_init(struct mfs_model *m)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		m->fd_limit = (size_t)rl.rlim_cur;
	else
		m->fd_limit = (size_t)1 << 20;
	m->map_limit = map_budget();
	mfs_log(LOG_DEBUG, "at most %zu source files held (descriptors: %zu,"
		" mappings: %zu)", m->fd_limit > MFS_FD_RESERVE ?
		m->fd_limit - MFS_FD_RESERVE : 0, m->fd_limit, m->map_limit);
}

bool mfs_budget_fds(const struct mfs_model *m, size_t n)
{
	return m->held + m->pidfds + MFS_FD_RESERVE + n <= m->fd_limit;
}

/* Files all owners may hold together, at most. */
static size_t capacity(const struct mfs_model *m)
{
	size_t fds = m->fd_limit > MFS_FD_RESERVE ?
		     m->fd_limit - MFS_FD_RESERVE : 0;

	return fds < m->map_limit ? fds : m->map_limit;
}

/* Room for one more, and o holds less than its share. */
static bool room_to_hold(const struct mfs_model *m, const struct mfs_owner *o)
{
	size_t share = capacity(m) / MFS_OWNER_SHARE;

	return mfs_budget_fds(m, 1) && m->held < m->map_limit &&
	       (!o || o->held < (share ? share : 1));
}

void mfs_budget_release(struct mfs_model *m, struct mfs_src *s)
{
	if (!s->info.handle)
		return;
	mfs_handle_put(s->info.handle);
	s->info.handle = NULL;
	m->held--;
	if (s->owner)
		s->owner->held--;
}

void mfs_budget_hold(struct mfs_model *m, struct mfs_src *s,
		     struct mfs_handle *h)
{
	if (!h)
		return;
	if ((s->state != MFS_SRC_ALIVE && s->state != MFS_SRC_UNKNOWN) ||
	    !room_to_hold(m, s->owner)) {
		mfs_handle_put(h);
		return;
	}
	s->info.handle = h;
	m->held++;
	if (s->owner)
		s->owner->held++;
}

void mfs_budget_evict_one(struct mfs_model *m)
{
	struct mfs_src *s;
	size_t i, b;

	for (i = 0; i < MFS_SRC_BUCKETS && m->held; i++) {
		b = (m->evict_bucket + i) % MFS_SRC_BUCKETS;
		for (s = m->src_hash[b]; s; s = s->hash_next) {
			if (s->info.handle) {
				mfs_budget_release(m, s);
				m->evict_bucket = b;
				return;
			}
		}
	}
}
