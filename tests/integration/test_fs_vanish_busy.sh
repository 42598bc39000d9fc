#!/bin/sh
# A process's directory vanishes while a reader still holds one of its
# files open and another sits in it (its cwd): the directory goes from the
# tree at once, the open file is still read to its end, and the daemon
# logs no error (the kernel refuses to delete a directory with children
# in use, so the children must be deleted first).
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse

src=$T/src mnt=$T/mnt
mkdir "$src"
start_writer "$T/w.out" -d "$src" -k hits=uint32:7 more=uint32:8
mount_fs "$src" "$mnt"
d=$mnt/$WRITER_PID
wait_until 5 test -e "$d/hits" || fail "$d/hits never appeared"
cat "$d/more" "$d/task/$WRITER_PID/hits" >/dev/null

exec 3<"$d/hits"
( cd "$d/task/$WRITER_PID" 2>"$T/sitter.err" && exec sleep 60 ) &
sitter=$!
rel_track $sitter
# a hang guard, not a time limit: the sitter is in, or its cd said why not
wait_until 30 test "$(readlink /proc/$sitter/cwd)" = "$d/task/$WRITER_PID" ||
	fail "the sitter never got into $d/task/$WRITER_PID:" \
	     "$(cat "$T/sitter.err"; ls -la "$d" "$d/task" 2>&1)"

kill "$WRITER_PID"
wait "$WRITER_PID"
wait_until 5 test ! -e "$d" || fail "$d still there after its writer exited"
[ "$(cat <&3)" = 7 ] || fail "the file held open no longer reads 7"
exec 3<&-
kill "$sitter"; wait "$sitter"
grep -i "error\|not empty\|writing device" "$mnt.log" &&
	fail "the daemon logged an error when the directory went"
unmount_fs "$mnt"
echo ok
exit 0
