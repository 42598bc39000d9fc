#!/usr/bin/env python3
"""mmash on 127.0.0.1 with an ephemeral port, real writers, real HTTP:
the reference's JSON routes and aggregators, glob safety, /metrics in
the Prometheus text format (checked by promtool when installed) or in
OpenMetrics by the Accept header (tests/integration/test_tools_prometheus.py
has a real Prometheus scrape it), the
pages rendered by headless Chromium (when installed), HTTP errors; sums
exact past 64 bits, as Python's ints; nan as null, so the JSON is valid.
Liveness: a writer killed by SIGKILL (its file stays) and one stopped by
SIGTERM with -k are gone from every answer, and back with --all or
?all=1, except on /metrics; errors are one line that says what: a port
in use, an unknown aggregation, a bad glob, a glob matching nothing.
A template $MMSTATS_PATH: client globs look in the directories it names."""
import json
import os
import shutil
import signal
import socket
import subprocess
import urllib.error
import urllib.request

from common import (VECTORS, Writer, expect, finish, need_writer, run, text,
                    tmpdir, tool)

MMASH = tool("mmash")


def start(args, stderr=None, env=None):
    p = subprocess.Popen([MMASH, "-p", "0"] + args, stdout=subprocess.PIPE,
                         stderr=stderr, text=True, env=env)
    line = p.stdout.readline()
    expect(line.startswith("mmash: serving "), "startup line: %r" % line)
    url = line.split(" on ")[-1].strip()
    expect(url.startswith("http://127.0.0.1:"), "bound to 127.0.0.1 by default")
    return p, url.rstrip("/")


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(url):
    status, headers, body = get(url)
    expect(status == 200, "200 for %s (got %d: %r)" % (url, status, body[:200]))
    expect(headers["Content-Type"] == "application/json", "JSON content type")
    return json.loads(body)


def json_routes(base, w1, w2):
    labels = get_json(base + "/stats/")["stats"]
    expect(labels == sorted(set(labels)), "/stats/: sorted, unique")
    for want in ("web.requests.count", "web.latency", "web.name", "sys.pid"):
        expect(want in labels, "/stats/ lists %s" % want)
    got = get_json(base + "/stats/web.requests")
    expect(got == {"web.requests.count": [0, 6]} or
           got == {"web.requests.count": [6, 0]}, "prefix: every file's value: %r" % got)
    expect(get_json(base + "/stats/web.requests?exact=1") == {},
           "exact: no label is exactly the prefix")
    expect(list(get_json(base + "/stats/web.requests.count?exact=1")) ==
           ["web.requests.count"], "exact: the label itself")
    stat = base + "/stats/web.requests.count?aggr="
    wanted = {"sum": 6, "avg": 3.0, "max": 6, "min": 0, "nonzero-avg": 6.0,
              "nonzero-min": 6}
    for name, value in wanted.items():
        got = get_json(stat + name)["web.requests.count"]
        expect(got == value and type(got) == type(value),
               "aggr=%s: %r (got %r)" % (name, value, got))
    expect(get_json(stat + "one")["web.requests.count"] in (0, 6), "aggr=one")
    for bad in ("median", "SUM"):
        expect(get(stat + bad)[0] == 400, "unknown aggr %s: 400" % bad)
    status, _, body = get(base + "/stats/web.name?aggr=sum")
    expect(status == 400 and body == b"400 Bad Request: aggregation 'sum' "
           b"cannot combine the values of 'web.name'\n",
           "a sum of strings: 400, as the reference, naming it: %r" % body)
    expect(get(base + "/stats/web.requests.count?aggr=nonzero-avg&glob=" +
              os.path.basename(w1.paths[0]))[0] == 400,
           "nonzero-avg of only zeros: 400")
    one = os.path.basename(w2.paths[0])
    expect(get_json(base + "/stats/web.requests.count?glob=" + one) ==
           {"web.requests.count": [6]}, "glob: only the matching file")
    files = get_json(base + "/files/")["files"]
    expect(sorted(files) == sorted(w1.paths + w2.paths), "/files/: %r" % files)
    expect(get_json(base + "/files/" + one)["files"] == w2.paths, "/files/GLOB")
    for evil in ("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "..", "a%2F*"):
        expect(get(base + "/stats/x?glob=" + evil)[0] == 400,
               "glob %s refused with 400" % evil)
        expect(get(base + "/files/" + evil)[0] in (400, 404),
               "/files/%s refused" % evil)


def reject_constant(name):
    raise ValueError("not JSON: " + name)


def big_sums_and_nan(base):
    """Each writer has 2^64 - 1, -9e18 and a nan: the sums are Python's
    unbounded ints, exact; nan and inf, which Python's json would write as
    NaN and Infinity, are null, so any JSON parser reads the answer."""
    def value(stat):
        status, _, body = get(base + "/stats/" + stat)
        expect(status == 200, "%s: 200" % stat)
        return body, json.loads(body, parse_constant=reject_constant)
    body, got = value("web.big?aggr=sum")
    expect(b": 36893488147419103230\n" in body and
           got == {"web.big": 2 * (2**64 - 1)}, "sum past 2^64: exact: %r" % body)
    body, got = value("web.neg?aggr=sum")
    expect(got == {"web.neg": -18000000000000000000},
           "sum of negative int64s past 64 bits: exact: %r" % body)
    _, got = value("web.big?aggr=avg")
    expect(got == {"web.big": float(2**64 - 1)}, "avg past 2^64: %r" % got)
    _, got = value("web.big?aggr=max")
    expect(got == {"web.big": 2**64 - 1}, "max: one of the values: %r" % got)
    body, got = value("web.nan")
    expect(got == {"web.nan": [None, None]}, "nan: null: %r" % body)
    body, got = value("web.nan?aggr=sum")
    expect(got == {"web.nan": None}, "a sum that is nan: null: %r" % body)


OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def get_accept(url, accept):
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers, r.read()


def promtool(body, what):
    if not shutil.which("promtool"):
        print("promtool not installed: format not checked by it")
        return
    p = subprocess.run(["promtool", "check", "metrics"], input=body,
                       capture_output=True)
    expect(p.returncode == 0, "promtool check metrics (%s): %r %r"
           % (what, p.stdout[:500], p.stderr[:500]))


def metrics(base, w1):
    status, headers, body = get(base + "/metrics")
    expect(status == 200, "/metrics: 200")
    expect(headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8",
           "/metrics content type")
    expect(headers["Vary"] == "Accept", "Vary: Accept")
    out = body.decode()
    # The library notes a counter as one: no guess from the label.
    expect("# TYPE web_requests_count_total counter\n" in out, "counter, _total")
    expect("# TYPE web_latency gauge\n" in out, "double: gauge")
    who = 'pid="%d",program="mmstats-writer"' % w1.pid
    expect('web_latency{%s,tid="%d"} 0.25\n' % (who, w1.pid) in out,
           "labels pid, program, tid: %r"
           % [l for l in out.splitlines() if l.startswith("web_latency")])
    expect("# TYPE web_name_info gauge\n" in out, "string: _info")
    expect('value="say \\"hi\\" \\\\o/"} 1\n' in out, "string: _info, escaped: %r"
           % [l for l in out.splitlines() if "web_name" in l])
    expect(out.count("# TYPE web_requests_count_total") == 1,
           "one family per metric, series grouped")
    expect("sys_" not in out and "file=" not in out,
           "no sys.* gauges, no file label")
    expect("process_start_time_seconds{%s} " % who in out,
           "the writer's start time, once per process")
    promtool(body, "0.0.4")
    status, headers, body = get_accept(
        base + "/metrics", "application/openmetrics-text;version=1.0.0,"
        "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    om = body.decode()
    expect(status == 200 and headers["Content-Type"] == OPENMETRICS,
           "Accept: OpenMetrics: %r" % headers["Content-Type"])
    expect(om.endswith("\n# EOF\n") and om.count("# EOF") == 1,
           "OpenMetrics: ends in # EOF")
    expect("# TYPE web_requests_count counter\n" in om and
           "\nweb_requests_count_total{" in om,
           "OpenMetrics: family without _total, samples with it")
    expect("# TYPE web_name info\n" in om, "OpenMetrics: info")
    status, headers, _ = get_accept(base + "/metrics", "text/plain")
    expect(headers["Content-Type"].startswith("text/plain; version=0.0.4"),
           "Accept: text/plain: 0.0.4")


def http_errors(base):
    expect(get(base + "/nope")[0] == 404, "unknown page: 404")
    status, headers, _ = get(base + "/stats/", method="POST")
    expect(status == 405 and "GET" in headers.get("Allow", ""), "POST: 405 + Allow")
    status, headers, body = get(base + "/stats/", method="HEAD")
    expect(status == 200 and body == b"", "HEAD: 200, no body")


def pages(base):
    status, headers, body = get(base + "/")
    expect(status == 200 and headers["Content-Type"] == "text/html; charset=utf-8",
           "index: HTML")
    expect(b'href="/stats/web.requests.count?exact=1"' in body, "index links stats")
    status, headers, body = get(base + "/graph/")
    expect(status == 200 and b"getContext('2d')" in body,
           "graph page: canvas drawing")
    expect(b"src=\"http" not in body and b"<script src" not in body,
           "graph page is self-contained")


def concurrent(base):
    """Parallel clients (bounded: 8 threads, 80 requests) all get answers."""
    from concurrent.futures import ThreadPoolExecutor
    urls = [base + "/metrics", base + "/stats/web", base + "/"] * 27
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(get, urls[:80]))
    expect(all(r[0] == 200 for r in results), "80 parallel requests: all 200")
    metrics = {r[2] for u, r in zip(urls, results) if u.endswith("/metrics")}
    expect(len(metrics) == 1, "the same files give the same metrics")


def per_client_limit(base):
    """16 idle connections from one address: the 17th is closed unanswered,
    and answered again once one of the 16 goes."""
    import socket
    host, port = base.split("//")[1].split(":")
    idle = [socket.create_connection((host, int(port))) for _ in range(16)]

    def ask():
        s = socket.create_connection((host, int(port)))
        s.settimeout(10)
        try:
            s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
            return s.recv(64)
        except ConnectionError:
            return b""
        finally:
            s.close()
    try:
        expect(ask() == b"", "17th connection from one client: closed")
    finally:
        idle.pop().close()
    for _ in range(100):	# the server notices the close
        reply = ask()
        if reply:
            break
    expect(reply.startswith(b"HTTP/1.") and b" 200 " in reply,
           "answered after one went: %r"
           % reply[:20])
    for s in idle:
        s.close()


def errors_say_what(base):
    """A 400 is one line that names what was wrong, and how it can be."""
    status, headers, body = get(base + "/stats/web.requests.count?aggr=bogus")
    expect(status == 400 and headers["Content-Type"] ==
           "text/plain; charset=utf-8" and body ==
           b"400 Bad Request: unknown aggregation 'bogus' (valid: avg, max, "
           b"min, nonzero-avg, nonzero-min, one, sum)\n",
           "?aggr=bogus: names it and the valid ones: %r" % body)
    status, _, body = get(base + "/stats/web?glob=..%2F*")
    expect(status == 400 and body.startswith(
           b"400 Bad Request: invalid glob '../*': ") and b"aggr" not in body,
           "a bad glob says the glob is bad: %r" % body)
    status, _, body = get(base + "/files/..")
    expect(status == 400 and b"invalid glob '..'" in body,
           "/files/..: the glob is bad: %r" % body)


def counts(base, query=""):
    """job.count of every file the answer used, and their sum."""
    sep = "&" if query else "?"
    values = get_json(base + "/stats/job.count" + query)
    total = get_json(base + "/stats/job.count" + query + sep + "aggr=sum")
    return sorted(values.get("job.count", [])), total.get("job.count")


def metrics_never_stale(urls, alive, gone, nopid):
    for url in urls:
        out = text(get(url)[2])
        expect('pid="%d"' % alive.pid in out and
               "\nbulk_counter_001 7\n" in out,
               "%s: live and unknown (no labels) files exported" % url)
        for w in gone:
            expect('pid="%d"' % w.pid not in out,
                   "%s: no series of dead process %d" % (url, w.pid))


def liveness(ws):
    """alive: a running writer; killed: SIGKILL, its file stays; kept: SIGTERM
    with -k, its file stays; termed: SIGTERM, its file goes; nopid: the
    reference's file without sys.pid (whose writer cannot be known: shown,
    as mmstatsfs shows it under /files)."""
    d = tmpdir("mmash-live")
    alive = Writer(d, ["job.count=counter:1", "job.depth=double:0.5"])
    ws.append(alive)
    killed = Writer(d, ["job.count=counter:10", "job.depth=double:20"])
    ws.append(killed)
    kept = Writer(d, ["job.count=counter:100", "job.depth=double:300"],
                  keep=True)
    ws.append(kept)
    termed = Writer(d, ["job.count=counter:1000"])
    ws.append(termed)
    killed.proc.kill()
    killed.proc.wait()
    kept.stop()
    termed.stop()
    nopid = os.path.join(d, "nopid.mmstats")
    shutil.copy(os.path.join(VECTORS, "many_fields.mmstats"), nopid)
    expect(os.path.exists(killed.paths[0]) and os.path.exists(kept.paths[0])
           and not os.path.exists(termed.paths[0]),
           "SIGKILL and -k leave their files, SIGTERM removes its own")
    glob = ["-g", os.path.join(d, "*.mmstats"), "-d", d]
    live, live_base = start(glob)
    every, all_base = start(glob + ["--all"])
    try:
        for name, base, q in (("default", live_base, ""),
                              ("?all=0 with --all", all_base, "?all=0")):
            got = counts(base, q)
            expect(got == ([1], 1),
                   "%s: only the live writer's value and sum: %r" % (name, got))
            expect(sorted(get_json(base + "/files/" + q)["files"]) ==
                   sorted([alive.paths[0], nopid]),
                   "%s: /files/: the live one and the one without sys.pid"
                   % name)
            depth = get_json(base + "/values/" + q).get("job.depth")
            expect(depth == [0.5], "%s: /values/ (the graphs): %r"
                   % (name, depth))
        for name, base, q in (("--all", all_base, ""),
                              ("?all=1", live_base, "?all=1")):
            got = counts(base, q)
            expect(got == ([1, 10, 100], 111),
                   "%s: stale files too: %r" % (name, got))
            expect(sorted(get_json(base + "/files/" + q)["files"]) ==
                   sorted([alive.paths[0], killed.paths[0], kept.paths[0],
                           nopid]), "%s: /files/: every file" % name)
        # "?all" without '=' is an empty value: no, even with --all.
        for name, base in (("--all", all_base), ("default", live_base)):
            got = counts(base, "?all")
            expect(got == ([1], 1), "%s, ?all without a value: stale files "
                   "left out: %r" % (name, got))
        body = get(live_base + "/")[2]
        expect(b"2 files of writers that are gone left out" in body,
               "index page: says what it left out")
        body = get(live_base + "/?glob=*.mmstats")[2]
        expect(b'(<a href="?glob=%2A.mmstats&amp;all=1">show all</a>)'
               in body, "index page: show all keeps the glob: %r" % body[-300:])
        metrics_never_stale([live_base + "/metrics", all_base + "/metrics",
                             live_base + "/metrics?all=1",
                             all_base + "/metrics?all=1"],
                            alive, (killed, kept), nopid)
    finally:
        for p in (live, every):
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
        shutil.rmtree(d)


def port_in_use():
    """The port is taken: one line, named, saying where and why; exit 1."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = run([MMASH, "-p", str(port)], timeout=10)
    finally:
        s.close()
    expect(r.returncode == 1, "port in use: exit 1 (got %d)" % r.returncode)
    expect(r.stdout == b"" and r.stderr ==
           b"mmash: 127.0.0.1:%d: Address already in use\n" % port,
           "port in use: one line: %r" % r.stderr)


def no_match_warns():
    """A glob that matches nothing: one warning, then served; a file that
    appears later is served."""
    d = tmpdir("mmash-empty")
    for glob in ("/nonexistent/*.mmstats", os.path.join(d, "*.mmstats")):
        p, base = start(["-g", glob], stderr=subprocess.PIPE)
        w = None
        try:
            expect(get_json(base + "/files/") == {"files": []},
                   "%s: served, empty" % glob)
            if glob.startswith(d):
                w = Writer(d, ["late.value=uint32:7"])
                expect(get_json(base + "/stats/late.value") ==
                       {"late.value": [7]}, "a file that appears is served")
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=10)
            err = p.stderr.read()
            p.stderr.close()
            if w:
                w.stop()
        expect(p.returncode == 0 and
               err == "mmash: %s: no file matches (yet)\n" % glob,
               "%s: warned once: %r" % (glob, err))
    shutil.rmtree(d)


def template_dirs():
    """$MMSTATS_PATH a template, no -d: a client's glob looks in every
    directory the default glob looks in (each {field} any name), those
    made after mmash started too, and nowhere else."""
    d = tmpdir("mmash-tmpl")
    env = dict(os.environ, MMSTATS_PATH=os.path.join(d, "w-{CMD}"))
    env.pop("MMSTATS_GLOB", None)
    for sub in ("w-a", "w-b", "other"):
        os.mkdir(os.path.join(d, sub))
    ws = [Writer(os.path.join(d, "w-a"), ["t.v=uint32:1"]),
          Writer(os.path.join(d, "other"), ["t.v=uint32:50"]),
          Writer(d, ["t.v=uint32:70"])]
    p, base = start([], env=env)
    try:
        default = sorted(get_json(base + "/files/")["files"])
        expect(default == ws[0].paths, "default glob: w-a only: %r" % default)
        expect(get_json(base + "/files/*.mmstats")["files"] == default,
               "client glob: the default glob's directories")
        ws.append(Writer(os.path.join(d, "w-b"), ["t.v=uint32:2"]))
        got = sorted(get_json(base + "/files/*.mmstats")["files"])
        expect(got == sorted(ws[0].paths + ws[3].paths),
               "client glob: a directory made later too: %r" % got)
        expect(get_json(base + "/stats/t.v?aggr=sum&glob=*.mmstats") ==
               {"t.v": 3}, "client glob: values of w-a and w-b only")
        # The order of the default glob, by whole path: w-a-b/... sorts
        # before w-a/... ('-' before '/'), though w-a sorts before w-a-b.
        os.mkdir(os.path.join(d, "w-a-b"))
        ws.append(Writer(os.path.join(d, "w-a-b"), ["t.v=uint32:4"]))
        default = get_json(base + "/files/")["files"]
        got = get_json(base + "/files/*.mmstats")["files"]
        expect(default == sorted(default) and got == default and
               got[0] == ws[4].paths[0],
               "client glob, default glob: one order: %r %r" % (got, default))
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
        for w in ws:
            w.stop()
        shutil.rmtree(d)


def usage():
    r = run([MMASH, "--help"])
    expect(r.returncode == 0 and b"Usage: mmash" in r.stdout, "--help")
    expect(b"-A, --all" in r.stdout, "--help lists --all")
    r = run([MMASH, "--version"])
    expect(r.returncode == 0 and r.stdout.startswith(b"mmash "), "--version")
    for args in (["-p", "70000"], ["-a", "not-an-address"], ["extra"]):
        expect(run([MMASH] + args).returncode == 2, "usage error %r: 2" % args)


def main():
    need_writer()
    d = tmpdir("mmash")
    spec = ["web.requests.count=counter:%d", "web.latency=double:0.25",
            'web.name=string:say "hi" \\o/', "web.big=uint64:18446744073709551615",
            "web.neg=static_int64:-9000000000000000000", "web.nan=double:nan"]
    w1 = Writer(d, [spec[0] % 0] + spec[1:])
    w2 = Writer(d, [spec[0] % 6] + spec[1:])
    os.symlink("/etc/passwd", os.path.join(d, "evil.mmstats"))
    p, base = start(["-g", os.path.join(d, "*.mmstats"), "-d", d],
                    stderr=subprocess.PIPE)
    try:
        json_routes(base, w1, w2)
        errors_say_what(base)
        big_sums_and_nan(base)
        metrics(base, w1)
        http_errors(base)
        pages(base)
        concurrent(base)
        per_client_limit(base)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
        expect(p.returncode == 0, "SIGTERM: exit 0")
        err = p.stderr.read()
        p.stderr.close()
        w1.stop()
        w2.stop()
        shutil.rmtree(d)
    expect(all(line.startswith("mmash: ") for line in err.splitlines()),
           "every message on stderr is named: %r" % err[:500])
    ws = []
    try:
        liveness(ws)
    finally:
        for w in ws:
            w.stop()
    port_in_use()
    no_match_warns()
    template_dirs()
    usage()


main()
finish()
