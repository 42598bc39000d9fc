#!/bin/sh
# test_install.sh - `make install` lays out exactly the expected files
# under DESTDIR, with the paths of PREFIX filled in, and `make uninstall`
# removes every one of them.  Needs no root: everything stays in a
# temporary DESTDIR.  Also runs the installed mount helper against a
# stand-in mount.fuse3 to check what it hands over.
set -eu
# What we install where comes from our command lines only: not from a
# `make check PREFIX=...` that runs us (make exports such variables).
unset MAKEFLAGS MFLAGS MAKELEVEL B PREFIX BINDIR LIBDIR INCDIR \
	MANDIR UNITDIR MOUNTHELPERDIR FUSERMOUNT DESTDIR

top=${MMSTATS_TOP:?}
build=${MMSTATS_BUILD:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Files and symlinks under a directory, one relative path a line, sorted.
tree() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort)
}

# The sanitized build must be relinked, if at all, as it was built.
case $build in
*/asan) san=1 ;;
*) san= ;;
esac

mk() {
	make -s -C "$top" B="$build" SAN="$san" "$@" >"$tmp/make.log" 2>&1 ||
		{ cat "$tmp/make.log" >&2; fail "make $*"; }
}

check_layout() {	# destdir
	cat >"$tmp/expected" <<-EOF
	lib/systemd/system/mmstatsfs.service
	sbin/mount.fuse.mmstatsfs
	sbin/mount.mmstatsfs
	usr/bin/cleanstats
	usr/bin/mmash
	usr/bin/mmstatsfs
	usr/bin/pollstats
	usr/bin/slurpstats
	usr/include/mmstats.h
	usr/lib/libmmstats.a
	usr/lib/libmmstats.so
	usr/lib/libmmstats.so.0
	usr/lib/libmmstats.so.0.1.0
	usr/lib/pkgconfig/mmstats.pc
	usr/share/man/man1/cleanstats.1
	usr/share/man/man1/mmash.1
	usr/share/man/man1/pollstats.1
	usr/share/man/man1/slurpstats.1
	usr/share/man/man3/mmstats.3
	usr/share/man/man5/mmstats.5
	usr/share/man/man8/mmstatsfs.8
	usr/share/man/man8/mount.fuse.mmstatsfs.8
	usr/share/man/man8/mount.mmstatsfs.8
	EOF
	tree "$1" >"$tmp/actual"
	diff -u "$tmp/expected" "$tmp/actual" || fail "installed files differ"
}

check_links() {		# destdir
	d=$1
	[ "$(readlink "$d/usr/lib/libmmstats.so.0")" = libmmstats.so.0.1.0 ] ||
		fail "libmmstats.so.0 does not point at libmmstats.so.0.1.0"
	[ "$(readlink "$d/usr/lib/libmmstats.so")" = libmmstats.so.0.1.0 ] ||
		fail "libmmstats.so does not point at libmmstats.so.0.1.0"
	[ "$(readlink "$d/sbin/mount.fuse.mmstatsfs")" = mount.mmstatsfs ] ||
		fail "mount.fuse.mmstatsfs does not point at mount.mmstatsfs"
	[ "$(readlink "$d/usr/share/man/man8/mount.fuse.mmstatsfs.8")" = \
	  mount.mmstatsfs.8 ] || fail "mount.fuse.mmstatsfs.8 link"
	soname=$(objdump -p "$d/usr/lib/libmmstats.so.0.1.0" |
		 awk '$1 == "SONAME" { print $2 }')
	[ "$soname" = libmmstats.so.0 ] || fail "soname is '$soname'"
}

check_modes() {		# destdir
	for f in usr/bin/mmstatsfs usr/bin/slurpstats sbin/mount.mmstatsfs; do
		[ "$(stat -c %a "$1/$f")" = 755 ] || fail "$f is not 755"
	done
	for f in usr/include/mmstats.h usr/lib/pkgconfig/mmstats.pc \
		 lib/systemd/system/mmstatsfs.service usr/lib/libmmstats.a \
		 usr/share/man/man8/mount.mmstatsfs.8; do
		[ "$(stat -c %a "$1/$f")" = 644 ] || fail "$f is not 644"
	done
}

