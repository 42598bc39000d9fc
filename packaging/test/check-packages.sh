#!/bin/bash
# check-packages.sh - build the Debian packages of this tree, lint them,
# install them on this machine, check that they work, then remove them.
#
#	make check-packaging		(or run this file directly)
#
# Needs root, dpkg-buildpackage, lintian, apt-get and /dev/fuse; without
# them it says so and skips.  It changes the machine only while it runs:
# on any exit it unmounts what it mounted, restores /etc/fstab, purges
# the packages it installed along with whatever apt-get pulled in for
# them, and undoes its `make install` into /usr/local.  One PASS/FAIL/SKIP line per check, logs in $KEEP (when set)
# or a temporary directory, and a last line "N passed, N failed, N
# skipped"; exit status 1 when a check failed.
set -u
# Run from `make check-packaging PREFIX=...`: none of that make's jobs or
# variables (which it exports) may leak into the package build or into
# our own make calls.
unset MAKEFLAGS MFLAGS MAKELEVEL B PREFIX BINDIR LIBDIR INCDIR \
	MANDIR UNITDIR MOUNTHELPERDIR FUSERMOUNT DESTDIR MANIFEST
# The package build runs the unit tests (make check-unit) unless told
# nocheck.  `make check` has just run them, twice, in CI; a third run
# adds only its chance to hit a flaky test.  DEB_BUILD_OPTIONS= (set,
# even empty) runs them.
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck}

top=$(cd "$(dirname "$0")/../.." && pwd)
version=$(sed -n '1s/.*(\(.*\)).*/\1/p' "$top/packaging/debian/changelog")
packages=(libmmstats1 libmmstats-dev mmstats-tools mmstatsfs)
tools=(slurpstats pollstats cleanstats mmash)
label=ticker.ticks
pass=0 fail=0 skip=0

say() { printf '%s\n' "$*"; }

skip_all() {
	say "SKIP check-packages: $*"
	say "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ "$(id -u)" = 0 ] || skip_all "needs root (it installs packages)"
for t in dpkg-buildpackage lintian apt-get fakeroot mount.fuse3 \
	 fusermount3 pkg-config curl; do
	command -v "$t" >/dev/null || skip_all "$t is not installed"
done
[ -c /dev/fuse ] || skip_all "no /dev/fuse"
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed &&
		skip_all "$p is installed already; remove it first"
done

work=$(mktemp -d /tmp/mmstats-pkg.XXXXXX)
logs=${KEEP:-$work/logs}
mkdir -p "$logs" "$work/src" "$work/debs"
src=$work/stats			# where the writer's file lives
ticker_pid=
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)

# ------------------------------------------------------------------
# Leaving the machine as it was
# ------------------------------------------------------------------

our_mounts() {
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo
}

# A `make install` into /usr/local made before (by hand, or a run of this
# script that was killed) would shadow the packages: ld.so, pkg-config and
# man look in /usr/local first, and the system-install check would take
# its files for its own.  Every file that `make install` would write
# (found by one into a scratch DESTDIR) is set aside while the packages
# are checked, and put back after.  Never deleted: if putting them back
# fails, they stay where they were set aside, and that is said.
aside=
set_aside() {
	local probe=$work/probe f
	make -s -C "$work/src/mmstats-$version" B=build/deb PREFIX=/usr/local \
		MOUNTHELPERDIR=/sbin DESTDIR="$probe" install >/dev/null ||
		die "make install into $probe failed"
	while IFS= read -r -d '' f; do
		f=/$f
		[ -e "$f" ] || [ -L "$f" ] || continue
		[ -n "$aside" ] || aside=$(mktemp -d /var/tmp/mmstats-aside.XXXXXX)
		mkdir -p "$aside$(dirname "$f")"
		mv "$f" "$aside$f" || die "cannot set $f aside"
		say "note: $f set aside in $aside while the packages are checked"
	done < <(find "$probe" ! -type d -printf '%P\0')
	rm -rf "$probe"
	[ -z "$aside" ] || ldconfig
}

