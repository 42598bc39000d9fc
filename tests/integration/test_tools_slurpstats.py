#!/usr/bin/env python3
"""slurpstats: byte-for-byte the reference's output on the reference's
files, --json against what the reference decoded, files of a live
writer, bad files reported while the rest is printed, a closed pipe,
stale files (marked on a terminal, piped output untouched), directories,
the default glob, nothing found (exit 1, one line on stderr), usage, and
--py2-floats: floats as the reference prints them under Python 2."""
import json
import os
import re
import shutil
import subprocess

from common import (VECTORS, Writer, dead_vector, expect, finish,
                    need_writer, run, run_on_pty, text, tmpdir, tool)
from common import dead_writers as start_dead_writers

SLURP = tool("slurpstats")
NAMES = ["all_types.mmstats", "buffered_flip_states.mmstats",
         "many_fields.mmstats"]

# What Python 2.7.18 printed ('%s' % v, as the reference's slurpstats)
# for each float of the vectors, keyed by its repr (the vectors' .txt).
PY2_VECTOR_FLOATS = {
    "2.5": "2.5", "3.5": "3.5", "0.375": "0.375", "0.5": "0.5",
    "-2.75": "-2.75", "-0.5": "-0.5",
    "0.10000000149011612": "0.10000000149",
    "3.141592653589793": "3.14159265359",
    "1795556800.237744": "1795556800.24",
}
# The same for values written by a live writer: each rule of Python 2's
# str() (12 digits, ".0", the exponent form from 1e11 and below 1e-4,
# inf, nan without its sign).
PY2_LIVE_FLOATS = {
    "0.30000000000000004": "0.3", "2.3333333333333335": "2.33333333333",
    "1": "1.0", "-0.0": "-0.0", "10000000000": "10000000000.0",
    "123456789012.5": "1.23456789012e+11", "1e16": "1e+16",
    "0.0001": "0.0001", "1e-05": "1e-05", "inf": "inf", "-inf": "-inf",
    "nan": "nan", "-nan": "nan",
}
FLOAT_TYPES = ("e", "f", "d")


def reference_identical():
    for name in NAMES:
        want = open(os.path.join(VECTORS, name + ".slurpstats.txt"), "rb").read()
        r = run([SLURP, name], cwd=VECTORS)
        expect(r.returncode == 0, "%s: exit 0" % name)
        expect(r.stdout == want, "%s: output identical to the reference" % name)
        expect(r.stderr == b"", "%s: nothing on stderr" % name)
    # A directory: its *.mmstats files, sorted, each as alone.
    r = run([SLURP, VECTORS])
    want = b"".join(
        open(os.path.join(VECTORS, n + ".slurpstats.txt"), "rb").read()
        .replace(b"==> " + n.encode(), b"==> " + os.path.join(VECTORS, n).encode())
        for n in NAMES)
    expect(r.stdout == want, "directory argument: every file, sorted")


def json_matches_reference():
    for name in NAMES:
        expected = json.load(open(os.path.join(VECTORS, name + ".expected.json")))
        r = run([SLURP, "--json", os.path.join(VECTORS, name)])
        expect(r.returncode == 0, "--json %s: exit 0" % name)
        got = json.loads(r.stdout)
        expect(len(got) == 1, "--json: one object per file")
        fields = got[0]["fields"]
        expect(got[0]["size"] == expected["size"], "--json: size")
        expect(len(fields) == len(expected["fields"]), "--json %s: field count" % name)
        for g, e in zip(fields, expected["fields"]):
            same = (g["label"] == e["label"] and g["value"] == e["value"]
                    and g["type"] == e["type_signature"]
                    and g["buffered"] == e["buffered"])
            expect(same, "--json %s: %s as the reference decoded it" % (name, e["label"]))
    r = run([SLURP, "--json", "/nonexistent.mmstats"])
    expect(r.returncode == 1 and json.loads(r.stdout) == [],
           "--json with nothing readable: [] and exit 1")


