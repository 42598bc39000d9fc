#!/usr/bin/env python3
"""test_fs_programs.py - /programs/<name>@<uid>/ and the bulk files.

A program "web" of a pre-fork master and the 4 workers it forked
(mmstats-writer -F 4: each worker's instance of the master's model is a
file of its own, the library seeing the fork), and a program "other"
whose process has the same comm (all are mmstats-writer processes) but
another sys.program:
  - /programs/web@UID/task/ links to exactly the 5 /<pid> directories,
    /programs/other@UID/task/ to its one;
  - with every writer stopped (SIGSTOP: alive, values still), each
    per-program value equals the sum of the per-process values (counters
    and gauges), and %all and %metrics of each directory hold what its
    label files hold;
  - forked workers killed (SIGKILL) and stopped (SIGTERM, files
    removed), each replaced by the master with a new fork, while the
    counters run: the program's counter, read again
    and again through one open file and through fresh opens, never goes
    down, and once frozen it is at least the live workers' sum plus the
    last value read of each one that went;
  - files the daemon does not hold mapped: %all and %metrics are clean
    text, each label once; /programs/h@UID/lat sums the histograms; an
    exited worker's counter stays listed and kept; labels have xattrs;
  - a reference-style file (no sys.program) of a python script is under
    the script's name.
"""
import os
import re
import signal
import subprocess
import sys
import time

from common import (WRITER, WRITERS, end_mounts, expect, check, finish,
                    make_dirs, mount, need_fuse, put_file, ref_field,
                    ref_file, wait_for)

STRESS = bool(os.environ.get("MMSTATS_STRESS"))
# A program is the processes of one user that share a name: NAME@UID.
WEB, OTHER, H = ("%s@%d" % (n, os.getuid()) for n in ("web", "other", "h"))
REFAPP = "refapp.py@%d" % os.getuid()


def start(src, program, *specs, interval=1):
    args = [WRITER, "-d", src, "-p", program, "-i", str(interval)]
    p = subprocess.Popen(args + list(specs), stdout=subprocess.PIPE,
                         text=True)
    WRITERS.append(p)
    for line in p.stdout:
        if line.strip() == "ready":
            break
    return p


class Prefork:
    """mmstats-writer -F: a master and the workers it forks and replaces;
    pids[0] is the master's, pids[1:] its workers' of now."""

    def __init__(self, src, program, nworkers, *specs, interval=1):
        args = [WRITER, "-d", src, "-p", program, "-i", str(interval),
                "-F", str(nworkers)]
        self.proc = subprocess.Popen(args + list(specs),
                                     stdout=subprocess.PIPE, text=True)
        WRITERS.append(self.proc)
        self.pids = [self.proc.pid]
        self.proc.stdout.readline()         # the master's file
        while True:
            line = self.proc.stdout.readline().split()
            if line[:1] != ["worker"]:
                break
            self.pids.append(int(line[1]))
        if line != ["ready"] or len(self.pids) != nworkers + 1:
            raise RuntimeError("master did not start: %r" % line)

    def replace(self, i, sig):
        """Signal worker i; the master forks its replacement, whose pid
        takes its place once its file exists."""
        os.kill(self.pids[i], sig)
        line = self.proc.stdout.readline().split()
        if line[:1] != ["worker"]:
            raise RuntimeError("no replacement: %r" % line)
        self.pids[i] = int(line[1])


def read(path):
    with open(path) as f:
        return f.read()


def links(mnt, prog):
    d = os.path.join(mnt, "programs", prog, "task")
    try:
        return {int(n): os.readlink(os.path.join(d, n)) for n in os.listdir(d)}
    except OSError:
        return {}


def shows(mnt, prog, pids):
    return set(links(mnt, prog)) == set(pids)


SPECS = ("req=counter", "conns=uint64:3", "state=string/16:up")


def freeze(pids, sig):
    for pid in pids:
        os.kill(pid, sig)


def slurp_values(text):
    """{label: value} of a %all text."""
    lines = text.split("\n")
    return {l.split()[0]: l.split(None, 1)[1] for l in lines[1:] if l.strip()}


