#!/bin/sh
# inst.sh - install files and record each in a manifest, so that
# `make uninstall` removes exactly what `make install` put there: no file
# it did not install (one a package has taken over since, say), and no
# directory that was there before or that is not empty.
#
#	inst.sh dir  DEST			a directory (made if missing)
#	inst.sh file MODE SRC DEST		a copy of SRC, mode MODE
#	inst.sh link TARGET DEST		a symbolic link
#	inst.sh uninstall			remove what the manifest lists
#
# DEST is the path on the target system; the file goes to $DESTDIR$DEST.
# $MANIFEST (a target path too, under $DESTDIR) is the manifest; empty,
# nothing is recorded (package builds).  One line per entry, TAB
# separated, appended (a second install adds to it):
#	d	PATH		a directory the install made
#	f	SHA256	PATH	a file, as installed
#	l	TARGET	PATH	a symbolic link
set -eu
DESTDIR=${DESTDIR:-}
MANIFEST=${MANIFEST:-}
tab=$(printf '\t')

die() {
	echo "inst.sh: $*" >&2
	exit 1
}

# Until the manifest exists (its directory may be the first thing
# made), entries wait in $pending.
pending=
record() {
	[ -z "$MANIFEST" ] && return 0
	if [ -f "$DESTDIR$MANIFEST" ]; then
		printf '%s\n' "$*" >>"$DESTDIR$MANIFEST"
	else
		pending="$pending$*
"
	fi
}

# mkdirs DIR: make DIR and its missing parents, recording each one made.
# A trailing or doubled slash (PREFIX=/opt/mm/) names the same directory.
mkdirs() {
	case $1 in
	*/) mkdirs "${1%/}"; return ;;
	'') [ -z "$DESTDIR" ] || mkdir -p "$DESTDIR"; return 0 ;;
	esac
	[ -d "$DESTDIR$1" ] && return 0
	case $1 in
	/*/*) mkdirs "${1%/*}" ;;
	*) [ -z "$DESTDIR" ] || mkdir -p "$DESTDIR" ;;	# staging, not ours
	esac
	mkdir -m 755 "$DESTDIR$1"
	record "d$tab$1"
}

start() {
	if [ -z "$MANIFEST" ] || [ -f "$DESTDIR$MANIFEST" ]; then
		return 0
	fi
	mkdirs "${MANIFEST%/*}"
	: >"$DESTDIR$MANIFEST"
	printf '%s' "$pending" >>"$DESTDIR$MANIFEST"
	pending=
}

sha() {
	sha256sum <"$1" | cut -d' ' -f1
}

install_file() {	# MODE SRC DEST
	mkdirs "${3%/*}"
	install -m "$1" "$2" "$DESTDIR$3.inst-tmp"
	mv -f "$DESTDIR$3.inst-tmp" "$DESTDIR$3"
	record "f$tab$(sha "$DESTDIR$3")$tab$3"
}

install_link() {	# TARGET DEST
	mkdirs "${2%/*}"
	ln -sfn "$1" "$DESTDIR$2"
	record "l$tab$1$tab$2"
}

# Each file only as installed: a file that differs (a package's, one the
# admin edited) stays, and says so.
remove_entry() {	# KIND A B
	case $1 in
	f)  p=$3
	    if [ -f "$DESTDIR$p" ] && [ ! -L "$DESTDIR$p" ]; then
		    cur=$(sha "$DESTDIR$p")
		    if [ "$cur" = "$2" ]; then
			    rm -f "$DESTDIR$p"
		    elif ! awk -F "$tab" -v p="$p" -v s="$cur" \
			    '$1 == "f" && $3 == p && $2 == s { f = 1 }
			     END { exit !f }' "$DESTDIR$MANIFEST"; then
			    echo "inst.sh: $p changed since installed; left" >&2
		    fi
	    fi ;;
	l)  p=$3
	    if [ -L "$DESTDIR$p" ] && [ "$(readlink "$DESTDIR$p")" = "$2" ]; then
		    rm -f "$DESTDIR$p"
	    elif [ -e "$DESTDIR$p" ] || [ -L "$DESTDIR$p" ]; then
		    echo "inst.sh: $p is not the link installed; left" >&2
	    fi ;;
	esac
}

uninstall() {
	[ -n "$MANIFEST" ] || die "no MANIFEST given"
	m=$DESTDIR$MANIFEST
	[ -f "$m" ] || die "$m: no such manifest: nothing installed here by" \
		"make install with this PREFIX and DESTDIR"
	while IFS=$tab read -r kind a b; do
		remove_entry "$kind" "$a" "${b:-}"
	done <"$m"
	# Deepest first; one that holds anything else stays.
	dirs=$(grep "^d$tab" "$m" | cut -f2 | LC_ALL=C sort -ru)
	rm -f "$m"
	printf '%s\n' "$dirs" | while IFS= read -r d; do
		[ -z "$d" ] || rmdir "$DESTDIR$d" 2>/dev/null || true
	done
}

case ${1:-} in
dir)	  [ $# = 2 ] || die "usage: dir DEST"; start; mkdirs "$2" ;;
file)	  [ $# = 4 ] || die "usage: file MODE SRC DEST"; start
	  install_file "$2" "$3" "$4" ;;
link)	  [ $# = 3 ] || die "usage: link TARGET DEST"; start
	  install_link "$2" "$3" ;;
uninstall) uninstall ;;
*)	  die "usage: inst.sh dir|file|link|uninstall ..." ;;
esac
