#!/usr/bin/env python3
"""test_fs_bulk_cost.py - a bulk file of a big process, within budgets.

One process (a sleep) with 1000 files of 40 labels each, every label its
own (40,000 labels in /<pid>/, 41,000 fields: under owner_fields):
  - /<pid>/%all holds every label once, each with the value its own file
    shows (all checked against the values written, a sample against the
    label files);
  - reading it costs the daemon memory linear in the fields: its peak
    grows by less than 128 MiB (it was 490 MiB when a per-file index of
    every label and a 4 KiB buffer per value were built);
  - while a reader reads /<pid>/%all again and again, the daemon keeps
    answering a stat of another path (the bulk file is built by a
    worker, not in the thread serving the mount): at least one stat is
    answered while a read is in flight.  No timing is asserted; the
    figures are in tests/bench/bench_bulk.c.
"""
import os
import subprocess
import threading

from common import (WRITERS, end_mounts, expect, check, finish, make_dirs,
                    mount, need_fuse, put_file, ref_field, ref_file,
                    wait_for)

FILES, LABELS = 1000, 40


def value(f, l):
    return f * 100 + l


def plant(src, pid):
    for f in range(FILES):
        fields = [ref_field("sys.pid", "Q", pid)]
        fields += [ref_field("f%04d.l%02d" % (f, l), "Q", value(f, l),
                             buffered=True) for l in range(LABELS)]
        put_file(os.path.join(src, "b%04d.mmstats" % f), ref_file(fields))


def parse_all(text):
    lines = text.split("\n")
    out = {}
    for line in lines[1:]:
        if line.startswith("  "):
            label, val = line.split()
            expect(label not in out, "%s listed once" % label)
            out[label] = val
    return lines[0], out


def peak_kib(daemon):
    with open("/proc/%d/status" % daemon) as fp:
        for line in fp:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def test_memory(mnt, pid, daemon):
    before = peak_kib(daemon)
    with open(os.path.join(mnt, str(pid), "%all")) as fp:
        fp.read()
    grown = peak_kib(daemon) - before
    expect(grown < 128 << 10, "peak grew by %d KiB" % grown)


def test_all_values(mnt, pid):
    with open(os.path.join(mnt, str(pid), "%all")) as fp:
        head, vals = parse_all(fp.read())
    expect(head == "==> %d" % pid, "header: %r" % head)
    expect(len(vals) == FILES * LABELS + 1, "labels: %d" % len(vals))
    bad = [(f, l) for f in range(FILES) for l in range(LABELS)
           if vals.get("f%04d.l%02d" % (f, l)) != str(value(f, l))]
    expect(not bad, "values as written (first wrong: %r)" % bad[:3])
    expect(vals.get("sys.pid") == str(pid), "sys.pid")
    for f in range(0, FILES, 97):
        for l in (0, LABELS - 1):
            label = "f%04d.l%02d" % (f, l)
            with open(os.path.join(mnt, str(pid), label)) as fp:
                expect(fp.read().strip() == vals[label],
                       "%s as its own file" % label)


def test_stat_answered_meanwhile(mnt, pid):
    path = os.path.join(mnt, str(pid), "%all")
    done = threading.Event()
    errors = []

    def reader():
        try:
            for _ in range(3):
                with open(path) as fp:
                    if len(fp.read()) < FILES * LABELS * 10:
                        errors.append("short read")
        except OSError as e:
            errors.append(str(e))
        done.set()

    t = threading.Thread(target=reader)
    t.start()
    during = 0
    while not done.is_set():
        os.stat(os.path.join(mnt, "files"))
        if not done.is_set():
            during += 1
    t.join()
    expect(not errors, "reads of %%all: %r" % errors)
    expect(during > 0, "a stat answered while %%all was read (%d)" % during)


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("bulkcost")
    sleeper = subprocess.Popen(["sleep", "600"])
    WRITERS.append(sleeper)
    try:
        plant(src, sleeper.pid)
        daemon, _ = mount(src, mnt)
        piddir = os.path.join(mnt, str(sleeper.pid))
        expect(wait_for(lambda: os.path.isdir(piddir) and
                        len(os.listdir(piddir)) >= FILES * LABELS,
                        timeout=60) is not None,
               "/<pid>/ lists its 40,000 labels")
        check("%all costs memory linear in the fields", test_memory, mnt,
              sleeper.pid, daemon.pid)
        check("%all holds every value", test_all_values, mnt, sleeper.pid)
        check("stat answered during %all", test_stat_answered_meanwhile,
              mnt, sleeper.pid)
    finally:
        sleeper.kill()
        sleeper.wait()
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
