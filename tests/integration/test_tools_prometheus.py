#!/usr/bin/env python3
"""A real Prometheus (Debian's /usr/bin/prometheus, on 127.0.0.1, its own
config and storage in a temporary directory) scrapes mmash every second
while tests/helpers/rate-writer counts at 200 a second and observes a
uniform distribution over (0, 1] into a histogram.  Through Prometheus'
HTTP API: rate(app_requests_total[10s]) is the writer's rate and
histogram_quantile(0.99, ...) the 0.99 quantile of what it observed
(0.99), each within 10%; the target is up with no scrape error, and the
metadata has the unit, which only OpenMetrics carries (Prometheus asks
for it in its Accept header); process_start_time_seconds is when the
writer started.  promtool check metrics is clean on the 0.0.4 text.
promtool 2.42 parses the 0.0.4 text only: OpenMetrics is checked by the
scrape itself.  Skipped when prometheus is not installed."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

from common import BUILD, expect, finish, skip, tmpdir, tool

PROMETHEUS = shutil.which("prometheus")
RATE_WRITER = os.path.join(BUILD, "helpers", "rate-writer")
MMASH = tool("mmash")
RATE = 200


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def query(api, expr, at=None):
    q = {"query": expr}
    if at is not None:
        q["time"] = "%.3f" % at
    body = get(api + "/api/v1/query?" + urllib.parse.urlencode(q))
    data = json.loads(body)
    expect(data["status"] == "success", "query %s: %r" % (expr, data))
    return [(r["metric"], float(r["value"][1]))
            for r in data["data"]["result"]]


def wait(what, pred, timeout):
    """pred() until true or the deadline; the result is checked by the caller."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            got = pred()
            if got:
                return got
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    print("gave up waiting for", what)
    return None


def start_prometheus(d, target):
    port = free_port()
    conf = os.path.join(d, "prometheus.yml")
    with open(conf, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: mmash\n"
                "    static_configs:\n      - targets: ['%s']\n" % target)
    log = open(os.path.join(d, "prometheus.log"), "w")
    p = subprocess.Popen([PROMETHEUS, "--config.file=" + conf,
                          "--storage.tsdb.path=" + os.path.join(d, "data"),
                          "--web.listen-address=127.0.0.1:%d" % port],
                         stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return p, "http://127.0.0.1:%d" % port


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def scraped(api, base, started):
    t = wait("target up", lambda: [x for x in json.loads(
        get(api + "/api/v1/targets"))["data"]["activeTargets"]
        if x["health"] == "up"], 20)
    expect(t and t[0]["lastError"] == "", "target up, no scrape error: %r" % t)
    # Evaluated at a scrape's time, with a sample at each end of the range:
    # rate() has nothing to extrapolate (which it does short of the ends).
    n = wait("11 s of samples", lambda: [v for _, v in query(
        api, "count_over_time(app_requests_total[11s])") if v >= 11], 40)
    expect(n, "Prometheus has the counter's samples")
    at = query(api, "timestamp(app_requests_total)")[0][1]
    got = query(api, "rate(app_requests_total[10s])", at)
    print("rate:", got)
    expect(len(got) == 1 and abs(got[0][1] - RATE) <= RATE * 0.1,
           "rate() is the writer's %d/s within 10%%: %r" % (RATE, got))
    got = query(api, "histogram_quantile(0.99, sum by (le) "
                     "(rate(app_latency_seconds_bucket[10s])))", at)
    print("0.99 quantile:", got)
    expect(len(got) == 1 and abs(got[0][1] - 0.99) <= 0.099,
           "histogram_quantile(0.99) is the observed 0.99 within 10%%: %r"
           % got)
    got = query(api, "process_start_time_seconds")
    expect(len(got) == 1 and started[0] - 1 <= got[0][1] <= started[1] + 1
           and got[0][0].get("program") == "web",
           "process_start_time_seconds: when the writer started, "
           "labelled with its program: %r (%r)" % (got, started))
    meta = json.loads(get(api + "/api/v1/metadata"))["data"]
    lat = meta.get("app_latency_seconds", [{}])[0]
    expect(lat.get("type") == "histogram" and lat.get("unit") == "seconds"
           and lat.get("help") == "Time to answer",
           "OpenMetrics scraped: type, unit and help: %r" % meta)
    req = meta.get("app_requests", [{}])[0]
    expect(req.get("type") == "counter", "counter family app_requests: %r"
           % meta)
    plain = get(base + "/metrics")
    p = subprocess.run(["promtool", "check", "metrics"], input=plain,
                       capture_output=True)
    expect(p.returncode == 0, "promtool check metrics: %r %r"
           % (p.stdout[:500], p.stderr[:500]))


def main():
    if not PROMETHEUS or not shutil.which("promtool"):
        skip("prometheus not installed (Debian: apt install prometheus)")
    for prog in (RATE_WRITER, MMASH):
        if not os.access(prog, os.X_OK):
            skip("not built: " + prog)
    d = tmpdir("prometheus")
    procs = []
    try:
        before = time.time()
        w = subprocess.Popen([RATE_WRITER, "-d", d, "-r", str(RATE),
                              "-p", "web"], stdout=subprocess.PIPE, text=True)
        procs.append(w)
        w.stdout.readline()
        expect(w.stdout.readline() == "ready\n", "writer ready")
        started = (before, time.time())
        m = subprocess.Popen([MMASH, "-p", "0", "-g",
                              os.path.join(d, "*.mmstats")],
                             stdout=subprocess.PIPE, text=True)
        procs.append(m)
        base = m.stdout.readline().split(" on ")[-1].strip().rstrip("/")
        prom, api = start_prometheus(d, base[len("http://"):])
        procs.append(prom)
        scraped(api, base, started)
    finally:
        for p in reversed(procs):
            stop(p)
        log = os.path.join(d, "prometheus.log")
        if os.path.exists(log) and os.environ.get("VERBOSE"):
            print(open(log).read()[-3000:])
        shutil.rmtree(d)
    finish()


main()