put_back() {
	local f
	[ -n "$aside" ] || return 0
	while IFS= read -r -d '' f; do
		f=${f#"$aside"}
		mkdir -p "$(dirname "$f")" && mv -n "$aside$f" "$f"
	done < <(find "$aside" ! -type d -print0)
	if [ -z "$(find "$aside" ! -type d)" ]; then
		rm -rf "$aside"
	else
		say "check-packages: some files stay set aside in $aside"
	fi
	ldconfig
}

cleanup() {
	set +e
	[ -n "$ticker_pid" ] && kill "$ticker_pid" 2>/dev/null &&
		wait "$ticker_pid" 2>/dev/null
	for m in $(our_mounts); do
		fusermount3 -u -z "$m" 2>/dev/null || umount -l "$m"
	done
	if [ -f "$work/local-installed" ]; then
		make -s -C "$work/src/mmstats-$version" B=build/deb \
			PREFIX=/usr/local MOUNTHELPERDIR=/sbin uninstall \
			>>"$logs/cleanup.log" 2>&1
		remove_new_dirs >>"$logs/cleanup.log" 2>&1
	fi
	if [ -f "$work/fstab" ] && ! cmp -s "$work/fstab" /etc/fstab; then
		cat "$work/fstab" >/etc/fstab
	fi
	if [ -s "$work/added" ]; then
		mapfile -t added <"$work/added"
		apt_get purge "${added[@]}" >>"$logs/remove.log" 2>&1
	fi
	put_back
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------
# Running checks
# ------------------------------------------------------------------

# check NAME FUNCTION: run FUNCTION in a subshell under `set -e`; its
# output goes to a log that is shown when it fails.  Never call it as a
# condition (if check ...): bash would then ignore set -e inside it.
# passed tells whether it passed.
check() {
	local name=$1 log="$logs/$1.log" rc start secs
	shift
	start=$(date +%s)
	(set -e; "$@") >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	passed=false
	case $rc in
	0)  pass=$((pass + 1)); passed=true; say "PASS $name (${secs}s)" ;;
	77) skip=$((skip + 1)); say "SKIP $name: $(tail -n 1 "$log")" ;;
	*)  fail=$((fail + 1)); say "FAIL $name (${secs}s), last lines of $log:"
	    tail -n 25 "$log" | sed 's/^/    /' ;;
	esac
}

