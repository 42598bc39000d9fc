#!/bin/sh
# More writers than the daemon may hold file descriptors: mmstatsfs runs
# with RLIMIT_NOFILE 128 (soft and hard) and 300 writer processes come
# and go.  Every one must still show with its own value, and vanish: a
# process left without a descriptor for its pidfd is polled instead.
#
# In a mount namespace of its own: a process that unshares its mount
# namespace meanwhile (test_rel_proclife.sh) would take a copy of the
# mount, and the daemon would serve that copy on after our unmount.
if [ -z "${REL_IN_NS:-}" ] && [ "$(id -u)" = 0 ] &&
   command -v unshare >/dev/null; then
	REL_IN_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
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
# Past the limit a process has no pidfd and is polled: it shows all the same.
wait_until 5 dirs_are $N ||
	fail "$(ls "$mnt" | grep -c '^[0-9]') of $N writers shown with RLIMIT_NOFILE 128: $(grep -m 3 -i 'open files' "$mnt.log")"
# Exactly the spawner's children, each with its own value, all readable
# (the files not held open are read by name).
pgrep -P $spawner | sort -n >"$T/children"
ls "$mnt" | grep '^[0-9][0-9]*$' | sort -n >"$T/shown"
cmp -s "$T/children" "$T/shown" ||
	fail "pids shown are not the writers: $(diff "$T/children" "$T/shown" | head -n 5)"
for pid in $(cat "$T/shown"); do
	cat "$mnt/$pid/rel.spawn.index"; echo
done 2>"$T/cat.err" | grep . | sort -n | uniq >"$T/values"
[ -s "$T/cat.err" ] && fail "cat: $(head -n 5 "$T/cat.err")"
[ "$(wc -l <"$T/values")" -eq $N ] ||
	fail "$(wc -l <"$T/values") distinct values of $N with 128 fds"
grep -r . "$mnt" >/dev/null 2>"$T/grep.err"
[ -s "$T/grep.err" ] && fail "grep -r: $(head -n 5 "$T/grep.err")"
note "daemon fds: $(ls /proc/$FS_PID/fd | wc -l) for $N writers"
t0=$(date +%s%N)
kill -TERM $spawner
wait $spawner
wait_until 5 dirs_are 0 || fail "$(ls "$mnt" | grep -c '^[0-9]') directories left 5 s after the writers died"
note "all $N gone $(( ($(date +%s%N) - t0) / 1000000 )) ms after SIGTERM to the spawner"
daemon_alive || fail "mmstatsfs died"
unmount_fs "$mnt"
echo ok
exit 0
