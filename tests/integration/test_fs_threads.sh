#!/bin/sh
# Threads of mmstatsfs: by default one thread serves every request, also
# from several readers at once; -o multithread serves them with libfuse's
# loop in no more threads than max_threads allows.  Both end cleanly on
# SIGTERM and on unmount.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse

src=$T/src mnt=$T/mnt
mkdir "$src"
start_writer "$T/w.out" -d "$src" -k hits=uint32:7
f=$mnt/$WRITER_PID/hits

# Four readers at once, 200 reads each, every one of them must read 7.
hammer() {
	for r in 1 2 3 4; do
		( i=0; while [ $i -lt 200 ]; do
			[ "$(cat "$f")" = 7 ] || { echo bad >"$T/bad.$r"; break; }
			i=$((i + 1))
		done ) &
		eval "reader_$r=\$!"
	done
	wait "$reader_1" "$reader_2" "$reader_3" "$reader_4"
	ls "$T"/bad.* >/dev/null 2>&1 && fail "a concurrent read of $f went wrong"
	ls /proc/$FS_PID/task | wc -l
}

mount_fs "$src" "$mnt"
wait_until 5 test -e "$f" || fail "$f never appeared"
n=$(hammer)
# the serving thread, the watcher and the lane's 2 workers (fs/lane.h)
[ "$n" -eq 4 ] || fail "$n threads by default, not 4"
kill -TERM "$FS_PID"
wait_until 5 sh -c "! kill -0 $FS_PID" || fail "SIGTERM did not end mmstatsfs"
wait "$FS_PID"; st=$?
[ $st -eq 0 ] || fail "exit status $st after SIGTERM"
mountpoint -q "$mnt" && fail "$mnt still mounted after SIGTERM"

mount_fs "$src" "$mnt" -o multithread,max_threads=3
wait_until 5 test -e "$f" || fail "$f never appeared with -o multithread"
n=$(hammer)
# main thread, watcher, 2 lane workers, at most 3 serving threads; more
# than one serves
[ "$n" -le 7 ] || fail "$n threads with max_threads=3"
[ "$n" -ge 5 ] || fail "$n threads with -o multithread: no worker thread"
note "$n threads after 800 reads by 4 readers with -o multithread"
unmount_fs "$mnt"
wait "$FS_PID"; st=$?
[ $st -eq 0 ] || fail "exit status $st after unmount"
echo ok
exit 0
