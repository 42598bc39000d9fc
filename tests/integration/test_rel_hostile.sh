#!/bin/sh
# A hostile source directory under a real mount.  Next to a live writer
# and good files without a pid, the directory holds: files cut inside a
# field, a label size past the end, garbage, version 2, an empty file, a
# sparse file past MMSTATS_MAX_FILE_SIZE, labels that are no file names,
# symlinks (to /etc/shadow, to a directory, to itself, to a good file
# outside), a FIFO, devices like /dev/null (1:3) and /dev/zero (1:5), a
# directory, another user's 0600 file, a name with a newline; and while
# readers read, a file cut and rewritten in a loop and a name flipping
# between a file and a symlink.  The daemon must keep serving the good
# files, never show what lies outside, never hang, and never open
# anything but regular files of the source directory.  Two witnesses:
# inotify IN_OPEN on the source and outside directories, always; and,
# where strace is installed, the daemon runs under
# `strace -f -y -e trace=open,openat,openat2`: every path it opened, and
# every file it got, is checked.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
V=${MMSTATS_VECTORS:-$MMSTATS_TOP/tests/vectors}

src=$T/src mnt=$T/mnt out=$T/outside
mkdir "$src" "$out"
good=$V/many_fields.mmstats	# 500 counters, bulk.counter.NNN = NNN * 7

# --- the hostile directory -------------------------------------------------
rel_hostile_dir "$src" "$out"
chmod 1777 "$src"
start_writer "$T/w.out" -d "$src" -k good.value=uint32:42
wpid=$WRITER_PID

# --- every open in the source and outside directories (inotify) ---------
# IN_OPEN is reported for any open of a name in a watched directory,
# FIFOs and devices included, by any process: a second witness, which
# needs no strace.
rel_watch_opens "$T/opens" "$src" "$out"

# --- the mount, under strace when there is one ----------------------------
if command -v strace >/dev/null; then
	REL_WRAP="strace -f -y -qq -o $T/strace.log -e trace=open,openat,openat2"
else
	echo "no strace: opens checked by inotify only"
fi
mount_fs "$src" "$mnt"
wait_until 10 test -e "$mnt/$wpid/good.value" ||
	fail "the live writer does not show: $(ls -la "$mnt" 2>&1)"

# --- readers while a file is cut and rewritten ----------------------------
race=4		# seconds
[ -n "$STRESS" ] && race=120
python3 - "$good" "$src/shrink.mmstats" $race <<'EOF' &
import os, random, sys, time
data = open(sys.argv[1], 'rb').read()
end = time.time() + float(sys.argv[3])
fd = os.open(sys.argv[2], os.O_RDWR)
random.seed(3)
while time.time() < end:
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, random.randrange(len(data) + 1))
    if random.randrange(8) == 0:
        os.ftruncate(fd, 0)
EOF
shrinker=$!
rel_track $shrinker
# And a name that flips between a good file and a symlink to /etc/shadow
# (rename over it), so a check-then-open reader is raced.
cp "$good" "$src/swap-good"
python3 - "$src" $race <<'EOF' &
import os, sys, time
src, end = sys.argv[1], time.time() + float(sys.argv[2])
os.chdir(src)
n = 0
while time.time() < end:
    os.link('swap-good', 'swap.tmp-r')
    os.rename('swap.tmp-r', 'swap.mmstats')
    os.symlink('/etc/shadow', 'swap.tmp-l')
    os.rename('swap.tmp-l', 'swap.mmstats')
    n += 1
