#!/bin/sh
# test_install.sh - `make install` lays out exactly the expected files
# under DESTDIR, all under PREFIX unless UNITDIR or MOUNTHELPERDIR say
# otherwise, with the paths of PREFIX filled in; `make uninstall` removes
# exactly what the install recorded in its manifest: the tree is as
# before, files planted since at its paths (a package's) stay, and so do
# directories that were there before or hold anything else.  Needs no
# root: everything stays in a temporary DESTDIR.  Also runs the installed
# mount helper against a stand-in mount.fuse3 to check what it hands
# over, and has systemd-analyze verify the units.  Directories with
# characters the units, sed or the manifest would mangle are refused
# before anything is written; a DESTDIR with any is installed into.
set -eu
# What we install where comes from our command lines only: not from a
# `make check PREFIX=...` that runs us (make exports such variables).
unset MAKEFLAGS MFLAGS MAKELEVEL B PREFIX BINDIR LIBDIR INCDIR \
	MANDIR UNITDIR MOUNTHELPERDIR FUSERMOUNT DESTDIR MANIFEST

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

# Everything under a directory, directories too, with a checksum of each
# file and the target of each link: what "as before" compares.
state() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r f; do
		if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
		elif [ -d "$f" ]; then echo "$f/"
		else echo "$f $(sha256sum <"$f" | cut -d' ' -f1)"; fi
	done)
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
	usr/bin/cleanstats
	usr/bin/mmash
	usr/bin/mmstatsfs
	usr/bin/pollstats
	usr/bin/slurpstats
	usr/include/mmstats.h
	usr/lib/libmmstats.a
	usr/lib/libmmstats.so
	usr/lib/libmmstats.so.1
	usr/lib/libmmstats.so.1.0.0
	usr/lib/pkgconfig/mmstats.pc
	usr/lib/systemd/system/mmstats-clean.service
	usr/lib/systemd/system/mmstats-clean.timer
	usr/lib/systemd/system/mmstatsfs.service
	usr/sbin/mount.fuse.mmstatsfs
	usr/sbin/mount.mmstatsfs
	usr/share/man/man1/cleanstats.1
	usr/share/man/man1/mmash.1
	usr/share/man/man1/pollstats.1
	usr/share/man/man1/slurpstats.1
	usr/share/man/man3/mmstats.3
	usr/share/man/man5/mmstats.5
	usr/share/man/man8/mmstatsfs.8
	usr/share/man/man8/mount.fuse.mmstatsfs.8
	usr/share/man/man8/mount.mmstatsfs.8
	usr/share/mmstats/install-manifest
	EOF
	tree "$1" >"$tmp/actual"
	diff -u "$tmp/expected" "$tmp/actual" || fail "installed files differ"
}

check_links() {		# destdir
	d=$1
	[ "$(readlink "$d/usr/lib/libmmstats.so.1")" = libmmstats.so.1.0.0 ] ||
		fail "libmmstats.so.1 does not point at libmmstats.so.1.0.0"
	[ "$(readlink "$d/usr/lib/libmmstats.so")" = libmmstats.so.1.0.0 ] ||
		fail "libmmstats.so does not point at libmmstats.so.1.0.0"
	[ "$(readlink "$d/usr/sbin/mount.fuse.mmstatsfs")" = mount.mmstatsfs ] ||
		fail "mount.fuse.mmstatsfs does not point at mount.mmstatsfs"
	[ "$(readlink "$d/usr/share/man/man8/mount.fuse.mmstatsfs.8")" = \
	  mount.mmstatsfs.8 ] || fail "mount.fuse.mmstatsfs.8 link"
	soname=$(objdump -p "$d/usr/lib/libmmstats.so.1.0.0" |
		 awk '$1 == "SONAME" { print $2 }')
	[ "$soname" = libmmstats.so.1 ] || fail "soname is '$soname'"
}

