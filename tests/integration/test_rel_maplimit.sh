#!/bin/sh
# More writers than vm.max_map_count lets the daemon hold mapped: the
# daemon plans for the limit (fs/budget.c map_budget(): max_map_count less
# the mappings it has at start less MFS_MAP_RESERVE), holds that many
# files mapped and maps the others at each read.  Here the limit is
# lowered so that the budget is about 50 files, and 400 writer processes
# (rel-spawn) each publish one file: every one must be shown with its own
# value, everything must read back (grep -r), and the daemon's mappings,
# sampled all along, must stay below the limit.
#
# vm.max_map_count is the whole machine's: it is lowered only as far as
# the daemon needs (its own count at start, measured first, + the reserve
# + 50), restored by the EXIT trap, and by a guard in a session of its
# own should this shell be killed outright (SIGKILL).
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
N=400 BUDGET=50 RESERVE=256	# RESERVE: MFS_MAP_RESERVE, fs/budget.h
knob=/proc/sys/vm/max_map_count
[ -w $knob ] || skip "cannot write $knob"
saved=$(cat $knob)

restore_limit() { [ "$(cat $knob)" = "$saved" ] || echo "$saved" >$knob; }
trap 'restore_limit; rel_cleanup' EXIT
# (Not a child of this shell, which waits for its children at exit.)
(setsid sh -c "while kill -0 $$ 2>/dev/null; do sleep 0.2; done
	[ \"\$(cat $knob)\" = $saved ] || echo $saved >$knob" \
	</dev/null >/dev/null 2>&1 &)

src=$T/src mnt=$T/mnt
mkdir "$src"
# The budget the daemon logs at start (-d): "... (descriptors: D,
# mappings: M)".
budget() {
	sed -n "s/.*at most .*mappings: \([0-9]*\))\$/\1/p" "$mnt.log" |
		head -n 1
}

# 1. The daemon's own mappings at start, under the limit as it is.
mount_fs "$src" "$mnt" -d
wait_until 5 test -n "$(budget)" ||
	fail "no budget logged: $(head -n 5 "$mnt.log")"
own=$((saved - RESERVE - $(budget)))
unmount_fs "$mnt"
limit=$((own + RESERVE + BUDGET))
note "the daemon has $own mappings at start; vm.max_map_count $saved -> $limit"

# 2. Under the lowered limit.
echo $limit >$knob || fail "cannot lower $knob"
mount_fs "$src" "$mnt" -d
wait_until 5 test -n "$(budget)" ||
	fail "no budget logged: $(head -n 5 "$mnt.log")"
held=$(budget)
note "$(grep -o 'at most .*' "$mnt.log" | head -n 1)"
[ "$held" -gt 0 ] && [ "$held" -lt $N ] ||
	fail "a budget of $held mappings: not between 0 and $N writers"

maps() { wc -l <"/proc/$FS_PID/maps"; }
# Sample the daemon's mappings every 1 ms until $T/stop; the highest.
python3 - "$FS_PID" "$T/stop" >"$T/maxmaps" <<'EOF' &
import os, sys, time
pid, stop = sys.argv[1:]
high = n = 0
while not os.path.exists(stop):
    with open(f'/proc/{pid}/maps') as f:
        high = max(high, sum(1 for _ in f))
    n += 1
    time.sleep(0.001)
print(high, n)
EOF
sampler=$!
rel_track $sampler

"$H/rel-spawn" -d "$src" -n $N >"$T/spawn.out" 2>&1 &
spawner=$!
rel_track $spawner
wait_until 60 grep -qx ready "$T/spawn.out" ||
	fail "rel-spawn: $(tail -n 2 "$T/spawn.out")"
dirs_are() { [ "$(ls "$mnt" | grep -c '^[0-9][0-9]*$')" -eq "$1" ]; }
wait_until 10 dirs_are $N ||
	fail "$(ls "$mnt" | grep -c '^[0-9]') of $N writers shown," \
	     "with mappings for $held"
# Each writer's own value: rel-spawn printed its children in index order.
i=0
for pid in $(grep '^[0-9][0-9]*$' "$T/spawn.out"); do
	v=$(cat "$mnt/$pid/rel.spawn.index") ||
		fail "cannot read /$pid/rel.spawn.index"
	[ "$v" = $i ] || fail "/$pid/rel.spawn.index is '$v', not $i"
	i=$((i + 1))
done
[ $i = $N ] || fail "rel-spawn printed $i pids, not $N"
# Everything: held files and files mapped at each read alike; none may
# fail, and none is binary (grep says so on stderr).
grep -r . "$mnt" >/dev/null 2>"$T/grep.err"
[ -s "$T/grep.err" ] && fail "grep -r: $(head -n 5 "$T/grep.err")"
# The per-process files, counted: not /programs (a program's value
# combines its processes': it is no one writer's) nor the bulk files
# %all and %metrics (every label of a directory in one file).
grep -r --exclude-dir=programs --exclude='%*' . "$mnt" >"$T/grep.out" \
	2>"$T/grep.err"
[ -s "$T/grep.err" ] && fail "grep -r: $(head -n 5 "$T/grep.err")"
n=$(grep -c '/rel\.spawn\.index:' "$T/grep.out")
# /<pid>/ and /<pid>/task/<tid>/ and /files/<name>/: 3 a writer.
[ "$n" = $((3 * N)) ] ||
	fail "grep -r read $n rel.spawn.index files, not $((3 * N))"
touch "$T/stop"
wait $sampler
set -- $(cat "$T/maxmaps")
high=$1
note "$N writers shown and read with $held files held; the daemon's" \
     "mappings: $(maps) now, at most $high in $2 samples (limit $limit)"
[ "$high" -lt $limit ] ||
	fail "the daemon had $high mappings, the limit is $limit"
daemon_alive ||
	fail "mmstatsfs died: $(grep -v '^unique\|^   ' "$mnt.log" | tail -n 5)"
kill -TERM $spawner
wait $spawner
wait_until 10 dirs_are 0 || fail "writers still shown after they died"
grep -q Sanitizer "$mnt.log" &&
	fail "sanitizer report: $(grep Sanitizer "$mnt.log")"
unmount_fs "$mnt"
restore_limit
echo ok
exit 0
