#!/usr/bin/env python3
"""test_ref_threads.py - the reference's files of the 4 threads of one
live process, under the mount.

The reference writes one file per thread, named
mmstats-{CMD}-{PID}-{TID}.mmstats, but records its main thread's tid
(and creation time) in every one of them: sys.tid cannot tell them
apart, their names can.  A python3 process with 3 more threads gives 4
real tids; its 4 files are written as the reference would, the main
thread's last.  The mount must name task/ by the 4 real tids, show the
main thread's file's value for /<pid>/<string label>, the sum of the 4
files for /<pid>/<counter label>, and drop the process when it exits.

Needs root and /dev/fuse (exit 77 otherwise).  Every mount is unmounted
at the end, also when a check fails.
"""
import os
import subprocess
import sys
import time

from common import (WRITERS, check, end_mounts, finish, make_dirs, mount,
                    need_fuse, put_file, ref_field, ref_file, wait_for)

# Starts 3 threads, prints the 4 native tids (the main thread's first),
# and runs until its stdin closes.
THREADS = r"""
import sys, threading
started, done = threading.Barrier(4), threading.Event()
tids = [threading.get_native_id()]
def run():
    tids.append(threading.get_native_id())
    started.wait()
    done.wait()
ts = [threading.Thread(target=run) for _ in range(3)]
for t in ts:
    t.start()
started.wait()
print(" ".join(map(str, tids)), flush=True)
sys.stdin.read()
done.set()
"""


def read(path):
    with open(path) as f:
        return f.read()


class Process:
    """The python3 process, its tids and the files written for them."""

    def __init__(self, src):
        self.proc = subprocess.Popen([sys.executable, "-c", THREADS],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        WRITERS.append(self.proc)
        self.pid = self.proc.pid
        self.tids = [int(t) for t in self.proc.stdout.readline().split()]
        main = self.tids[0]
        assert main == self.pid and len(set(self.tids)) == 4, self.tids
        for tid in self.tids:
            assert os.path.isdir("/proc/%d/task/%d" % (self.pid, tid))
        # what the reference copies from its main thread into each file
        created = time.time()
        self.roles, self.paths = {}, {}
        for i, tid in reversed(list(enumerate(self.tids))):
            role = "main" if tid == main else "worker%d" % i
            path = os.path.join(src, "mmstats-python3-%d-%d.mmstats"
                                % (self.pid, tid))
            put_file(path, ref_file([
                ref_field("app.role", "16s", role),
                ref_field("app.hits", "Q", 10 ** i, buffered=True),
                ref_field("sys.pid", "I", self.pid),
                ref_field("sys.tid", "q", main),
                ref_field("sys.uid", "Q", os.getuid()),
                ref_field("sys.gid", "Q", os.getgid()),
                ref_field("sys.created", "d", created),
            ]))
            self.roles[tid], self.paths[tid] = role, path

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def t_tasks(p, mnt):
    task = os.path.join(mnt, str(p.pid), "task")
    want = sorted(map(str, p.tids))
    assert wait_for(lambda: os.path.isdir(task) and
                    sorted(os.listdir(task)) == want, timeout=5) \
        is not None, "task/ is %r, not the 4 tids %r" % (
            os.listdir(task) if os.path.isdir(task) else None, want)
    for tid in p.tids:
        d = os.path.join(task, str(tid))
        assert read(os.path.join(d, "app.role")) == p.roles[tid] + "\n", \
            "task/%d holds another thread's file" % tid
        # the reference's bug, shown as it is written
        assert read(os.path.join(d, "sys.tid")) == "%d\n" % p.pid


def t_process_values(p, mnt):
    d = os.path.join(mnt, str(p.pid))
    assert read(os.path.join(d, "app.role")) == "main\n", \
        "/<pid>/app.role is not the main thread's file's"
    assert read(os.path.join(d, "app.hits")) == "1111\n", \
        "/<pid>/app.hits is not the sum of the 4 files"
    assert read(os.path.join(d, "sys.tid")) == "%d\n" % p.pid
    assert read(os.path.join(d, "sys.pid")) == "%d\n" % p.pid


def t_exit(p, mnt):
    d = os.path.join(mnt, str(p.pid))
    p.stop()
    assert wait_for(lambda: not os.path.exists(d), timeout=5) is not None, \
        "/%d stays after its process exited" % p.pid
    files = os.listdir(os.path.join(mnt, "files"))
    assert not any(os.path.basename(f) in files for f in p.paths.values())


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstats-reft-")
    try:
        p = Process(src)
        mount(src, mnt)
        check("task/ named by the 4 real tids", t_tasks, p, mnt)
        check("/<pid>/ values: the main thread's string, the sum",
              t_process_values, p, mnt)
        check("gone with its process", t_exit, p, mnt)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