die() {
	echo "$*" >&2
	exit 1
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

is_mounted() {
	awk -v m="$1" '$5 == m { found = 1 } END { exit !found }' \
		/proc/self/mountinfo
}

# ------------------------------------------------------------------
# Building and installing
# ------------------------------------------------------------------

# dpkg-buildpackage wants debian/ at the top of the source: build a copy
# of the tree where packaging/debian has moved there.
build_packages() {
	local tree=$work/src/mmstats-$version
	mkdir -p "$tree"
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . |
		tar -C "$tree" -xf -
	mv "$tree/packaging/debian" "$tree/debian"
	if ! (cd "$tree" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1
	then
		cat "$work/build.log"
		grep -E -A8 '^FAIL |error:' "$work/build.log" | head -n 40
		die "dpkg-buildpackage failed"
	fi
	tail -n 5 "$work/build.log"
	mv "$work/src"/*.deb "$work/src"/*.changes "$work/src"/*.buildinfo \
		"$work/debs/"
	ls -l "$work/debs"
}

lint_packages() {
	lintian --fail-on error --info --display-level '>=pedantic' \
		"$work/debs/mmstats_${version}_"*.changes
}

# deb_has DEB PATH...: the package holds each PATH.
deb_has() {
	local deb=$1 path
	shift
	dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/list"
	for path; do
		grep -qx "$path" "$work/list" || die "$(basename "$deb") lacks $path"
	done
}

check_contents() {
	local d=$work/debs ma=/usr/lib/$multiarch t
	deb_has "$d"/libmmstats1_*.deb "$ma/libmmstats.so.1" \
		"$ma/libmmstats.so.1.0.0"
	deb_has "$d"/libmmstats-dev_*.deb "$ma/libmmstats.so" \
		"$ma/libmmstats.a" "$ma/pkgconfig/mmstats.pc" \
		/usr/include/mmstats.h /usr/share/man/man3/mmstats.3.gz
	for t in "${tools[@]}"; do
		deb_has "$d"/mmstats-tools_*.deb "/usr/bin/$t" \
			"/usr/share/man/man1/$t.1.gz"
	done
	deb_has "$d"/mmstats-tools_*.deb \
		/lib/systemd/system/mmstats-clean.service \
		/lib/systemd/system/mmstats-clean.timer
	deb_has "$d"/mmstatsfs_*.deb /usr/bin/mmstatsfs \
		/lib/systemd/system/mmstatsfs.service /sbin/mount.mmstatsfs \
		/sbin/mount.fuse.mmstatsfs /usr/share/man/man8/mmstatsfs.8.gz
	dpkg-deb -f "$d"/mmstatsfs_*.deb Depends | grep -qw fuse3 ||
		die "mmstatsfs does not depend on fuse3"
	dpkg-deb -e "$d"/libmmstats1_*.deb "$work/control"
	grep -q mmstats_ "$work/control/symbols" || die "no symbols file"
}

# Wait for a dpkg lock that someone else holds rather than fail.
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q \
		-o DPkg::Lock::Timeout=120 "$@"
}

installed_packages() {
	dpkg-query -W -f='${db:Status-Status} ${Package}\n' |
		awk '$1 == "installed" { print $2 }' | LC_ALL=C sort
}

install_packages() {
	local p debs=()
	installed_packages >"$work/before"
	for p in "${packages[@]}"; do
		debs+=("$work/debs/${p}_${version}_"*.deb)
	done
	# What gets purged at exit, even if the install breaks half way.
	printf '%s\n' "${packages[@]}" >"$work/added"
	apt_get install "${debs[@]}"
	installed_packages | LC_ALL=C comm -13 "$work/before" - >"$work/added"
	cat "$work/added"
	for p in "${packages[@]}"; do
		grep -qx "$p" "$work/added" || die "$p was not installed"
	done
}

remove_packages() {
	local added
	mapfile -t added <"$work/added"
	apt_get purge "${added[@]}"
	: >"$work/added"
	installed_packages | diff -u "$work/before" - ||
		die "the set of installed packages changed"
	for f in /usr/bin/mmstatsfs /sbin/mount.mmstatsfs \
		 /sbin/mount.fuse.mmstatsfs /lib/systemd/system/mmstatsfs.service \
		 /etc/systemd/system/multi-user.target.wants/mmstatsfs.service \
		 /lib/systemd/system/mmstats-clean.timer \
		 /etc/systemd/system/timers.target.wants/mmstats-clean.timer \
		 "/usr/lib/$multiarch/libmmstats.so.1"; do
		if [ -e "$f" ] || [ -L "$f" ]; then die "$f is left"; fi
	done
}

# ------------------------------------------------------------------
# What the installed packages do
# ------------------------------------------------------------------

check_library() {
	# /lib and /usr/lib are one directory on bookworm: either will do.
	ldconfig -p | grep -F "libmmstats.so.1 " |
		grep -qF "lib/$multiarch/libmmstats.so.1" ||
		die "ldconfig does not know libmmstats.so.1"
	local v libdir
	v=$(pkg-config --modversion mmstats)
	[ "$v" = "$version" ] || die "pkg-config says version $v, not $version"
	libdir=$(pkg-config --variable=libdir mmstats)
	[ "$libdir" = "/usr/lib/$multiarch" ] ||
		die "pkg-config says libdir $libdir, not /usr/lib/$multiarch"
}

# A program built as a user builds one; it stays running, as the live
# writer the mounts below show.
start_ticker() {
	# shellcheck disable=SC2046 # flags are words
	cc -o "$work/ticker" "$top/packaging/test/ticker.c" \
		$(pkg-config --cflags --libs mmstats)
	ldd "$work/ticker" | grep -F "lib/$multiarch/libmmstats.so.1" || {
		ldd "$work/ticker"
		die "the ticker does not load the package's libmmstats.so.1"
	}
	mkdir -p "$src"
	"$work/ticker" "$src" >"$work/ticker.out" 2>"$logs/ticker.err" &
	echo $! >"$work/ticker.pid"
	wait_for 5 test -s "$work/ticker.out" || die "ticker wrote no path"
	ls -l "$(cat "$work/ticker.out")"
}

# The same program linked with libmmstats.a and the system libraries
# mmstats.pc names for static links: it runs, and removes its file on
# SIGTERM.
check_static_library() {
	local dir=$work/static pid file libdir
	libdir=$(pkg-config --variable=libdir mmstats)
	pkg-config --static --libs mmstats | grep -F -- '-lpthread -lm'
	cc -o "$work/ticker-static" "$top/packaging/test/ticker.c" \
		"$libdir/libmmstats.a" -lpthread -lm
	! ldd "$work/ticker-static" | grep -F libmmstats ||
		die "linked with the shared library"
	mkdir -p "$dir"
	"$work/ticker-static" "$dir" >"$work/static.out" &
	pid=$!
	wait_for 5 test -s "$work/static.out" || die "no file"
	file=$(cat "$work/static.out")
	[ -f "$file" ] || die "$file does not exist"
	kill -TERM "$pid"
	wait "$pid" || die "ticker exited $? on SIGTERM"
	[ ! -e "$file" ] || die "ticker left $file"
}

check_tools() {
	local t file pid url
	file=$(cat "$work/ticker.out")
	for t in "${tools[@]}"; do
		"$t" --version | grep -F 0.2.0 || die "$t --version"
		"$t" --help >/dev/null || die "$t --help"
	done
	slurpstats "$file" | tee "$work/slurp"
	grep -q "$label" "$work/slurp" || die "slurpstats does not show $label"

	# The writer lives: cleanstats must leave its file alone.
	cleanstats -v "$src"
	[ -e "$file" ] || die "cleanstats removed a live writer's file"

	# mmash on a free port (-p 0), which it prints.
	mmash -p 0 -g "$src/*.mmstats" >"$work/mmash.out" 2>&1 &
	pid=$!
	wait_for 5 grep -q 'http://' "$work/mmash.out" || die "mmash did not start"
	url=$(grep -o 'http://[^ ]*/' "$work/mmash.out" | head -n 1)
	curl -sf --max-time 5 "${url}metrics" | tee "$work/metrics" | head
	kill -TERM "$pid"
	wait "$pid" || die "mmash did not exit 0 on SIGTERM"
	grep -q "${label//./_}" "$work/metrics" || die "no $label in /metrics"
}

# ticks MOUNTPOINT: the counter as the mounted tree shows it.
ticks() {
	local f
	f=$1/files/$(basename "$(cat "$work/ticker.out")")/$label
	timeout 5 cat "$f"
}

# moved_past MOUNTPOINT N: the counter under MOUNTPOINT is above N.
moved_past() {
	local now
	now=$(ticks "$1") && [[ $now =~ ^[0-9]+$ ]] && [ "$now" -gt "$2" ]
}

# shows_live MOUNTPOINT: the tree shows the counter, and it moves (the
# writer adds 100 a second; allow for caching by the kernel or daemon).
shows_live() {
	local a
	a=$(ticks "$1") || die "cannot read $label under $1"
	echo "$label: $a"
	[[ $a =~ ^[0-9]+$ ]] || die "not a counter: '$a'"
	wait_for 5 moved_past "$1" "$a" || die "$label did not move under $1"
	echo "$label: $(ticks "$1")"
}

is_unmounted() {
	! is_mounted "$1"
}

unmount() {
	timeout 10 umount "$1"
	wait_for 5 is_unmounted "$1" || die "$1 still mounted"
}

mount_daemon() {
	local mnt=$work/mnt-daemon
	mmstatsfs --version | grep -F 0.2.0 || die "mmstatsfs --version"
	mkdir -p "$mnt"
	timeout 20 mmstatsfs "$src" "$mnt"
	is_mounted "$mnt" || die "mmstatsfs returned, $mnt is not mounted"
	shows_live "$mnt"
	unmount "$mnt"
}

mount_type() {		# TYPE
	local mnt=$work/mnt-$1
	mkdir -p "$mnt"
	timeout 20 mount -t "$1" -o allow_other "$src" "$mnt"
	awk -v m="$mnt" '$5 == m { print }' /proc/self/mountinfo |
		grep -F fuse.mmstatsfs || die "no fuse.mmstatsfs at $mnt"
	shows_live "$mnt"
	unmount "$mnt"
}

# The fstab line of mount.mmstatsfs(8), but at a temporary directory that
# X-mount.mkdir creates, and noauto: only `mount MOUNTPOINT` mounts it.
mount_fstab() {
	local mnt=$work/mnt-fstab
	local opts=allow_other,nofail,X-mount.mkdir,x-systemd.requires-mounts-for=/tmp
	cp /etc/fstab "$work/fstab"
	printf '%s %s fuse.mmstatsfs noauto,%s 0 0\n' "$src" "$mnt" "$opts" \
		>>/etc/fstab
	[ ! -e "$mnt" ] || die "$mnt exists: X-mount.mkdir is not tested"
	timeout 20 mount "$mnt"
	shows_live "$mnt"
	unmount "$mnt"
	cat "$work/fstab" >/etc/fstab
	rm "$work/fstab"
}

check_unit_file() {
	local d=/lib/systemd/system
	command -v systemd-analyze >/dev/null ||
		{ echo "systemd-analyze is not installed"; exit 77; }
	systemd-analyze verify "$d/mmstatsfs.service" \
		"$d/mmstats-clean.service" "$d/mmstats-clean.timer" \
		>"$work/verify" 2>&1 ||
		{ cat "$work/verify"; die "systemd-analyze verify failed"; }
	[ ! -s "$work/verify" ] || { cat "$work/verify"; die "verify warned"; }
	[ -L /etc/systemd/system/multi-user.target.wants/mmstatsfs.service ] ||
		die "the unit is not enabled"
	[ -L /etc/systemd/system/timers.target.wants/mmstats-clean.timer ] ||
		die "mmstats-clean.timer is not enabled"
}


# unit_command KEY MOUNTPOINT: the unit's command lines for KEY, one a
# line, at MOUNTPOINT instead of /run/mmstats, with "$$" the shell's "$":
# to be run by eval, as systemd's quoting is the shell's.
unit_command() {
	sed -n "s|^$1=||p" /lib/systemd/system/mmstatsfs.service |
		sed "s|/run/mmstats|$2|g; s|/tmp |$src |; s|\\$\\$|\\$|g"
}

# run_all COMMANDS: each line in turn, as systemd does: one that fails
# is an error unless it has systemd's "-" prefix.
run_all() {
	local cmd
	while IFS= read -r cmd; do
		case $cmd in
		'') ;;
		-*) eval "${cmd#-}" || true ;;
		*)  eval "$cmd" || die "failed: $cmd" ;;
		esac
	done <<<"$1"
}

