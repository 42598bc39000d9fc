#!/usr/bin/env python3
"""test_fs_notes.py - what a value means, through a real mount.

A real writer (tests/helpers/notes-writer) of fields with notes and of a
histogram, observed by two threads: getfattr shows kind, unit and help of
every field; a reference file's fields are "unknown"; a user who may not
read a source file may not read its attributes either; cat of the
histogram file shows the count, sum, quantiles and buckets computed here
from the observations, and /<pid>/ sums both threads'.  Needs root and
/dev/fuse (exit 77 otherwise).
"""
import errno
import math
import os
import re
import shutil
import subprocess
import sys

from common import (BUILD, VECTORS, WRITERS, check, end_mounts, finish,
                    make_dirs, mount, need_fuse, wait_for)

NOTES_WRITER = os.path.join(BUILD, "helpers", "notes-writer")
THREADS = 2
VALUES = ["0.1", "0.25", "0.5", "1", "3", "10", "0.2", "4"]
BOUNDS = [0.25, 1.0, 4.0, math.inf]
HIST = ("histogram", "seconds", "Request latency")
# label: (kind, unit, help), as notes-writer.c's table gives them; None:
# no such attribute.  Buckets carry no unit or help (their .sum does).
FIELDS = {
    "req": ("counter", "requests", "Requests served"),
    "temp": ("gauge", "celsius", "Temperature of the room"),
    "version": ("info", None, "Version of the build"),
    "plain": ("gauge", None, None),
    "lat": HIST,
    "lat.sum": HIST,
    "lat.le.0.25": ("histogram", None, None),
    "lat.le.1.0": ("histogram", None, None),
    "lat.le.4.0": ("histogram", None, None),
    "lat.le.inf": ("histogram", None, None),
    "sys.pid": ("unknown", None, None),     # default fields: no notes
    "sys.created": ("unknown", None, None),
}


def start_notes_writer(src):
    """notes-writer's process and its files, once it is ready."""
    p = subprocess.Popen([NOTES_WRITER, src, str(THREADS)] + VALUES,
                         stdout=subprocess.PIPE, text=True)
    WRITERS.append(p)
    paths = []
    for line in p.stdout:
        if line.strip() == "ready":
            break
        paths.append(line.strip())
    assert len(paths) == THREADS, paths
    return p, paths


def getfattr_d(path):
    """name -> value of `getfattr -d -m -`."""
    r = subprocess.run(["getfattr", "--absolute-names", "-d", "-m", "-",
                        path], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, (path, r.stderr)
    return dict(re.findall(r'^(\S+)="(.*)"$', r.stdout, re.M))


def want_attrs(kind, unit, help_):
    want = {"user.mmstats.kind": kind}
    if unit:
        want["user.mmstats.unit"] = unit
    if help_:
        want["user.mmstats.help"] = help_
    return want


def as_nobody(code):
    """Run python code as nobody; its stdout."""
    r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                        "--clear-groups", sys.executable, "-c", code],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def buckets(values):
    """Per-bucket counts (not cumulative) of the observations."""
    counts = [0] * len(BOUNDS)
    for v in values:
        counts[next(i for i, b in enumerate(BOUNDS) if v <= b)] += 1
    return counts


def quantile(q, counts):
    """Prometheus' histogram_quantile(), written again here."""
    total = sum(counts)
    if not total:
        return math.nan
    rank, below = q * total, 0
    for i, c in enumerate(counts[:-1]):
        if below + c >= rank:
            start = BOUNDS[i - 1] if i else 0.0
            return start + (BOUNDS[i] - start) * ((rank - below) / c)
        below += c
    return BOUNDS[-2]


def hist_text(values, nfiles):
    counts = [c * nfiles for c in buckets(values)]
    s = 0.0
    for v in values:
        s += v
    total = s
    for _ in range(nfiles - 1):
        total += s
    lines = ["count %d" % sum(counts), "sum %r" % total]
    lines += ["p%d %r" % (q * 100, quantile(q, counts))
              for q in (0.5, 0.9, 0.99)]
    cum = 0
    for b, c in zip(BOUNDS, counts):
        cum += c
        lines.append("le=%s %d" % ("+Inf" if b == math.inf else repr(b),
                                   cum))
    return "\n".join(lines) + "\n"


def read(path):
    with open(path) as f:
        return f.read()


# ---------------------------------------------------------------- checks

def t_attributes(mnt, pid, paths):
    d = os.path.join(mnt, str(pid))
    tid_dirs = [os.path.join(d, "task", t)
                for t in os.listdir(os.path.join(d, "task"))]
    srcs = [os.path.join(mnt, "files", os.path.basename(p)) for p in paths]
    for label, notes in FIELDS.items():
        for where in [d] + tid_dirs + srcs:
            path = os.path.join(where, label)
            got = getfattr_d(path)
            assert got == want_attrs(*notes), (path, got)
    assert os.getxattr(os.path.join(d, "req"), "user.mmstats.unit") == \
        b"requests"
    for name, err in (("user.mmstats.unit", errno.ENODATA),
                      ("user.other", errno.ENODATA),
                      ("security.selinux", errno.ENODATA)):
        try:
            os.getxattr(os.path.join(d, "plain"), name)
            raise AssertionError("got " + name)
        except OSError as e:
            assert e.errno == err, (name, e)
    # the size probe, and a buffer too small
    path = os.path.join(d, "req")
    r = subprocess.run([sys.executable, "-c", """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
p, n = sys.argv[1].encode(), b"user.mmstats.help"
need = libc.getxattr(p, n, None, 0)
buf = ctypes.create_string_buffer(4)
small = libc.getxattr(p, n, buf, 4)
print(need, small, ctypes.get_errno() == 34)
""", path], capture_output=True, text=True, timeout=10)
    assert r.stdout.split() == [str(len("Requests served")), "-1", "True"], r
    # directories have none; nothing can be set
    for path in (d, os.path.join(d, "task"), os.path.join(mnt, "files")):
        assert os.listxattr(path) == [], path
    try:
        os.setxattr(os.path.join(d, "req"), "user.mmstats.kind", b"gauge")
        raise AssertionError("setxattr worked")
    except OSError as e:
        assert e.errno in (errno.EROFS, errno.ENOTSUP), e


