#!/usr/bin/env python3
"""test_fs_reread.py - a stat file kept open and read again, as /proc is.

A real mount and real writers (tests/helpers/mmstats-writer, counters
+1 every few milliseconds).  Checks that a read at offset 0 of a file kept
open renders the value afresh (pread, lseek + read, Python's seek(0) and
read()), that the first read after open serves open's value, that reads
in 1-byte pieces see one value, that a read at 0 after the writer was
killed and its file removed fails with ESRCH, that a mode tightened since
open stops fresh values, and that threads reading one descriptor at once
get whole values and leave the daemon alive (under ASan too, in the
build/asan pass).  Needs root and /dev/fuse (exit 77 otherwise).
"""
import errno
import os
import shutil
import signal
import subprocess
import sys
import threading

from common import (RESULTS, WRITERS, check, finish, make_dirs, mount,
                    need_fuse, start_writer, stop_writers, unmount_all,
                    wait_for)


def fresh(path):
    """The value a new open sees."""
    with open(path, "rb") as f:
        return int(f.read())


def pread_int(fd):
    text = os.pread(fd, 100, 0)
    assert text.endswith(b"\n"), text
    return int(text)


def moved_past(path, value):
    """Wait until the writer has counted past value; the value then."""
    assert wait_for(lambda: fresh(path) > value) is not None, \
        "%s never passed %d" % (path, value)
    return fresh(path)


def errno_of(fn, *args):
    try:
        fn(*args)
    except OSError as e:
        return e.errno
    return 0


def writer_paths(mnt, w, paths):
    """The counter as /<pid>/c, /<pid>/task/<tid>/c and /files/<f>/c."""
    d = os.path.join(mnt, str(w.pid))
    assert wait_for(lambda: os.path.exists(os.path.join(d, "c"))) \
        is not None
    return [os.path.join(d, "c"), os.path.join(d, "task", str(w.pid), "c"),
            os.path.join(mnt, "files", os.path.basename(paths[0]), "c")]


# ---------------------------------------------------------------- checks

def t_pread_again(src, mnt):
    w, paths, _ = start_writer(src, "c=counter", interval=2)
    for p in writer_paths(mnt, w, paths):
        fd = os.open(p, os.O_RDONLY)
        try:
            a = pread_int(fd)
            later = moved_past(p, a)
            b = pread_int(fd)
            assert b >= later, (p, a, later, b)
            later = moved_past(p, b)
            os.lseek(fd, 0, os.SEEK_SET)
            c = int(os.read(fd, 100))
            assert c >= later, (p, b, later, c)
        finally:
            os.close(fd)


def t_first_read_is_opens(src, mnt):
    w, paths, _ = start_writer(src, "c=counter", interval=2)
    p = writer_paths(mnt, w, paths)[0]
    before = fresh(p)
    fd = os.open(p, os.O_RDONLY)
    try:
        after = fresh(p)
        later = moved_past(p, after)
        got = pread_int(fd)
        # rendered at open, not now
        assert before <= got <= after < later, (before, got, after, later)
        assert pread_int(fd) >= later
    finally:
        os.close(fd)


def t_small_pieces(src, mnt):
    # ten digits, the last ones moving: a mix of two values is told
    w, paths, _ = start_writer(src, "c=counter:1000000000", interval=1)
    p = writer_paths(mnt, w, paths)[0]
    for start in (0, 1):    # after open; after a read at 0 rendered anew
        before = fresh(p)
        fd = os.open(p, os.O_RDONLY)
        try:
            if start:
                moved_past(p, pread_int(fd))
                os.lseek(fd, 0, os.SEEK_SET)
                before = fresh(p)
            text = b""
            while True:
                piece = os.read(fd, 1)
                if not piece:
                    break
                text += piece
                if len(text) == 1:
                    after = fresh(p)
                moved_past(p, fresh(p))     # between every two pieces
            assert text.endswith(b"\n") and text.count(b"\n") == 1, text
            v = int(text)
            assert before <= v <= after, (start, before, v, after)
            assert fresh(p) > after + 1, "the writer did not count"
        finally:
            os.close(fd)


def t_python_seek_read(src, mnt):
    w, paths, _ = start_writer(src, "c=counter", interval=2)
    p = writer_paths(mnt, w, paths)[0]
    seen = []
    with open(p) as f:
        for _ in range(5):
            f.seek(0)
            text = f.read()
            assert text.endswith("\n") and text.count("\n") == 1, text
            seen.append(int(text))
            moved_past(p, seen[-1])
    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen


def t_gone_esrch(src, mnt):
    w, paths, _ = start_writer(src, "c=counter", interval=2)
    files = writer_paths(mnt, w, paths)
    fds = [os.open(p, os.O_RDONLY) for p in files]
    try:
        last = [os.pread(fd, 100, 0) for fd in fds]
        w.send_signal(signal.SIGKILL)
        w.wait()
        d = os.path.dirname(files[0])
        assert wait_for(lambda: str(w.pid) not in os.listdir(mnt)) \
            is not None, \
            "pid dir still there 5 s after SIGKILL"
        os.unlink(paths[0])
        assert wait_for(lambda: os.path.basename(paths[0]) not in
                        os.listdir(os.path.join(mnt, "files"))) is not None
        for p, fd, text in zip(files, fds, last):
            e = errno_of(os.pread, fd, 100, 0)
            assert e == errno.ESRCH, (p, errno.errorcode.get(e, e))
            os.lseek(fd, 0, os.SEEK_SET)
            e = errno_of(os.read, fd, 100)
            assert e == errno.ESRCH, (p, errno.errorcode.get(e, e))
            # past 0: the last text, as documented
            assert os.pread(fd, 100, 1) == text[1:], (p, text)
        assert not os.path.exists(d)
    finally:
        for fd in fds:
            os.close(fd)


# Runs as nobody: opens the file, reads, then reads at 0 once told to.
NOBODY = r"""
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(int(os.pread(fd, 100, 0)), flush=True)
sys.stdin.readline()
try:
    print(int(os.pread(fd, 100, 0)), flush=True)
except OSError as e:
    print("errno", e.errno, flush=True)
"""


def t_mode_tightened(src, mnt):
    w, paths, _ = start_writer(src, "c=counter", interval=2)
    os.chmod(paths[0], 0o644)
    p = writer_paths(mnt, w, paths)[0]
    r = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup",
                          "--clear-groups", sys.executable, "-c", NOBODY, p],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    WRITERS.append(r)
    first = r.stdout.readline()
    assert first.strip().isdigit(), first
    os.chmod(paths[0], 0o600)
    out, _ = r.communicate("go\n", timeout=10)
    assert out.strip() == "errno %d" % errno.EACCES, out


def t_threads_one_fd(src, mnt, daemon):
    w, paths, _ = start_writer(src, "c=counter", interval=1)
    p = writer_paths(mnt, w, paths)[0]
    fd = os.open(p, os.O_RDONLY)
    errors = []
    counts = []

    def reader(n):
        last = 0
        try:
            for i in range(n):
                v = pread_int(fd)
                assert v >= last, ("went back", last, v)
                last = v
                piece = os.pread(fd, 2, 1)     # a slice of some value
                assert 0 < len(piece) <= 2, piece
        except Exception as e:
            errors.append(repr(e))
        counts.append(last)

    threads = [threading.Thread(target=reader, args=(2000,))
               for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads), "readers hang"
        assert not errors, errors[:3]
        assert daemon.poll() is None, "the daemon died"
        assert min(counts) > 0 and pread_int(fd) >= max(counts), counts
    finally:
        os.close(fd)


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstatsfs-reread-")
    daemon = None
    try:
        daemon, log = mount(src, mnt, "-o", "allow_other")
        check("pread and lseek+read at 0 see new values", t_pread_again,
              src, mnt)
        check("the first read serves open's value", t_first_read_is_opens,
              src, mnt)
        check("1-byte reads see one value", t_small_pieces, src, mnt)
        check("python seek(0) + read()", t_python_seek_read, src, mnt)
        check("ESRCH once the writer is killed and its file gone",
              t_gone_esrch, src, mnt)
        check("a mode tightened since open: EACCES", t_mode_tightened,
              src, mnt)
        check("4 threads read one descriptor", t_threads_one_fd, src, mnt,
              daemon)
    finally:
        stop_writers()
        unmount_all()
        with open(mnt + ".log", errors="replace") as f:
            text = f.read()
        shutil.rmtree(tmp, ignore_errors=True)
    if daemon is None or daemon.returncode != 0 or "Sanitizer" in text:
        RESULTS["failed"] += 1
        print("FAIL daemon exit status %s, log:\n%s" %
              (daemon and daemon.returncode, text[-4000:]))
    finish()


if __name__ == "__main__":
    main()
