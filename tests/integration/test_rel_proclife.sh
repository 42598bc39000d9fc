#!/bin/sh
# Process life, in a fresh pid and mount namespace (unshare) so that pids
# can be chosen through /proc/sys/kernel/ns_last_pid:
#   1. a writer killed with SIGKILL mid-update: its file stays, its
#      directory vanishes, cleanstats removes the file and not a live one;
#      the same for a writer of 4 threads (4 files);
#   2. its pid reused by a plain process, then by another writer: the old
#      file never shows as theirs, and cleanstats removes it;
#   3. the daemon killed with SIGKILL: writers go on updating, the dead
#      mount is lazily unmounted, a new mount shows them.
if [ -z "${REL_IN_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
	REL_IN_NS=1 exec unshare --pid --fork --mount-proc --mount \
		sh "$0" "$@"
fi
# This namespace got a copy of every mount, FUSE mounts of tests running
# at the same time included: let go of those, or their daemons could not
# exit when unmounted (see unmount_fs).
findmnt -rn -o TARGET -t fuse,fuse.mmstatsfs 2>/dev/null | while read -r m; do
	umount -l "$m" 2>/dev/null
done
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
[ -w /proc/sys/kernel/ns_last_pid ] || skip "no ns_last_pid"

src=$T/src mnt=$T/mnt
mkdir "$src"
mount_fs "$src" "$mnt"

# The time in ms until COMMAND succeeds (polled every 10 ms, 5 s max).
ms_until() {
	_t0=$(date +%s%N)
	_n=0
	until "$@" 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -ge 500 ] && { echo timeout; return 1; }
		sleep 0.01
	done
	echo $((($(date +%s%N) - _t0) / 1000000))
}

value() { cat "$1" 2>/dev/null || echo missing; }
gone() { [ ! -e "$1" ]; }

# --- 1. SIGKILL mid-update -----------------------------------------------
start_writer "$T/a.out" -d "$src" -i 1 -k hits=counter
a=$WRITER_PID afile=$WRITER_FILE
wait_until 5 test -e "$mnt/$a/hits" || fail "/$a/hits never appeared"
v1=$(value "$mnt/$a/hits")
sleep 0.1
v2=$(value "$mnt/$a/hits")
[ "$v2" -gt "$v1" ] || fail "/$a/hits does not increase ($v1, $v2)"
exec 3<"$mnt/$a/hits"	# held open across the writer's death
kill -KILL $a
wait $a 2>/dev/null
t=$(ms_until gone "$mnt/$a") || fail "/$a still there 5 s after SIGKILL"
note "killed writer's directory vanished after $t ms"
held=$(cat <&3)
exec 3<&-
[ "$held" -ge "$v2" ] 2>/dev/null ||
	fail "a file held open across the death reads '$held', not its value"
daemon_alive || fail "mmstatsfs died releasing a file of a vanished node"
[ -f "$afile" ] || fail "the killed writer's file vanished with it"

# A writer of 4 threads (4 files) killed: all of it goes, files stay.
start_writer "$T/t.out" -d "$src" -i 1 -k -T 4 beat=counter
t4=$WRITER_PID
tasks_are() { [ "$(ls "$mnt/$1/task" 2>/dev/null | wc -l)" -eq "$2" ]; }
wait_until 5 tasks_are $t4 4 ||
	fail "/$t4/task does not list 4 threads: $(ls "$mnt/$t4/task" 2>&1)"
tfiles=$(grep -v '^ready$' "$T/t.out")
kill -KILL $t4
wait $t4 2>/dev/null
wait_until 5 gone "$mnt/$t4" || fail "/$t4 (4 threads) still there after SIGKILL"
for f in $tfiles; do
	[ -f "$f" ] || fail "a thread file of the killed writer vanished: $f"
done
"$B/cleanstats" $tfiles >"$T/clean0.out" 2>&1
for f in $tfiles; do
	[ ! -e "$f" ] || fail "cleanstats left a thread file: $f"
done

start_writer "$T/b.out" -d "$src" -k live=counter:7
b=$WRITER_PID bfile=$WRITER_FILE
"$B/cleanstats" "$afile" "$bfile" >"$T/clean1.out" 2>&1
cat "$T/clean1.out"
[ ! -e "$afile" ] || fail "cleanstats left the dead writer's file"
[ -f "$bfile" ] || fail "cleanstats removed a live writer's file"
[ "$(value "$mnt/$b/live")" = 7 ] || fail "/$b/live is not 7"

