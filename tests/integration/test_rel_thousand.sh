#!/bin/sh
# 1,000 writer processes at once (rel-spawn: each creates one file and
# sleeps) while two readers `grep -r` the mount in a loop: no reader
# error, every directory appears with the right value, then all vanish
# when the writers are killed with SIGKILL, and cleanstats removes the
# 1,000 files they left.  Then waves of 200 writers come and die while
# the readers go on.  make stress: 3,000 writers, 50 waves.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
N=1000
[ -n "$STRESS" ] && N=3000

src=$T/src mnt=$T/mnt
mkdir "$src"
mount_fs "$src" "$mnt"

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
pid_dirs() { ls "$mnt" | grep -c '^[0-9][0-9]*$'; }
dirs_are() { [ "$(pid_dirs)" -eq "$1" ]; }

readers=""
for r in 1 2; do
	(
		passes=0
		while [ ! -e "$T/stop" ]; do
			grep -r . "$mnt" >/dev/null 2>>"$T/reader$r.err"
			[ $? -gt 1 ] && echo "pass $passes failed" >>"$T/reader$r.err"
			passes=$((passes + 1))
		done
		echo $passes >"$T/reader$r.passes"
	) &
	readers="$readers $!"
	rel_track $!
done

t0=$(date +%s%N)
"$H/rel-spawn" -d "$src" -n $N >"$T/spawn.out" 2>"$T/spawn.err" &
spawner=$!
rel_track $spawner
wait_until 120 grep -qx ready "$T/spawn.out" ||
	fail "rel-spawn: $(tail -n 3 "$T/spawn.err") $(tail -n 1 "$T/spawn.out")"
note "$N writers ready after $(ms $t0) ms"
wait_until 60 dirs_are $N ||
	fail "only $(pid_dirs) of $N directories visible"
note "$N directories visible after $(ms $t0) ms"

touch "$T/stop"
for r in $readers; do wait "$r"; done
for r in 1 2; do
	[ -s "$T/reader$r.err" ] && {
		head -n 20 "$T/reader$r.err"
		fail "reader $r got errors while writers appeared"
	}
done
note "readers: $(cat "$T/reader1.passes") and $(cat "$T/reader2.passes") grep -r passes, no error"

# Every writer's own value, once each: per process, so not from
# /programs (a program's value combines its processes': it is no one
# writer's) nor from the bulk files %all and %metrics (every label of a
# directory in one file).  The readers above do read those too.
grep -r --exclude-dir=programs --exclude='%*' . "$mnt" 2>"$T/final.err" |
	grep '/rel\.spawn\.index:' |
	sed 's/.*://' | sort -n | uniq >"$T/values"
[ -s "$T/final.err" ] && fail "grep -r: $(head -n 5 "$T/final.err")"
[ "$(wc -l <"$T/values")" -eq $N ] ||
	fail "$(wc -l <"$T/values") distinct rel.spawn.index values, not $N"
[ "$(head -n 1 "$T/values")" = 0 ] && [ "$(tail -n 1 "$T/values")" = $((N - 1)) ] ||
	fail "rel.spawn.index values are not 0..$((N - 1))"
daemon_alive || fail "mmstatsfs died"
note "daemon: $(grep VmRSS /proc/$FS_PID/status | tr -s '\t ' ' ')"

t0=$(date +%s%N)
kill -TERM $spawner
wait $spawner
rc=$?
[ $rc -eq 0 ] || fail "rel-spawn exited with status $rc"
wait_until 60 dirs_are 0 ||
	fail "$(pid_dirs) directories left after the writers died"
note "all $N directories vanished $(ms $t0) ms after the kill"
[ "$(ls "$src" | wc -l)" -eq $N ] || fail "the killed writers' files did not stay"

"$B/cleanstats" "$src"/*.mmstats >"$T/clean.out" 2>&1
tail -n 1 "$T/clean.out"
[ "$(ls "$src" | wc -l)" -eq 0 ] || fail "cleanstats left $(ls "$src" | wc -l) files"

# Churn: waves of writers come and die while readers walk the tree.  A
# reader may find a name gone between listing and opening (ENOENT), and
# nothing else; the daemon's memory must not grow with the waves.
rm -f "$T/stop"
rss() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/$FS_PID/status; }
readers=""
for r in 1 2; do
	(
		while [ ! -e "$T/stop" ]; do
			grep -r . "$mnt" >/dev/null 2>>"$T/churn$r.err"
		done
	) &
	readers="$readers $!"
	rel_track $!
done
waves=6 wave=200
[ -n "$STRESS" ] && waves=50
for w in $(seq $waves); do
	"$H/rel-spawn" -d "$src" -n $wave >"$T/wave.out" 2>&1 &
	spawner=$!
	rel_track $spawner
	wait_until 60 grep -qx ready "$T/wave.out" || fail "wave $w: $(cat "$T/wave.out")"
	wait_until 30 dirs_are $wave || fail "wave $w: $(pid_dirs) of $wave directories"
	kill -TERM $spawner
	wait $spawner
	wait_until 30 dirs_are 0 || fail "wave $w: $(pid_dirs) directories left"
	rm -f "$src"/*.mmstats
	[ $w -eq 1 ] && rss1=$(rss)
done
touch "$T/stop"
for r in $readers; do wait "$r"; done
rss2=$(rss)
cat "$T"/churn*.err | grep -v "No such file or directory" >"$T/churn.bad"
[ -s "$T/churn.bad" ] && fail "readers during churn: $(head -n 5 "$T/churn.bad")"
daemon_alive || fail "mmstatsfs died during churn"
races=$(cat "$T"/churn*.err | grep -c "No such file")
note "churn: $waves waves of $wave writers, $races ENOENT races;" \
     "daemon VmRSS $rss1 kB after wave 1, $rss2 kB after wave $waves"
[ "$rss2" -le $((rss1 * 2 + 4096)) ] ||
	fail "daemon memory grew from $rss1 kB to $rss2 kB over $waves waves"
unmount_fs "$mnt"
echo ok
exit 0
