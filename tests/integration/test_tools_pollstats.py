#!/usr/bin/env python3
"""pollstats with real writers: the reference's header and columns,
per-interval changes summed over files and threads, writers that start
and stop during the run, colour only on a terminal (and never with
NO_COLOR), repeated headers, SIGINT, usage errors; only live writers
count (killed ones' files stay, -a counts them), what matches nothing
is an error, strings are text, long names are whole, no -0.000."""
import os
import shutil
import signal
import subprocess
import time

from common import (Writer, dead_writers, expect, finish, need_writer,
                    put_file, ref_field, ref_file, run, run_on_pty, text,
                    tmpdir, tool)

POLL = tool("pollstats")
YELLOW = "\033[1;33m"


def values(out):
    """The numbers of each data line (header lines have none); a rate
    not known yet ("-", on the first line) is None."""
    rows = []
    for line in out.splitlines():
        cols = [c.strip() for c in line.split("|")]
        try:
            rows.append([None if c == "-" else float(c) for c in cols])
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
        # The library notes counters and gauges: a rate and a value.
        expect(lines[0] == "    req.count/s     |        load        ",
               "header: names centred in 20 columns, as the reference, "
               "a counter's per second: %r" % lines[0])
        expect(YELLOW not in out, "no colour when stdout is not a terminal")
        rows = values(out)
        expect(len(rows) == 4, "four samples")
        expect(rows[0] == [None, 1.0], "first line: no rate yet, the sum "
               "of both threads' gauges 0.5 + 0.5 (%r)" % rows[0])
        for row in rows[1:]:
            # 2 threads, +1 every 10 ms: about 200 a second.
            expect(40 <= row[0] <= 400, "a rate near 200/s: %r" % row)
            expect(row[1] == 1.0, "a gauge: its value, summed")
        expect(lines[1] == "%19s |%19.3f " % ("-", 1.0),
               "value columns: 19 wide then a space, '|' between: %r" % lines[1])
        expect(lines[2] == "%19.3f |%19.3f " % (rows[1][0], 1.0),
               "a rate: 3 decimals: %r" % lines[2])
        # Files by name or glob sum the same way.
        r = run([POLL, "-c", "1", "app.load"] + w.paths)
        expect(values(text(r.stdout))[0][0] == 1.0, "files named one by one")
        r = run([POLL, "-c", "1", "app.load", os.path.join(d, "*.mmstats")])
        expect(values(text(r.stdout))[0][0] == 1.0, "a glob")
    finally:
        w.stop()


