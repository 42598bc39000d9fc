#!/bin/sh
# Run test suites against build directory $1: unit, integration, fuzz,
# or single integration tests given by their path.
# Each test program is one line of the report; exit status 77 means
# skipped.  The last line is "N passed, N failed, N skipped".
set -u
build=$(cd "$1" && pwd) || exit 2
shift
top=$(cd "$(dirname "$0")/.." && pwd)
logs="$build/test-logs"
mkdir -p "$logs"
pass=0 fail=0 skip=0

export MMSTATS_BUILD="$build" MMSTATS_TOP="$top"
export MMSTATS_VECTORS="$top/tests/vectors"
export PATH="$build:$PATH"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run() {	# name, command...
	name=$1; shift
	log="$logs/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0)  pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$log")" ;;
	*)  fail=$((fail + 1)); echo "FAIL $name (exit $rc, ${secs}s), last lines of $log:"
	    tail -n 30 "$log" | sed 's/^/    /' ;;
	esac
}

for suite in "$@"; do
	case $suite in
	unit)
		for t in "$build"/unit/test_*; do
			[ -x "$t" ] && run "unit/${t##*/}" "$t"
		done ;;
	integration)
		for t in "$top"/tests/integration/test_*; do
			case $t in
			*.sh) run "integration/${t##*/}" sh "$t" ;;
			*.py) run "integration/${t##*/}" python3 "$t" ;;
			esac
		done ;;
	*/test_*.sh) run "integration/${suite##*/}" sh "$suite" ;;
	*/test_*.py) run "integration/${suite##*/}" python3 "$suite" ;;
	fuzz)
		for t in "$build"/fuzz/fuzz_*; do
			[ -x "$t" ] || continue
			n=${t##*/}
			work=$(mktemp -d)
			[ -d "$top/tests/fuzz/corpus/$n" ] &&
				cp -r "$top/tests/fuzz/corpus/$n/." "$work/"
			run "fuzz/$n" "$t" -max_total_time="${FUZZ_SECONDS:-10}" \
				-rss_limit_mb=2048 -timeout=10 "$work"
			rm -rf "$work"
		done ;;
	esac
done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