def python2_oracle(table):
    """Where a Python 2 runs, it confirms the tables above."""
    code = ("import sys\nfor a in sys.argv[1:]: print '%s' % float(a)")
    try:
        r = run(["python2", "-c", code] + list(table))
    except OSError:
        r = None
    if r is None or r.returncode != 0:
        print("no python2 here: the tables are not checked against one")
        return
    expect(text(r.stdout).splitlines() == list(table.values()),
           "python2 prints what the table says: %r" % r.stdout)


def py2_floats_vectors():
    python2_oracle(PY2_VECTOR_FLOATS)
    for name in NAMES:
        fields = json.load(open(os.path.join(VECTORS, name + ".expected.json")))["fields"]
        want = open(os.path.join(VECTORS, name + ".slurpstats.txt")).read().split("\n")
        # Line 0 is "==> NAME"; then one line per field, in file order.
        for i, f in enumerate(fields, 1):
            if f["type_signature"].strip("0123456789") not in FLOAT_TYPES:
                continue
            head, value = want[i].rsplit(" ", 1)
            expect(value in PY2_VECTOR_FLOATS, "%s: %s in the table" % (name, value))
            want[i] = head + " " + PY2_VECTOR_FLOATS.get(value, "?")
        r = run([SLURP, "--py2-floats", name], cwd=VECTORS)
        expect(r.returncode == 0 and r.stderr == b"", "--py2-floats %s: exit 0" % name)
        expect(text(r.stdout) == "\n".join(want),
               "--py2-floats %s: the floats as Python 2, the rest as ever: %r"
               % (name, r.stdout))
    allt = os.path.join(VECTORS, NAMES[0])
    expect(run([SLURP, "--json", "--py2-floats", allt]).stdout ==
           run([SLURP, "--json", allt]).stdout,
           "--json keeps the exact floats under --py2-floats")


def py2_floats_live():
    need_writer()
    python2_oracle(PY2_LIVE_FLOATS)
    d = tmpdir("slurppy2")
    specs = ["f%02d=double:%s" % (i, v) for i, v in enumerate(PY2_LIVE_FLOATS)]
    w = Writer(d, specs)
    try:
        out = text(run([SLURP, "--py2-floats", w.paths[0]]).stdout)
        for i, (v, want) in enumerate(PY2_LIVE_FLOATS.items()):
            expect(re.search(r"^  f%02d +%s$" % (i, re.escape(want)), out, re.M),
                   "--py2-floats: %s prints as %s: %r" % (v, want, out))
        # Without the option: Python 3's repr, exact.
        out = text(run([SLURP, w.paths[0]]).stdout)
        expect(re.search(r"^  f00 +0\.30000000000000004$", out, re.M),
               "by default 0.1 + 0.2 is its repr")
    finally:
        w.stop()
        shutil.rmtree(d)


