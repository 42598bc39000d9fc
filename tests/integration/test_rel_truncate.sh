#!/bin/sh
# Truncation races: a live writer's file is cut to 0 bytes, to 1 byte and
# to the middle of a value, 1,000 times in all, while 2 readers read it
# through the mount and 2 through the library: no reader dies (SIGBUS),
# none is given a value from past the end, and each cut is reported.
#
#  - rel-torn-writer -z rewrites 128 values (2 pages) in a tight loop
#    with self-checking patterns that are never 0: the zeros a load finds
#    in the tail of a cut file's last page are no value it stored.
#  - rel-trunc-cut does the cuts with ftruncate() from another process,
#    the writer held still (SIGSTOP) for each, so that the restore (the
#    same bytes written back with pwrite, same inode) races no store.
#    It waits for the daemon's "shrank from" line of each cut before it
#    restores, and after the restore until the daemon shows the whole
#    file again: each cut is then smaller than what the daemon last
#    read, so the log holds exactly one line a cut, which names the size
#    cut to (see rel-trunc-cut.c); a line too many fails at once.
#  - readers: rel-trunc-reader mount (twice, /<pid>/torn.*: open, read,
#    close), lib (mmstats_read_fd) and map (mmstats_map_value).  Errors
#    are counted, not failures: a library read that fails during a cut
#    is the cut reported to it, and must happen.
#
# The ASan pass cuts 500 times: each cut waits for the daemon, which is
# several times slower there.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
cuts=1000
case $B in
*asan*) cuts=500 ;;
esac

src=$T/src mnt=$T/mnt
mkdir "$src"
"$H/rel-torn-writer" -z -n 32 -d "$src" >"$T/writer.out" \
	2>"$T/writer.err" &
wpid=$!
rel_track $wpid
wait_until 10 grep -qx ready "$T/writer.out" ||
	fail "writer not ready: $(cat "$T/writer.err")"
file=$(head -n 1 "$T/writer.out")
name=${file##*/}
mount_fs "$src" "$mnt"
wait_until 10 test -e "$mnt/$wpid/torn.flt.031" ||
	fail "/$wpid/torn.flt.031 never appeared: $(cat "$mnt.log")"

readers=""
reader() {	# NAME MODE PATH
	"$H/rel-trunc-reader" "$2" "$3" >"$T/$1.out" 2>"$T/$1.err" &
	eval "$1=\$!"
	rel_track $!
	readers="$readers $1"
}
reader mount1 mount "$mnt/$wpid"
reader mount2 mount "$mnt/$wpid"
reader lib lib "$file"
reader map map "$file"

t0=$(date +%s%N)
"$H/rel-trunc-cut" -p $wpid -l "$mnt.log" -m "$mnt/files/$name" -n $cuts \
	"$file" >"$T/cut.out" 2>"$T/cut.err"
cut_rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
cat "$T/cut.out" "$T/cut.err"
for r in $readers; do
	eval "kill -TERM \$$r"
done
problems=""
problem() { problems="$problems${problems:+; }$*"; }
for r in $readers; do
	eval "wait \$$r"
	rc=$?
	cat "$T/$r.out"
	[ -s "$T/$r.err" ] && sed 's/^/    /' "$T/$r.err"
	[ $rc = 0 ] || problem "reader $r exited with status $rc"
done
[ $cut_rc = 0 ] && note "$cuts cuts in $ms ms"
daemon_alive || fail "mmstatsfs died: $(tail -n 5 "$mnt.log")"
[ $cut_rc = 0 ] || problem "the cuts were not each reported once" \
	"($(tail -n 2 "$T/cut.err" | tr '\n' ' '))"
# Each cut one line, no more, even once things settled.
lines=$(grep -c "$name: shrank from " "$mnt.log")
[ $cut_rc != 0 ] || [ "$lines" = $cuts ] ||
	problem "$lines 'shrank' lines logged for $cuts cuts"
# The library readers were told: a read that meets a cut fails.  A whole
# read (lib) that saw the file change reads it again, and then reports
# the cut file as it is (empty, or cut in a field); a map, made before
# the cut, reports its fields gone (ESTALE).
grep -Eq "reports: [0-9]+ ESTALE, [1-9][0-9]* other|reports: [1-9]" \
	"$T/lib.out" || problem "the lib reader saw no cut reported"
grep -q "reports: [1-9][0-9]* ESTALE" "$T/map.out" ||
	problem "the map reader saw no cut reported as ESTALE"

# The mount readers met the cuts too: files gone while their source was cut.
for r in mount1 mount2; do
	grep -Eq "ESTALE, [1-9][0-9]* other" "$T/$r.out" ||
		problem "the $r reader never met a cut"
done
grep -q Sanitizer "$mnt.log" && problem "sanitizer report in the daemon's log"
[ -z "$problems" ] || fail "$problems"
kill "$wpid"
wait "$wpid" || fail "the writer failed: $(cat "$T/writer.err")"
cat "$T/writer.err"
unmount_fs "$mnt"
echo ok
exit 0
