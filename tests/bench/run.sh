#!/bin/sh
# Benchmarks against build directory $1, printed as one table.
#
#	tests/bench/run.sh build		(make bench)
#	BENCH_QUICK=1 tests/bench/run.sh build	shorter, rougher
#
# Every figure is a ratio against a baseline measured in the same run, so
# a busy machine moves both.  A missed target is reported, never fatal:
# the exit status is non-zero only when a benchmark could not run.
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd) || exit 2
bench="$build/bench"
work=$(mktemp -d /tmp/mmstats-bench.XXXXXX) || exit 2
rows="$work/rows"
: >"$rows"
status=0

cleanup() {
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs one benchmark program, keeping its ROW lines and showing the rest.
collect() {
	name=$1; shift
	if ! "$@" >"$work/out" 2>"$work/err"; then
		echo "bench: $name failed:" >&2
		sed 's/^/    /' "$work/err" >&2
		status=1
	fi
	grep '^ROW' "$work/out" >>"$rows"
}

echo "mmstats benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"$(uname -r)${BENCH_QUICK:+, BENCH_QUICK}"

collect writer "$bench/bench_writer" -d "$work"

awk -F'\t' '
function result(v, b, t,   r) {
	if (t == "-")
		return "info"
	if (t == "=0")
		return v == 0 ? "met" : "MISSED"
	r = b > 0 ? v / b : 0
	return r <= t + 0 ? "met" : "MISSED"
}
BEGIN {
	fmt = "%-34s %12s %-6s %-24s %10s %7s %7s %s\n"
	printf fmt, "figure", "value", "unit", "baseline", "base", \
		"ratio", "target", "result"
}
{
	ratio = ($6 > 0) ? sprintf("%.3f", $3 / $6) : "-"
	target = ($7 == "-") ? "-" : ($7 == "=0" ? "=0" : "<=" $7)
	printf fmt, $2, $3, $4, $5, $6, ratio, target, result($3, $6, $7)
	if (result($3, $6, $7) == "MISSED")
		missed++
}
END {
	printf "%d figures, %d targets missed\n", NR, missed
}' "$rows"
exit $status