# start_unit MOUNTPOINT: ExecStartPre, then ExecStart in the background,
# as systemd runs them; the daemon's pid in $pid.
start_unit() {
	run_all "$start_pre"
	$start &
	pid=$!
	wait_for 10 is_mounted "$1" || die "ExecStart did not mount"
}

# Without systemd to run it (a container), run what the unit runs, and do
# what systemd does on stop and on a crash.  (try-under-systemd.sh checks
# the unit under systemd itself, by hand.)
check_unit_commands() {
	local mnt=$work/mnt-unit start_pre start stop_post pid rc
	start_pre=$(unit_command ExecStartPre "$mnt")
	start=$(unit_command ExecStart "$mnt")
	stop_post=$(unit_command ExecStopPost "$mnt")
	printf '%s\n' "start-pre: $start_pre" "start: $start" \
		"stop-post: $stop_post"
	[ -n "$start" ] && [ -n "$stop_post" ]

	# systemctl start, with no mount point yet (/run is new at boot).
	[ ! -e "$mnt" ]
	start_unit "$mnt"
	shows_live "$mnt"

	# systemctl stop: SIGTERM; the daemon unmounts and exits 0, so the
	# unit ends "inactive", not "failed".
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || die "the daemon exited $rc on SIGTERM"
	! is_mounted "$mnt" || die "still mounted after SIGTERM"
	run_all "$stop_post"

	# A crash leaves a dead mount; ExecStopPost clears it, and the
	# restart mounts again.
	start_unit "$mnt"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	is_mounted "$mnt" || die "SIGKILL unmounted: cannot test ExecStopPost"
	run_all "$stop_post"
	! is_mounted "$mnt" || die "ExecStopPost left the dead mount"
	start_unit "$mnt"
	shows_live "$mnt"

	# A dead mount that no ExecStopPost cleared: the start clears it.
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	start_unit "$mnt"
	shows_live "$mnt"
	kill -TERM "$pid"
	wait "$pid" || die "the daemon exited $? on SIGTERM"
}

