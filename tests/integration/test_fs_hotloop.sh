#!/bin/sh
# mmstatsfs -o hotloop (fs/loop.c): real reads through the mount, alone
# and from several readers at once, no more threads than max_threads
# allows, and a clean end on SIGTERM and on unmount.  The loop's own
# hand-off of a slow request is tested in unit/test_fs_loop.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse

src=$T/src mnt=$T/mnt
mkdir "$src"
start_writer "$T/w.out" -d "$src" -k hits=uint32:7
mount_fs "$src" "$mnt" -o hotloop,max_threads=3
f=$mnt/$WRITER_PID/hits
wait_until 5 test -e "$f" || fail "$f never appeared"
[ "$(cat "$f")" = 7 ] || fail "$f reads '$(cat "$f")', not 7"

readers=
for r in 1 2 3 4; do
	( i=0; while [ $i -lt 200 ]; do
		[ "$(cat "$f")" = 7 ] || { echo bad >"$T/bad.$r"; break; }
		i=$((i + 1))
	done ) &
	readers="$readers $!"
done
wait $readers
ls "$T"/bad.* >/dev/null 2>&1 && fail "a concurrent read of $f went wrong"
# main thread, watcher, at most 3 serving threads
n=$(ls /proc/$FS_PID/task | wc -l)
[ "$n" -le 5 ] || fail "$n threads with max_threads=3"
note "$n threads after 800 reads by 4 readers"

kill -TERM "$FS_PID"
wait_until 5 sh -c "! kill -0 $FS_PID" || fail "SIGTERM did not end mmstatsfs"
wait "$FS_PID"; st=$?
[ $st -eq 0 ] || fail "exit status $st after SIGTERM"
mountpoint -q "$mnt" && fail "$mnt still mounted after SIGTERM"

mount_fs "$src" "$mnt" -o hotloop
wait_until 5 test -e "$f" || fail "$f never appeared after remount"
unmount_fs "$mnt"
wait "$FS_PID"; st=$?
[ $st -eq 0 ] || fail "exit status $st after unmount"
echo ok
exit 0