# The paths of PREFIX, not of the build, end up in what names them.
check_contents() {	# destdir
	d=$1
	pc=$d/usr/lib/pkgconfig/mmstats.pc
	grep -qx 'prefix=/usr' "$pc" || fail "mmstats.pc: prefix"
	grep -qx 'libdir=/usr/lib' "$pc" || fail "mmstats.pc: libdir"
	grep -qx 'includedir=/usr/include' "$pc" || fail "mmstats.pc: includedir"
	PKG_CONFIG_SYSROOT_DIR='' PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" \
		pkg-config --exists --print-errors mmstats || fail "mmstats.pc"
	unit=$d/lib/systemd/system/mmstatsfs.service
	grep -qx 'ExecStart=/usr/bin/mmstatsfs -f -o allow_other /tmp /run/mmstats' \
		"$unit" || fail "unit: ExecStart"
	! grep -Eq '@[A-Z_]+@' "$unit" || fail "unit: placeholder left"
	helper=$d/sbin/mount.mmstatsfs
	sh -n "$helper" || fail "mount.mmstatsfs: syntax"
	grep -q '^PATH=/usr/bin:' "$helper" || fail "mount.mmstatsfs: PATH"
	! grep -Eq '@[A-Z_]+@' "$helper" || fail "mount.mmstatsfs: placeholder left"
}

# Install once more with BINDIR at a stand-in mount.fuse3 that prints its
# arguments: the helper puts BINDIR first in PATH.
check_helper() {
	d=$tmp/helper
	mk install DESTDIR="$d" PREFIX=/usr BINDIR="$tmp/bin" UNITDIR=
	mkdir -p "$tmp/bin"
	# shellcheck disable=SC2016 # expanded by the stand-in
	printf '#!/bin/sh\nfor a; do printf "[%%s]" "$a"; done\n' \
		>"$tmp/bin/mount.fuse3"
	chmod 755 "$tmp/bin/mount.fuse3"
	for h in mount.mmstatsfs mount.fuse.mmstatsfs; do
		out=$("$d/sbin/$h" /tmp /mnt -o allow_other,noauto)
		[ "$out" = "[/tmp][/mnt][-o][allow_other,noauto][-t][fuse.mmstatsfs]" ] ||
			fail "$h handed over: $out"
		out=$("$d/sbin/$h" /tmp /mnt -n -t mmstatsfs -v)
		[ "$out" = "[/tmp][/mnt][-n][-t][mmstatsfs][-v][-t][fuse.mmstatsfs]" ] ||
			fail "$h handed over: $out"
		out=$("$d/sbin/$h" /tmp /mnt -f -o ro)
		[ -z "$out" ] || fail "$h mounted on -f: $out"
		! "$d/sbin/$h" /tmp /mnt -o 2>/dev/null || fail "$h: bare -o"
		! "$d/sbin/$h" /tmp 2>/dev/null || fail "$h: one argument"
	done
	[ ! -e "$d/lib" ] || fail "UNITDIR= still installed the unit"
}

# An install that may not write /lib or /sbin (a user's, into $HOME)
# leaves the unit and the mount helpers out, and uninstalls cleanly.
check_user_install() {
	d=$tmp/user
	mk install DESTDIR="$d" PREFIX=/home/u/.local UNITDIR= MOUNTHELPERDIR=
	[ -x "$d/home/u/.local/bin/mmstatsfs" ] || fail "user install: no daemon"
	left=$(tree "$d" | grep -v '^home/u/\.local/' || true)
	[ -z "$left" ] || fail "user install wrote outside PREFIX: $left"
	! tree "$d" | grep -q mount || fail "user install: mount helper"
	mk uninstall DESTDIR="$d" PREFIX=/home/u/.local UNITDIR= MOUNTHELPERDIR=
	left=$(tree "$d")
	[ -z "$left" ] || fail "left after user uninstall: $left"
}

check_uninstall() {	# destdir
	mk uninstall DESTDIR="$1" PREFIX=/usr
	left=$(tree "$1")
	[ -z "$left" ] || fail "left after uninstall: $left"
}

for f in "$build"/mmstatsfs "$build"/slurpstats "$build"/pollstats \
	 "$build"/cleanstats "$build"/mmash; do
	[ -x "$f" ] || { echo "$f not built"; exit 77; }
done

mk install DESTDIR="$tmp/dest" PREFIX=/usr
check_layout "$tmp/dest"
check_links "$tmp/dest"
check_modes "$tmp/dest"
check_contents "$tmp/dest"
check_uninstall "$tmp/dest"
check_helper
check_user_install
echo "install and uninstall: ok"