check_man_pages() {
	local page path warn
	for page in 1:slurpstats 1:pollstats 1:cleanstats 1:mmash 3:mmstats \
		    5:mmstats 8:mmstatsfs 8:mount.mmstatsfs \
		    8:mount.fuse.mmstatsfs; do
		path=$(man -w "${page%%:*}" "${page#*:}") ||
			die "no manual page $page"
		echo "$page: $path"
		warn=$(MANWIDTH=80 man --warnings -l "$path" 2>&1 >/dev/null)
		[ -z "$warn" ] || die "$path: $warn"
	done
}

# `make install` and `make uninstall`, on the tree just packaged, built.
check_make_install() {
	local tree=$work/src/mmstats-$version
	MMSTATS_TOP=$tree MMSTATS_BUILD=$tree/build/deb \
		sh "$top/tests/integration/test_install.sh"
}

# make uninstall leaves the directories make install made, as is the
# custom; take away those that were not there before, deepest first.
remove_new_dirs() {
	find /usr/local /sbin /lib/systemd/system -xdev -type d |
		LC_ALL=C sort | LC_ALL=C comm -13 "$work/dirs-before" - |
		sort -r | xargs -r rmdir --
}

# The other way in: `make install` as root into /usr/local, once the
# packages are gone.  mount(8) must find the daemon through the helper
# even with a PATH that lacks /usr/local/bin, as at boot.
check_system_install() {
	local tree=$work/src/mmstats-$version mnt=$work/mnt-local f
	local boot_path=/usr/sbin:/usr/bin:/sbin:/bin
	local files=(/usr/local/bin/mmstatsfs /usr/local/bin/slurpstats
		/usr/local/lib/libmmstats.so.1 /usr/local/include/mmstats.h
		/usr/local/lib/pkgconfig/mmstats.pc /sbin/mount.mmstatsfs
		/sbin/mount.fuse.mmstatsfs
		/usr/local/lib/systemd/system/mmstatsfs.service
		/usr/local/lib/systemd/system/mmstats-clean.timer
		/usr/local/share/mmstats/install-manifest)
	for f in "${files[@]}"; do
		if [ -e "$f" ]; then echo "$f exists: not overwriting it"; exit 77; fi
	done
	find /usr/local /sbin /lib/systemd/system -xdev -type d |
		LC_ALL=C sort >"$work/dirs-before"
	touch "$work/local-installed"
	# mount(8) finds helpers in /sbin only: the one place outside PREFIX,
	# and only because we say so.
	make -s -C "$tree" B=build/deb PREFIX=/usr/local MOUNTHELPERDIR=/sbin \
		install
	for f in "${files[@]}"; do
		[ -e "$f" ] || die "make install did not install $f"
	done
	ldconfig -p | grep -qF /usr/local/lib/libmmstats.so.1 ||
		die "make install did not run ldconfig"
	mkdir -p "$mnt"
	! env -i PATH="$boot_path" timeout 20 mount.fuse3 "$src" "$mnt" \
		-t fuse.mmstatsfs 2>/dev/null ||
		die "mount.fuse3 alone found mmstatsfs: the test proves nothing"
	env -i PATH="$boot_path" timeout 20 mount -t mmstatsfs "$src" "$mnt"
	shows_live "$mnt"
	unmount "$mnt"
	make -s -C "$tree" B=build/deb PREFIX=/usr/local MOUNTHELPERDIR=/sbin \
		uninstall
	rm "$work/local-installed"
	for f in "${files[@]}"; do
		if [ -e "$f" ] || [ -L "$f" ]; then die "$f is left"; fi
	done
	# make uninstall took away the directories it made, and only those.
	find /usr/local /sbin /lib/systemd/system -xdev -type d |
		LC_ALL=C sort | diff -u "$work/dirs-before" - ||
		die "make uninstall left the directories changed"
	! ldconfig -p | grep -qF /usr/local/lib/libmmstats.so.1 ||
		die "make uninstall did not run ldconfig"
}

# ------------------------------------------------------------------

say "check-packages: mmstats $version from $top" \
	"(DEB_BUILD_OPTIONS=$DEB_BUILD_OPTIONS)"
check build build_packages
if $passed; then
	set_aside
	check lintian lint_packages
	check contents check_contents
	check make-install check_make_install
	check install install_packages
	if $passed; then
		check library check_library
		check static-library check_static_library
		check ticker start_ticker
		if $passed; then
			ticker_pid=$(cat "$work/ticker.pid")
			check tools check_tools
			check mount-daemon mount_daemon
			check mount-type-mmstatsfs mount_type mmstatsfs
			check mount-type-fuse.mmstatsfs mount_type fuse.mmstatsfs
			check mount-fstab mount_fstab
			check unit-file check_unit_file
			check unit-commands check_unit_commands
		fi
		check man-pages check_man_pages
	fi
	check remove remove_packages
	if $passed && [ -n "$ticker_pid" ] && kill -0 "$ticker_pid"; then
		check system-install check_system_install
	fi
fi
say "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