check_modes() {		# destdir
	for f in usr/bin/mmstatsfs usr/bin/slurpstats usr/sbin/mount.mmstatsfs; do
		[ "$(stat -c %a "$1/$f")" = 755 ] || fail "$f is not 755"
	done
	for f in usr/include/mmstats.h usr/lib/pkgconfig/mmstats.pc \
		 usr/lib/systemd/system/mmstatsfs.service usr/lib/libmmstats.a \
		 usr/lib/systemd/system/mmstats-clean.service \
		 usr/lib/systemd/system/mmstats-clean.timer \
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
	unit=$d/usr/lib/systemd/system/mmstatsfs.service
	grep -qx 'ExecStart=/usr/bin/mmstatsfs -f -o allow_other /tmp /run/mmstats' \
		"$unit" || fail "unit: ExecStart"
	! grep -Eq '@[A-Z_]+@' "$unit" || fail "unit: placeholder left"
	clean=$d/usr/lib/systemd/system/mmstats-clean.service
	grep -qx 'ExecStart=/usr/bin/cleanstats' "$clean" ||
		fail "mmstats-clean.service: ExecStart"
	! grep -Eq '@[A-Z_]+@' "$clean" || fail "mmstats-clean: placeholder left"
	grep -qx 'WantedBy=timers.target' \
		"$d/usr/lib/systemd/system/mmstats-clean.timer" ||
		fail "mmstats-clean.timer: not wanted by timers.target"
	helper=$d/usr/sbin/mount.mmstatsfs
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
		out=$("$d/usr/sbin/$h" /tmp /mnt -o allow_other,noauto)
		[ "$out" = "[/tmp][/mnt][-o][allow_other,noauto][-t][fuse.mmstatsfs]" ] ||
			fail "$h handed over: $out"
		out=$("$d/usr/sbin/$h" /tmp /mnt -n -t mmstatsfs -v)
		[ "$out" = "[/tmp][/mnt][-n][-t][mmstatsfs][-v][-t][fuse.mmstatsfs]" ] ||
			fail "$h handed over: $out"
		out=$("$d/usr/sbin/$h" /tmp /mnt -f -o ro)
		[ -z "$out" ] || fail "$h mounted on -f: $out"
		! "$d/usr/sbin/$h" /tmp /mnt -o 2>/dev/null || fail "$h: bare -o"
		! "$d/usr/sbin/$h" /tmp 2>/dev/null || fail "$h: one argument"
	done
	[ ! -e "$d/usr/lib/systemd" ] || fail "UNITDIR= still installed the units"
	mk uninstall DESTDIR="$d" PREFIX=/usr BINDIR="$tmp/bin" UNITDIR=
	left=$(tree "$d")
	[ -z "$left" ] || fail "left after uninstall: $left"
}

# An install as a user into $HOME: everything under PREFIX, the units
# and mount helpers too, and nothing else; uninstall leaves nothing.
check_user_install() {
	d=$tmp/user
	mk install DESTDIR="$d" PREFIX=/home/u/.local
	[ -x "$d/home/u/.local/bin/mmstatsfs" ] || fail "user install: no daemon"
	[ -f "$d/home/u/.local/lib/systemd/system/mmstats-clean.timer" ] ||
		fail "user install: no timer under PREFIX"
	[ -x "$d/home/u/.local/sbin/mount.mmstatsfs" ] ||
		fail "user install: no mount helper under PREFIX"
	left=$(tree "$d" | grep -v '^home/u/\.local/' || true)
	[ -z "$left" ] || fail "user install wrote outside PREFIX: $left"
	mk uninstall DESTDIR="$d" PREFIX=/home/u/.local
	left=$(cd "$d" && find . -mindepth 1)
	[ -z "$left" ] || fail "left after user uninstall: $left"
}

# Outside PREFIX only when told, and uninstalled from there too.
check_told_dirs() {
	d=$tmp/told
	mk install DESTDIR="$d" PREFIX=/usr/local UNITDIR=/lib/systemd/system \
		MOUNTHELPERDIR=/sbin
	for f in lib/systemd/system/mmstatsfs.service \
		 lib/systemd/system/mmstats-clean.timer sbin/mount.mmstatsfs; do
		[ -e "$d/$f" ] || fail "told dirs: no /$f"
	done
	[ ! -e "$d/usr/local/sbin" ] || fail "told dirs: helper under PREFIX"
	mk uninstall DESTDIR="$d" PREFIX=/usr/local UNITDIR=/lib/systemd/system \
		MOUNTHELPERDIR=/sbin
	left=$(cd "$d" && find . -mindepth 1)
	[ -z "$left" ] || fail "left after uninstall: $left"
}

# A tree that holds things already; install twice; then a package takes
# over two paths (a file with its own content, a link elsewhere) and
# someone adds a file in a directory the install made.  Uninstall leaves
# exactly the tree as before, plus those three, and their directories.
check_uninstall_exact() {
	d=$tmp/exact
	mkdir -p "$d/usr/local/share/man/man1" "$d/usr/local/lib/systemd"
	echo theirs >"$d/usr/local/share/man/man1/other.1"
	state "$d" >"$tmp/before"
	mk install DESTDIR="$d" PREFIX=/usr/local
	mk install DESTDIR="$d" PREFIX=/usr/local
	left=$(tree "$d" | grep -v '^usr/local/' || true)
	[ -z "$left" ] || fail "install wrote outside PREFIX: $left"
	m=$d/usr/local/share/mmstats/install-manifest
	grep -q "	/usr/local/bin/mmstatsfs\$" "$m" || fail "manifest lacks mmstatsfs"
	rm "$d/usr/local/sbin/mount.mmstatsfs"
	echo '#!/bin/sh' >"$d/usr/local/sbin/mount.mmstatsfs"
	ln -sfn /elsewhere "$d/usr/local/sbin/mount.fuse.mmstatsfs"
	echo mine >"$d/usr/local/bin/added-later"
	mk uninstall DESTDIR="$d" PREFIX=/usr/local
	state "$d" >"$tmp/after"
	cat >"$tmp/planted" <<-EOF
	./usr/local/bin/
	./usr/local/bin/added-later $(echo mine | sha256sum | cut -d' ' -f1)
	./usr/local/sbin/
	./usr/local/sbin/mount.fuse.mmstatsfs -> /elsewhere
	./usr/local/sbin/mount.mmstatsfs $(echo '#!/bin/sh' | sha256sum | cut -d' ' -f1)
	EOF
	LC_ALL=C sort "$tmp/before" "$tmp/planted" >"$tmp/expected"
	diff -u "$tmp/expected" "$tmp/after" ||
		fail "uninstall did not leave the tree as before plus the planted files"
	! make -s -C "$top" B="$build" SAN="$san" uninstall DESTDIR="$d" \
		PREFIX=/usr/local >"$tmp/make.log" 2>&1 ||
		fail "a second uninstall found a manifest"
	grep -q 'no such manifest' "$tmp/make.log" ||
		fail "a second uninstall did not say why it failed"
}

