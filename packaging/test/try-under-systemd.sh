#!/bin/bash
# try-under-systemd.sh - boot a minimal Debian under systemd-nspawn with
# the mmstatsfs package installed, and check the unit and the fstab line
# under a real systemd: what check-packages.sh cannot do where PID 1 is
# not systemd (CI).  By hand, not in CI: it fetches a Debian base system
# (about 100 MB) from the mirror apt uses.
#
#	packaging/test/try-under-systemd.sh DEBDIR
#
# DEBDIR holds the four .deb files (see packaging/README.md).  Nothing is
# installed on this machine: debootstrap and systemd-nspawn are unpacked
# from their packages into a temporary directory, removed at exit.
set -u

debs=$(cd "${1:?usage: try-under-systemd.sh DEBDIR}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -c /dev/fuse ] || { echo "no /dev/fuse"; exit 77; }

work=$(mktemp -d /tmp/mmstats-nspawn.XXXXXX)
root=$work/root
tools=$work/tools
nspawn_pid=
pass=0 fail=0

die() {
	echo "$*" >&2
	exit 1
}

cleanup() {
	[ -n "$nspawn_pid" ] && kill "$nspawn_pid" 2>/dev/null &&
		wait "$nspawn_pid" 2>/dev/null
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The first Debian mirror apt is set up with, either sources format.
mirror() {
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '$1 == "URIs:" && $2 !~ /security/ { print $2; exit }'
	grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		awk '$2 !~ /security/ { print $2; exit }'
}

fetch_tools() {
	local deb
	mkdir -p "$tools"
	(cd "$work" && apt-get download -q -o APT::Sandbox::User=root \
		debootstrap systemd-container systemd libsystemd-shared) ||
		die "apt-get download failed"
	for deb in "$work"/*.deb; do
		dpkg-deb -x "$deb" "$tools"
	done
}

make_root() {
	local url
	url=$(mirror | head -n 1)
	[ -n "$url" ] || die "no Debian mirror in apt's sources"
	DEBOOTSTRAP_DIR=$tools/usr/share/debootstrap \
		"$tools/usr/sbin/debootstrap" --variant=minbase \
		--include=systemd,systemd-sysv,dbus,fuse3,libbsd0,libmicrohttpd12 \
		bookworm "$root" "$url" >"$work/debootstrap.log" 2>&1 ||
		{ tail "$work/debootstrap.log"; die "debootstrap failed"; }
	mkdir -p "$root/root/debs"
	cp "$debs"/libmmstats1_*.deb "$debs"/libmmstats-dev_*.deb \
		"$debs"/mmstats-tools_*.deb "$debs"/mmstatsfs_*.deb "$root/root/debs/"
	chroot "$root" sh -c 'dpkg -i /root/debs/*.deb' >"$work/dpkg.log" 2>&1 ||
		{ cat "$work/dpkg.log"; die "dpkg -i failed in the container"; }
	cc -o "$root/usr/local/bin/ticker" "$top/packaging/test/ticker.c" \
		-I"$root/usr/include" "$root"/usr/lib/*/libmmstats.a -lpthread -lm
	# Mounted at boot by systemd-fstab-generator and the mount helper.
	echo '/tmp /run/mmstats2 fuse.mmstatsfs allow_other,nofail,X-mount.mkdir,x-systemd.requires-mounts-for=/tmp 0 0' \
		>>"$root/etc/fstab"
}

boot() {
	LD_LIBRARY_PATH=$tools/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/systemd \
		"$tools/usr/bin/systemd-nspawn" -q -D "$root" -b \
		--bind=/dev/fuse --register=no --keep-unit --console=passive \
		>"$work/boot.log" 2>&1 &
	nspawn_pid=$!
	local state
	for _ in $(seq 100); do
		init=$(pgrep -P "$nspawn_pid" | head -n 1)
		if [ -n "$init" ]; then
			state=$(in_root systemctl is-system-running 2>/dev/null)
			case $state in running|degraded) return 0 ;; esac
		fi
		sleep 0.2
	done
	cat "$work/boot.log"
	die "the container did not boot (state: ${state:-none})"
}

in_root() {
	nsenter -t "$init" -a "$@"
}

check() {	# NAME COMMAND...
	local name=$1
	shift
	if "$@" >"$work/check.log" 2>&1; then
		pass=$((pass + 1)); echo "PASS $name"
	else
		fail=$((fail + 1)); echo "FAIL $name:"
		sed 's/^/    /' "$work/check.log"
	fi
}

# live MOUNTPOINT: the ticker's counter is there, and moves.
live() {
	local f a b
	f=$1/files/$(basename "$(in_root cat /root/ticker.out)")/ticker.ticks
	a=$(in_root cat "$f") || return 1
	for _ in $(seq 50); do
		b=$(in_root cat "$f") || return 1
		[ "$b" -gt "$a" ] && { echo "$f: $a, then $b"; return 0; }
		sleep 0.1
	done
	echo "$f stuck at $a"
	return 1
}

property() {	# UNIT PROPERTY
	in_root systemctl show -p "$2" --value "$1"
}

at_boot() {
	in_root systemctl is-active mmstatsfs.service run-mmstats2.mount &&
		live /run/mmstats && live /run/mmstats2
}

stop_clean() {
	in_root systemctl stop mmstatsfs.service
	[ "$(property mmstatsfs Result)" = success ] || return 1
	[ "$(property mmstatsfs ExecMainStatus)" = 0 ] || return 1
	! in_root grep -q ' /run/mmstats ' /proc/self/mountinfo
}

restart_after_crash() {
	local pid
	in_root systemctl start mmstatsfs.service
	live /run/mmstats
	pid=$(property mmstatsfs MainPID)
	in_root sh -c "kill -KILL $pid"	# minbase has no kill(1)
	sleep 4		# RestartSec=2s
	in_root systemctl is-active mmstatsfs.service || return 1
	[ "$(property mmstatsfs NRestarts)" -ge 1 ] || return 1
	[ "$(property mmstatsfs MainPID)" != "$pid" ] || return 1
	live /run/mmstats
}

fstab_mount_stops() {
	in_root systemctl stop run-mmstats2.mount
	! in_root grep -q ' /run/mmstats2 ' /proc/self/mountinfo
}

fetch_tools
make_root
boot
in_root sh -c 'setsid /usr/local/bin/ticker /tmp >/root/ticker.out 2>&1 </dev/null &'
sleep 1
check "unit and fstab line mounted at boot" at_boot
check "systemctl stop: inactive, exit 0, unmounted" stop_clean
check "kill -9: restarted and live again" restart_after_crash
check "fstab mount unit stops" fstab_mount_stops
in_root systemctl poweroff >/dev/null 2>&1
wait "$nspawn_pid" 2>/dev/null
nspawn_pid=
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