def live_writer():
    need_writer()
    d = tmpdir("slurp")
    w = Writer(d, ["req.count=counter:41", "name=string:h\u00e9llo",
                   "ratio=double:0.1"], threads=2)
    try:
        r = run([SLURP, d])
        out = text(r.stdout)
        expect(r.returncode == 0, "live files: exit 0")
        for p in w.paths:
            expect("==> %s\n" % p in out, "live file %s shown" % p)
        expect(len(re.findall(r"^  req\.count +41$", out, re.M)) == 2,
               "counter value of both threads")
        expect(re.search(r"^  name +h\u00e9llo$", out, re.M), "string value")
        expect(re.search(r"^  ratio +0\.1$", out, re.M), "double value, shortest repr")
        expect(re.search(r"^  sys\.pid +%d$" % w.pid, out, re.M), "sys.pid is the writer's")
        # The default glob: $MMSTATS_PATH/*.mmstats.
        env = dict(os.environ, MMSTATS_PATH=d)
        env.pop("MMSTATS_GLOB", None)
        r = run([SLURP], env=env)
        expect(text(r.stdout).count("==> ") == 2, "default glob from MMSTATS_PATH")
        env["MMSTATS_GLOB"] = os.path.join(d, "*-%d-%d.mmstats" % (w.pid, w.pid))
        r = run([SLURP], env=env)
        expect(text(r.stdout).count("==> ") == 1, "MMSTATS_GLOB wins")
        # $MMSTATS_PATH a template: the files of every writer it names
        tmpl = os.path.join(d, "app-{CMD}")
        os.mkdir(os.path.join(d, "app-mmstats-writer"))
        t = Writer(tmpl, ["t.count=counter:7"])
        env = dict(os.environ, MMSTATS_PATH=tmpl)
        env.pop("MMSTATS_GLOB", None)
        r = run([SLURP], env=env)
        expect(text(r.stdout).count("==> ") == 1 and
               "==> %s\n" % t.paths[0] in text(r.stdout),
               "default glob from a MMSTATS_PATH template: %r" % r.stdout)
        t.stop()
        # Live files are not stale; -l keeps them, -m does not mark them.
        r = run([SLURP, "-l", "-m", d])
        expect(text(r.stdout).count("==> ") == 2 and "(stale)" not in text(r.stdout),
               "live files kept by --live, not marked")
    finally:
        w.stop()
        shutil.rmtree(d)


def stale_files():
    # all_types' writer is gone (its pid made one no process can hold);
    # flip has no sys.pid.
    d = tmpdir("slurpstale")
    allt = dead_vector(os.path.join(d, NAMES[0]))
    flip = os.path.join(VECTORS, NAMES[1])
    r = run([SLURP, "--live", allt, flip])
    out = text(r.stdout)
    expect("==> %s\n" % flip in out and allt not in out,
           "--live skips the stale file, keeps the one without sys.pid")
    r = run([SLURP, "--mark-stale", allt, flip])
    out = text(r.stdout)
    expect("==> %s (stale)\n" % allt in out, "--mark-stale marks a stale file")
    expect("==> %s\n" % flip in out, "--mark-stale leaves unknown files alone")
    r = run([SLURP, "--json", allt])
    expect(json.loads(r.stdout)[0]["liveness"] == "stale", "--json: liveness")
    # Stale and readable only in part (a corrupt type after sys.pid):
    # reported when printed, skipped whole by --live, and no error there.
    data = open(allt, "rb").read()
    sig = data.index(b"web.stats.sys.created") + len("web.stats.sys.created") + 2
    torn = os.path.join(d, "torn.mmstats")
    open(torn, "wb").write(data[:sig] + b"Z" + data[sig + 1:])
    r = run([SLURP, torn])
    err = text(r.stderr)
    expect(r.returncode == 1 and err.startswith("slurpstats: %s: " % torn)
           and err.count("\n") == 1, "a torn file is reported: %r" % err)
    r = run([SLURP, "--live", torn, flip])
    expect(r.returncode == 0 and r.stderr == b"" and torn not in text(r.stdout)
           and "==> %s\n" % flip in text(r.stdout),
           "--live skips a torn stale file, no error: %d %r"
           % (r.returncode, r.stderr))
    shutil.rmtree(d)