# Directories that units, sed, the helper's PATH or the manifest would
# get wrong, relative ones, and a DESTDIR make would expand or mkdir
# take as an option, are refused before anything is built or written,
# with a line that names the variable.
check_refused_dirs() {
	d=$tmp/refused
	for v in "PREFIX=/opt/a b" "PREFIX=/opt/it's" "PREFIX=/opt/a|b" \
		 "PREFIX=/opt/a&b" "BINDIR=/opt/x:y" "UNITDIR=/opt/%n" \
		 "MOUNTHELPERDIR=/opt/a\"b" "LIBDIR=/opt/\$\$x" \
		 "MANIFEST=/opt/m	tab" "PREFIX=~/x" "PREFIX=opt/x" \
		 "BINDIR=-opt/x" "UNITDIR=@opt" "FUSERMOUNT=fusermount3" \
		 "DESTDIR=$d/\$\$x" "DESTDIR=$d/\$x" "DESTDIR=-$d"; do
		for goal in install uninstall; do
			! make -s -C "$top" B="$build" SAN="$san" "$goal" \
				DESTDIR="$d" "$v" >"$tmp/make.log" 2>&1 ||
				fail "make $goal $v was not refused"
			grep -q "^packaging/dirs.mk:.*\*\*\* ${v%%=*}=.*: cannot" \
				"$tmp/make.log" ||
				{ cat "$tmp/make.log"; fail "make $goal $v: no reason"; }
			[ ! -e "$d" ] && [ ! -e "-$d" ] ||
				fail "make $goal $v wrote into DESTDIR"
		done
	done
}

# A PREFIX with a trailing and a doubled slash installs and uninstalls.
check_slashes() {
	d=$tmp/slashes
	mk install DESTDIR="$d" PREFIX=/opt//mm/
	[ -x "$d/opt/mm/bin/mmstatsfs" ] || fail "PREFIX=/opt//mm/: no daemon"
	mk uninstall DESTDIR="$d" PREFIX=/opt//mm/
	left=$(cd "$d" && find . -mindepth 1)
	[ -z "$left" ] || fail "left after uninstall: $left"
}

# DESTDIR is only passed to the shell: spaces and quotes in it work.
check_odd_destdir() {
	d="$tmp/it's a \"dest\" & |"
	mk install DESTDIR="$d" PREFIX=/usr
	check_layout "$d"
	mk uninstall DESTDIR="$d" PREFIX=/usr
	left=$(cd "$d" && find . -mindepth 1)
	[ -z "$left" ] || fail "left after uninstall: $left"
}

check_uninstall() {	# destdir
	left=$(tree "$1" | grep -v '^usr/' || true)
	[ -z "$left" ] || fail "install wrote outside PREFIX: $left"
	mk uninstall DESTDIR="$1" PREFIX=/usr
	left=$(cd "$1" && find . -mindepth 1)
	[ -z "$left" ] || fail "left after uninstall: $left"
}

# The units pass systemd-analyze verify, pointed at the built programs.
check_units_verify() {
	command -v systemd-analyze >/dev/null ||
		{ echo "no systemd-analyze: units not verified"; return 0; }
	d=$tmp/verify
	mk install DESTDIR="$d" PREFIX=/usr BINDIR="$build" MOUNTHELPERDIR=
	(cd "$d/usr/lib/systemd/system" &&
	 systemd-analyze verify --man=no ./mmstatsfs.service \
		./mmstats-clean.service ./mmstats-clean.timer) >"$tmp/verify.out" 2>&1 ||
		{ cat "$tmp/verify.out"; fail "systemd-analyze verify"; }
	[ ! -s "$tmp/verify.out" ] || { cat "$tmp/verify.out"; fail "verify warned"; }
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
check_told_dirs
check_uninstall_exact
check_refused_dirs
check_slashes
check_odd_destdir
check_units_verify
echo "install and uninstall: ok"
