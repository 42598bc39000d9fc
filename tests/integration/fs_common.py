"""fs_common.py - what the Python tests of mmstatsfs share.

The programs of the build under test, mounts and writer processes that
are always cleaned up (unmount_all, stop_writers), and checks that go on
after one fails (check, finish).  The mount tests need root, /dev/fuse
and fusermount3: need_fuse() exits 77 (skip) without them.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

BUILD = os.environ.get("MMSTATS_BUILD", "")
VECTORS = os.environ.get("MMSTATS_VECTORS", "")
FS = os.path.join(BUILD, "mmstatsfs")
WRITER = os.path.join(BUILD, "helpers", "mmstats-writer")
DAEMONS = []          # (Popen, mountpoint, log file)
WRITERS = []          # every process stop_writers() ends
RESULTS = {"passed": 0, "failed": 0}


def skip(why):
    print("skip:", why)
    sys.exit(77)


def need_fuse():
    if os.geteuid() != 0:
        skip("needs root")
    if not os.path.exists("/dev/fuse") or not shutil.which("fusermount3"):
        skip("no FUSE here")
    for prog in (FS, WRITER):
        if not os.access(prog, os.X_OK):
            skip("not built: " + prog)


def make_dirs(prefix):
    """A fresh tmp/ with tmp/src and tmp/mnt, readable by everyone."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    src, mnt = os.path.join(tmp, "src"), os.path.join(tmp, "mnt")
    os.mkdir(src)
    os.mkdir(mnt)
    os.chmod(tmp, 0o755)
    os.chmod(src, 0o755)
    return tmp, src, mnt


def wait_for(pred, timeout=5.0, step=0.002):
    """Poll pred until true; returns the seconds it took, or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if pred():
            return time.monotonic() - start
        time.sleep(step)
    return None


def mount(src, mnt, *opts, foreground=True):
    """mmstatsfs SRC MNT OPTS, its output in MNT.log; (Popen, log)."""
    cmd = [FS, src, mnt] + list(opts) + (["-f"] if foreground else [])
    log = open(mnt + ".log", "w+")
    p = subprocess.Popen(cmd, stderr=log, stdout=log)
    DAEMONS.append((p, mnt, log))
    if wait_for(lambda: os.path.ismount(mnt)) is None:
        raise AssertionError("mount did not appear: %s" % cmd)
    return p, log


def unmount_all():
    for p, mnt, log in DAEMONS:
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-u", "-z", mnt],
                           stderr=subprocess.DEVNULL, timeout=10)
        if p and p.poll() is None:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def start_writer(src, *specs, threads=1, interval=None):
    """An mmstats-writer once ready: (Popen, its files, when ready)."""
    cmd = [WRITER, "-d", src, "-T", str(threads)]
    if interval:
        cmd += ["-i", str(interval)]
    p = subprocess.Popen(cmd + list(specs), stdout=subprocess.PIPE,
                         text=True)
    WRITERS.append(p)
    paths = []
    for line in p.stdout:
        line = line.strip()
        if line == "ready":
            return p, paths, time.monotonic()
        paths.append(line)
    raise AssertionError("writer never got ready: %s" % cmd)


def stop_writers():
    for p in WRITERS:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def check(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # a failed check must not stop the others
        RESULTS["failed"] += 1
        print("FAIL", name, "-", type(e).__name__, e)
        traceback.print_exc(file=sys.stdout)
        return
    RESULTS["passed"] += 1
    print("ok  ", name)


def finish():
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    sys.exit(1 if RESULTS["failed"] else 0)
