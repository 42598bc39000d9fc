#!/bin/sh
# Writers in PID namespaces of their own (containers) writing into the
# shared source directory: `unshare --pid --fork --mount-proc`, and the
# same in a user namespace (--user --map-root-user).  Each is pid 1 of
# its namespace, and its file says sys.pid 1; the host's pid 1 is a
# process too, with the same number.  Each must be shown under its host
# pid, with its values, in its program's task/, never under /1 nor add
# to anything of the host's pid 1, and vanish when killed (its file,
# kept, then shows in /files only).  Then the daemon itself runs in a
# PID namespace of its own, where the host writer cannot be seen: its
# file is under /files only.  The library's own namespace checks are
# test_lib_pidns; this is the mount's.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
command -v unshare >/dev/null || skip "no unshare"
command -v pgrep >/dev/null || skip "no pgrep"
unshare --pid --fork --mount-proc true 2>/dev/null ||
	skip "no PID namespaces here"

src=$T/src mnt=$T/mnt
mkdir "$src"

# ns_writer NAME UNSHARE_OPTIONS...: a writer as pid 1 of a new PID
# namespace, its file kept at exit; sets NS_HOST, its pid on the host.
ns_writer() {
	_name=$1; shift
	unshare "$@" --pid --fork --mount-proc "$H/mmstats-writer" -d "$src" \
		-k -f "$_name-{PID}-{TID}.mmstats" -p "$_name" hits=counter:5 \
		>"$T/$_name.out" 2>"$T/$_name.err" &
	_u=$!
	rel_track $_u
	wait_until 10 grep -qx ready "$T/$_name.out" ||
		fail "$_name did not get ready: $(cat "$T/$_name.err")"
	NS_HOST=$(pgrep -P $_u)
	[ -n "$NS_HOST" ] || fail "$_name: no process under unshare $_u"
	rel_track "$NS_HOST"
	grep -q "^NSpid:.*[[:space:]]1\$" /proc/$NS_HOST/status ||
		fail "$_name: not pid 1 of its namespace"
}

# Started before the mount: a mount namespace made after it would hold a
# copy of it until the writer goes (rel-common.sh, unmount_fs).
ns_writer nspid
a=$NS_HOST
if unshare --user --map-root-user true 2>/dev/null; then
	ns_writer nsuser --user --map-root-user
	b=$NS_HOST
else
	note "no user namespaces here: only --pid"
	b=
fi
start_writer "$T/host.out" -d "$src" -p hostapp hits=counter:7
h=$WRITER_PID
mount_fs "$src" "$mnt"

for w in $a $b; do
	wait_until 10 test -e "$mnt/$w/hits" ||
		fail "/$w (a namespaced writer) never appeared: $(ls "$mnt")"
	[ "$(cat "$mnt/$w/hits")" = 5 ] || fail "/$w/hits is not 5"
	[ "$(cat "$mnt/$w/sys.pid")" = 1 ] ||
		fail "/$w/sys.pid is not the file's 1"
done
[ "$(cat "$mnt/$h/hits")" = 7 ] || fail "the host writer's /$h/hits"
test -e "$mnt/1" && fail "/1 shown: a namespaced writer taken for the host's pid 1"
test -L "$mnt/programs/nspid@$(id -u)/task/$a" || fail "programs/nspid@$(id -u)/task/$a missing"
[ "$(cat "$mnt/programs/nspid@$(id -u)/hits")" = 5 ] || fail "programs/nspid@$(id -u)/hits"
[ -z "$b" ] || [ "$(cat "$mnt/programs/nsuser@$(id -u)/hits")" = 5 ] ||
	fail "programs/nsuser@$(id -u)/hits"

for w in $a $b; do
	kill -KILL "$w"
	wait_until 10 sh -c "! test -e $mnt/$w" ||
		fail "/$w still shown after its writer was killed"
done
test -e "$mnt/1" && fail "/1 shown once the namespaced writers died"
test -e "$mnt/programs/nspid@$(id -u)" && fail "programs/nspid@$(id -u) outlived its process"
[ "$(cat "$mnt/$h/hits")" = 7 ] || fail "the host writer's value changed"
for f in "$src"/ns*.mmstats; do
	test -e "$f" || fail "a killed writer's file is gone: $f"
done
unmount_fs "$mnt"

# The daemon in a container of its own: a PID namespace whose processes
# cannot see the host's, where the host writer $h lives.  Its file must
# be shown under /files only, never under a /<pid> (no number of the
# daemon's namespace is the writer), nor in /programs.  The daemon, its
# mount and the reader all run in that namespace (--mount-proc makes a
# mount namespace too, private: a FUSE mount made there is not seen from
# the host, and goes with the namespace, so the reads are made there).
wfile=$(basename "$(head -n 1 "$T/host.out")")
mnt2=$T/mnt-in-ns
mkdir "$mnt2"
unshare --pid --fork --mount-proc sh -c '
	B=$1 src=$2 mnt=$3 wfile=$4 h=$5
	"$B/mmstatsfs" -f "$src" "$mnt" 2>"$mnt.log" &
	i=0
	until test -e "$mnt/files/$wfile/hits"; do
		i=$((i + 1))
		[ $i -lt 500 ] || { echo "never in /files: $(ls "$mnt/files")"; exit 1; }
		sleep 0.02
	done
	[ "$(cat "$mnt/files/$wfile/hits")" = 7 ] ||
		{ echo "/files/$wfile/hits is not 7"; exit 1; }
	# a scan and a liveness pass have seen it: it is settled
	sleep 0.5
	for d in "$mnt"/[0-9]*; do
		test -e "$d" || continue
		echo "/${d##*/} shown in a namespace with no writer: $(ls "$d")"
		exit 1
	done
	test -e "$mnt/$h" && { echo "/$h (the host pid) shown"; exit 1; }
	test -e "$mnt/programs/hostapp@0" && { echo "programs/hostapp@0 shown"; exit 1; }
	fusermount3 -u "$mnt"
	wait
	echo in-ns-ok
' sh "$B" "$src" "$mnt2" "$wfile" "$h" >"$T/in-ns.out" 2>&1 ||
	fail "daemon in a PID namespace: $(cat "$T/in-ns.out") $(tail -n 5 "$mnt2.log")"
grep -qx in-ns-ok "$T/in-ns.out" || fail "in the namespace: $(cat "$T/in-ns.out")"
kill -0 "$h" || fail "the host writer died meanwhile"
echo "ok: namespaced writers shown under their host pids; a writer the" \
     "daemon cannot see in /files only"
