#!/bin/sh
# Benchmarks against build directory $1, printed as one table.
#
#	tests/bench/run.sh build		(make bench)
#	BENCH_QUICK=1 tests/bench/run.sh build	shorter, rougher, no 10,000
#	BENCH_SIZES="10 100" tests/bench/run.sh build	other scale sizes
#	BENCH_ONLY="read" tests/bench/run.sh build	some of: writer read
#							fields impact bulk scale
#
# Every figure is a ratio against a baseline measured in the same run, so
# a busy machine moves both.  A missed target is reported, never fatal:
# the exit status is non-zero only when a benchmark could not run.
# Needs root or FUSE access for the mounts; without /dev/fuse only the
# writer figures are measured.
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd) || exit 2
bench="$build/bench"
work=$(mktemp -d /tmp/mmstats-bench.XXXXXX) || exit 2
src="$work/src" mnt="$work/mnt" floor="$work/floor" floor2="$work/floor2"
floor3="$work/floor3" mnt_mt="$work/mnt-mt" shm_file=/dev/shm/mmstats-bench.$$
mkdir -p "$src" "$mnt" "$mnt_mt" "$floor" "$floor2" "$floor3"
rows="$work/rows"
: >"$rows"
status=0
pids=""

if [ -n "${BENCH_QUICK:-}" ]; then
	sizes=${BENCH_SIZES:-"10 100 1000"}
else
	sizes=${BENCH_SIZES:-"10 100 1000 10000"}
fi

only=${BENCH_ONLY:-"writer read fields impact bulk scale"}

wanted() {
	case " $only " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for m in "$mnt" "$mnt_mt" "$floor" "$floor2" "$floor3"; do
		fusermount3 -u -z "$m" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$work" "$shm_file"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs one benchmark program, keeping its ROW lines and showing the rest.
collect() {
	name=$1; shift
	if ! "$@" >"$work/out" 2>"$work/err"; then
		echo "bench: $name failed:" >&2
		status=1
	fi
	sed 's/^/    /' "$work/err" >&2
	grep '^ROW' "$work/out" >>"$rows"
}

# Waits up to 10 s for a path to exist.
wait_path() {
	i=0
	while [ ! -e "$1" ]; do
		i=$((i + 1))
		[ $i -gt 1000 ] && return 1
		sleep 0.01
	done
}

start_bg() {	# logfile, program, args...: a daemon in its foreground mode
	log=$1; shift
	"$@" >"$log" 2>&1 &
	pids="$pids $!"
	last_pid=$!
}

# Ends one of them and forgets it, so that the trap never signals its
# PID once another process may have it.
stop_bg() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	kept=""
	for q in $pids; do
		[ "$q" = "$1" ] || kept="$kept $q"
	done
	pids=$kept
}

# Waits up to 10 s for a directory to hold n entries.
wait_entries() {
	i=0
	while [ "$(ls "$1" 2>/dev/null | wc -l)" -ne "$2" ]; do
		i=$((i + 1))
		[ $i -gt 1000 ] && return 1
		sleep 0.01
	done
}

# Sets the CPUs of every thread of the daemons (threads made later
# inherit them from the thread that makes them).
pin_daemons() {
	for p in $daemons; do
		taskset -a -p -c "$1" "$p" >/dev/null 2>&1
	done
}

# One bench_read pass: suffix, taskset CPU list ("" for none), target
# ("-" for none), more subjects.  The floors come first: the minimal
# daemon in both of libfuse's loops.
read_pass() {
	suffix=$1 cpus=$2 target=$3; shift 3
	collect read ${cpus:+taskset -c "$cpus"} "$bench/bench_read" \
		-x "$suffix" -f 2 \
		-c "mmstatsfs -o multithread:minimal FUSE, mt loop" \
		"minimal FUSE=$floor/value" \
		"minimal FUSE, mt loop=$floor2/value" \
		"mmstatsfs stat file@$target=$stat_file" \
		"mmstatsfs -o multithread=$mnt_mt/$hold/bench.counter" "$@"
}

