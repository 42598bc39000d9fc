#!/bin/sh
# Torn reads: a writer process rewrites 64-bit integers, doubles, 32-bit
# integers and floats with self-checking patterns (every byte equal) in
# a tight loop; readers in other processes check every value they get:
#   1. through the library, each way it reads a live file, in a loop:
#      mmstats_read_fd() of the file; mmstats_map_fd() once, then
#      mmstats_map_value() of each field; mmstats_parse() of the reader's
#      own read-only shared mapping (page-aligned, the only alignment at
#      which a caller can hold a live file; a static copy decodes the same
#      at any alignment: tests/unit/test_rel_torn.c);
#   2. through the mount: each /<pid>/torn.* file kept open and read again
#      with pread at 0 (which renders the value afresh, as /proc does),
#      closed and opened again every 100 reads, so 1% of the values are
#      the ones open rendered.
# make check: 10^7 values through mmstats_read_fd() and mmstats_parse(),
# 10^6 through mmstats_map_value() (two system calls a value: it would
# take half a minute more for the same code path), and 3·10^6 through
# the mount (35 s here: what rules out a torn value is how the library
# reads, by construction; the count only confirms it, and CI has 15
# minutes); make stress (MMSTATS_STRESS=1): 10^9, 10^8 and 10^8.  The ASan
# pass of make check, which is about memory errors: a tenth through the
# library, a hundredth through the mount.  (The tools: see
# test_rel_torn_tools.sh.)
#
# The mount part is bound by the kernel's round trip, not by the daemon:
# a reader and the daemon on different vCPUs of a VM pay a cross-CPU
# wake-up on every read.  So the source is mounted twice, each daemon
# (in its default loop: the loop has no part in how a value is read)
# pinned to a CPU of its own with its reader (taskset), and the writer
# runs at nice 10 so that it races the readers without taking a CPU from
# them.  On the 2-vCPU CI machine, where a system call costs about 1.3 us,
# that is about 90,000 values a second; the time limits only catch a hang
# or a collapse.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"

if [ -n "$STRESS" ]; then
	lib_min=1000000000 map_min=100000000 lib_secs=7200
	mnt_min=100000000 mnt_secs=3600
else
	lib_min=10000000 map_min=1000000 lib_secs=300
	mnt_min=3000000 mnt_secs=300
fi
# The second pass of make check (build/asan) is about memory errors, not
# counts: ASan makes each read several times slower.
case $B in
*asan*) lib_min=$((lib_min / 10)) map_min=$((map_min / 10))
	mnt_min=100000 ;;
esac

src=$T/src
mkdir "$src"
nice -n 10 "$H/rel-torn-writer" -d "$src" -n 16 >"$T/writer.out" \
	2>"$T/writer.err" &
wpid=$!
rel_track $wpid
wait_until 10 grep -qx ready "$T/writer.out" || fail "writer not ready"
file=$(head -n 1 "$T/writer.out")

for how in lib map parse; do
	n=$lib_min
	[ $how = map ] && n=$map_min
	note "library ($how): $n values, at most $lib_secs s"
	"$H/rel-torn-reader" $how -n "$n" -t "$lib_secs" "$file" ||
		fail "torn or bad values read through the library ($how)"
done

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || [ ! -x "$B/mmstatsfs" ]; then
	echo "mount part skipped: needs root, /dev/fuse and mmstatsfs"
	exit 0
fi

# Two CPUs this test may run on (one, twice, if that is all there is).
cpus=$(python3 -c 'import os; c = sorted(os.sched_getaffinity(0));
print(c[0], c[1 % len(c)])')
pin() {	# CPU: a command prefix that runs on CPU, if taskset is here
	command -v taskset >/dev/null && echo "taskset -c $1"
}

# mount_torn N CPU OPTIONS...: mount $T/mntN, daemon on CPU; sets fsN.
mount_torn() {
	_n=$1 _cpu=$2; shift 2
	REL_WRAP=$(pin "$_cpu") mount_fs "$src" "$T/mnt$_n" "$@"
	eval "fs$_n=\$FS_PID"
	wait_until 10 test -e "$T/mnt$_n/$wpid/torn.u64.000" ||
		fail "$T/mnt$_n/$wpid/torn.u64.000 never appeared:" \
		     "$(ls -la "$T/mnt$_n" "$T/mnt$_n/$wpid" 2>&1)"
}
set -- $cpus
cpu0=$1 cpu1=$2
mount_torn 0 "$cpu0"
mount_torn 1 "$cpu1"

each=$((mnt_min / 2))
note "mount: $each values through each of 2 mounts (CPUs $cpus)," \
     "at most $mnt_secs s"
for n in 0 1; do
	eval "cpu=\$cpu$n"
	$(pin "$cpu") "$H/rel-torn-reader" mount -k 100 -n "$each" \
		-t "$mnt_secs" "$T/mnt$n/$wpid" >"$T/reader$n.out" 2>&1 &
	eval "reader$n=\$!"
	eval "rel_track \$reader$n"
done
ok=0
wait "$reader0" || ok=1
wait "$reader1" || ok=$((ok + 2))
cat "$T/reader0.out" "$T/reader1.out"
[ $ok = 0 ] || fail "torn or bad values, or too few, read through the mount"
for n in 0 1; do
	eval "FS_PID=\$fs$n"
	daemon_alive || fail "mmstatsfs of mnt$n died"
done
kill "$wpid"
wait "$wpid" || fail "the writer failed: $(cat "$T/writer.err")"
cat "$T/writer.err"
for n in 0 1; do
	eval "FS_PID=\$fs$n"
	unmount_fs "$T/mnt$n"
done
exit 0
