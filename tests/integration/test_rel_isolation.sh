#!/bin/sh
# Isolation under -o allow_other: through the mount, nobody reads what the
# source file's owner and mode would not let them read.  Writers of root
# and of user A (uid 4242), with 0600 and 0644 files, and files without a
# pid; readers A and B (uid 4343) via setpriv, no accounts needed.  Also a
# file made 0600 after a reader looked at it (stale attributes in the
# kernel's cache) must be refused at open.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
rel_require_fuse
command -v setpriv >/dev/null || skip "no setpriv"
V=${MMSTATS_VECTORS:-$MMSTATS_TOP/tests/vectors}
A=4242 B_=4343

src=$T/src mnt=$T/mnt
mkdir "$src"
chmod 1777 "$src"
# The build directory may not be reachable by other users: copy the writer.
cp "$H/mmstats-writer" "$T/mmstats-writer"
chmod 755 "$T/mmstats-writer"

as() {	# as UID COMMAND...
	_u=$1; shift
	setpriv --reuid="$_u" --regid="$_u" --clear-groups "$@"
}

# writer OWNER UMASK OUT SPEC: a writer as OWNER (0 = root); sets WPID.
writer() {
	_u=$1 _m=$2 _o=$3; shift 3
	if [ "$_u" = 0 ]; then
		sh -c "umask $_m; exec \"\$@\"" sh \
			"$T/mmstats-writer" -d "$src" "$@" >"$_o" 2>&1 &
	else
		setpriv --reuid="$_u" --regid="$_u" --clear-groups \
			sh -c "umask $_m; exec \"\$@\"" sh \
			"$T/mmstats-writer" -d "$src" "$@" >"$_o" 2>&1 &
	fi
	WPID=$!
	rel_track $WPID
	wait_until 10 grep -qx ready "$_o" || fail "writer as $_u: $(cat "$_o")"
}

writer 0 077 "$T/r600" root.secret=uint32:11;  r600=$WPID
writer 0 022 "$T/r644" root.public=uint32:12;  r644=$WPID
writer $A 077 "$T/a600" a.secret=uint32:21;    a600=$WPID
writer $A 022 "$T/a644" a.public=uint32:22;    a644=$WPID
cp "$V/many_fields.mmstats" "$src/nopid-secret.mmstats"
chmod 600 "$src/nopid-secret.mmstats"
cp "$V/many_fields.mmstats" "$src/nopid-public.mmstats"
chmod 644 "$src/nopid-public.mmstats"
cp "$V/many_fields.mmstats" "$src/nopid-a.mmstats"
chown $A:$A "$src/nopid-a.mmstats"
chmod 600 "$src/nopid-a.mmstats"

mount_fs "$src" "$mnt" -o allow_other
for p in $r600 $r644 $a600 $a644; do
	wait_until 10 test -d "$mnt/$p" ||
		fail "/$p never appeared: $(ls -la "$mnt" "$src"; cat "$mnt.log")"
done
wait_until 10 test -d "$mnt/files/nopid-a.mmstats" ||
	fail "/files/nopid-a.mmstats never appeared: $(ls "$mnt" "$mnt/files" 2>&1)"

n=0
can() {		# can UID PATH VALUE: UID reads VALUE from PATH
	n=$((n + 1))
	got=$(as "$1" cat "$2" 2>&1) ||
		fail "uid $1 cannot read $2: $got"
	[ "$got" = "$3" ] || fail "uid $1 read '$got' from $2, not '$3'"
}
cannot() {	# cannot UID PATH: UID is refused PATH, and sees nothing of it
	n=$((n + 1))
	got=$(as "$1" cat "$2" 2>&1) && fail "uid $1 read $2: '$got'"
	case $got in
	*"Permission denied"*) ;;
	*) fail "uid $1 reading $2: '$got', not 'Permission denied'" ;;
	esac
}
cannot_list() {	# cannot_list UID DIR
	n=$((n + 1))
	got=$(as "$1" ls "$2" 2>&1) && fail "uid $1 listed $2: '$got'"
	case $got in
	*"Permission denied"*) ;;
	*) fail "uid $1 listing $2: '$got', not 'Permission denied'" ;;
	esac
}

# B, a third user: only the 0644 files.
cannot $B_ "$mnt/$r600/root.secret"
cannot $B_ "$mnt/$r600/sys.pid"
cannot_list $B_ "$mnt/$r600"
can $B_ "$mnt/$r644/root.public" 12
cannot $B_ "$mnt/$a600/a.secret"
cannot_list $B_ "$mnt/$a600"
can $B_ "$mnt/$a644/a.public" 22
cannot $B_ "$mnt/files/nopid-secret.mmstats/bulk.counter.007"
cannot $B_ "$mnt/files/nopid-a.mmstats/bulk.counter.007"
can $B_ "$mnt/files/nopid-public.mmstats/bulk.counter.007" 49

# A: its own files whatever their mode, root's only when 0644.
can $A "$mnt/$a600/a.secret" 21
can $A "$mnt/$a644/a.public" 22
can $A "$mnt/files/nopid-a.mmstats/bulk.counter.007" 49
cannot $A "$mnt/$r600/root.secret"
cannot $A "$mnt/files/nopid-secret.mmstats/bulk.counter.007"
can $A "$mnt/$r644/root.public" 12

# Nodes carry the source's owner, and modes without write bits.
stat -c '%u %a' "$mnt/$a600/a.secret" | grep -qx "$A 400" ||
	fail "a.secret is $(stat -c '%u %a' "$mnt/$a600/a.secret"), not $A 400"
stat -c '%u %a' "$mnt/$r644/root.public" | grep -qx "0 444" ||
	fail "root.public is $(stat -c '%u %a' "$mnt/$r644/root.public"), not 0 444"
as $B_ sh -c "echo 1 >'$mnt/$r644/root.public'" 2>/dev/null &&
	fail "uid $B_ wrote to root.public"

# A mode tightened after B looked: refused at open, whatever the cache says.
can $B_ "$mnt/$r644/root.public" 12
chmod 600 "$(head -n 1 "$T/r644")"
cannot $B_ "$mnt/$r644/root.public"
chmod 644 "$(head -n 1 "$T/r644")"

daemon_alive || fail "mmstatsfs died"
echo "ok: $n access checks"
unmount_fs "$mnt"
exit 0