# Read latency.  On a VM without guest halt polling, waking an idle vCPU
# costs several times the request itself: a reader and a daemon on
# different CPUs pay it on every round trip, on the same CPU never.
# Unpinned, the scheduler keeps a single-threaded daemon where it first
# ran, beside the reader or across, by luck: so the targets are checked
# with every daemon on the last CPU and the reader on that CPU, then on
# another, and the unpinned pass only informs.
read_benches() {
	read_pass ", unpinned" "" - "tmpfs file=$shm_file" \
		"/proc/self/stat=/proc/self/stat"
	pin_daemons "$last"
	read_pass ", same CPU" "$last" 1.3
	[ "$last" -gt 0 ] && read_pass ", other CPU" 0 1.3
	pin_daemons "0-$last"
}

# One label of files of 10, 1,000 and 10,000 fields, read as in
# read_pass: suffix, taskset CPU list, target of the 10,000 against the
# 10.  Against the minimal daemon in the same loop as mmstatsfs's
# default, and against each other.
fields_read() {
	suffix=$1 cpus=$2 target=$3
	collect fields taskset -c "$cpus" "$bench/bench_read" \
		-x "$suffix" \
		-c "label of 10,000 fields:label of 10 fields@$target" \
		-c "label of 1,000 fields:label of 10 fields" \
		-c "label of 4 thread files:label of 10 fields" \
		"minimal FUSE=$floor/value" \
		"label of 10 fields=$mnt/$hold10/bench.counter" \
		"label of 1,000 fields=$mnt/$hold1k/bench.counter" \
		"label of 10,000 fields=$mnt/$hold10k/bench.counter" \
		"label of 4 thread files=$mnt/$hold_t4/bench.counter"
}

# grep -r over the 10,000-field writer's /<pid>/ but its task/ (the
# process-wide labels) against the same tree of floorfs: suffix, CPU.
fields_walk() {
	collect fields taskset -c "$2" "$bench/bench_walk" -x "$1" -t 1.5 \
		-e task "/<pid>/, 10,000 fields" "$mnt/$hold10k" "$floor3/1"
}

# Does what one label costs grow with the file?  Writers that hold files
# of 10, 1,000 and 10,000 fields, and one of 4 thread files, each ending
# with bench.counter; floorfs serving one writer's tree of 10,000 labels.
fields_benches() {
	saved_daemons=$daemons
	fields_pids=""
	for n in 10 1000 10000; do
		start_bg "$work/hold$n.log" "$bench/bench_hold" -d "$src" -n $n
		fields_pids="$fields_pids $last_pid"
	done
	set -- $fields_pids
	hold10=$1 hold1k=$2 hold10k=$3
	start_bg "$work/hold_t4.log" "$bench/bench_hold" -d "$src" -n 10 -t 4
	hold_t4=$last_pid
	start_bg "$work/floorfs-fields.log" "$bench/floorfs" -f -s \
		-o dirs=1,files=10000 "$floor3"
	fields_pids="$fields_pids $hold_t4 $last_pid"
	daemons="$daemons $last_pid"
	for f in "$floor3/1/f00" "$mnt/$hold10/bench.counter" \
	    "$mnt/$hold1k/bench.counter" "$mnt/$hold10k/bench.counter" \
	    "$mnt/$hold_t4/task"; do
		wait_path "$f" && continue
		echo "bench: fields: $f never appeared" >&2
		cat "$work"/hold*.log "$work/floorfs-fields.log" >&2
		status=1
		fields_end
		return
	done
	if ! wait_entries "$mnt/$hold_t4/task" 4; then
		echo "bench: fields: the mount never showed 4 threads" >&2
		status=1
		fields_end
		return
	fi

	pin_daemons "$last"
	fields_read ", same CPU" "$last" 1.2
	fields_walk ", same CPU" "$last"
	# CPU time: every daemon and the reader on one CPU.
	collect fields taskset -c "$last" "$bench/bench_cpu" -x ", same CPU" \
		-c "10,000 fields:10 fields" \
		"minimal FUSE=$floor_pid:$floor/value" \
		"10 fields=$daemon:$mnt/$hold10/bench.counter" \
		"10,000 fields=$daemon:$mnt/$hold10k/bench.counter" \
		"4 thread files=$daemon:$mnt/$hold_t4/bench.counter"
	if [ "$last" -gt 0 ]; then
		fields_read ", other CPU" 0 1.2
		fields_walk ", other CPU" 0
	fi
	pin_daemons "0-$last"
	fields_end
}

# The writers and the floor of fields_benches go before the next part.
fields_end() {
	fusermount3 -u "$floor3" 2>/dev/null
	for p in $fields_pids; do
		stop_bg "$p"
	done
	daemons=$saved_daemons
}