def test_sums(mnt, web, other):
    pids = list(web.pids)
    expect(wait_for(lambda: shows(mnt, WEB, pids)) is not None,
           "programs/web/task lists the 5 processes")
    expect(wait_for(lambda: shows(mnt, OTHER, [other.pid])) is not None,
           "programs/other/task lists its one process")
    for pid, target in links(mnt, WEB).items():
        expect(target == "../../../%d" % pid, "link %d -> %s" % (pid, target))
        real = os.path.join(mnt, "programs", WEB, "task", str(pid))
        expect(os.path.samefile(real, os.path.join(mnt, str(pid))),
               "task/%d reaches /%d" % (pid, pid))
    freeze(pids + [other.pid], signal.SIGSTOP)
    try:
        base = os.path.join(mnt, "programs", WEB)
        for label in ("req", "conns"):
            each = [int(read(os.path.join(mnt, str(pid), label)))
                    for pid in pids]
            total = int(read(os.path.join(base, label)))
            expect(total == sum(each), "web/%s %d == sum %r" %
                   (label, total, each))
        expect(read(os.path.join(base, "conns")) == "15\n", "5 x 3 conns")
        expect(read(os.path.join(base, "state")) == "up\n", "state")
        expect(read(os.path.join(mnt, "programs", OTHER, "req")) ==
               read(os.path.join(mnt, str(other.pid), "req")),
               "other/req is its one process's")
        for d in [base, os.path.join(mnt, str(pids[0]))]:
            bulk = slurp_values(read(os.path.join(d, "%all")))
            for label in ("req", "conns", "state", "sys.program"):
                expect(bulk.get(label) == read(os.path.join(d, label))[:-1],
                       "%s/%%all %s: %r" % (d, label, bulk.get(label)))
            prom = read(os.path.join(d, "%metrics"))
            m = re.search(r"^req_total\{[^}]*\} (\d+)$", prom, re.M)
            expect(m and m.group(1) == read(os.path.join(d, "req"))[:-1],
                   "%s/%%metrics req_total" % d)
    finally:
        freeze(pids + [other.pid], signal.SIGCONT)


def test_never_down(mnt, web):
    reads = 3000 if STRESS else 600
    base = os.path.join(mnt, "programs", WEB, "req")
    held = open(base)
    seen, last = [], {}
    step = reads // 6
    for i in range(reads):
        seen.append(int(os.pread(held.fileno(), 64, 0)))
        seen.append(int(read(base)))
        if i % step == step - 1:
            k = 1 + i // step % (len(web.pids) - 1)     # never the master
            victim = web.pids[k]
            try:
                last[victim] = int(read(os.path.join(mnt, str(victim),
                                                     "req")))
            except OSError:
                pass
            web.replace(k, signal.SIGKILL if i // step % 2 else
                        signal.SIGTERM)
    held.close()
    downs = [(a, b) for a, b in zip(seen, seen[1:]) if b < a]
    expect(not downs, "web/req never went down over %d reads: %r" %
           (len(seen), downs[:5]))
    pids = list(web.pids)
    expect(wait_for(lambda: shows(mnt, WEB, pids)) is not None,
           "programs/web/task follows the replacements: %r, not %r" %
           (sorted(links(mnt, WEB)), sorted(pids)))
    freeze(pids, signal.SIGSTOP)
    try:
        live = sum(int(read(os.path.join(mnt, str(p), "req"))) for p in pids)
        total = int(read(base))
        gone_sum = sum(last.values())
        expect(total >= live + gone_sum,
               "web/req %d >= live %d + gone %d" % (total, live, gone_sum))
    finally:
        freeze(pids, signal.SIGCONT)


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read()


def test_proc_name(src, mnt, tmp):
    script = os.path.join(tmp, "refapp.py")
    with open(script, "w") as f:
        f.write("import time\ntime.sleep(60)\n")
    p = subprocess.Popen([sys.executable, script])
    WRITERS.append(p)
    # A writer makes its file after exec; until the child has exec'd,
    # /proc/PID/cmdline is still the test's own, and the daemon names a
    # process once, by its first file.
    expect(wait_for(lambda: b"refapp.py" in cmdline(p.pid)) is not None,
           "the script runs")
    put_file(os.path.join(src, "ref.mmstats"), ref_file([
        ref_field("sys.pid", "Q", p.pid),
        ref_field("hits", "Q", 5, buffered=True)]))
    expect(wait_for(lambda: shows(mnt, REFAPP, [p.pid])) is not None,
           "a reference file is under its script's name: %r" %
           os.listdir(os.path.join(mnt, "programs")))
    expect(read(os.path.join(mnt, "programs", REFAPP, "hits")) == "5\n",
           "refapp.py/hits")


def clean_text(path):
    """A bulk file is text: no NUL, valid UTF-8, a newline at its end."""
    with open(path, "rb") as f:
        data = f.read()
    expect(b"\0" not in data, "%s holds NUL bytes: %r" % (path, data[:200]))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        expect(False, "%s is no UTF-8: %s" % (path, e))
    expect(data.endswith(b"\n"), "%s ends without a newline" % path)
    return data.decode("utf-8", "replace")