def writers_come_and_go(d, kill):
    # A writer that stays, so that the field is there at the start.
    base = Writer(d, ["jobs.count=counter:0"])
    p = subprocess.Popen([POLL, "-c", "9", "-d", "0.3", "--color=never",
                          "jobs.count", d], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    w = Writer(d, ["jobs.count=counter:1000"], interval_ms=10)
    time.sleep(0.9)
    if kill:
        # Its file stays: a dead writer's file counts as one gone.
        w.proc.kill()
    w.stop()
    out, _ = p.communicate(timeout=30)
    base.stop()
    left = [f for f in w.paths if os.path.exists(f)]
    for f in left:
        os.unlink(f)
    expect(bool(left) == kill, "the killed writer's file stays: %r" % left)
    rows = [r[0] for r in values(out)]
    expect(p.returncode == 0, "come and go: exit 0")
    # a counter: per second, from the second sample on
    expect(len(rows) == 9 and rows[0] is None, "nine samples, the first "
           "with no rate yet: %r" % rows)
    rows = rows[1:]
    expect(rows[0] == 0, "nothing before the writer starts: %r" % rows)
    # Its counter starts at 1000: at 0.3 s a sample that took it whole
    # would print 3333/s or more.  Only its changes (about 100/s) count.
    expect(max(rows) < 1000, "a new file adds no spike of what it "
           "counted before it was seen: %r" % rows)
    expect(max(rows) > 0, "a new file's changes count: %r" % rows)
    expect(rows[-1] == 0, "nothing after the writer is gone: %r" % rows)
    expect(min(rows) >= 0, "a file that goes away never makes a negative change")


def learned_late(d):
    # The reference's file says nothing of jobs.count: its change.  A
    # file with notes comes: a new header, and rates from then on.
    path = os.path.join(d, "ref.mmstats")
    put_file(path, ref_file([ref_field("jobs.count", "Q", 5)]))
    p = subprocess.Popen([POLL, "-c", "8", "-d", "0.3", "-n", "0",
                          "jobs.count", d], stdout=subprocess.PIPE, text=True)
    w = None
    try:
        first = [p.stdout.readline(), p.stdout.readline()]
        w = Writer(d, ["jobs.count=counter:0"])
        out, _ = p.communicate(timeout=30)
    finally:
        if w:
            w.stop()
        os.unlink(path)
        if p.poll() is None:
            p.kill()
            p.wait()
    lines = [l.strip() for l in first + out.splitlines()]
    expect(p.returncode == 0, "learned late: exit 0")
    expect(lines[0] == "jobs.count" and lines[1] == "5",
           "no notes: the bare name, the total: %r" % lines)
    heads = [i for i, l in enumerate(lines) if l == "jobs.count/s"]
    expect(len(heads) == 1, "one new header once the counter is known: "
           "%r" % lines)
    if heads:
        expect(len(lines) == 10 and heads[0] < 9,
               "eight samples, two headers: %r" % lines)
        for l in lines[heads[0] + 1:]:
            expect(l.replace(".", "").isdigit() and "." in l,
                   "a rate under the new header: %r" % l)


def headers_repeat(d):
    r = run([POLL, "-c", "5", "-d", "0.05", "-n", "2", "x", d])
    expect(text(r.stdout).count("x") == 3, "header at start and every 2 lines")
    r = run([POLL, "-c", "3", "-d", "0.05", "-n", "0", "x", d])
    expect(text(r.stdout).count("x") == 1, "-n 0: header once")
    expect(r.returncode == 0, "headers: exit 0 (%r)" % r.stderr)


def colour_on_a_terminal(d):
    def on_pty(env):
        return run_on_pty([POLL, "-c", "1", "x", d], env)[1]

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
    expect(p.poll() is None, "still running before SIGINT")
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


def dead_writers_left_out(d):
    # Asked to keep its file, a writer stopped by SIGTERM leaves it too.
    live, dead = dead_writers(d, lambda i: ["hits=uint64:%d" % 10 ** (i + 2)])
    try:
        expect(all(os.path.exists(f) for f in dead), "dead writers' files stay")
        r = run([POLL, "-c", "1", "hits", d])
        rows = values(text(r.stdout))
        expect(r.returncode == 0 and rows == [[100.0]],
               "only the live writer counts: %r %r" % (rows, r.stderr))
        expect(r.stderr == b"", "nothing to say without -v: %r" % r.stderr)
        r = run([POLL, "-a", "-c", "1", "hits", d])
        expect(values(text(r.stdout)) == [[11100.0]], "-a counts the dead too")
        r = run([POLL, "--all", "-c", "1", "hits"] + dead)
        expect(values(text(r.stdout)) == [[11000.0]], "--all, files named")
        r = run([POLL, "-v", "-c", "1", "hits", d])
        err = text(r.stderr)
        expect(all(err.count("pollstats: %s: writer " % f) == 1 for f in dead)
               and err.count("\n") == 2,
               "-v names each dead writer's file once: %r" % err)
        # Only dead writers have it: an error, and -a is named.
        r = run([POLL, "-c", "1", "hits"] + dead)
        expect(r.returncode == 1 and r.stdout == b"" and
               text(r.stderr) == "pollstats: hits: only in files of writers "
               "that are gone (-a counts them)\n",
               "only dead writers: an error before any output: %r" % r.stderr)
        # A file without sys.pid (unknown liveness) counts, as mmstatsfs
        # shows it.
        nopid = os.path.join(d, "nopid.mmstats")
        put_file(nopid, ref_file([ref_field("hits", "Q", 5)]))
        r = run([POLL, "-c", "1", "hits", d])
        expect(values(text(r.stdout)) == [[105.0]],
               "a file without sys.pid counts: %r" % r.stdout)
        os.unlink(nopid)
    finally:
        live.stop()
        for f in dead:
            os.unlink(f)


def nothing_matches(d):
    w = Writer(d, ["web.stats.status.2XX=uint64:3"])
    try:
        r = run([POLL, "-c", "2", "no.such.field", d])
        expect(r.returncode == 1 and r.stdout == b"", "a field in no file: exit 1,"
               " no output: %r" % r.stdout)
        expect(text(r.stderr) == "pollstats: no.such.field: no such field in "
               "any file\n", "a field in no file: said: %r" % r.stderr)
        # A prefix of a label is no field (the reference summed zeros).
        r = run([POLL, "-c", "1", "web.stats,web.stats.status.2XX", d])
        expect(r.returncode == 1 and text(r.stderr) ==
               "pollstats: web.stats: no such field in any file\n",
               "a label's prefix is not a field: %r" % r.stderr)
        missing = os.path.join(d, "missing.mmstats")
        r = run([POLL, "-v", "-c", "2", "web.stats.status.2XX", missing])
        expect(r.returncode == 1 and r.stdout == b"" and text(r.stderr) ==
               "pollstats: %s: No such file or directory\n" % missing,
               "a missing file: one line, exit 1: %r" % r.stderr)
        garbage = os.path.join(d, "garbage.mmstats")
        put_file(garbage, b"\x07" + bytes(4095))
        r = run([POLL, "-c", "2", "web.stats.status.2XX", garbage])
        err = text(r.stderr)
        expect(r.returncode == 1 and r.stdout == b"" and
               err.startswith("pollstats: %s: " % garbage) and
               err.count("\n") == 1, "a garbage file alone: %r" % err)
        # Among good files: said once, the others still polled, exit 1.
        r = run([POLL, "-c", "3", "-d", "0.05", "web.stats.status.2XX", d])
        err = text(r.stderr)
        expect(r.returncode == 1 and len(values(text(r.stdout))) == 3 and
               err.startswith("pollstats: %s: " % garbage) and
               err.count("\n") == 1,
               "a garbage file among good ones: said once, exit 1: %r" % err)
        # A planted name with a newline forges no line on stderr.
        forged = "pollstats: everything is fine"
        planted = os.path.join(d, "bad\n%s\n.mmstats" % forged)
        os.rename(garbage, planted)
        r = run([POLL, "-c", "1", "web.stats.status.2XX", d])
        err = text(r.stderr)
        expect(r.returncode == 1 and err.startswith("pollstats: %s: " %
               planted.replace("\n", "\\x0a")) and err.count("\n") == 1,
               "a planted name, escaped on stderr: %r" % err)
        os.unlink(planted)
        empty = tmpdir("poll-empty")
        r = run([POLL, "-c", "1", "x", empty])
        expect(r.returncode == 1 and text(r.stderr) ==
               "pollstats: %s: no mmstats file\n" % empty,
               "a directory without files: %r" % r.stderr)
        r = run([POLL, "-c", "1", "x", os.path.join(empty, "*.mmstats")])
        expect(r.returncode == 1 and text(r.stderr) ==
               "pollstats: %s/*.mmstats: no file matches\n" % empty,
               "a glob that matches nothing: %r" % r.stderr)
        os.rmdir(empty)
        # vmstat's habit: a number where files go is refused, with -d.
        r = run([POLL, "web.stats.status.2XX", "1"], cwd=d)
        expect(r.returncode == 2 and b"pollstats: 1: " in r.stderr and
               b"-d 1" in r.stderr and r.stdout == b"",
               "a trailing number: refused, -d named: %r" % r.stderr)
        # ... unless a file has that name.
        shutil.copy(w.paths[0], os.path.join(d, "1"))
        r = run([POLL, "-c", "1", "web.stats.status.2XX", "1"], cwd=d)
        expect(r.returncode == 0 and values(text(r.stdout)) == [[3.0]],
               "a file named 1 is a file: %r" % r.stderr)
        os.unlink(os.path.join(d, "1"))
    finally:
        w.stop()


def columns(d):
    long_name = "web.stats.sys.starttime.of.the.process"
    w = Writer(d, ["%s=uint32:7" % long_name, "state=string/32:idle",
                   "motto=string/64:never give up, never surrender",
                   "n=uint64:1"], prefix="app.")
    try:
        r = run([POLL, "-c", "2", "-d", "0.05", "-p", "app.",
                 "state,%s,n,motto" % long_name, d])
        lines = text(r.stdout).splitlines()
        expect(r.returncode == 0 and len(lines) == 3, "columns: %r" % r.stderr)
        head = [c.strip() for c in lines[0].split("|")]
        expect(head == ["state", long_name, "n", "motto"],
               "long names whole, not cut at 20: %r" % lines[0])
        cols = [c.strip() for c in lines[1].split("|")]
        expect(cols[0] == "idle", "a string shows as its text: %r" % lines[1])
        expect(cols[1] == "7" and cols[2] == "1", "numbers: %r" % lines[1])
        expect(cols[3] == "never give up, nev~",
               "a text wider than its column is cut and marked: %r" % cols[3])
        bars = [[i for i, ch in enumerate(l) if ch == "|"] for l in lines]
        expect(bars[0] == bars[1] == bars[2], "columns line up: %r" % lines)
        expect(len(lines[0]) == 20 + 1 + len(long_name) + 2 + 1 + 20 + 1 + 20,
               "a long name's column: its width plus a space each side")
        expect(lines[2].split("|")[0].strip() == "idle", "and again")
    finally:
        w.stop()


def no_negative_zero(d):
    # A double that goes down by less than the last decimal shown (a
    # latency from 1.2 ms to 0.9 ms): its change prints 0.000, never
    # -0.000.  The file (no sys.pid) is patched in place between samples.
    path = os.path.join(d, "lat.mmstats")
    put_file(path, ref_file([ref_field("latency", "d", 0.0012)]))
    p = subprocess.Popen([POLL, "-c", "3", "-d", "0.5", "latency", path],
                         stdout=subprocess.PIPE, text=True)
    try:
        lines = [p.stdout.readline(), p.stdout.readline()]
        with open(path, "r+b") as f:
            data = f.read()
            f.seek(0)
            f.write(ref_file([ref_field("latency", "d", 0.0009)])[:len(data)])
        out, _ = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    lines += out.splitlines(True)
    cols = [l.strip() for l in lines[1:]]
    expect(cols == ["0.001", "0.000", "0.000"],
           "a change that rounds to zero is 0.000: %r" % cols)
    expect(p.returncode == 0, "latency: exit 0")
    os.unlink(path)


need_writer()
d = tmpdir("poll")
try:
    sums_over_threads(d)
    writers_come_and_go(d, kill=False)
    writers_come_and_go(d, kill=True)
    dead_writers_left_out(d)
    nothing_matches(d)
    columns(d)
    no_negative_zero(d)
    learned_late(d)
    x = Writer(d, ["x=counter:0"])
    try:
        headers_repeat(d)
        colour_on_a_terminal(d)
        interrupt(d)
    finally:
        x.stop()
    usage()
finally:
    shutil.rmtree(d)
finish()
