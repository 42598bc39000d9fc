#!/usr/bin/env python3
"""test_fs_program_flap.py - a live process's only file goes and comes
back: its program keeps the counters of its exited processes.

Program "flap" of two processes: the first counts to 30 and exits (its
counter is kept by the program), the second has counted to 12 and stays
alive, idle.  /programs/flap@UID/req reads 42.  The second's file is then
renamed out of the source directory (to a sibling directory on the same
file system) and back, again and again, while a reader thread reads the
program's counter through fresh opens throughout: every read is ENOENT
(the program is hidden while its one live process has no file) or at
least 42.  Each step is waited for (the program gone, then back) before
the next, so every cycle shows both states to the test; the daemon that
dropped the kept counters at the first departure read 12 on the return.
After the last return the counter reads 42 again; once the second
process is killed, the program goes.

The deadlines are hang guards only: no result depends on how soon
anything happens.
"""
import os
import signal
import subprocess
import threading

from common import (WRITER, WRITERS, end_mounts, expect, check, finish,
                    make_dirs, mount, need_fuse, wait_for)

PROG = "flap@%d" % os.getuid()
CYCLES = 20
HANG = 20.0     # seconds: a hang guard, never a measure


def start(src, *args):
    """A writer of program "flap" with one counter, once ready: (Popen,
    its file)."""
    p = subprocess.Popen([WRITER, "-d", src, "-p", "flap"] + list(args),
                         stdout=subprocess.PIPE, text=True)
    WRITERS.append(p)
    paths = []
    for line in p.stdout:
        line = line.strip()
        if line == "ready":
            break
        paths.append(line)
    if len(paths) != 1:
        raise RuntimeError("writer did not start: %r" % paths)
    return p, paths[0]


def value(path):
    """The counter, or None while the program is hidden."""
    try:
        with open(path) as f:
            return int(f.read())
    except FileNotFoundError:
        return None


class Reader(threading.Thread):
    """Reads the program's counter until told to stop; keeps what was
    read below the floor (values, or errors other than ENOENT)."""

    def __init__(self, path, floor):
        super().__init__(daemon=True)
        self.path, self.floor = path, floor
        self.stop = threading.Event()
        self.reads = self.hidden = 0
        self.bad = []

    def run(self):
        while not self.stop.is_set():
            try:
                v = value(self.path)
            except (OSError, ValueError) as e:
                self.bad.append(repr(e))
                continue
            self.reads += 1
            if v is None:
                self.hidden += 1
            elif v < self.floor:
                self.bad.append(v)


def test_flap(src, mnt, away):
    path = os.path.join(mnt, "programs", PROG, "req")
    first, _ = start(src, "-i", "1", "-c", "30", "req=counter")
    second, fpath = start(src, "req=counter:12")
    expect(first.wait(timeout=HANG) == 0, "the first writer counted to 30")
    expect(wait_for(lambda: value(path) == 42, HANG) is not None,
           "programs/flap/req reads 30 kept + 12 live: %r" % value(path))
    moved = os.path.join(away, os.path.basename(fpath))
    reader = Reader(path, 42)
    reader.start()
    seen = []
    try:
        for _ in range(CYCLES):
            os.rename(fpath, moved)
            if wait_for(lambda: value(path) is None, HANG) is None:
                raise AssertionError("programs/flap stays shown while "
                                     "its process has no file")
            os.rename(moved, fpath)
            if wait_for(lambda: value(path) is not None, HANG) is None:
                raise AssertionError("programs/flap does not come back")
            seen.append(value(path))
    finally:
        if os.path.exists(moved):
            os.rename(moved, fpath)
        reader.stop.set()
        reader.join()
    print("returns read %r; the reader: %d reads, %d hidden" %
          (seen, reader.reads, reader.hidden))
    low = [v for v in seen if v is not None and v < 42]
    expect(not low, "programs/flap/req on each return %r: below 42" % seen)
    expect(not reader.bad, "the reader's %d reads (%d hidden): %r" %
           (reader.reads, reader.hidden, reader.bad[:10]))
    expect(wait_for(lambda: value(path) == 42, HANG) is not None,
           "programs/flap/req reads 42 after the last return: %r" %
           value(path))
    second.send_signal(signal.SIGKILL)
    second.wait()
    expect(wait_for(lambda: not os.path.exists(
               os.path.join(mnt, "programs", PROG)), HANG) is not None,
           "programs/flap goes with its last process")


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstats-flap.")
    away = os.path.join(tmp, "away")
    os.mkdir(away)
    try:
        mount(src, mnt)
        check("a live process's only file renamed away and back",
              test_flap, src, mnt, away)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
