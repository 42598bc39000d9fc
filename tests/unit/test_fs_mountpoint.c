/*
 * test_fs_mountpoint.c - the mountpoint is held, not named again
 * (mountpoint.c): once made ready, replacing a directory of its path by
 * a symbolic link to elsewhere changes nothing of where the mount goes;
 * the walk from "/" never follows a symbolic link; a real FUSE mount on
 * the held directory is shown at its real path in mountinfo, and
 * unmounted through the same descriptor.  The descriptor is given to
 * libfuse only where it can work (mountroute.c): every combination of
 * the facts, the facts as they are here, and a real mount by root
 * without CAP_SYS_ADMIN, which libfuse hands over to fusermount3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../fs/mmstatsfs.h"	/* fuse_lowlevel.h, at our version */
#include "../../fs/mountpoint.h"
#include "../../fs/mountroute.h"
#include "testdir.h"

/* Whether mountinfo lists a mount of fstype `type` at path. */
static bool mounted_at(const char *path, const char *type)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, mp[4096], fstype[256];
	size_t cap = 0;
	bool found = false;
	const char *dash;

	assert_non_null(f);
	while (!found && getline(&line, &cap, f) > 0) {
		dash = strstr(line, " - ");
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && dash &&
		    sscanf(dash, " - %255s", fstype) == 1)
			found = !strcmp(mp, path) && !strcmp(fstype, type);
	}
	free(line);
	fclose(f);
	return found;
}

/* b may be tmp_path()'s buffer, never a. */
static void same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	assert_int_equal(stat(a, &sa), 0);
	assert_int_equal(stat(b, &sb), 0);
	assert_true(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

/* base/a/mnt held; then base/a moves to base/a.old, a symlink takes its
 * name, pointing at base/elsewhere, which has a mnt too. */
static void swap_after_prepare(struct mfs_mountpoint *mp)
{
	char a[512], elsewhere[512];	/* tmp_path() has one buffer */

	snprintf(a, sizeof(a), "%s", tmp_path("a"));
	snprintf(elsewhere, sizeof(elsewhere), "%s", tmp_path("elsewhere"));
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(elsewhere, 0755), 0);
	assert_int_equal(mkdir(tmp_path("elsewhere/mnt"), 0755), 0);
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("a/mnt"), mp), 0);
	same_file(mp->at, tmp_path("a/mnt"));
	assert_int_equal(rename(a, tmp_path("a.old")), 0);
	assert_int_equal(symlink(elsewhere, a), 0);
}

static void test_held_through_a_swap(void **state)
{
	struct mfs_mountpoint mp;

	(void)state;
	swap_after_prepare(&mp);
	same_file(mp.at, tmp_path("a.old/mnt"));
	mfs_mountpoint_close(&mp);
	assert_int_equal(mp.fd, -1);
	assert_null(mp.path);
	assert_int_equal(rmdir(tmp_path("a.old/mnt")), 0);
	assert_int_equal(rmdir(tmp_path("a.old")), 0);
	assert_int_equal(unlink(tmp_path("a")), 0);
	assert_int_equal(rmdir(tmp_path("elsewhere/mnt")), 0);
	assert_int_equal(rmdir(tmp_path("elsewhere")), 0);
}

static void test_walk_never_follows(void **state)
{
	char target[512];
	struct stat st, want;
	int fd;

	(void)state;
	assert_int_equal(mkdir(tmp_path("real"), 0755), 0);
	assert_int_equal(mkdir(tmp_path("real/d"), 0755), 0);
	snprintf(target, sizeof(target), "%s", tmp_path("real"));
	assert_int_equal(symlink(target, tmp_path("link")), 0);
	fd = mfs_mountpoint_walk(tmp_path("real/d"));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(stat(tmp_path("real/d"), &want), 0);
	assert_true(st.st_dev == want.st_dev && st.st_ino == want.st_ino);
	close(fd);
	assert_int_equal(mfs_mountpoint_walk(tmp_path("link/d")), -ESTALE);
	assert_int_equal(mfs_mountpoint_walk(tmp_path("link")), -ESTALE);
	assert_int_equal(mfs_mountpoint_walk(tmp_path("real/none")), -ENOENT);
	fd = mfs_mountpoint_walk("/");
	assert_true(fd >= 0);
	close(fd);
}

/*
 * A real FUSE mount on the held directory, after the swap: it lands on
 * base/a.old/mnt (mountinfo says so, where fusermount3 -u finds it),
 * never on base/elsewhere/mnt, and is unmounted through the descriptor.
 * No request is served: mount(2) and umount2(2) wait for none.
 */
static void test_mount_on_held(void **state)
{
	const struct fuse_lowlevel_ops ops = { 0 };
	char *argv[] = { (char *)"test_fs_mountpoint", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se;
	struct mfs_mountpoint mp;
	char held[512], other[512];
	bool on_held, on_other, left;

	(void)state;
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) < 0)
		skip();
	swap_after_prepare(&mp);
	snprintf(held, sizeof(held), "%s", tmp_path("a.old/mnt"));
	snprintf(other, sizeof(other), "%s", tmp_path("elsewhere/mnt"));
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	assert_non_null(se);
	assert_int_equal(fuse_session_mount(se, mp.at), 0);
	on_held = mounted_at(held, "fuse");
	on_other = mounted_at(other, "fuse");
	fuse_session_unmount(se);
	left = mounted_at(held, "fuse");
	/* a mount nobody serves left behind would hang the teardown */
	if (mounted_at(other, "fuse"))
		umount2(other, MNT_DETACH);
	if (mounted_at(held, "fuse"))
		umount2(held, MNT_DETACH);
	fuse_session_destroy(se);
	assert_true(on_held);
	assert_false(on_other);
	assert_false(left);		/* unmounted through the descriptor */
	fuse_opt_free_args(&args);
	mfs_mountpoint_close(&mp);
}

