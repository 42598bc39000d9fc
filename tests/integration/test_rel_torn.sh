#!/bin/sh
# Torn reads: a writer process rewrites 64-bit integers, doubles, 32-bit
# integers and floats with self-checking patterns (every byte equal) in
# a tight loop; readers in other processes check every value they get:
#   1. through the library: mmstats_read_fd() of the file, in a loop;
#   2. through the mount: open + pread + close of each /<pid>/torn.* file.
# One "read" is one value checked.  make check: 10^7 values through the
# library, and as many as 15 s allow through the mount (at least 20,000);
# make stress (MMSTATS_STRESS=1): 10^9 and 10^7.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"

if [ -n "$STRESS" ]; then
	lib_min=1000000000 lib_secs=3600
	mnt_min=10000000 mnt_secs=3600
else
	lib_min=10000000 lib_secs=120
	mnt_min=20000 mnt_secs=15
fi
# The second pass of make check (build/asan) is about memory errors, not
# counts: ASan makes each read ten times slower.
case $B in
*asan*) lib_min=$((lib_min / 10)) mnt_min=$((mnt_min / 10)) mnt_secs=10 ;;
esac

src=$T/src
mkdir "$src"
"$H/rel-torn-writer" -d "$src" -n 16 >"$T/writer.out" 2>"$T/writer.err" &
wpid=$!
rel_track $wpid
wait_until 10 grep -qx ready "$T/writer.out" || fail "writer not ready"
file=$(head -n 1 "$T/writer.out")

note "library: $lib_min values, at most $lib_secs s"
"$H/rel-torn-reader" lib -n "$lib_min" -t "$lib_secs" "$file" ||
	fail "torn or bad values read through the library"

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || [ ! -x "$B/mmstatsfs" ]; then
	echo "mount part skipped: needs root, /dev/fuse and mmstatsfs"
	exit 0
fi
mnt=$T/mnt
mount_fs "$src" "$mnt"
wait_until 10 test -e "$mnt/$wpid/torn.u64.000" ||
	fail "$mnt/$wpid/torn.u64.000 never appeared: $(ls -la "$mnt" "$mnt/$wpid" 2>&1)"

note "mount: $mnt_secs s, at least $mnt_min values"
"$H/rel-torn-reader" mount -s -n "$mnt_min" -t "$mnt_secs" "$mnt/$wpid" ||
	fail "torn or bad values, or too few, read through the mount"
daemon_alive || fail "mmstatsfs died"
kill "$wpid"
wait "$wpid" || fail "the writer failed: $(cat "$T/writer.err")"
cat "$T/writer.err"
unmount_fs "$mnt"
exit 0
