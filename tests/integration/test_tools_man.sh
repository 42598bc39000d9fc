#!/bin/sh
# Every man page renders without a warning at 80 columns (as the packages'
# check reads them), and each reader tool's page documents every long
# option its --help lists.
top=${MMSTATS_TOP:-.}
build=${MMSTATS_BUILD:-build}
command -v man >/dev/null 2>&1 || { echo "man not installed"; exit 77; }
fail=0
for page in "$top"/lib/*.[35] "$top"/fs/*.8 "$top"/packaging/*.8 \
	    "$top"/tools/*.1; do
	# A control byte in the source (a "\f" that a script turned into a
	# form feed) renders as garbage without a warning.
	if LC_ALL=C tr -d '\t\n' <"$page" | LC_ALL=C grep -qa '[[:cntrl:]]'
	then
		echo "FAIL: $page: control bytes in the source"
		fail=1
	fi
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -n "$warn" ]; then
		echo "FAIL: $page: $warn"
		fail=1
	fi
done
for t in slurpstats pollstats cleanstats mmash; do
	page="$top/tools/$t.1"
	warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -n "$warn" ]; then
		echo "FAIL: $page: $warn"
		fail=1
	fi
	text=$(MANWIDTH=200 man -l "$page" 2>/dev/null | col -b 2>/dev/null ||
	       MANWIDTH=200 man -l "$page")
	for opt in $("$build/$t" --help | grep -o -- '--[a-z-]*' | sort -u); do
		case $text in
		*"$opt"*) ;;
		*) echo "FAIL: $page does not document $opt"; fail=1 ;;
		esac
	done
done
[ $fail -eq 0 ] && echo "all man pages fine"
exit $fail