def hist_lines(text):
    return {l.split()[0]: l.split()[1] for l in text.splitlines() if l}


def test_unheld(tmp):
    """Files the daemon does not hold mapped (a descriptor budget of 1:
    RLIMIT_NOFILE 33, fs/budget.h) are mapped at each read and closed:
    the bulk files must not show what the closed maps held (they did:
    NUL bytes and garbage), histograms sum over the program, a counter
    of an exited worker is kept (read again by its name when it goes)
    and stays listed, and program labels have their attributes."""
    import resource
    src, mnt = os.path.join(tmp, "src2"), os.path.join(tmp, "mnt2")
    os.mkdir(src)
    os.mkdir(mnt)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (33, hard))
    try:
        mount(src, mnt)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    specs = ("req=counter", "lat=histogram:0.1,1,10",
             "state=string/16:up")
    ws = [start(src, "h", *specs, interval=5) for _ in range(3)]
    only = start(src, "h", "only=counter", *specs, interval=5)
    pids = [p.pid for p in ws + [only]]
    expect(wait_for(lambda: shows(mnt, H, pids)) is not None,
           "programs/h/task lists the 4 processes")
    base = os.path.join(mnt, "programs", H)
    dirs = [base] + [os.path.join(mnt, str(p)) for p in pids]
    freeze(pids, signal.SIGSTOP)
    try:
        for d in dirs:
            text = clean_text(os.path.join(d, "%all"))
            labels = [l.split()[0] for l in text.splitlines()[1:] if l]
            expect(len(labels) == len(set(labels)),
                   "%s/%%all lists a label twice: %r" % (d, labels))
            expect("lat" not in labels and "lat.sum" in labels,
                   "%s/%%all: the histogram's fields, not its name" % d)
            prom = clean_text(os.path.join(d, "%metrics"))
            expect(re.search(r"^lat_bucket\{", prom, re.M),
                   "%s/%%metrics has the histogram lat" % d)
        prom = read(os.path.join(base, "%metrics"))
        expect("pid=" not in prom and 'program="h"' in prom,
               "programs/h@uid/%%metrics series carry the program's own "
               "name only: %r" % prom[:300])
        each = [hist_lines(read(os.path.join(mnt, str(p), "lat")))
                for p in pids]
        prog = hist_lines(read(os.path.join(base, "lat")))
        for key in ("count", "le=1.0", "le=+Inf"):
            expect(int(prog.get(key, -1)) == sum(int(e[key]) for e in each),
                   "programs/h/lat %s %r: the sum of %r" %
                   (key, prog.get(key), [e[key] for e in each]))
        expect(float(prog["sum"]) == sum(float(e["sum"]) for e in each),
               "programs/h/lat sum %r" % prog.get("sum"))
        expect(read(os.path.join(base, "lat.sum"))[:-1] == prog["sum"],
               "programs/h/lat.sum is the histogram's sum")
        for label, kind in (("req", "counter"), ("lat", "histogram"),
                            ("state", "info"), ("lat.le.1.0", "histogram")):
            got = os.getxattr(os.path.join(base, label), "user.mmstats.kind")
            expect(got == kind.encode(), "programs/h/%s kind %r" %
                   (label, got))
        last = int(read(os.path.join(mnt, str(only.pid), "only")))
    finally:
        freeze(pids, signal.SIGCONT)
    # The only worker with "only" is killed: its file stays, unheld.
    only.send_signal(signal.SIGKILL)
    only.wait()
    expect(wait_for(lambda: shows(mnt, H, [p.pid for p in ws]), 10)
           is not None, "programs/h/task drops the killed worker")
    path = os.path.join(base, "only")
    expect(os.path.exists(path), "programs/h/only stays listed: %r" %
           os.listdir(base))
    if os.path.exists(path):
        expect(int(read(path)) >= last, "programs/h/only %s >= %d" %
               (read(path)[:-1], last))
        expect(os.getxattr(path, "user.mmstats.kind") == b"counter",
               "programs/h/only keeps its kind")
        bulk = slurp_values(clean_text(os.path.join(base, "%all")))
        expect(bulk.get("only") == read(path)[:-1],
               "programs/h/%%all only %r" % bulk.get("only"))


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstats-programs.")
    try:
        mount(src, mnt)
        web = Prefork(src, "web", 4, *SPECS)
        other = start(src, "other", *SPECS)
        check("per-program sums and bulk files", test_sums, mnt, web, other)
        check("counters never go down", test_never_down, mnt, web)
        check("a program named by /proc", test_proc_name, src, mnt, tmp)
        check("files not held: bulk text, histograms, kept counters",
              test_unheld, tmp)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
