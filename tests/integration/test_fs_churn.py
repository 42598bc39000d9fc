#!/usr/bin/env python3
"""test_fs_churn.py - mmstatsfs under churn.

Writers (several threads each) start and die (SIGKILL or SIGTERM) while
readers walk the mount with grep -r and stat every path: the daemon must
survive, never show a process after it is gone for good, and every value
read must be a number.  Run multi-threaded, then with -s; about 6 s each, 60 s each with
MMSTATS_STRESS=1.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BUILD = os.environ.get("MMSTATS_BUILD", "")
FS = os.path.join(BUILD, "mmstatsfs")
WRITER = os.path.join(BUILD, "helpers", "mmstats-writer")
SECONDS = 60 if os.environ.get("MMSTATS_STRESS") else 6


def skip(why):
    print("skip:", why)
    sys.exit(77)


def reader(mnt, stop, errors, counts):
    while not stop.is_set():
        r = subprocess.run(["grep", "-r", "-s", ".", mnt],
                           capture_output=True, text=True, timeout=30)
        for line in r.stdout.splitlines():
            path, _, value = line.rpartition(":")
            counts[0] += 1
            if "/hits" in path and not value.isdigit():
                errors.append(line)
        for dirpath, dirs, files in os.walk(mnt):
            for f in files:
                try:
                    os.stat(os.path.join(dirpath, f))
                except FileNotFoundError:
                    pass        # gone meanwhile: fine


def churn(opts):
    """One daemon (with opts) under churn; returns whether all held."""
    tmp = tempfile.mkdtemp(prefix="mmstatsfs-churn-")
    src, mnt = os.path.join(tmp, "src"), os.path.join(tmp, "mnt")
    os.mkdir(src)
    os.mkdir(mnt)
    log = open(os.path.join(tmp, "daemon.log"), "w+")
    fs = subprocess.Popen([FS, src, mnt, "-f"] + opts, stdout=log,
                          stderr=log)
    writers, errors, counts = [], [], [0]
    stop = threading.Event()
    ok = False
    try:
        start = time.monotonic()
        while not os.path.ismount(mnt):
            assert time.monotonic() - start < 5, "no mount"
            time.sleep(0.01)
        readers = [threading.Thread(target=reader,
                                    args=(mnt, stop, errors, counts))
                   for _ in range(2)]
        for t in readers:
            t.start()
        rnd = random.Random(1)
        started = killed = 0
        end = time.monotonic() + SECONDS
        while time.monotonic() < end:
            if len(writers) < 6:
                writers.append(subprocess.Popen(
                    [WRITER, "-d", src, "-T", str(rnd.randint(1, 4)),
                     "-i", "1", "hits=counter", "name=string/8:w"],
                    stdout=subprocess.DEVNULL))
                started += 1
            if writers and rnd.random() < 0.4:
                w = writers.pop(rnd.randrange(len(writers)))
                w.send_signal(rnd.choice([signal.SIGKILL,
                                          signal.SIGTERM]))
                w.wait()
                killed += 1
            time.sleep(0.02)
            assert fs.poll() is None, "the daemon died"
        for w in writers:
            w.send_signal(signal.SIGKILL)
            w.wait()
        dead = [str(w.pid) for w in writers]
        writers = []
        stop.set()
        for t in readers:
            t.join(timeout=60)
        deadline = time.monotonic() + 2
        while any(p in os.listdir(mnt) for p in dead):
            assert time.monotonic() < deadline, "dead writers still shown"
            time.sleep(0.01)
        left = [n for n in os.listdir(mnt) if n != "files"]
        assert not left, left
        assert not errors, errors[:5]
        assert fs.poll() is None, "the daemon died"
        print("%s: %d writers started, %d stopped, %d values read"
              % (" ".join(opts) or "multi-threaded", started, killed,
                 counts[0]))
        ok = True
    finally:
        stop.set()
        for w in writers:
            w.kill()
            w.wait()
        subprocess.run(["fusermount3", "-u", "-z", mnt],
                       stderr=subprocess.DEVNULL, timeout=10)
        try:
            rc = fs.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fs.kill()
            rc = fs.wait()
        log.seek(0)
        text = log.read()
        if rc != 0 or not ok:
            print("daemon exit status", rc, "log:\n" + text[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    return ok and rc == 0


def main():
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        skip("needs root and /dev/fuse")
    for prog in (FS, WRITER):
        if not os.access(prog, os.X_OK):
            skip("not built: " + prog)
    passed = sum(churn(opts) for opts in ([], ["-s"]))
    print("%d passed, %d failed" % (passed, 2 - passed))
    sys.exit(0 if passed == 2 else 1)


if __name__ == "__main__":
    main()
