# rel-common.sh - shared by tests/integration/test_rel_*.sh (sourced, POSIX sh).
#
# Gives: $B (build dir), $H (helpers), $T (a temp dir removed at exit),
# skip/fail/note, wait_until, start_writer, mount_fs, and a cleanup trap
# that kills every background process started through these functions
# and lazily unmounts every mount made by them, whatever happens.

set -u

B=${MMSTATS_BUILD:?run through tests/run.sh}
H=$B/helpers
STRESS=${MMSTATS_STRESS:-}
REL_PIDS=""
REL_MOUNTS=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
note() { echo "-- $*"; }

rel_cleanup() {
	for p in $REL_PIDS; do
		kill -KILL "$p" 2>/dev/null
	done
	for m in $REL_MOUNTS; do
		fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${T:-}" ] && [ -z "${REL_KEEP:-}" ] && rm -rf "$T"
}

rel_require_fuse() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	command -v fusermount3 >/dev/null || skip "no fusermount3"
	[ -x "$B/mmstatsfs" ] || skip "mmstatsfs not built"
}

# Remember a background pid for the cleanup trap.
rel_track() { REL_PIDS="$REL_PIDS $1"; }

# wait_until SECONDS COMMAND...: poll COMMAND every 20 ms; 1 on timeout.
wait_until() {
	_limit=$(($1 * 50)); shift
	_i=0
	while ! "$@" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -ge $_limit ] && return 1
		sleep 0.02
	done
	return 0
}

# start_writer OUTFILE ARGS...: mmstats-writer in the background; waits
# for "ready"; sets WRITER_PID and WRITER_FILE (its first file).
start_writer() {
	_out=$1; shift
	"$H/mmstats-writer" "$@" >"$_out" 2>"$_out.err" &
	WRITER_PID=$!
	rel_track $WRITER_PID
	wait_until 10 grep -qx ready "$_out" ||
		fail "mmstats-writer did not get ready: $(cat "$_out.err")"
	WRITER_FILE=$(head -n 1 "$_out")
}

# mount_fs SRC MNT [OPTIONS...]: mmstatsfs -f in the background, until
# MNT is a mount; sets FS_PID.  The daemon's stderr goes to MNT.log.
# $REL_WRAP, if set, is a command the daemon runs under (strace ...).
mount_fs() {
	_src=$1 _mnt=$2; shift 2
	mkdir -p "$_mnt"
	${REL_WRAP:-} "$B/mmstatsfs" -f "$@" "$_src" "$_mnt" 2>"$_mnt.log" &
	FS_PID=$!
	rel_track $FS_PID
	REL_MOUNTS="$REL_MOUNTS $_mnt"
	wait_until 10 mountpoint -q "$_mnt" ||
		fail "mmstatsfs did not mount: $(cat "$_mnt.log")"
}

# unmount_fs MNT: unmount and wait for the daemon to exit.
unmount_fs() {
	fusermount3 -u "$1" || fail "fusermount3 -u $1 failed"
	wait_until 5 sh -c "! kill -0 $FS_PID" ||
		fail "mmstatsfs still runs after unmount"
}

daemon_alive() { kill -0 "$FS_PID" 2>/dev/null; }

T=$(mktemp -d /tmp/rel-test.XXXXXX)
chmod 755 "$T"
trap rel_cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM
