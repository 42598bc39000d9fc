#!/bin/sh
# Torn reads through the reader tools.  A writer process rewrites 64
# fields of each kind of rel-pattern.h (64-bit integers, doubles, 32-bit
# integers, floats: every byte of a value equal) in a tight loop, and each
# tool reads them again and again, every value it prints checked:
#   1. slurpstats, given a directory holding the writer's file under 250
#      names (hard links: one file, read afresh under each name; it drops
#      repeated arguments, not repeated files), its text checked by
#      rel-torn-check slurp (floats are Python's repr: they read back to
#      the same bits);
#   2. pollstats of the 128 integer fields with -d 0.000001 (samples back
#      to back): the fields are gauges, so every line holds the values read
#      (integers are printed exactly; floats with 3 decimals, so they
#      cannot be checked this way);
#   3. mmash's /values/ over HTTP (2 keep-alive connections, each served
#      by a thread of mmash), for the same 250 names: every label's list
#      of values, parsed with Python's json.
# make check: 4·10^6 values through slurpstats and pollstats (half each:
# the same library read, printed two ways) and 4·10^6 through mmash (what
# rules out a torn value is how the library reads, by construction; the
# counts only confirm it, and CI has 15 minutes); the ASan
# pass, which is about memory errors: a hundredth; make stress
# (MMSTATS_STRESS=1): 10^8 through each.  The writer runs at nice 10, so
# that it races the tools without taking a CPU from them (see
# test_rel_torn.sh).  On the 2-vCPU CI machine, busy with other work,
# slurpstats checks 210,000-300,000 values a second, pollstats
# 320,000-470,000 and mmash 150,000-250,000; the time limits only catch a
# hang or a collapse.
. "$MMSTATS_TOP/tests/helpers/rel-common.sh"

if [ -n "$STRESS" ]; then
	min=100000000 secs=3600
else
	min=4000000 secs=300
fi
half=$((min / 2))
# ASan: fewer, but enough that each tool reads every field more than
# once, or no change of the writer's could be seen between two reads.
case $B in
*asan*) min=100000 half=50000 ;;
esac
[ -n "$STRESS" ] && half=$min
nper=64		# fields of each kind
names=250	# names of the file given to slurpstats and mmash

src=$T/src links=$T/links
mkdir "$src" "$links"
nice -n 10 "$H/rel-torn-writer" -d "$src" -n $nper >"$T/writer.out" \
	2>"$T/writer.err" &
wpid=$!
rel_track $wpid
wait_until 10 grep -qx ready "$T/writer.out" || fail "writer not ready"
file=$(head -n 1 "$T/writer.out")
i=0
while [ $i -lt $names ]; do
	ln "$file" "$links/$i.mmstats" || fail "cannot link $file"
	i=$((i + 1))
done

note "slurpstats: $half values, at most $secs s"
"$H/rel-torn-check" slurp -n $half -t $secs "$B/slurpstats" "$links" ||
	fail "torn or bad values read through slurpstats"

fields=$(for k in u64 u32; do
	j=0
	while [ $j -lt $nper ]; do
		printf 'torn.%s.%03d,' $k $j
		j=$((j + 1))
	done
done)
fields=${fields%,}
note "pollstats: $half values, at most $secs s"
"$H/rel-torn-check" poll -n $half -t $secs "$B/pollstats" -v -n 0 \
	-d 0.000001 "$fields" "$file" ||
	fail "torn or bad values read through pollstats"

"$B/mmash" -p 0 -g "$links/*.mmstats" >"$T/mmash.out" 2>&1 &
mpid=$!
rel_track $mpid
wait_until 10 grep -q "^mmash: serving" "$T/mmash.out" ||
	fail "mmash did not start: $(cat "$T/mmash.out")"
port=$(sed -n 's|^mmash: serving .* on http://127.0.0.1:\([0-9]*\)/$|\1|p' \
	"$T/mmash.out")
[ -n "$port" ] || fail "no port in: $(cat "$T/mmash.out")"
note "mmash /values/: $min values, at most $secs s"
python3 - "$port" $min $secs $names $nper <<'EOF' ||
"""GET /values/ again and again on 2 connections (mmash serves each in a
thread of its own); check every torn.* value of each answer: {label:
[value of each file]}, 4 * nper labels of `names` values each."""
import array, http.client, json, operator, queue, sys, threading, time

port, want, secs, names, nper = (int(a) for a in sys.argv[1:])
CODES = {"torn.u64.": "Q", "torn.dbl.": "d", "torn.u32.": "I",
         "torn.flt.": "f"}   # array codes: 8 and 4 bytes on Linux
CONNECTIONS = 2


def whole(code, vals):
    """Whether every value is one store's: its bytes all equal, not 0xff.
    Floats reach JSON widened to double: they must narrow back exactly."""
    try:
        a = array.array(code, vals)
    except (OverflowError, TypeError):      # past the width, negative, null
        return False
    if code == "f" and a.tolist() != vals:
        return False
    b, w = a.tobytes(), a.itemsize
    first = b[0::w]
    return 255 not in first and all(b[k::w] == first for k in range(1, w))


def fetch(answers, stop):
    """Put each answer's values in `answers`, or why there is none."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while not stop.is_set():
            conn.request("GET", "/values/")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError("GET /values/: %d %r" %
                                   (resp.status, body[:200]))
            answers.put(json.loads(body))
    except Exception as e:          # the checker says it, and fails
        answers.put(e)


checked = torn = bad = changes = gets = 0
last = {}
answers, stop = queue.Queue(maxsize=CONNECTIONS), threading.Event()
threads = [threading.Thread(target=fetch, args=(answers, stop), daemon=True)
           for _ in range(CONNECTIONS)]
start = time.monotonic()
for t in threads:
    t.start()
while checked < want and time.monotonic() < start + secs:
    values = answers.get(timeout=120)
    gets += 1
    if isinstance(values, Exception):
        bad += 1
        print(values)
        break
    labels = [l for l in values if l.startswith("torn.")]
    if len(labels) != 4 * nper:
        bad += 1
        print("%d torn.* labels, not %d" % (len(labels), 4 * nper))
    for label in labels:
        vals, code = values[label], CODES[label[:9]]
        if len(vals) != names:
            bad += 1
            print("%s: %d values, not %d" % (label, len(vals), names))
        checked += len(vals)
        if not whole(code, vals):
            for v in vals:
                if not whole(code, [v]):
                    torn += 1
                    if torn <= 10:
                        print("TORN %s: %r" % (label, v))
        changes += sum(map(operator.ne, vals, last.get(label, vals)))
        last[label] = vals
took = time.monotonic() - start
stop.set()
print("mmash: checked %d values in %d GETs, %.1f s (%.0f/s): %d torn, "
      "%d bad, %d changes seen" % (checked, gets, took,
                                   checked / (took or 1), torn, bad, changes))
if torn or bad:
    sys.exit(1)
if checked < want:
    sys.exit("FAIL: fewer than %d values checked in %d s" % (want, secs))
if changes < checked // 1000:
    sys.exit("FAIL: values hardly changed: the writer did not race mmash")
EOF
	fail "torn or bad values read through mmash"
kill -0 "$mpid" || fail "mmash died"
kill "$mpid"
kill "$wpid"
wait "$wpid" || fail "the writer failed: $(cat "$T/writer.err")"
cat "$T/writer.err"
exit 0
