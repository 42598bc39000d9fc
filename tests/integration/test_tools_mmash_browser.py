#!/usr/bin/env python3
"""mmash's pages in headless Chromium against a real server and a live
writer: the index lists the stats, and the graph page's JavaScript polls,
shows the current values and draws its canvases; the values of a writer
killed by SIGKILL (its files stay) are not in the sums, unless the page
is asked for all (?all=1).  Skipped (77) when
Chromium is not installed.  MMASH_SCREENSHOT=FILE.png also saves a
picture of the graph page."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from common import Writer, expect, finish, need_writer, tmpdir, tool

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(profile, url, *extra):
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--user-data-dir=" + profile] + list(extra) + [url]
    return subprocess.run(args, capture_output=True, timeout=120)


def main():
    if not CHROMIUM:
        print("chromium not installed")
        sys.exit(77)
    need_writer()
    d = tmpdir("mmash-browser")
    profile = tempfile.mkdtemp(prefix="mmash-chromium.")
    w = Writer(d, ["jobs.done.count=counter:100", "queue.depth=double:2.5",
                   "build.tag=string:v1<b>&"], threads=2, interval_ms=20)
    dead = Writer(d, ["jobs.done.count=counter:1000000",
                      "queue.depth=double:100"])
    dead.proc.kill()
    dead.proc.wait()
    p = subprocess.Popen([tool("mmash"), "-p", "0", "-g",
                          os.path.join(d, "*.mmstats")],
                         stdout=subprocess.PIPE, text=True)
    base = p.stdout.readline().split(" on ")[-1].strip().rstrip("/")
    try:
        dom = chromium(profile, base + "/", "--dump-dom").stdout.decode()
        expect('href="/stats/jobs.done.count?exact=1"' in dom, "index: stats listed")
        expect("v1&lt;b&gt;&amp;" not in dom, "index: labels only, no values")

        dom = chromium(profile, base + "/graph/", "--virtual-time-budget=3000",
                       "--dump-dom").stdout.decode()
        expect('data-label="jobs.done.count"' in dom, "graph: a card per number")
        expect('data-label="sys.pid"' not in dom, "graph: sys.* not summed")
        # The library notes a counter as one: drawn per second (of the
        # page's clock, which --virtual-time-budget runs fast: no number).
        expect('<h3>jobs.done.count/s</h3>' in dom, "graph: a counter's "
               "title says per second")
        value = re.search(r'data-label="jobs\.done\.count".*?<span class="value">'
                          r'([-0-9.e+]+)</span>', dom)
        expect(value and 0 <= float(value.group(1)) < 1000000,
               "graph: a counter's rate, not the sum of its counts, is "
               "shown: %r" % (value and value.group(1)))
        points = re.search(r'data-label="jobs\.done\.count".*?data-points="(\d+)"', dom)
        expect(points and int(points.group(1)) >= 1,
               "graph: rates drawn: %r" % (points and points.group(1)))
        expect('<span class="value">5</span>' in dom,
               "graph: 2.5 + 2.5, the dead writer's 100 left out")
        expect("v1&lt;b&gt;&amp;" in dom, "graph: strings shown as text, escaped")
        expect(re.search(r'id="status">updated ', dom), "graph: status says updated")
        dom = chromium(profile, base + "/graph/?all=1",
                       "--virtual-time-budget=2000", "--dump-dom").stdout.decode()
        expect('<span class="value">105</span>' in dom,
               "graph?all=1: the dead writer's 100 too")
        shot = os.environ.get("MMASH_SCREENSHOT")
        if shot:
            chromium(profile, base + "/graph/", "--virtual-time-budget=6000",
                     "--window-size=1200,700", "--screenshot=" + shot)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
        w.stop()
        dead.stop()
        shutil.rmtree(d)
        shutil.rmtree(profile, ignore_errors=True)


main()
finish()