def dead_writers():
    need_writer()
    d = tmpdir("slurpdead")
    live, dead = start_dead_writers(d, lambda i: ["a=counter:%d" % (i + 1)])
    try:
        expect(all(os.path.exists(f) for f in dead), "dead writers' files stay")
        # Piped: the reference's text, no mark (the compatibility witness).
        r = run([SLURP, d])
        out = text(r.stdout)
        expect(r.returncode == 0 and "(stale)" not in out and
               all("==> %s\n" % f in out for f in dead + live.paths),
               "piped: every file, unmarked: %r" % out)
        r = run([SLURP, "-m", d])
        out = text(r.stdout)
        expect(all("==> %s (stale)\n" % f in out for f in dead) and
               "==> %s\n" % live.paths[0] in out,
               "-m marks the killed and the stopped writer's files: %r" % out)
        # On a terminal, marked by default; --mark-stale=never turns it off.
        rc, out = run_on_pty([SLURP, d])
        expect(rc == 0 and all("==> %s (stale)\n" % f in out for f in dead) and
               "==> %s\n" % live.paths[0] in out,
               "a terminal shows which writers are gone: %r" % out)
        rc, out = run_on_pty([SLURP, "--mark-stale=never", d])
        expect(rc == 0 and "(stale)" not in out, "--mark-stale=never: %r" % out)
        r = run([SLURP, "--json", d])
        got = {o["file"]: o["liveness"] for o in json.loads(r.stdout)}
        expect(all(got[f] == "stale" for f in dead) and
               got[live.paths[0]] == "alive", "--json: liveness %r" % got)
        r = run([SLURP, "--live", d])
        out = text(r.stdout)
        expect(r.returncode == 0 and out.count("==> ") == 1 and
               "==> %s\n" % live.paths[0] in out, "--live: the live one only")
        # Asked for live files and found none: exit 1, said.
        r = run([SLURP, "--live"] + dead)
        expect(r.returncode == 1 and r.stdout == b"" and
               text(r.stderr) == "slurpstats: no file of a live writer "
               "(2 stale)\n", "--live with only dead writers: %r" % r.stderr)
        r = run([SLURP, "--mark-stale=sometimes", d])
        expect(r.returncode == 2, "--mark-stale=WHEN checked")
    finally:
        live.stop()
        for f in dead:
            os.unlink(f)
        shutil.rmtree(d)


def nothing_found():
    d = tmpdir("slurpnone")
    try:
        open(os.path.join(d, "other.txt"), "w").close()
        cases = [
            ([d], {}, "%s: no mmstats file" % d),
            ([os.path.join(d, "*.mmstats")], {},
             "%s/*.mmstats: no file matches" % d),
            ([os.path.join(d, "nodir", "*.mmstats")], {},
             "%s/nodir: No such file or directory" % d),
            ([], {"MMSTATS_PATH": os.path.join(d, "x")},
             "%s/x: No such file or directory" % d),
            ([], {"MMSTATS_PATH": d}, "%s: no mmstats file" % d),
            ([], {"MMSTATS_GLOB": os.path.join(d, "q*")},
             "%s/q*: no file matches" % d),
        ]
        for args, env, said in cases:
            e = dict(os.environ, **env)
            if "MMSTATS_GLOB" not in env:
                e.pop("MMSTATS_GLOB", None)
            for json_out in (False, True):
                r = run([SLURP] + (["--json"] if json_out else []) + args, env=e)
                expect(r.returncode == 1, "%r %r: exit 1" % (args, env))
                expect(text(r.stderr) == "slurpstats: %s\n" % said,
                       "%r %r: one line: %r" % (args, env, r.stderr))
                expect(r.stdout == (b"[]\n" if json_out else b""),
                       "%r: nothing printed: %r" % (args, r.stdout))
        # One argument that finds nothing does not hide the others.
        good = os.path.join(VECTORS, NAMES[1])
        r = run([SLURP, d, good])
        expect(r.returncode == 1 and text(r.stdout).startswith("==> " + good) and
               text(r.stderr) == "slurpstats: %s: no mmstats file\n" % d,
               "an empty directory among files: %r" % r.stderr)
    finally:
        shutil.rmtree(d)