print(f"-- swap.mmstats flipped {n} times")
EOF
swapper=$!
rel_track $swapper
readers=""
for r in 1 2; do
	(
		end=$(($(date +%s) + race))
		while [ "$(date +%s)" -lt "$end" ]; do
			cat "$mnt"/files/*/bulk.counter.00* >/dev/null 2>&1
			grep -r -s . "$mnt/files" >/dev/null
		done
	) &
	readers="$readers $!"
	rel_track $!
done
wait $shrinker
wait $swapper
: >"$src/shrink.mmstats"	# it stopped at a random length: now empty
for r in $readers; do wait "$r"; done
daemon_alive || fail "mmstatsfs died while a file was cut under its readers"

# --- what the mount shows ---------------------------------------------------
timeout 60 grep -r . "$mnt" >"$T/grep.out" 2>"$T/grep.err"
rc=$?
[ $rc -eq 124 ] && fail "grep -r of the mount hung"
grep -i "input/output\|transport" "$T/grep.err" && fail "I/O errors reading the mount"
[ -s "$T/grep.err" ] && { echo "grep -r errors:"; cat "$T/grep.err"; }
daemon_alive || fail "mmstatsfs died"
[ "$(cat "$mnt/$wpid/good.value")" = 42 ] || fail "good.value is not 42"

# nopid, nobody and the newline name hold all 500 fields, once each.
complete=$(grep -c "/bulk.counter.499:3493$" "$T/grep.out")
[ "$complete" -eq 3 ] || {
	grep "/bulk.counter.499:" "$T/grep.out"
	ls -la "$mnt/files" 2>&1
	fail "expected 3 complete files without pid in /files, got $complete"
}
# Hostile labels: every value once, under names that stay in the tree.
ldir=$mnt/files/labels.mmstats
[ -d "$ldir" ] || fail "no $ldir: $(ls "$mnt/files")"
find "$ldir" -mindepth 1 >"$T/labels.names"
[ "$(wc -l <"$T/labels.names")" -eq 15 ] || {
	cat "$T/labels.names"
	fail "$(wc -l <"$T/labels.names") names for 15 hostile labels"
}
for f in "$ldir"/* "$ldir"/.[!.]* "$ldir"/..?*; do
	[ -f "$f" ] && cat "$f"
done | sort -n | tr '\n' ' ' >"$T/labels.values"
[ "$(cat "$T/labels.values")" = "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 " ] ||
	fail "hostile labels show values $(cat "$T/labels.values"), not 0..14 once each"
note "hostile labels as names: $(sed "s|^$ldir/||" "$T/labels.names" | cut -c1-24 | tr '\n' ' ')"
grep "outside.marker:\|/outside.mmstats/\|/relative.mmstats/" "$T/grep.out" &&
	fail "a file outside the source directory shows through a symlink"
grep -q "inside.mmstats" "$T/grep.out" &&
	fail "a file inside a subdirectory of the source shows"
note "$(wc -l <"$T/grep.out") values served; good files intact"

# --- every open the daemon made -------------------------------------------
if [ -n "${REL_WRAP:-}" ]; then
	unmount_fs "$mnt"
	python3 - "$T/strace.log" "$src" "$mnt" <<'EOF' || fail "the daemon opened what it must not"
import os, re, sys
log, src, mnt = sys.argv[1:]
mnt = os.path.realpath(mnt)
never = ('fifo.mmstats', 'null.mmstats', 'zero.mmstats', 'dir.mmstats',
         'shadow.mmstats', 'etc.mmstats', 'loop.mmstats', 'outside.mmstats',
         'relative.mmstats', 'inside.mmstats', '/etc/shadow', 'marker.mmstats')
# Absolute paths a FUSE daemon opens for itself: its libraries and locale
# at start, /dev/fuse and the mount table, and /proc to tell liveness.
allowed = ('/proc/', '/dev/fuse', '/etc/ld.so', '/lib/', '/usr/lib/',
           '/lib64/', '/etc/mtab', '/usr/share/locale', '/etc/localtime',
           '/etc/fuse.conf', '/sys/', '/dev/null', '/dev/urandom',
           '/usr/lib/locale', '/etc/nsswitch.conf', '/etc/passwd',
           '/etc/group')
# The mountpoint is held by a walk from / (mountpoint.c): each step is a
# directory on its path, opened O_PATH without following a symlink.
def mount_walk(line, got):
    step = 'O_PATH' in line and 'O_DIRECTORY' in line
    safe = 'O_NOFOLLOW' in line or got == '/'
    return step and safe and (got == mnt or
                              mnt.startswith(got.rstrip('/') + '/'))
bad, n, ours = [], 0, 0
call = re.compile(r'open(?:at2?)?\((?:(AT_FDCWD(?:<[^>]*>)?|\d+<[^>]*>), )?'
                  r'"((?:[^"\\]|\\.)*)"')
result = re.compile(r'open.*= \d+<(.*)>$')
for line in open(log, errors='replace'):
    # What each open returned: a file here, or one the daemon may use.
    r = result.search(line.rstrip('\n'))
    if r and mount_walk(line, r.group(1)):
        continue
    if r:
        got = r.group(1)
        if not (got == src or got.startswith(src + '/') or
                got.startswith(allowed) or got.startswith('/usr/lib/')):
            bad.append(line.strip())
    m = call.search(line)
    if not m:
        continue
    n += 1
    where, path = m.group(1) or '', m.group(2)
    if any(x in path for x in never):
        bad.append(line.strip())
    elif path.startswith('/'):
        if path.rstrip('/') != src and not path.startswith(allowed):
            bad.append(line.strip())
    elif where.startswith('AT_FDCWD') or where == '':
        bad.append(line.strip())	# relative to the cwd
    else:
        dirpath = where[where.index('<') + 1:-1]
        ours += dirpath == src
        if dirpath.startswith('/proc/') or dirpath == '/proc':
            continue
        if dirpath != src or '/' in path:
            bad.append(line.strip())
print(f"{n} opens checked, {ours} relative to the source directory, "
      f"{n - ours} others all allowed" if not bad else "")
for b in bad[:20]:
    print("BAD OPEN:", b)
sys.exit(1 if bad or ours == 0 else 0)
EOF
else
	unmount_fs "$mnt"
fi

rel_check_opens "$T/opens" "$src" "$out"

note "the file cut in a loop was reported $(grep -cF shrink.mmstats: "$mnt.log") times"
# Each bad file reported at most once, however often it was rescanned.
for f in trunc-mid labelpast garbage v2 huge; do
	n=$(grep -cF "$f.mmstats:" "$mnt.log")
	[ "$n" -le 1 ] || {
		grep -F "$f.mmstats:" "$mnt.log" | head -5
		fail "$f.mmstats reported $n times in the daemon's log"
	}
done
echo "ok"
exit 0
