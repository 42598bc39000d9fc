#!/bin/sh
# A planted file: another user (uid 4242) puts into the source directory a
# file of 100,000 fields that all have one label.  The daemon names them
# LABEL, LABEL%#2 ... LABEL%#100000 (fs/fieldnames.c: O(N) for the file) and
# must go on serving everyone else: a new writer appears, and a killed
# one vanishes, within 100 ms (the issue's bound), each measured by
# polling every 1 ms, 20 writers at a time:
#   1. with the planted file indexed and left alone;
#   2. while the file is touched every 2 ms: no change of shape, so it is
#      never parsed again (counted: each parse opens it, inotify IN_OPEN);
#   3. while a byte is appended to it every 2 ms: its size changes, its
#      fields do not.  Parses are counted: a burst of events costs one.
# Its values are checked (LABEL%#K holds K), and the time the daemon took
# to index it first is reported.  The limits on what one file and one
# owner may cost (mmstatsfs(8)) are raised to hold the file whole.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
N=100000 ROUNDS=20 BOUND=100
P="python3 $MMSTATS_TOP/tests/helpers/rel-plant.py"

src=$T/src mnt=$T/mnt plant=$T/plant
mkdir "$src" "$plant"
chmod 1777 "$src"
$P gen "$plant/planted.mmstats" $N || fail "cannot write the planted file"
chown 4242:4242 "$plant/planted.mmstats"	# what the daemon sees of a user
mount_fs "$src" "$mnt" -o max_fields=$N,owner_fields=$N,owner_bytes=0
rel_watch_opens "$T/opens" "$src"
files=$mnt/files/planted.mmstats
$P index "$plant/planted.mmstats" "$src/planted.mmstats" \
	"$files/LABEL%#$N" || fail "the planted file was not indexed"
[ "$(stat -c %u "$src/planted.mmstats")" = 4242 ] || fail "not planted by 4242"
t0=$(date +%s%N)
n=$(ls "$files" | wc -l)
note "ls of /files/planted.mmstats: $n names in" \
     "$((($(date +%s%N) - t0) / 1000000)) ms"
[ "$n" = $N ] || fail "/files/planted.mmstats lists $n names, not $N"

# LABEL%#K holds K: the names follow the order of the fields.
for k in 1 2 3 99999 $N; do
	name=LABEL%#$k
	[ $k = 1 ] && name=LABEL
	v=$(cat "$files/$name") || fail "cannot read $name"
	[ "$v" = $k ] || fail "$name is '$v', not $k"
done
test -e "$files/LABEL%#$((N + 1))" && fail "LABEL%#$((N + 1)) exists"
note "LABEL, LABEL%#2, LABEL%#3, LABEL%#99999 and LABEL%#$N read right"

parses() { grep -cx "$src/planted.mmstats" "$T/opens"; }
# measure WHAT: 20 writers' appear and vanish times; $late says which
# went past the bound.
measure() {
	$P times "$mnt" "$H/mmstats-writer" $ROUNDS "$src" $BOUND >"$T/times" ||
		fail "timing $1 failed: $(tail -n 3 "$T/times")"
	grep -E '^(appear|vanish):' "$T/times" | sed "s/^/-- $1: /"
	late=""
	for what in appear vanish; do
		w=$(sed -n "s/^$what: .*worst \([0-9.inf]*\) ms.*/\1/p" \
			"$T/times")
		awk -v w="$w" -v b=$BOUND 'BEGIN { exit !(w <= b) }' ||
			late="$late${late:+, }a writer took $w ms to $what"
	done
	[ -z "$late" ] ||
		grep -E "^(round|stopped)" "$T/times" | sed 's/^/    /'
}
# churn MODE WHAT: measure while the planted file is churned by MODE
# (for half a second first, so that the daemon is busy with it).
churn() {
	rm -f "$T/stop"
	$P churn "$1" "$src/planted.mmstats" "$T/stop" >"$T/churn" 2>&1 &
	churner=$!
	rel_track $churner
	before=$(parses)
	sleep 0.5
	measure "$2"
	touch "$T/stop"
	wait $churner || fail "churn $1: $(cat "$T/churn")"
	# The churner's own open of the file is not a parse.
	parsed=$(($(parses) - before - 1))
	events=$(sed -n 's/^churn: \([0-9]*\) .*/\1/p' "$T/churn")
	note "$2: $(cat "$T/churn"), the planted file parsed $parsed times"
}

measure "the planted file left alone"
[ -z "$late" ] || fail "the planted file left alone: $late (bound: $BOUND ms)"
churn touch "touched every 2 ms"
[ "$parsed" = 0 ] ||
	fail "touches made the daemon parse the planted file $parsed times"
[ -z "$late" ] || fail "touched every 2 ms: $late (bound: $BOUND ms)"
churn append "appended to every 2 ms"
[ "$parsed" -lt "$events" ] ||
	fail "$events appends, $parsed parses: one parse an event"
[ -z "$late" ] || fail "appended to every 2 ms: $late (bound: $BOUND ms)"
v=$(cat "$files/LABEL%#$N") && [ "$v" = $N ] ||
	fail "after the appends LABEL%#$N is '$v'"
daemon_alive || fail "mmstatsfs died"
note "daemon: $(awk '{ printf "%.1f s CPU", ($14 + $15) / 100 }' \
	/proc/$FS_PID/stat), $(grep VmRSS /proc/$FS_PID/status |
	tr -s '\t ' ' ')"
kill $WATCHER
unmount_fs "$mnt"
echo ok
exit 0
