#!/bin/sh
# The source directory goes away under a mount and comes back, as
# systemd-tmpfiles or a package script may do to /run/mmstats: the daemon
# follows the path.
#  - rm -rf: the old writer's /<pid> goes within 2 s; mkdir and a new
#    writer: /<newpid>/again appears within 2 s with its value.
#  - mv src src.old: the same, and nothing of src.old is shown after
#    (not its writer, not one started in it afterwards).
#  - a tmpfs mounted over the path, then unmounted: followed both ways.
#  - a symlink at the path, to a directory holding a live writer's file
#    (which a mount of that directory shows), is never followed.
#  - 20 remove (or move) and create cycles, each seen, then 20 back to
#    back: the daemon lives, holds as many descriptors as before, still
#    follows, and unmounts cleanly.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse

src=$T/src mnt=$T/mnt
log=$mnt.log

shown() { test -e "$mnt/$1"; }
not_shown() { ! test -e "$mnt/$1"; }
nfds() { ls "/proc/$FS_PID/fd" | wc -l; }
now_ms() { date +%s%3N; }
# How often the daemon said the source went, and came back.
losses() { grep -c 'waiting for it to come back' "$log"; }
returns() { grep -c 'is back$' "$log"; }

# A new writer in the source, and its value read through the mount.
expect_writer() {	# LABEL VALUE
	start_writer "$T/$1.out" -d "$src" -k "$1=uint32:$2"
	t0=$(now_ms)
	wait_until 2 test -e "$mnt/$WRITER_PID/$1" ||
		fail "/$WRITER_PID/$1 not shown 2 s after the source came back" \
		     "($(tail -n 3 "$log" | tr '\n' ' '))"
	note "/$WRITER_PID/$1 shown $(($(now_ms) - t0)) ms after its writer" \
	     "was ready"
	v=$(cat "$mnt/$WRITER_PID/$1") || fail "cannot read /$WRITER_PID/$1"
	[ "$v" = "$2" ] || fail "/$WRITER_PID/$1 is '$v', wanted $2"
}

mkdir "$src"
start_writer "$T/w.out" -d "$src" -k -i 1 hits=counter
first=$WRITER_PID
mount_fs "$src" "$mnt"
wait_until 5 shown "$first/hits" || fail "/$first/hits never appeared"
fds_before=$(nfds)	# one writer shown: its file and its pidfd

note "rm -rf of the source"
t0=$(now_ms)
rm -rf "$src"
wait_until 2 not_shown "$first" ||
	fail "/$first still shown 2 s after its source directory was removed"
