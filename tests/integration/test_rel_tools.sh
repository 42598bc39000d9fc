#!/bin/sh
# The reader tools against the hostile directory of test_rel_hostile.sh
# (rel_hostile_dir), plus a stale file and a symlink to a stale file
# outside: slurpstats (text and JSON), cleanstats (-n, then for real),
# pollstats and mmash (every route, and ?glob= escapes) must not crash,
# hang, open a FIFO, device, directory or symlink (inotify witness), show
# anything from outside, or remove anything but the stale regular file.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
for t in slurpstats cleanstats pollstats mmash; do
	[ -x "$B/$t" ] || skip "$t not built"
done
command -v curl >/dev/null || skip "no curl"

src=$T/src out=$T/outside
mkdir "$src" "$out"
rel_hostile_dir "$src" "$out"
rel_dead_vector "$src/stale.mmstats"		# its writer is gone
rel_dead_vector "$out/stale.mmstats"
ln -s "$out/stale.mmstats" "$src/stale-link.mmstats"
start_writer "$T/w.out" -d "$src" -k good.value=uint32:42
listing() { find "$src" -mindepth 1 -maxdepth 1 -printf '%M %U %s %P -> %l\n' | sort; }
listing >"$T/before"
rel_watch_opens "$T/opens" "$src" "$out"

# run NAME COMMAND...: under a timeout; exit 0 or 1 only (no signal, no
# hang, no usage error).
run() {
	_name=$1; shift
	timeout 30 "$@" >"$T/$_name.out" 2>"$T/$_name.err"
	_rc=$?
	[ $_rc -le 1 ] || fail "$_name exited $_rc: $(tail -n 3 "$T/$_name.err")"
	grep -q "outside.marker" "$T/$_name.out" &&
		fail "$_name shows a file outside through a symlink"
	return 0
}

# --- slurpstats -------------------------------------------------------------
run slurp "$B/slurpstats" "$src"
grep -q "good.value *42$" "$T/slurp.out" || fail "slurpstats lost good.value"
n=$(grep -c "bulk.counter.499 *3493$" "$T/slurp.out")
[ "$n" -eq 4 ] || fail "slurpstats: $n complete copies of many_fields, not 4"
grep -q "garbage.mmstats" "$T/slurp.err" || fail "slurpstats: no word on garbage"
run slurpjson "$B/slurpstats" --json "$src"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/slurpjson.out" ||
	fail "slurpstats --json: not JSON"
note "slurpstats: $(grep -c '^==>' "$T/slurp.out") files printed," \
     "$(wc -l <"$T/slurp.err") reported"

# --- pollstats --------------------------------------------------------------
run poll "$B/pollstats" -c 2 -d 0.2 --color=never bulk.counter.007 "$src"

# --- mmash ------------------------------------------------------------------
"$B/mmash" -p 0 -g "$src/*.mmstats" -d "$src" >"$T/mmash.out" 2>&1 &
mpid=$!
rel_track $mpid
wait_until 10 grep -q "http://" "$T/mmash.out" || fail "mmash: $(cat "$T/mmash.out")"
codes=""
url=$(sed -n 's|.*\(http://[^ ]*/\).*|\1|p' "$T/mmash.out" | head -n 1)
for path in "" stats/ "stats/good?aggr=sum" "stats/bulk?aggr=max" files/ \
	    metrics graph/ "stats/?glob=*.mmstats" "stats/?glob=../outside/*" \
	    "stats/?glob=/etc/*" "stats/?glob=..%2Foutside%2F*" \
	    "stats/?glob=stale-link.mmstats" "stats/?glob=fifo.mmstats" \
	    "files/?glob=*"; do
	code=$(curl -s -m 20 -o "$T/body" -w '%{http_code}' "$url$path")
	codes="$codes $code"
	case $code in
	2??|4??) ;;
	*) fail "mmash /$path: HTTP $code" ;;
	esac
	grep -q "outside.marker\|root:" "$T/body" &&
		fail "mmash /$path shows a file outside"
	kill -0 $mpid || fail "mmash died on /$path"
done
grep -q "good_value\|good.value" "$T/body" || {
	curl -s -m 20 "${url}metrics" | grep -q "good_value" ||
		fail "mmash /metrics lost good.value"
}
note "mmash answered:$codes"
kill $mpid
wait $mpid

# --- cleanstats -------------------------------------------------------------
run cleandry "$B/cleanstats" -n "$src"
listing | diff "$T/before" - >"$T/diff" ||
	fail "cleanstats -n changed the directory: $(cat "$T/diff")"
run clean "$B/cleanstats" "$src"
grep -i "removed\|deleting" "$T/clean.out"
[ ! -e "$src/stale.mmstats" ] || fail "cleanstats left the stale file"
listing | grep -v " stale.mmstats -> $" >"$T/after"
grep -v " stale.mmstats -> $" "$T/before" | diff - "$T/after" ||
	fail "cleanstats removed more than the stale file"
[ -f "$out/stale.mmstats" ] || fail "cleanstats removed a file through a symlink"
[ -f "$out/marker.mmstats" ] && [ -f /etc/shadow ] || fail "a symlink's target went"

rel_check_opens "$T/opens" "$src" "$out"
echo ok
exit 0