/* All 16 combinations: the descriptor only when each fact allows it. */
static void test_target_choice(void **state)
{
	struct mfs_mountpoint mp = { .path = (char *)"/run/x", .fd = 9,
				     .at = "/proc/self/fd/9" };
	struct mfs_mount_facts f;
	unsigned bits;

	(void)state;
	for (bits = 0; bits < 16; bits++) {
		f = (struct mfs_mount_facts){
			.auto_unmount = bits & 1,
			.cap_sys_admin = bits & 2,
			.mtab_regular = bits & 4,
			.at_reaches = bits & 8,
		};
		/* 2 | 8: mount(2) is ours, no mtab, /proc is there */
		assert_ptr_equal(mfs_mount_target(&mp, &f),
				 bits == (2 | 8) ? mp.at : mp.path);
	}
}

/* The descriptor's name reaches the held directory, another does not. */
static void test_facts_reach(void **state)
{
	struct mfs_mountpoint mp, other;
	struct mfs_mount_facts f;
	int fd;

	(void)state;
	if (access("/proc/self/fd", X_OK) < 0)
		skip();
	assert_int_equal(mkdir(tmp_path("reach"), 0755), 0);
	assert_int_equal(mfs_mountpoint_prepare(tmp_path("reach"), &mp), 0);
	mfs_mount_facts_get(&mp, false, &f);
	assert_true(f.at_reaches);
	assert_false(f.auto_unmount);
	if (f.cap_sys_admin && !f.mtab_regular)
		assert_ptr_equal(mfs_mount_target(&mp, &f), mp.at);
	mfs_mount_facts_get(&mp, true, &f);
	assert_ptr_equal(mfs_mount_target(&mp, &f), mp.path);
	fd = open("/", O_PATH | O_CLOEXEC);
	assert_true(fd >= 0);
	other = mp;
	snprintf(other.at, sizeof(other.at), "/proc/self/fd/%d", fd);
	mfs_mount_facts_get(&other, false, &f);
	assert_false(f.at_reaches);
	assert_ptr_equal(mfs_mount_target(&other, &f), other.path);
	close(fd);
	mfs_mountpoint_close(&mp);
	assert_int_equal(rmdir(tmp_path("reach")), 0);
}

/*
 * CAP_SYS_ADMIN in or out of the effective set only: it stays permitted,
 * and an exec by root regains it anyway.
 */
static int effective_sys_admin(bool on)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	if (on)
		d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective |=
			CAP_TO_MASK(CAP_SYS_ADMIN);
	else
		d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &=
			~CAP_TO_MASK(CAP_SYS_ADMIN);
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * The child: root without CAP_SYS_ADMIN mounts on dir through the
 * fusermount3 libfuse falls back to.  Exit status: the step that failed.
 */
static int mount_without_cap(const char *dir)
{
	const struct fuse_lowlevel_ops ops = { 0 };
	char *argv[] = { (char *)"test_fs_mountpoint", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct fuse_session *se;
	struct mfs_mountpoint mp;
	struct mfs_mount_facts f;
	const char *at;
	bool on;

	if (effective_sys_admin(false) < 0)
		return 2;
	if (mfs_mountpoint_prepare(dir, &mp) < 0)
		return 3;
	mfs_mount_facts_get(&mp, false, &f);
	if (f.cap_sys_admin)
		return 4;
	if ((at = mfs_mount_target(&mp, &f)) != mp.path)
		return 5;
	if (!(se = fuse_session_new(&args, &ops, sizeof(ops), NULL)))
		return 6;
	if (fuse_session_mount(se, at) != 0)
		return 7;
	on = mounted_at(mp.path, "fuse");
	/* libfuse unmounts with umount2(2) itself when /etc/mtab is a link */
	if (effective_sys_admin(true) < 0)
		return 9;
	fuse_session_unmount(se);
	fuse_session_destroy(se);
	return on ? 0 : 8;
}

static void test_mount_without_cap(void **state)
{
	char dir[512];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK) < 0 ||
	    access("/proc/self/fd", X_OK) < 0 ||
	    (access("/usr/bin/fusermount3", X_OK) < 0 &&
	     access("/bin/fusermount3", X_OK) < 0))
		skip();
	snprintf(dir, sizeof(dir), "%s", tmp_path("nocap"));
	assert_int_equal(mkdir(dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(mount_without_cap(dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* a mount nobody serves left behind would hang the teardown */
	if (mounted_at(dir, "fuse"))
		umount2(dir, MNT_DETACH);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(mounted_at(dir, "fuse"));
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_through_a_swap),
		cmocka_unit_test(test_walk_never_follows),
		cmocka_unit_test(test_mount_on_held),
		cmocka_unit_test(test_target_choice),
		cmocka_unit_test(test_facts_reach),
		cmocka_unit_test(test_mount_without_cap),
	};

	return testdir_run_group("test_fs_mountpoint", tests);
}
