/*
 * scan.c - read source files and apply what they hold.
 *
 * Reading happens without the lock, applying with it: a slow or huge file
 * never stalls the operations of the mount.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mmstatsfs.h"

struct reading {
	int err;
	struct mfs_srcinfo info;
};

static struct reading *read_all(struct mfs *fs, char *const *names, size_t n)
{
	struct reading *r = calloc(n ? n : 1, sizeof(*r));
	size_t i;

	for (i = 0; r && i < n; i++)
		r[i].err = mfs_source_read(fs->srcfd, names[i], &r[i].info);
	return r;
}

static void apply_all(struct mfs *fs, char *const *names, size_t n,
		      struct reading *r)
{
	size_t i;

	for (i = 0; i < n; i++)
		mfs_model_update(&fs->model, names[i], r[i].err, &r[i].info,
				 &fs->changes);
}

void mfs_refresh(struct mfs *fs, char *const *names, size_t n)
{
	struct reading *r;
	size_t i;

	if (!n)
		return;
	if (!(r = read_all(fs, names, n))) {
		mfs_log(LOG_ERR, "out of memory");
		return;
	}
	pthread_mutex_lock(&fs->lock);
	apply_all(fs, names, n, r);
	pthread_mutex_unlock(&fs->lock);
	for (i = 0; i < n; i++)
		mfs_srcinfo_free(&r[i].info);
	free(r);
	mfs_kick(fs);
}

void mfs_refresh_one(struct mfs *fs, const char *name)
{
	char *names[1] = { (char *)name };

	if (mfs_source_name_ok(name))
		mfs_refresh(fs, names, 1);
}

void mfs_refresh_pid(struct mfs *fs, pid_t pid)
{
	char **names;
	size_t n;

	pthread_mutex_lock(&fs->lock);
	names = mfs_model_proc_names(&fs->model, pid, &n);
	pthread_mutex_unlock(&fs->lock);
	mfs_refresh(fs, names, n);
	mfs_strv_free(names);
}

void mfs_refresh_pending(struct mfs *fs)
{
	char **names;
	size_t n;

	pthread_mutex_lock(&fs->lock);
	names = mfs_model_pending(&fs->model, &n);
	pthread_mutex_unlock(&fs->lock);
	if (n)
		mfs_refresh(fs, names, n);
	mfs_strv_free(names);
}

/* The names of the mmstats files in the source directory now. */
static char **list_sources(struct mfs *fs, size_t *n)
{
	int fd = openat(fs->srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **v = NULL, **nv;
	struct dirent *de;
	DIR *d;

	*n = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		mfs_log(LOG_ERR, "source directory: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((de = readdir(d))) {
		if (!mfs_source_name_ok(de->d_name) ||
		    (de->d_type != DT_REG && de->d_type != DT_UNKNOWN))
			continue;
		nv = realloc(v, (*n + 2) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		if (!(v[*n] = strdup(de->d_name)))
			break;
		v[++*n] = NULL;
	}
	closedir(d);
	return v;
}

void mfs_rescan(struct mfs *fs)
{
	struct reading *r;
	char **names;
	size_t n, i;

	names = list_sources(fs, &n);
	r = read_all(fs, names, n);
	if (!r) {
		mfs_strv_free(names);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	fs->model.generation++;
	apply_all(fs, names, n, r);
	mfs_model_prune(&fs->model, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
	for (i = 0; i < n; i++)
		mfs_srcinfo_free(&r[i].info);
	free(r);
	mfs_strv_free(names);
	mfs_kick(fs);
}