def t_reference_unknown(mnt):
    d = os.path.join(mnt, "files", "many_fields.mmstats")
    labels = os.listdir(d)
    assert labels
    for label in labels:
        r = subprocess.run(["getfattr", "--absolute-names", "--only-values",
                            "-n", "user.mmstats.kind",
                            os.path.join(d, label)],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 0 and r.stdout == "unknown", (label, r)
        assert getfattr_d(os.path.join(d, label)) == \
            {"user.mmstats.kind": "unknown"}, label


def t_histogram(mnt, pid, paths):
    values = [float(v) for v in VALUES]
    d = os.path.join(mnt, str(pid))
    one = hist_text(values, 1)
    for p in paths:
        got = read(os.path.join(mnt, "files", os.path.basename(p), "lat"))
        assert got == one, (got, one)
    for t in os.listdir(os.path.join(d, "task")):
        assert read(os.path.join(d, "task", t, "lat")) == one
    both = hist_text(values, THREADS)
    got = read(os.path.join(d, "lat"))
    assert got == both, (got, both)
    # what a monitoring script greps for
    r = subprocess.run(["grep", "^le=+Inf ", os.path.join(d, "lat")],
                       capture_output=True, text=True, timeout=10)
    assert r.stdout == "le=+Inf %d\n" % (len(values) * THREADS), r
    # the sum's own file: summed over the threads too
    s = 0.0
    for v in values:
        s += v
    assert read(os.path.join(d, "lat.sum")) == "%r\n" % (s + s)
    assert read(os.path.join(d, "lat.le.inf")) == \
        "%d\n" % (buckets(values)[-1] * THREADS)
    assert "lat" in os.listdir(d) and "lat.sum" in os.listdir(d)


def t_permissions(mnt, pid, paths):
    d = os.path.join(mnt, str(pid))
    # the main thread's file stays 0644: /<pid> is open to all; the
    # other thread's goes 0600, which every read of /<pid>/req needs
    os.chmod(paths[1], 0o600)
    other = [t for t in os.listdir(os.path.join(d, "task"))
             if t != str(pid)][0]
    tdir = os.path.join(d, "task", other)
    assert wait_for(lambda: os.stat(tdir).st_mode & 0o777 == 0o500,
                    timeout=3) is not None, "mode change not seen"
    code = """
import errno, os
def attempt(f, *a):
    try:
        f(*a)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
print(attempt(os.getxattr, %r, "user.mmstats.kind"),
      attempt(os.listxattr, %r),
      attempt(lambda p: open(p).read(), %r),
      attempt(os.getxattr, %r, "user.mmstats.kind"))
""" % (os.path.join(d, "req"), os.path.join(d, "req"),
       os.path.join(d, "req"), os.path.join(d, "task", str(pid), "req"))
    assert as_nobody(code).split() == ["EACCES", "EACCES", "EACCES",
                                       "ok"], code
    # root reads both
    assert os.getxattr(os.path.join(d, "req"), "user.mmstats.kind") == \
        b"counter"
    # a file of root's, 0600, under /files: not even reachable
    code = """
import errno, os
try:
    os.getxattr(%r, "user.mmstats.kind")
    print("ok")
except OSError as e:
    print(errno.errorcode[e.errno])
""" % os.path.join(mnt, "files", os.path.basename(paths[1]), "req")
    assert as_nobody(code) == "EACCES"


def main():
    need_fuse()
    if not os.access(NOTES_WRITER, os.X_OK):
        print("skip: not built:", NOTES_WRITER)
        sys.exit(77)
    if not shutil.which("getfattr"):
        print("skip: no getfattr (package attr)")
        sys.exit(77)
    tmp, src, mnt = make_dirs("mmstatsfs-notes-")
    shutil.copy(os.path.join(VECTORS, "many_fields.mmstats"), src)
    try:
        mount(src, mnt, "-o", "allow_other")
        w, paths = start_notes_writer(src)
        for p in paths:
            os.chmod(p, 0o644)
        d = os.path.join(mnt, str(w.pid))
        assert wait_for(lambda: os.path.isdir(d) and len(os.listdir(
            os.path.join(d, "task"))) == THREADS, timeout=3) is not None
        check("getfattr: kind, unit, help of every field", t_attributes,
              mnt, w.pid, paths)
        check("reference file: unknown", t_reference_unknown, mnt)
        check("histogram files", t_histogram, mnt, w.pid, paths)
        check("attributes need read permission", t_permissions, mnt,
              w.pid, paths)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