note "/$first gone $(($(now_ms) - t0)) ms after rm -rf began"
daemon_alive || fail "mmstatsfs died when its source directory was removed"
# The file's removal may hide /<pid> before the directory's is seen.
lost_once() { [ "$(losses)" = 1 ]; }
wait_until 2 lost_once || fail "the loss was logged $(losses) times, not once"
mkdir "$src"
expect_writer again 7
second=$WRITER_PID second_file=${WRITER_FILE##*/}
not_shown "$first" || fail "/$first, whose file was removed, is back"
[ "$(returns)" = 1 ] || fail "the return was logged $(returns) times"

note "mv of the source, and a writer that starts in the old one"
t0=$(now_ms)
mv "$src" "$src.old"
wait_until 2 not_shown "$second" ||
	fail "/$second still shown 2 s after its directory was moved away"
note "/$second gone $(($(now_ms) - t0)) ms after mv began"
start_writer "$T/old.out" -d "$src.old" -k moved=uint32:9
in_old=$WRITER_PID old_file=${WRITER_FILE##*/}
mkdir "$src"
expect_writer back 8
back=$WRITER_PID
sleep 0.3	# a watch still on src.old shows a new file within ms
for p in "$second" "$in_old"; do
	not_shown "$p" || fail "/$p, a writer in the moved-away src.old, is shown"
done
for f in "$second_file" "$old_file"; do
	test -e "$mnt/files/$f" && fail "/files shows $f, of src.old"
done

note "a file system mounted over the path, then unmounted from under it"
if mount -t tmpfs mmstats-test "$src" 2>/dev/null; then
	REL_MOUNTS="$REL_MOUNTS $src"
	wait_until 2 not_shown "$back" ||
		fail "/$back still shown 2 s after a tmpfs hid its directory"
	expect_writer ontmpfs 6
	on_tmpfs=$WRITER_PID
	umount -l "$src" || fail "cannot unmount the tmpfs"
	wait_until 2 not_shown "$on_tmpfs" ||
		fail "/$on_tmpfs still shown 2 s after its tmpfs was unmounted"
	wait_until 2 shown "$back/back" ||
		fail "/$back not shown again 2 s after the tmpfs was unmounted"
else
	note "cannot mount a tmpfs here: not tested"
fi

note "a symlink at the path is not followed"
decoy=$T/decoy
mkdir "$decoy"
start_writer "$T/decoy.out" -d "$decoy" -k decoy=uint32:5
in_decoy=$WRITER_PID
# The control: a mount of the decoy shows its writer, so the test can fail.
mnt_main_pid=$FS_PID
mount_fs "$decoy" "$T/control"
wait_until 5 test -e "$T/control/$in_decoy/decoy" ||
	fail "control: a mount of the decoy does not show its writer"
unmount_fs "$T/control"
FS_PID=$mnt_main_pid
rm -rf "$src"
ln -s "$decoy" "$src"
sleep 1		# five tries of the path
not_shown "$in_decoy" || fail "the symlink at the source path was followed"
[ -z "$(ls "$mnt/files")" ] || fail "/files is not empty with a symlink at" \
	"the path: $(ls "$mnt/files" | tr '\n' ' ')"
grep -q 'a symlink is not followed' "$log" ||
	fail "the daemon did not say why it waits"
rm "$src"
mkdir "$src"
expect_writer afterlink 3
not_shown "$in_decoy" || fail "the decoy's writer is shown"

files_are() { [ "$(ls "$mnt/files" | tr '\n' ' ')" = "$*" ]; }

# One cycle: the source goes (removed, or moved away on odd turns) and is
# made again with a file in it.
cycle() {
	if [ $(($1 % 2)) = 0 ]; then
		rm -rf "$src"
	else
		mv "$src" "$src.$1"
	fi
	mkdir "$src"
	cp "$MMSTATS_VECTORS/many_fields.mmstats" "$src/cycle$1.mmstats"
}

note "20 cycles, each seen: gone, then back"
i=0
while [ $i -lt 20 ]; do
	cycle $i
	wait_until 2 files_are "cycle$i.mmstats " ||
		fail "cycle $i: /files holds $(ls "$mnt/files" | tr '\n' ' ')"
	i=$((i + 1))
done
note "20 quick cycles, back to back"
while [ $i -lt 40 ]; do
	cycle $i
	i=$((i + 1))
done
# Only the last directory's file is shown, and nothing before it.
wait_until 2 files_are "cycle39.mmstats " ||
	fail "after the cycles /files holds: $(ls "$mnt/files" | tr '\n' ' ')"
rm "$src/cycle39.mmstats"
wait_until 2 files_are "" || fail "cycle39.mmstats still shown after its removal"
expect_writer last 4
daemon_alive || fail "mmstatsfs died in the cycles"
fds_after=$(nfds)
note "descriptors: $fds_before before, $fds_after after; the source went" \
     "$(losses) times and came back $(returns) times"
[ "$fds_after" = "$fds_before" ] ||
	fail "the daemon held $fds_before descriptors, $fds_after after"
[ "$(losses)" = "$(returns)" ] || fail "$(losses) losses, $(returns) returns"
[ "$(losses)" -ge 26 ] || fail "only $(losses) losses logged"
grep -q 'source directory: ' "$log" && fail "errors logged:" \
	"$(grep 'source directory: ' "$log")"
unmount_fs "$mnt"
wait "$FS_PID"
rc=$?
[ $rc = 0 ] || fail "mmstatsfs exited with status $rc: $(tail -n 5 "$log")"
grep -q Sanitizer "$log" && fail "sanitizer report: $(grep Sanitizer "$log")"
echo ok
exit 0
