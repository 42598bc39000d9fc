/*
 * dirs.c - one descriptor per stats directory, shared by its instances.
 *
 * A directory is shared only while `path` still names the directory
 * that was opened: one renamed or replaced since is opened afresh.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "create.h"
#include "dirs.h"
#include "forklock.h"

struct shared_dir {
	char *path;
	int fd;
	dev_t dev;
	ino_t ino;
	unsigned users;
	struct shared_dir *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_dir *dirs;

static int reuse(const char *path)
{
	struct shared_dir *d;
	struct stat st;

	for (d = dirs; d; d = d->next) {
		if (strcmp(d->path, path))
			continue;
		if (stat(path, &st) < 0 || st.st_dev != d->dev ||
		    st.st_ino != d->ino)
			return -1;
		d->users++;
		return d->fd;
	}
	return -1;
}

static void add(const char *path, int fd)
{
	struct shared_dir *d = calloc(1, sizeof(*d));
	struct stat st;

	/* Not shared is no failure: the instance still has its fd. */
	if (!d || !(d->path = strdup(path)) || fstat(fd, &st) < 0) {
		if (d)
			free(d->path);
		free(d);
		return;
	}
	d->fd = fd;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->users = 1;
	d->next = dirs;
	dirs = d;
}

int mms_dir_get(const char *path, size_t base_len)
{
	int fd = mms_forklock_add(&lock);

	if (fd < 0)
		return fd;
	pthread_mutex_lock(&lock);
	fd = reuse(path);
	if (fd < 0) {
		fd = mms_open_dir(path, base_len);
		if (fd >= 0)
			add(path, fd);
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

void mms_dir_put(int fd)
{
	struct shared_dir **pp, *d;

	pthread_mutex_lock(&lock);
	for (pp = &dirs; (d = *pp); pp = &d->next) {
		if (d->fd != fd)
			continue;
		if (--d->users == 0) {
			*pp = d->next;
			free(d->path);
			free(d);
			close(fd);
		}
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	close(fd);	/* never shared */
}
