#!/bin/sh
# Fuzz regressions and long fuzzing.
#   make check: every libFuzzer target built in $B/fuzz runs once on each
#   input of tests/fuzz/regressions/fuzz_NAME/ (inputs that once crashed
#   it, or hostile ones) and must get through all of them.
#   make stress (MMSTATS_STRESS=1): then fuzzes each target for
#   MMSTATS_FUZZ_SECONDS (default 300) from its corpus and the regressions;
#   any crash fails, its input kept in $B/fuzz-artifacts/.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"
R=$MMSTATS_TOP/tests/fuzz/regressions
C=$MMSTATS_TOP/tests/fuzz/corpus
ls "$B"/fuzz/fuzz_* >/dev/null 2>&1 ||
	skip "no fuzz targets in $B/fuzz (built by make check in build/ only)"

replayed=0
for t in "$B"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	n=${t##*/}
	[ -d "$R/$n" ] || continue
	files=$(find "$R/$n" -type f | wc -l)
	[ "$files" -gt 0 ] || continue
	"$t" -runs=1 -timeout=10 -rss_limit_mb=2048 "$R/$n"/* >"$T/$n.log" 2>&1 || {
		tail -n 30 "$T/$n.log"
		fail "$n fails on a regression input"
	}
	note "$n: $files regression inputs replayed"
	replayed=$((replayed + files))
done

if [ -z "$STRESS" ]; then
	[ $replayed -gt 0 ] || skip "no regression inputs for the targets built"
	exit 0
fi

secs=${MMSTATS_FUZZ_SECONDS:-300}
art=$B/fuzz-artifacts
mkdir -p "$art"
for t in "$B"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	n=${t##*/}
	work=$T/corpus-$n
	mkdir -p "$work"
	[ -d "$C/$n" ] && cp -r "$C/$n/." "$work/"
	[ -d "$R/$n" ] && cp -r "$R/$n/." "$work/"
	"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/$n-" "$work" \
		>"$T/$n.log" 2>&1 || {
		tail -n 40 "$T/$n.log"
		fail "$n crashed; input in $art"
	}
	note "$n: $(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$n.log") executions in $secs s, no crash"
done
exit 0
