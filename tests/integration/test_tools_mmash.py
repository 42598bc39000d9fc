#!/usr/bin/env python3
"""mmash on 127.0.0.1 with an ephemeral port, real writers, real HTTP:
the reference's JSON routes and aggregators, glob safety, /metrics in
the Prometheus text format (checked by promtool when installed), the
pages rendered by headless Chromium (when installed), HTTP errors; sums
exact past 64 bits, as Python's ints; nan as null, so the JSON is valid."""
import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request

from common import (Writer, expect, finish, need_writer, run, text, tmpdir,
                    tool)

MMASH = tool("mmash")


def start(args):
    p = subprocess.Popen([MMASH, "-p", "0"] + args, stdout=subprocess.PIPE,
                         text=True)
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
    expect(get(base + "/stats/web.name?aggr=sum")[0] == 400,
           "a sum of strings: 400, as the reference")
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


def metrics(base, w1):
    status, headers, body = get(base + "/metrics")
    expect(status == 200, "/metrics: 200")
    expect(headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8",
           "/metrics content type")
    out = body.decode()
    expect("# TYPE web_requests_count_total counter\n" in out, "counter, _total")
    expect("# TYPE web_latency gauge\n" in out, "double: gauge")
    expect('web_latency{pid="%d",tid="%d",file="%s"} 0.25\n'
           % (w1.pid, w1.pid, w1.paths[0]) in out, "labels pid, tid, file")
    expect('value="say \\"hi\\" \\\\o/"} 1\n' in out, "string: _info, escaped: %r"
           % [l for l in out.splitlines() if "web_name" in l])
    expect(out.count("# TYPE web_requests_count_total") == 1,
           "one family per metric, series grouped")
    if shutil.which("promtool"):
        p = subprocess.run(["promtool", "check", "metrics"], input=body,
                           capture_output=True)
        expect(p.returncode == 0, "promtool check metrics: %r %r"
               % (p.stdout[:500], p.stderr[:500]))
    else:
        print("promtool not installed: format not checked by it")


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


def usage():
    r = run([MMASH, "--help"])
    expect(r.returncode == 0 and b"Usage: mmash" in r.stdout, "--help")
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
    p, base = start(["-g", os.path.join(d, "*.mmstats"), "-d", d])
    try:
        json_routes(base, w1, w2)
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
        w1.stop()
        w2.stop()
        shutil.rmtree(d)
    usage()


main()
finish()
