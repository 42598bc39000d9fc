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
REL_NL=$(printf '\n_'); REL_NL=${REL_NL%_}	# a newline, for file names

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

# unmount_fs MNT: unmount and wait for the daemon to exit (5 s).  A
# process in another mount namespace made while the mount existed (unshare
# --mount, by a test running at the same time) holds a copy of it, which
# keeps the connection, and so the daemon, alive until it goes: then wait
# for it too (30 s) and say so; the daemon is not at fault.
unmount_fs() {
	fusermount3 -u "$1" || fail "fusermount3 -u $1 failed"
	wait_until 5 sh -c "! kill -0 $FS_PID" && return 0
	_held=$(grep -l " $1 " /proc/[0-9]*/mountinfo 2>/dev/null | tr '\n' ' ')
	[ -n "$_held" ] ||
		fail "mmstatsfs still runs 5 s after unmount, mount held nowhere"
	note "the unmounted $1 lives on in other mount namespaces ($_held)"
	wait_until 30 sh -c "! kill -0 $FS_PID" ||
		fail "mmstatsfs still runs 35 s after unmount"
}

daemon_alive() { kill -0 "$FS_PID" 2>/dev/null; }

# rel_dead_vector DST: the vector all_types.mmstats, its writer certainly
# gone (common.py, dead_vector).
rel_dead_vector() {
	PYTHONPATH=$MMSTATS_TOP/tests/integration python3 -c '
import sys; from common import dead_vector
dead_vector(sys.argv[1])' "$1" ||
		fail "cannot write $1"
}

# rel_hostile_dir SRC OUTSIDE: fill SRC with the good files and every kind
# of hostile entry of test_rel_hostile.sh (see there); OUTSIDE gets a good
# file reachable from SRC only through symlinks.  Sets $good.
rel_hostile_dir() {
	src=$1 out=$2
	V=${MMSTATS_VECTORS:-$MMSTATS_TOP/tests/vectors}
	good=$V/many_fields.mmstats	# 500 counters, bulk.counter.NNN = NNN * 7
	cp "$good" "$src/nopid.mmstats"
	cp "$good" "$src/nobody.mmstats"
	chown nobody:nogroup "$src/nobody.mmstats"
	chmod 0600 "$src/nobody.mmstats"
	cp "$good" "$src/new${REL_NL}line.mmstats"
	cp "$good" "$src/shrink.mmstats"
	python3 - "$good" "$src" "$out" <<'EOF' || fail "cannot craft files"
import os, random, struct, sys
good, src, out = sys.argv[1:]
data = open(good, 'rb').read()
def put(name, b, where=src):
    with open(os.path.join(where, name), 'wb') as f:
        f.write(b)
put('trunc-mid.mmstats', data[:1001])
put('trunc-label.mmstats', data[:1 + 2 + 5])
put('labelpast.mmstats', b'\x01' + struct.pack('<H', 0xfff0) + b'abc' * 10)
put('typepast.mmstats', b'\x01' + struct.pack('<H', 3) + b'abc' +
    struct.pack('<H', 0xfff0) + b'Q')
put('v2.mmstats', b'\x02' + data[1:])
put('empty.mmstats', b'')
random.seed(7)
put('garbage.mmstats', bytes(random.randrange(256) for _ in range(8192)))
put('garbage1.mmstats', b'\x01' + bytes(random.randrange(256) for _ in range(8191)))
# Labels that are no file names, or that collide once mapped: each field
# holds its index, so the mapping must show every value exactly once.
labels = [b'..', b'.', b'a/b', b'a%2Fb', b'../../etc/passwd', b'x' * 300,
          b'x' * 299 + b'y', b'new\nline', b'dup', b'dup', b'\xff\xfe',
          b'tab\there', b'sp ace', b'%', b'/']
fields = b''
for i, l in enumerate(labels):
    fields += struct.pack('<H', len(l)) + l + struct.pack('<H', 1) + b'I' + \
        b'\xff' + struct.pack('<I', i)
put('labels.mmstats', (b'\x01' + fields).ljust(8192, b'\0'))
# A valid file outside the source directory, reachable only by a symlink.
marker = b'outside.marker'
field = struct.pack('<H', len(marker)) + marker + struct.pack('<H', 1) + \
    b'I' + b'\xff' + struct.pack('<I', 1234)
put('marker.mmstats', (b'\x01' + field).ljust(4096, b'\0'), out)
EOF
	# Sparse, a valid start, past the limit.
	cp "$good" "$src/huge.mmstats"
	truncate -s 128M "$src/huge.mmstats"
	ln -s /etc/shadow "$src/shadow.mmstats"
	ln -s /etc "$src/etc.mmstats"
	ln -s loop.mmstats "$src/loop.mmstats"
	ln -s "$out/marker.mmstats" "$src/outside.mmstats"
	ln -s ../outside/marker.mmstats "$src/relative.mmstats"
	mkfifo "$src/fifo.mmstats"
	mknod "$src/null.mmstats" c 1 3
	mknod "$src/zero.mmstats" c 1 5
	mkdir "$src/dir.mmstats"
	cp "$good" "$src/dir.mmstats/inside.mmstats"
}

# rel_watch_opens LOG DIR...: log every open of a name in the DIRs
# (inotify IN_OPEN, reported for any open, FIFOs and devices included, by
# any process) as DIR/NAME lines; sets WATCHER.
rel_watch_opens() {
	python3 - "$@" <<'EOF' &
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
wds = {libc.inotify_add_watch(fd, d.encode(), 0x20): d for d in sys.argv[2:]}
out = open(sys.argv[1], 'w', buffering=1)
print('ready', file=out)
while True:
    buf = os.read(fd, 65536)
    i = 0
    while i < len(buf):
        wd, mask, cookie, n = struct.unpack_from('iIII', buf, i)
        name = buf[i + 16:i + 16 + n].rstrip(b'\0').decode(errors='replace')
        print(f"{wds.get(wd)}/{name}", file=out)
        i += 16 + n
EOF
	WATCHER=$!
	rel_track $WATCHER
	wait_until 10 grep -qx ready "$1" || fail "inotify watcher not ready"
}

# rel_check_opens LOG SRC OUTSIDE: stop the watcher; fail if any entry of
# rel_hostile_dir that is not a regular file, or anything in OUTSIDE, was
# opened; and unless the watch saw nopid.mmstats opened (it works).
rel_check_opens() {
	kill $WATCHER
	wait $WATCHER 2>/dev/null
	for _n in fifo null zero dir shadow etc loop outside relative; do
		grep -qx "$2/$_n.mmstats" "$1" &&
			fail "$_n.mmstats was opened (inotify IN_OPEN)"
	done
	grep -q "^$3/." "$1" &&
		fail "a file outside the source was opened: $(grep "^$3/" "$1")"
	grep -q "^$2/nopid.mmstats$" "$1" ||
		fail "inotify saw no open of nopid.mmstats: the watch does not work"
	note "inotify: $(($(wc -l <"$1") - 1)) opens seen, none of a FIFO," \
	     "device, directory, symlink or outside file"
}

T=$(mktemp -d /tmp/rel-test.XXXXXX)
chmod 755 "$T"
[ -n "${REL_KEEP:-}" ] && note "REL_KEEP: $T is kept"
trap rel_cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM
