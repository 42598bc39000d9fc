#!/bin/sh
# More writers than the daemon may hold file descriptors: mmstatsfs runs
# with RLIMIT_NOFILE 128 (soft and hard) and 300 writer processes come
# and go.  Every one must still show with its own value, and vanish.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
N=300

src=$T/src mnt=$T/mnt
mkdir "$src"
REL_WRAP="prlimit --nofile=128:128 --"
command -v prlimit >/dev/null || skip "no prlimit"
mount_fs "$src" "$mnt"
REL_WRAP=""
grep -q "^Max open files *128 *128" /proc/$FS_PID/limits ||
	fail "the limit did not apply: $(grep 'open files' /proc/$FS_PID/limits)"

"$H/rel-spawn" -d "$src" -n $N >"$T/spawn.out" 2>&1 &
spawner=$!
rel_track $spawner
wait_until 60 grep -qx ready "$T/spawn.out" || fail "rel-spawn: $(tail -n 2 "$T/spawn.out")"
dirs_are() { [ "$(ls "$mnt" | grep -c '^[0-9][0-9]*$')" -eq "$1" ]; }
if ! wait_until 5 dirs_are $N; then
	# Known bug, reported: the daemon needs one pidfd per live process
	# on top of the files it holds (budgeted at half the limit, fs/model.c
	# mfs_model_init); past the limit a file is "ignored" (EMFILE), so
	# its writer never shows.  Anyone who can start processes can so hide
	# other users' writers.
	seen=$(ls "$mnt" | grep -c '^[0-9]')
	grep "Too many open files" "$mnt.log" | head -n 3
	msg="$seen of $N writers shown with RLIMIT_NOFILE 128 (EMFILE)"
	[ -n "${REL_STRICT:-}" ] && fail "$msg"
	skip "known bug: $msg"
fi
grep -r . "$mnt" 2>"$T/grep.err" | grep '/rel\.spawn\.index:' |
	sed 's/.*://' | sort -n | uniq >"$T/values"
[ -s "$T/grep.err" ] && fail "grep -r: $(head -n 5 "$T/grep.err")"
[ "$(wc -l <"$T/values")" -eq $N ] ||
	fail "$(wc -l <"$T/values") distinct values of $N with 128 fds"
note "daemon fds: $(ls /proc/$FS_PID/fd | wc -l) for $N writers"
kill -TERM $spawner
wait $spawner
wait_until 30 dirs_are 0 || fail "directories left after the writers died"
daemon_alive || fail "mmstatsfs died"
unmount_fs "$mnt"
echo ok
exit 0