fuse_benches() {
	# The daemon under test, in its default loop and in libfuse's
	# multi-threaded one, and the floor, a constant file, in both loops.
	start_bg "$work/mmstatsfs.log" "$build/mmstatsfs" -f "$src" "$mnt"
	daemon=$last_pid
	start_bg "$work/mmstatsfs-mt.log" "$build/mmstatsfs" -f -o multithread \
		"$src" "$mnt_mt"
	daemons="$daemon $last_pid"
	start_bg "$work/floorfs.log" "$bench/floorfs" -f -s "$floor"
	floor_pid=$last_pid
	daemons="$daemons $last_pid"
	start_bg "$work/floorfs-mt.log" "$bench/floorfs" -f "$floor2"
	daemons="$daemons $last_pid"
	if ! wait_path "$floor/value" || ! wait_path "$floor2/value"; then
		echo "bench: floorfs did not mount:" >&2
		cat "$work/floorfs.log" >&2
		status=1
		return
	fi

	# Read latency: one stat file of a live writer.
	"$bench/bench_hold" -d "$src" >"$work/hold" </dev/null &
	hold=$!
	pids="$pids $hold"
	stat_file="$mnt/$hold/bench.counter"
	if ! wait_path "$stat_file" || ! wait_path "$mnt_mt/$hold/bench.counter"
	then
		echo "bench: mmstatsfs never showed $stat_file:" >&2
		cat "$work/mmstatsfs.log" >&2
		status=1
		return
	fi
	printf '1234567890123456789\n' >"$shm_file"
	last=$(($(nproc) - 1))
	wanted read && read_benches
	wanted fields && fields_benches
	stop_bg "$hold"
	fusermount3 -u "$floor2"
	fusermount3 -u "$mnt_mt"

	# Reader impact: the daemon and the readers on the last CPU, the
	# writer on the first.
	taskset -a -p -c "$last" "$daemon" >/dev/null 2>&1
	wanted impact &&
		collect impact "$bench/bench_impact" -d "$src" -m "$mnt" 1 4
	taskset -a -p -c "0-$last" "$daemon" >/dev/null 2>&1

	# A collector reading every value of 1,000 processes of 50 labels:
	# one file per label against the bulk files.
	wanted bulk && collect bulk "$bench/bench_bulk" -s "$src" -m "$mnt" \
		1000

	# Scale: many writers, each a process of its own.
	wanted scale && collect scale "$bench/bench_scale" -s "$src" \
		-m "$mnt" -p "$daemon" -F "$floor2" $sizes
}

# Whether an idle CPU polls before it halts decides what a wake-up across
# CPUs costs on a VM (see tests/bench/README.md).
idle=$(cat /sys/devices/system/cpu/cpuidle/current_driver 2>/dev/null)
poll=$(cat /sys/module/haltpoll/parameters/guest_halt_poll_ns 2>/dev/null)
echo "mmstats benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"$(uname -r), cpuidle ${idle:-none}${poll:+ (guest_halt_poll_ns=$poll)}${BENCH_QUICK:+, BENCH_QUICK}"

wanted writer && collect writer "$bench/bench_writer" -d "$src"
if [ -c /dev/fuse ] && command -v fusermount3 >/dev/null; then
	fuse_benches
else
	echo "bench: no FUSE here: read, impact and scale not measured" >&2
fi

awk -F'\t' '
function result(v, b, t,   r) {
	if (t == "-")
		return "info"
	if (t == "=0")
		return v == 0 ? "met" : "MISSED"
	r = b > 0 ? v / b : 0
	return r <= t + 0 ? "met" : "MISSED"
}
BEGIN {
	fmt = "%-44s %10s %-7s %-32s %9s %7s %6s %s\n"
	printf fmt, "figure", "value", "unit", "baseline", "base", \
		"ratio", "target", "result"
}
{
	ratio = ($6 > 0) ? sprintf("%.3f", $3 / $6) : "-"
	target = ($7 == "-") ? "-" : ($7 == "=0" ? "=0" : "<=" $7)
	base = ($5 == "-") ? "-" : $6
	printf fmt, $2, $3, $4, $5, base, ratio, target, result($3, $6, $7)
	if (result($3, $6, $7) == "MISSED")
		missed++
	if (result($3, $6, $7) != "info")
		targets++
}
END {
	printf "%d figures, %d targets, %d missed\n", NR, targets, missed
}' "$rows"
exit $status
