#!/bin/sh
# Spoofing through a shared source directory (the default is /tmp, where
# anyone may create files): user A (uid 4242) forges a file that claims
# to be written by a root process P, with P's real sys.pid and
# sys.starttime, and a field of the same label.  A file whose owner is
# not the user the process runs as is not that process's file: /P/ must
# show P's own value, not one A chose, nor one summed with A's, and a
# forged 0600 file must not hide P's values from other users.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
command -v setpriv >/dev/null || skip "no setpriv"
A=4242

src=$T/src mnt=$T/mnt
mkdir "$src"
chmod 1777 "$src"
start_writer "$T/w.out" -d "$src" -k hits=counter:5 name=string:real
p=$WRITER_PID
mount_fs "$src" "$mnt" -o allow_other
wait_until 10 test -e "$mnt/$p/hits" || fail "/$p/hits never appeared"
[ "$(cat "$mnt/$p/hits")" = 5 ] || fail "/$p/hits is not 5 to start with"

# A format-1 file, written from the format description, as user A.
PY=/usr/bin/python3
[ -x $PY ] || skip "no /usr/bin/python3 for another user"
setpriv --reuid=$A --regid=$A --clear-groups $PY - "$src" "$p" <<'EOF' ||
import os, struct, sys, time
src, pid = sys.argv[1], int(sys.argv[2])
stat = open(f'/proc/{pid}/stat').read()
start = int(stat[stat.rindex(')') + 2:].split()[19])
def field(label, sig, value):
    label = label.encode()
    return (struct.pack('<H', len(label)) + label +
            struct.pack('<H', len(sig)) + sig.encode() + b'\xff' + value)
body = (field('hits', 'Q', struct.pack('<Q', 1000000)) +
        field('name', '8s', b'forged\0\0') +
        field('sys.pid', 'I', struct.pack('<I', pid)) +
        field('sys.starttime', 'Q', struct.pack('<Q', start)) +
        field('sys.created', 'd', struct.pack('<d', time.time())))
path = os.path.join(src, f'forged-{pid}.mmstats')
with open(path + '.tmp', 'wb') as f:
    f.write((b'\x01' + body).ljust(4096, b'\0'))
os.chmod(path + '.tmp', 0o644)
os.rename(path + '.tmp', path)
EOF
	fail "cannot forge the file"
[ "$(stat -c %u "$src/forged-$p.mmstats")" = $A ] || fail "forged file not A's"

# Give the daemon every chance to take it: events, a listing, lookups.
sleep 0.3
ls -R "$mnt/$p" >/dev/null 2>&1
hits=$(cat "$mnt/$p/hits" 2>&1)
name=$(cat "$mnt/$p/name" 2>&1)
tasks=$(ls "$mnt/$p/task" 2>&1 | tr '\n' ' ')
note "/$p/hits: $hits, /$p/name: $name, /$p/task: $tasks"
daemon_alive || fail "mmstatsfs died"
[ "$hits" = 5 ] && [ "$name" = real ] ||
	fail "a file owned by uid $A speaks for root process $p (hits=$hits name=$name)"
[ "$tasks" = "$p " ] || fail "/$p/task lists a forged file: $tasks"

# A forged 0600 file must not hide the process from other users either.
chmod 600 "$src/forged-$p.mmstats"
sleep 0.2
got=$(setpriv --reuid=4343 --regid=4343 --clear-groups cat "$mnt/$p/hits" 2>&1)
[ "$got" = 5 ] || fail "a forged 0600 file hides /$p/hits from uid 4343: $got"
unmount_fs "$mnt"
echo ok
exit 0
