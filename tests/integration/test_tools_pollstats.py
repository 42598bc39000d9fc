#!/usr/bin/env python3
"""pollstats with real writers: the reference's header and columns,
per-interval changes summed over files and threads, writers that start
and stop during the run, colour only on a terminal (and never with
NO_COLOR), repeated headers, SIGINT, usage errors."""
import os
import pty
import shutil
import signal
import subprocess
import time

from common import (Writer, expect, finish, need_writer, run, text, tmpdir,
                    tool)

POLL = tool("pollstats")
YELLOW = "\033[1;33m"


def values(out):
    """The numbers of each data line (header lines have none)."""
    rows = []
    for line in out.splitlines():
        cols = [c.strip() for c in line.split("|")]
        try:
            rows.append([float(c) for c in cols])
        except ValueError:
            continue
    return rows


def sums_over_threads(d):
    w = Writer(d, ["req.count=counter:100", "load=double:0.5"], threads=2,
               interval_ms=10, prefix="app.")
    try:
        r = run([POLL, "-c", "4", "-d", "0.5", "-p", "app.", "req.count,load", d])
        out = text(r.stdout)
        expect(r.returncode == 0, "exit 0")
        lines = out.splitlines()
        expect(lines[0] == "     req.count      |        load        ",
               "header: names centred in 20 columns, as the reference: %r" % lines[0])
        expect(YELLOW not in out, "no colour when stdout is not a terminal")
        rows = values(out)
        expect(len(rows) == 4, "four samples")
        expect(rows[0][0] >= 200, "first line: the totals of both threads (%r)" % rows[0])
        expect(rows[0][1] == 1.0, "first line: 0.5 + 0.5")
        for row in rows[1:]:
            # 2 threads, +1 every 10 ms, 0.5 s: about 100.
            expect(20 <= row[0] <= 200, "a change per interval near 100: %r" % row)
            expect(row[1] == 0.0, "an unchanged double changes by 0")
        expect(lines[1] == "%19d |%19.3f " % (rows[0][0], 1.0),
               "value columns: 19 wide then a space, '|' between: %r" % lines[1])
        # Files by name or glob sum the same way.
        r = run([POLL, "-c", "1", "app.req.count"] + w.paths)
        expect(values(text(r.stdout))[0][0] >= 200, "files named one by one")
        r = run([POLL, "-c", "1", "app.req.count", os.path.join(d, "*.mmstats")])
        expect(values(text(r.stdout))[0][0] >= 200, "a glob")
    finally:
        w.stop()


def writers_come_and_go(d):
    p = subprocess.Popen([POLL, "-c", "9", "-d", "0.3", "--color=never",
                          "jobs.count", d], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    w = Writer(d, ["jobs.count=counter:1000"], interval_ms=10)
    time.sleep(0.9)
    w.stop()
    out, _ = p.communicate(timeout=30)
    rows = [r[0] for r in values(out)]
    expect(p.returncode == 0, "come and go: exit 0")
    expect(len(rows) == 9, "nine samples: %r" % rows)
    expect(rows[0] == 0, "nothing before the writer starts: %r" % rows)
    expect(max(rows) >= 1000, "a new file counts its whole value: %r" % rows)
    expect(rows[-1] == 0, "nothing after the writer is gone: %r" % rows)
    expect(min(rows) >= 0, "a file that goes away never makes a negative change")


def headers_repeat(d):
    r = run([POLL, "-c", "5", "-d", "0.05", "-n", "2", "x", d])
    expect(text(r.stdout).count("x") == 3, "header at start and every 2 lines")
    r = run([POLL, "-c", "3", "-d", "0.05", "-n", "0", "x", d])
    expect(text(r.stdout).count("x") == 1, "-n 0: header once")


def colour_on_a_terminal(d):
    def on_pty(env):
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(POLL, [POLL, "-c", "1", "x", d], env)
        out = b""
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.waitpid(pid, 0)
        return out.decode()

    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    expect(YELLOW in on_pty(env), "colour on a terminal")
    env["NO_COLOR"] = "1"
    expect(YELLOW not in on_pty(env), "NO_COLOR turns colour off")
    r = run([POLL, "-c", "1", "--color=always", "x", d])
    expect(YELLOW in text(r.stdout), "--color=always")


def interrupt(d):
    p = subprocess.Popen([POLL, "-d", "0.1", "x", d], stdout=subprocess.PIPE)
    time.sleep(0.4)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=10)
    expect(p.returncode == 0, "SIGINT ends it with status 0")


def usage():
    for args in ([], ["-d", "0", "x"], ["-c", "abc", "x"], ["--color=pink", "x"],
                 [","], ["-f", "=v", "x"]):
        r = run([POLL] + args)
        expect(r.returncode == 2, "usage error for %r: exit 2" % args)
    r = run([POLL, "--help"])
    expect(r.returncode == 0 and b"Usage: pollstats" in r.stdout, "--help")
    r = run([POLL, "--version"])
    expect(r.returncode == 0 and r.stdout.startswith(b"pollstats "), "--version")


need_writer()
d = tmpdir("poll")
try:
    sums_over_threads(d)
    writers_come_and_go(d)
    headers_repeat(d)
    colour_on_a_terminal(d)
    interrupt(d)
    usage()
finally:
    shutil.rmtree(d)
finish()
