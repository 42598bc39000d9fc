#!/bin/sh
# The source directory itself goes away under a mount: removed with a
# live writer's file in it, then made again.  The daemon keeps answering
# (an empty tree or what it knew, never a crash or a hang) and unmounts
# cleanly.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse

src=$T/src mnt=$T/mnt
mkdir "$src"
start_writer "$T/w.out" -d "$src" -k -i 1 hits=counter
mount_fs "$src" "$mnt"
wait_until 5 test -e "$mnt/$WRITER_PID/hits" || fail "/$WRITER_PID/hits never appeared"

rm -rf "$src"
sleep 0.2
timeout 10 ls -R "$mnt" >/dev/null 2>&1
[ $? -eq 124 ] && fail "ls -R of the mount hung after the source went"
timeout 10 cat "$mnt/$WRITER_PID/hits" >/dev/null 2>&1
[ $? -eq 124 ] && fail "cat hung after the source went"
daemon_alive || fail "mmstatsfs died when its source directory was removed"

mkdir "$src"
start_writer "$T/w2.out" -d "$src" -k again=uint32:1
sleep 0.2
timeout 10 grep -r . "$mnt" >/dev/null 2>&1
[ $? -eq 124 ] && fail "grep -r hung after the source came back"
daemon_alive || fail "mmstatsfs died when its source directory came back"
note "tree now: $(ls "$mnt" | tr '\n' ' ')"
unmount_fs "$mnt"
echo ok
exit 0
