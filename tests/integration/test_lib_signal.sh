#!/bin/sh
# test_lib_signal.sh - real writers and mmstats_remove_on_signal():
#   1. the README's example, compiled as it stands: its file holds
#      web.stats.sys.pid (the prefix on the default fields too); Ctrl-C
#      (SIGINT) and SIGTERM remove its file and it dies of the signal
#      (exit status 128 + N, as shells see it); SIGKILL leaves the file;
#      with no directory to write to it says why once, with one program
#      name in front, and goes on serving;
#   2. tests/helpers/mmstats-writer -s, 3 threads: SIGTERM removes all 3
#      files, SIGKILL leaves them; without -s (its own signal handling)
#      it exits 0 and exit removes them.
set -eu
top=${MMSTATS_TOP:?}
build=${MMSTATS_BUILD:?}
writer=$build/helpers/mmstats-writer
tmp=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

for f in "$build/libmmstats.a" "$build/slurpstats" "$writer"; do
	[ -e "$f" ] || { echo "SKIP: $f not built"; exit 77; }
done
command -v cc >/dev/null || { echo "SKIP: no cc"; exit 77; }

# The sanitized build's library needs the sanitizers' runtime.
case $build in
*/asan) san="-fsanitize=address,undefined" ;;
*) san= ;;
esac

# wait_for COMMAND...: until it succeeds, 5 s at most.
wait_for() {
	n=0
	until "$@"; do
		n=$((n + 1))
		[ $n -lt 500 ] || return 1
		sleep 0.01
	done
}

# reap PID: its exit status as the shell reports it, in $rc (not in a
# $(...) subshell, which cannot wait for its parent's children).
reap() {
	rc=0
	wait "$1" || rc=$?
}

# A shell starts background jobs with SIGINT ignored, and the library
# leaves an ignored signal ignored: give the writers the default back, as
# a terminal's foreground job has it.
env --default-signal=INT true 2>/dev/null ||
	{ echo "SKIP: env lacks --default-signal"; exit 77; }
dfl="env --default-signal=INT,TERM,HUP"

# ---- 1. the README's example --------------------------------------------

awk '/^```c$/ { f = 1; next } /^```$/ { if (f) exit } f' "$top/README.md" \
	>"$tmp/app.c"
grep -q mmstats_remove_on_signal "$tmp/app.c" ||
	fail "the README's example does not ask for removal on signals"
# shellcheck disable=SC2086 # $san is flags
cc $san -Wall -Wextra -Werror -I"$top/lib" -o "$tmp/app" "$tmp/app.c" \
	"$build/libmmstats.a" -lpthread -lm || fail "the example does not build"

# run_app DIR: the example writing into DIR; its pid in $app.
run_app() {
	mkdir -p "$1"
	MMSTATS_PATH=$1 $dfl "$tmp/app" 2>"$1.err" &
	app=$!
	pids="$pids $app"
	wait_for ls "$1"/app-"$app"-"$app".mmstats >/dev/null 2>&1 ||
		fail "no file in $1"
	file=$1/app-$app-$app.mmstats
}

for sig in INT TERM; do
	run_app "$tmp/$sig"
	"$build/slurpstats" "$file" >"$tmp/slurp"
	grep -Eq "^ *web\.stats\.sys\.pid +$app\$" "$tmp/slurp" ||
		{ cat "$tmp/slurp"; fail "no web.stats.sys.pid $app"; }
	kill -s "$sig" "$app"
	reap "$app"
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	[ "$rc" = "$want" ] || fail "SIG$sig: exit status $rc, not $want"
	[ ! -e "$file" ] || fail "SIG$sig left $file"
	[ ! -s "$tmp/$sig.err" ] || { cat "$tmp/$sig.err"; fail "stderr"; }
	echo "SIG$sig: file removed, status $rc"
done

run_app "$tmp/KILL"
kill -KILL "$app"
reap "$app"
[ "$rc" = 137 ] || fail "SIGKILL: status $rc"
[ -e "$file" ] || fail "SIGKILL removed $file: the checks above prove nothing"
echo "SIGKILL: file left"

# No directory: every request fails for 0.5 s; one line, one name.
MMSTATS_PATH=$tmp/none $dfl "$tmp/app" 2>"$tmp/none.err" &
app=$!
pids="$pids $app"
sleep 0.5
kill -TERM "$app"
reap "$app"
[ "$rc" = 143 ] || fail "no directory: status $rc"
cat "$tmp/none.err"
[ "$(wc -l <"$tmp/none.err")" -eq 1 ] || fail "not one line of error"
grep -qx "app: no metrics: $tmp/none: No such file or directory" \
	"$tmp/none.err" || fail "unexpected error line"

# ---- 2. the writer helper -------------------------------------------------

# run_writer DIR ARGS...: 3 threads; their files in $tmp/files.
run_writer() {
	d=$1
	shift
	mkdir -p "$d"
	$dfl "$writer" -d "$d" -T 3 -i 10 "$@" n=counter >"$d.out" &
	w=$!
	pids="$pids $w"
	wait_for grep -qx ready "$d.out" || fail "writer not ready"
	grep '^/' "$d.out" >"$tmp/files"
	[ "$(wc -l <"$tmp/files")" -eq 3 ] || fail "not 3 files"
	while read -r f; do [ -e "$f" ] || fail "$f missing"; done <"$tmp/files"
}

none_left() {
	while read -r f; do [ ! -e "$f" ] || fail "$1 left $f"; done \
		<"$tmp/files"
}

run_writer "$tmp/w-term" -s
kill -TERM "$w"
reap "$w"
[ "$rc" = 143 ] || fail "writer -s, SIGTERM: status $rc"
none_left "writer -s, SIGTERM"
echo "writer -s: SIGTERM removed 3 files, status $rc"

run_writer "$tmp/w-kill" -s
kill -KILL "$w"
reap "$w"
[ "$rc" = 137 ] || fail "writer -s, SIGKILL: status $rc"
while read -r f; do [ -e "$f" ] || fail "SIGKILL removed $f"; done \
	<"$tmp/files"
echo "writer -s: SIGKILL left 3 files"

run_writer "$tmp/w-own"
kill -TERM "$w"
reap "$w"
[ "$rc" = 0 ] || fail "writer, SIGTERM: status $rc"
none_left "writer, its own SIGTERM"
echo "writer: own SIGTERM handling, exit 0, files removed"
echo "ok"
