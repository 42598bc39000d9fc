/*
 * scan.c - read source files and apply what they hold.
 *
 * Reading happens without the daemon's lock, applying with it: a slow or
 * huge file never stalls the operations of the mount.  The watcher and
 * the requests (a lookup of a new name) may refresh one name at once, so
 * reading and applying one name is a single step under a lock of that
 * name (one of MFS_NAME_LOCKS, taken before the daemon's): what the model
 * holds is always the newest reading, never an older one applied last.
 * What was read is applied only if the source directory is still the one
 * it was read from (see srcdir.c), and nothing is read while there is
 * none.  A file still mapped in the shape it was read in is not read
 * again: its values are loaded from the mapping at each read anyway, so
 * only a new file, a field added, a change of owner or mode, a cut or a
 * rewrite needs a parse.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "mmstatsfs.h"

/* Whether `name` is as the model has it (looked at without the lock). */
static bool unchanged(struct mfs *fs, const char *name)
{
	struct mfs_handle *h;
	struct stat was;
	bool same;

	pthread_mutex_lock(&fs->lock);
	h = mfs_model_ident(&fs->model, name, &was);
	pthread_mutex_unlock(&fs->lock);
	same = h && mfs_source_unchanged(fs->srcfd, name, &was, h);
	mfs_handle_put(h);
	return same;
}

/* Under the lock: whether readings taken at epoch still stand. */
static bool still_current(struct mfs *fs, unsigned epoch)
{
	return mfs_srcdir_epoch(fs) == epoch;
}

static pthread_mutex_t *name_lock(struct mfs *fs, const char *name)
{
	return &fs->name_locks[mfs_hash_mix(mfs_hash_str(0, name)) %
			       MFS_NAME_LOCKS];
}

/*
 * Whether `name` may be read: a file of an owner who has as many files
 * as allowed (owners.h) costs this stat, not a read.  One that cannot be
 * stat'ed is read, to find out what it is.
 */
