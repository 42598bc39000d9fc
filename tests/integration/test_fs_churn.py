#!/usr/bin/env python3
"""test_fs_churn.py - mmstatsfs under churn.

Writers (several threads each) start and die (SIGKILL or SIGTERM) while
readers walk the mount with grep -r and stat every path: the daemon must
survive, never show a process after it is gone for good, every value
read must be a number, and it must exit cleanly once unmounted.  Run in
the default single thread, then with -o multithread; about 6 s each, 60 s
each with MMSTATS_STRESS=1.

The test runs in a mount namespace of its own.  A FUSE connection ends
when the last copy of its mount goes, and any process that unshares its
mount namespace meanwhile (test_rel_proclife.sh, a container starting)
takes a private copy of every mount there is: the unmount here would then
leave the daemon serving that copy, blocked in read(2) on /dev/fuse,
until that process exits.  That, not the daemon, is what made the exit
after `fusermount3 -u -z` time out about once in 20 runs.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

from common import FS, WRITER, make_dirs, need_fuse, skip

SECONDS = 60 if os.environ.get("MMSTATS_STRESS") else 6


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


def thread_stacks(pid):
    """Where each thread of pid waits, for a daemon that does not exit."""
    out = []
    for tid in sorted(os.listdir("/proc/%d/task" % pid)):
        base = "/proc/%d/task/%s/" % (pid, tid)
        try:
            out.append("thread %s: %s\n%s" % (
                tid, open(base + "wchan").read(), open(base + "stack").read()))
        except OSError as e:
            out.append("thread %s: %s" % (tid, e))
    return "\n".join(out)


def churn(opts):
    """One daemon (with opts) under churn; returns whether all held."""
    tmp, src, mnt = make_dirs("mmstatsfs-churn-")
    log = open(os.path.join(tmp, "daemon.log"), "w+")
    fs = subprocess.Popen([FS, src, mnt, "-f"] + opts, stdout=log,
                          stderr=log)
    writers, errors, counts, readers = [], [], [0], []
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
        left = [n for n in os.listdir(mnt) if n not in ("files", "programs")]
        assert not left, left
        assert not errors, errors[:5]
        assert fs.poll() is None, "the daemon died"
        print("%s: %d writers started, %d stopped, %d values read"
              % (" ".join(opts) or "one thread", started, killed,
                 counts[0]))
        ok = True
    finally:
        stop.set()
        for w in writers:
            w.kill()
            w.wait()
        for t in readers:       # nothing of ours left in the mount
            t.join(timeout=60)
        subprocess.run(["fusermount3", "-u", "-z", mnt],
                       stderr=subprocess.DEVNULL, timeout=10)
        try:
            rc = fs.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print("the daemon still runs 10 s after the unmount:")
            print(thread_stacks(fs.pid))
            fs.kill()
            rc = fs.wait()
        log.seek(0)
        text = log.read()
        if rc != 0 or not ok:
            print("daemon exit status", rc, "log:\n" + text[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    return ok and rc == 0


def own_mount_namespace():
    """Run again in a private mount namespace (see the top)."""
    if os.environ.get("CHURN_IN_NS"):
        return
    if not shutil.which("unshare"):
        skip("no unshare(1)")
    os.environ["CHURN_IN_NS"] = "1"
    sys.stdout.flush()
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private",
                          sys.executable, os.path.abspath(__file__)])


def main():
    need_fuse()
    own_mount_namespace()
    passed = sum(churn(opts) for opts in ([], ["-o", "multithread"]))
    print("%d passed, %d failed" % (passed, 2 - passed))
    sys.exit(0 if passed == 2 else 1)


if __name__ == "__main__":
    main()