# --- 2. PID reuse ----------------------------------------------------------
# Start COMMAND... in the background as pid $1 (the next pid after $1-1).
start_as_pid() {
	_want=$1; shift
	echo $((_want - 1)) >/proc/sys/kernel/ns_last_pid
	"$@" &
	AS_PID=$!
	rel_track $AS_PID
	[ "$AS_PID" = "$_want" ] || fail "wanted pid $_want, got $AS_PID"
}

start_writer "$T/c.out" -d "$src" -k -f 'old-{PID}.mmstats' old.only=uint32:1
c=$WRITER_PID cfile=$WRITER_FILE
wait_until 5 test -e "$mnt/$c/old.only" || fail "/$c/old.only never appeared"
sleep 0.05	# a later process start time, in clock ticks
kill -KILL $c
wait $c 2>/dev/null
wait_until 5 gone "$mnt/$c" || fail "/$c still there after SIGKILL"

start_as_pid "$c" sleep 60
# Make the daemon look again: a new file, the old file touched, lookups;
# and a second daemon that scans the directory from scratch.
start_writer "$T/d.out" -d "$src" -k other=uint32:2
touch "$cfile"
fs1=$FS_PID
mount_fs "$src" "$T/mnt2"
fs2=$FS_PID FS_PID=$fs1
wait_until 5 test -e "$T/mnt2/$WRITER_PID/other" ||
	fail "the second mount does not show writer $WRITER_PID"
for i in 1 2 3 4 5 6 7 8 9 10; do
	ls "$mnt" "$T/mnt2" >/dev/null
	for m in "$mnt" "$T/mnt2"; do
		[ -e "$m/$c/old.only" ] &&
			fail "the dead writer's file shows in $m as pid $c's," \
			     "a new process"
	done
	sleep 0.05
done
note "pid $c reused by a plain process: old file not shown"
kill -KILL $AS_PID
wait $AS_PID 2>/dev/null

sleep 0.05
start_as_pid "$c" "$H/mmstats-writer" -d "$src" -k -f 'new-{PID}.mmstats' \
	new.only=uint32:3 >"$T/c2.out"
for m in "$mnt" "$T/mnt2"; do
	wait_until 5 test -e "$m/$c/new.only" ||
		fail "a new writer with a reused pid never showed in $m"
	[ "$(value "$m/$c/new.only")" = 3 ] || fail "$m/$c/new.only is not 3"
	[ -e "$m/$c/old.only" ] &&
		fail "the dead writer's file shows in $m as pid $c's, a new writer"
done
FS_PID=$fs2
unmount_fs "$T/mnt2"
FS_PID=$fs1
note "pid $c reused by a writer: only its own file shown"
"$B/cleanstats" "$cfile" "$src/new-$c.mmstats" >"$T/clean2.out" 2>&1
cat "$T/clean2.out"
[ ! -e "$cfile" ] || fail "cleanstats left a file whose pid was reused"
[ -f "$src/new-$c.mmstats" ] || fail "cleanstats removed the new writer's file"

# --- 3. the daemon killed --------------------------------------------------
start_writer "$T/e.out" -d "$src" -i 1 -k beats=counter
e=$WRITER_PID efile=$WRITER_FILE
wait_until 5 test -e "$mnt/$e/beats" || fail "/$e/beats never appeared"
kill -KILL $FS_PID
wait $FS_PID 2>/dev/null
stat "$mnt" >/dev/null 2>&1 && fail "the mount still answers without a daemon"
fusermount3 -u -z "$mnt" || fail "lazy unmount of the dead mount failed"
kill -0 $e || fail "the writer died with the daemon"
slurp_beats() { "$B/slurpstats" "$efile" | awk '$1 == "beats" { print $2 }'; }
v1=$(slurp_beats)
sleep 0.1
v2=$(slurp_beats)
[ "$v2" -gt "$v1" ] || fail "the writer stopped updating ($v1, $v2)"
mount_fs "$src" "$mnt"
wait_until 5 test -e "$mnt/$e/beats" || fail "the new mount does not show /$e"
v3=$(value "$mnt/$e/beats")
[ "$v3" -ge "$v2" ] || fail "/$e/beats went back ($v2, $v3)"
for p in $b $c; do
	[ -d "$mnt/$p" ] || fail "the new mount does not show live writer $p"
done
unmount_fs "$mnt"
echo "ok"
exit 0