static bool admitted(struct mfs *fs, const char *name)
{
	struct stat st;
	bool ok;

	if (fstatat(fs->srcfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return true;
	pthread_mutex_lock(&fs->lock);
	ok = mfs_model_admits(&fs->model, name, st.st_uid);
	pthread_mutex_unlock(&fs->lock);
	return ok;
}

/* Read `name` again, unless unchanged, and apply what it holds now. */
static void refresh_name(struct mfs *fs, const char *name, unsigned epoch)
{
	pthread_mutex_t *l = name_lock(fs, name);
	struct mfs_srcinfo info;
	bool same, skip = false;
	int err = 0;

	pthread_mutex_lock(l);
	same = unchanged(fs, name);
	if (!same && !(skip = !admitted(fs, name)))
		err = mfs_source_read(fs->srcfd, name,
				      &fs->model.limits.file, &info);
	pthread_mutex_lock(&fs->lock);
	if (!still_current(fs, epoch))
		;	/* the source directory went meanwhile */
	else if (same || skip)
		mfs_model_seen(&fs->model, name);
	else
		mfs_model_update(&fs->model, name, err, &info, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
	pthread_mutex_unlock(l);
	if (!same && !skip)
		mfs_srcinfo_free(&info);
}

static void flush(struct mfs *fs)
{
	pthread_mutex_lock(&fs->lock);
	mfs_model_flush(&fs->model, &fs->changes);
	pthread_mutex_unlock(&fs->lock);
}

void mfs_refresh(struct mfs *fs, char *const *names, size_t n)
{
	unsigned epoch = mfs_srcdir_epoch(fs);
	size_t i;

	if (!n || (epoch & 1))
		return;
	for (i = 0; i < n; i++)
		refresh_name(fs, names[i], epoch);
	flush(fs);
	mfs_kick(fs);
}

void mfs_refresh_queued(struct mfs *fs, const char *name)
{
	unsigned epoch = mfs_srcdir_epoch(fs);

	if ((epoch & 1) || !mfs_source_name_ok(name))
		return;
	refresh_name(fs, name, epoch);
	mfs_kick(fs);		/* the watcher flushes (mfs_model_flush) */
}

void mfs_queue_refresh(struct mfs *fs, char *const *names, size_t n)
{
	struct stat st;
	size_t i;

	if (!fs->lane.nthreads) {	/* before the mount: read them now */
		mfs_refresh(fs, names, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (fstatat(fs->srcfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    mfs_lane_refresh(fs, names[i], st.st_uid) < 0)
			mfs_refresh(fs, &names[i], 1);	/* gone: cheap */
	}
}

void mfs_refresh_one(struct mfs *fs, const char *name)
{
	char *names[1] = { (char *)name };

	if (mfs_source_name_ok(name))
		mfs_refresh(fs, names, 1);
}

void mfs_source_shrank(struct mfs *fs, const char *name,
		       const struct mfs_handle *h, const struct stat *st)
{
	pthread_mutex_lock(&fs->lock);
	mfs_model_shrank(&fs->model, name, h, st->st_size);
	pthread_mutex_unlock(&fs->lock);
	if (mfs_source_name_ok(name) &&
	    mfs_lane_refresh(fs, name, st->st_uid) < 0)
		mfs_refresh_one(fs, name);
}

void mfs_refresh_pid(struct mfs *fs, pid_t pid)
{
	struct mfs_strv names = { 0 };
	int err;

	pthread_mutex_lock(&fs->lock);
	err = mfs_model_proc_names(&fs->model, pid, &names);
	pthread_mutex_unlock(&fs->lock);
	if (err)
		mfs_log(LOG_ERR, "out of memory");
	mfs_refresh(fs, names.v, names.n);
	mfs_strv_free(&names);
}

void mfs_refresh_pending(struct mfs *fs, bool queue)
{
	struct mfs_strv names = { 0 };
	int err;

	pthread_mutex_lock(&fs->lock);
	err = mfs_model_pending(&fs->model, &names);
	pthread_mutex_unlock(&fs->lock);
	if (err)
		mfs_log(LOG_ERR, "out of memory");
	if (queue)
		mfs_queue_refresh(fs, names.v, names.n);
	else
		mfs_refresh(fs, names.v, names.n);
	mfs_strv_free(&names);
}

/*
 * The names of the mmstats files in the source directory now, in *out.
 * A directory that cannot be listed, or only in part, gives -errno, not
 * a shorter list: what it shows stays.
 */
static int list_sources(struct mfs *fs, struct mfs_strv *out)
{
	int fd = openat(fs->srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	while (!err && (errno = 0, de = readdir(d)))
		if (mfs_source_name_ok(de->d_name) &&
		    (de->d_type == DT_REG || de->d_type == DT_UNKNOWN))
			err = mfs_strv_add(out, de->d_name);
	if (!err && errno)
		err = -errno;
	closedir(d);
	if (err)
		mfs_strv_free(out);
	return err;
}

void mfs_queue_all(struct mfs *fs)
{
	struct mfs_strv names = { 0 };
	int err;

	if (mfs_srcdir_epoch(fs) & 1)
		return;
	if ((err = list_sources(fs, &names)) < 0) {
		mfs_log(LOG_ERR, "source directory: %s", strerror(-err));
		return;
	}
	mfs_queue_refresh(fs, names.v, names.n);
	mfs_strv_free(&names);
}

/*
 * A sweep of the source directory: whatever the model holds that is not
 * listed is gone, and every name listed is read again, by the lane's
 * workers once they run (a rescan after a lost event must not read
 * thousands of files in the watcher, which also tells exits).
 */
void mfs_rescan(struct mfs *fs)
{
	unsigned epoch = mfs_srcdir_epoch(fs);
	struct mfs_strv names = { 0 };
	size_t i;
	int err;

	if (epoch & 1)
		return;
	if ((err = list_sources(fs, &names)) < 0) {
		mfs_log(LOG_ERR, "source directory: %s", strerror(-err));
		return;
	}
	pthread_mutex_lock(&fs->lock);
	if (still_current(fs, epoch)) {
		mfs_model_sweep_begin(&fs->model);
		for (i = 0; i < names.n; i++)
			mfs_model_seen(&fs->model, names.v[i]);
		mfs_model_sweep_end(&fs->model, &fs->changes);
	}
	pthread_mutex_unlock(&fs->lock);
	mfs_queue_refresh(fs, names.v, names.n);
	mfs_strv_free(&names);
	mfs_kick(fs);
}