def bad_files():
    d = tmpdir("slurpbad")
    try:
        good = os.path.join(d, "good.mmstats")
        shutil.copy(os.path.join(VECTORS, NAMES[1]), good)
        data = open(os.path.join(VECTORS, NAMES[0]), "rb").read()
        # A corrupt type signature: the fields before it still print.
        sig = data.index(b"web.stats.uint64") + len("web.stats.uint64") + 2
        trunc = os.path.join(d, "corrupt.mmstats")
        open(trunc, "wb").write(data[:sig] + b"Z" + data[sig + 1:])
        garbage = os.path.join(d, "garbage.mmstats")
        open(garbage, "wb").write(b"\x07" + os.urandom(4095))
        empty = os.path.join(d, "empty.mmstats")
        open(empty, "wb").close()
        link = os.path.join(d, "link.mmstats")
        os.symlink(good, link)
        r = run([SLURP, trunc, garbage, empty, link, good, "/nonexistent.mmstats"])
        out, err = text(r.stdout), text(r.stderr)
        expect(r.returncode == 1, "bad files: exit 1")
        expect(out.endswith(open(os.path.join(VECTORS, NAMES[1] + ".slurpstats.txt"))
                           .read().replace("==> " + NAMES[1], "==> " + good)),
               "the good file is still printed in full")
        expect("==> %s\n  web.stats.counter" % trunc in out,
               "a corrupt file shows the fields before the bad one")
        for bad in (trunc, garbage, empty, link, "/nonexistent.mmstats"):
            expect("slurpstats: %s: " % bad in err, "error reported for %s" % bad)
        expect(err.count("\n") == 5, "one line per bad file: %r" % err)
        expect("==> %s" % link not in out, "a symlink is never followed")
        # A planted name with a newline forges no line on stderr; stdout
        # keeps the name's bytes, as the reference prints them.
        forged = "slurpstats: everything is fine"
        bad = os.path.join(d, "bad\n%s\n.mmstats" % forged)
        shutil.copy(garbage, bad)
        named = os.path.join(d, "good\nname.mmstats")
        shutil.copy(good, named)
        r = run([SLURP, bad, named])
        out, err = text(r.stdout), text(r.stderr)
        expect(r.returncode == 1 and err.startswith("slurpstats: %s: " %
               bad.replace("\n", "\\x0a")) and err.count("\n") == 1,
               "a bad file's name escaped on stderr: %r" % err)
        expect(out.startswith("==> %s\n" % named),
               "stdout: the name as it is, the reference's: %r" % out[:80])
    finally:
        shutil.rmtree(d)


def closed_pipe():
    d = tmpdir("slurppipe")
    try:
        for i in range(60):
            shutil.copy(os.path.join(VECTORS, NAMES[2]), os.path.join(d, "%02d.mmstats" % i))
        p = subprocess.Popen([SLURP, d], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = p.stdout.readline()
        p.stdout.close()
        err = p.stderr.read()
        rc = p.wait(timeout=30)
        expect(first.startswith(b"==> "), "first line read")
        expect(rc == 0, "closed pipe: exit 0 (got %d)" % rc)
        expect(err == b"", "closed pipe: nothing on stderr (%r)" % err)
        r = run(["sh", "-c", "'%s' '%s' | head -1" % (SLURP, d)])
        expect(r.returncode == 0 and r.stderr == b"", "slurpstats | head -1")
        if os.path.exists("/dev/full"):
            with open("/dev/full", "wb") as full:
                r = run([SLURP, d], capture_output=False, stdout=full,
                        stderr=subprocess.PIPE)
            expect(r.returncode == 1 and b"slurpstats: stdout: " in r.stderr,
                   "a full disk is an error, not a closed pipe: %r" % r.stderr)
    finally:
        shutil.rmtree(d)


def usage():
    r = run([SLURP, "--help"])
    expect(r.returncode == 0 and b"Usage: slurpstats" in r.stdout, "--help")
    r = run([SLURP, "--version"])
    expect(r.returncode == 0 and r.stdout.startswith(b"slurpstats "), "--version")
    r = run([SLURP, "--bogus"])
    expect(r.returncode == 2 and b"--help" in r.stderr, "bad option: exit 2")


reference_identical()
json_matches_reference()
stale_files()
dead_writers()
nothing_found()
bad_files()
closed_pipe()
usage()
live_writer()
py2_floats_vectors()
py2_floats_live()
finish()
