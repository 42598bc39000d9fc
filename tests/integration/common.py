"""common.py - what the Python integration tests share.

The programs of the build under test ($MMSTATS_BUILD), real writer
processes (tests/helpers/mmstats-writer) and mounts that are always
cleaned up (stop_writers, unmount_all), and results that go on after a
failure, so that a test reports every one, not just the first:

  expect(cond, what)     one condition
  check(name, fn, args)  one named part, run to its end or its exception
  finish()               "N passed, N failed"; exits 1 if any failed

Tests that need root, /dev/fuse and fusermount3 call need_fuse(), which
exits 77 (skip) without them.
"""
import os
import pty
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback

BUILD = os.environ.get("MMSTATS_BUILD", os.path.abspath("build"))
TOP = os.environ.get("MMSTATS_TOP", os.path.abspath("."))
VECTORS = os.environ.get("MMSTATS_VECTORS",
                         os.path.join(TOP, "tests/vectors"))
FS = os.path.join(BUILD, "mmstatsfs")
WRITER = os.path.join(BUILD, "helpers", "mmstats-writer")
DAEMONS = []          # (Popen, mountpoint, log file)
WRITERS = []          # every process stop_writers() ends
RESULTS = {"passed": 0, "failed": 0}


def skip(why):
    print("skip:", why)
    sys.exit(77)


def need_writer():
    if not os.access(WRITER, os.X_OK):
        skip("not built: " + WRITER)


def need_fuse():
    if os.geteuid() != 0:
        skip("needs root")
    if not os.path.exists("/dev/fuse") or not shutil.which("fusermount3"):
        skip("no FUSE here")
    for prog in (FS, WRITER):
        if not os.access(prog, os.X_OK):
            skip("not built: " + prog)


def expect(cond, what):
    RESULTS["passed" if cond else "failed"] += 1
    if not cond:
        print("FAIL:", what, flush=True)


def check(name, fn, *args):
    try:
        fn(*args)
    except Exception as e:  # a failed part must not stop the others
        RESULTS["failed"] += 1
        print("FAIL", name, "-", type(e).__name__, e)
        traceback.print_exc(file=sys.stdout)
        return
    RESULTS["passed"] += 1
    print("ok  ", name)


def finish():
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    sys.exit(1 if RESULTS["failed"] else 0)


def tool(name):
    return os.path.join(BUILD, name)


def run(args, **kw):
    """Run a tool; returns CompletedProcess with text stdout/stderr."""
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(args, **kw)


def text(data):
    return data.decode("utf8", "replace") if isinstance(data, bytes) else data


def tmpdir(name):
    return tempfile.mkdtemp(prefix="mmstats-%s." % name)


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


class Writer:
    """A real writer process: its files exist between start and stop."""

    def __init__(self, directory, specs, threads=1, interval_ms=None,
                 prefix=None, keep=False, template=None):
        args = [WRITER, "-d", directory, "-T", str(threads)]
        if interval_ms is not None:
            args += ["-i", str(interval_ms)]
        if prefix:
            args += ["-P", prefix]
        if keep:
            args += ["-k"]
        if template:
            args += ["-f", template]
        self.proc = subprocess.Popen(args + list(specs),
                                     stdout=subprocess.PIPE, text=True)
        WRITERS.append(self.proc)
        self.paths = []
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                break
            self.paths.append(line)
        self.ready = time.monotonic()
        if len(self.paths) != threads:
            raise RuntimeError("writer did not start: %r" % self.paths)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def dead_writers(directory, specs_of):
    """A live writer, one killed (SIGKILL) and one stopped by SIGTERM
    asked to keep its file: (live Writer, the dead ones' paths).  The
    writers' specs are specs_of(0), specs_of(1), specs_of(2)."""
    live = Writer(directory, specs_of(0))
    killed = Writer(directory, specs_of(1))
    killed.proc.kill()
    killed.stop()
    termed = Writer(directory, specs_of(2), keep=True)
    termed.stop()
    return live, killed.paths + termed.paths


def writer_below(top):
    """The host pid of the mmstats-writer process under pid top (a
    namespace's launcher), or None."""
    todo = [top]
    while todo:
        pid = todo.pop()
        try:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == "mmstats-writer":
                    return pid
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return None


def run_on_pty(args, env=None):
    """args with stdout on a pseudo-terminal: (exit status, its text)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(args[0], args, os.environ if env is None else env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return (os.waitstatus_to_exitcode(status),
            out.decode(errors="replace").replace("\r\n", "\n"))


def start_writer(src, *specs, threads=1, interval=None):
    """A Writer once ready, as (Popen, its files, when it was ready)."""
    w = Writer(src, specs, threads=threads, interval_ms=interval)
    return w.proc, w.paths, w.ready


def stop_writers():
    for p in WRITERS:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def ref_field(label, sig, value, buffered=False):
    """One field as the reference (format 1) writes it: unbuffered
    (write buffer 0xff, one value) or buffered (write buffer 0, so that
    readers read the second of its two values)."""
    if isinstance(label, str):
        label = label.encode()
    if isinstance(value, str):
        value = value.encode()
    head = struct.pack("<H", len(label)) + label + \
        struct.pack("<H", len(sig)) + sig.encode()
    if buffered:
        return head + b"\0" + struct.pack("<" + sig * 2, 0, value)
    return head + b"\xff" + struct.pack("<" + sig, value)


def ref_file(fields, size=4096):
    """A whole reference file: version 1, the fields, zeros to `size`."""
    body = b"\x01" + b"".join(fields)
    return body + bytes(size - len(body))


def put_file(path, data, uid=None, mode=None, gid=None):
    """Write a file whole under a name no reader globs, then rename it
    into place: readers see it complete or not at all, and with the
    owner (uid, and gid, else uid's number) and mode given, if any."""
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        f.write(data)
    if uid is not None:
        os.chown(tmp, uid, uid if gid is None else gid)
    if mode is not None:
        os.chmod(tmp, mode)
    os.rename(tmp, path)


# Command prefixes that run a command as uid 1000, or as nobody.
USER = ("setpriv", "--reuid=1000", "--regid=1000", "--clear-groups")
NOBODY = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")


def run_as(who, *cmd):
    """cmd run as `who` (a prefix above; () for root), output captured."""
    return subprocess.run(who + cmd, capture_output=True, text=True,
                          timeout=10)


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read()


def patch_field(data, label, value):
    """A format-1 file with the (readable) value of `label` replaced."""
    off = 1
    while True:
        (lsz,) = struct.unpack_from("<H", data, off)
        if lsz == 0:
            raise KeyError(label)
        name = data[off + 2:off + 2 + lsz]
        off += 2 + lsz
        (tsz,) = struct.unpack_from("<H", data, off)
        sig = "<" + data[off + 2:off + 2 + tsz].decode().strip()
        off += 2 + tsz
        idx = data[off]
        off += 1
        size = struct.calcsize(sig)
        if name == label.encode():
            slot = off if idx == 255 else off + size * (idx ^ 1)
            return (data[:slot] + struct.pack(sig, value) +
                    data[slot + size:])
        off += size if idx == 255 else 2 * size


# Above the largest pid_max (2^22): no process can hold it.
DEAD_PID = 1 << 30


def dead_vector(dst):
    """The vector all_types.mmstats, its writer certainly gone: a file of
    the reference (no sys.starttime) is alive while any process holds its
    sys.pid, and the recorded one (16990) may be running here."""
    data = open(os.path.join(VECTORS, "all_types.mmstats"), "rb").read()
    put_file(dst, patch_field(data, "web.stats.sys.pid", DEAD_PID))
    return dst


def mount(src, mnt, *opts, foreground=True):
    """mmstatsfs SRC MNT OPTS, its output in MNT.log; (Popen, log)."""
    cmd = [FS, src, mnt] + list(opts) + (["-f"] if foreground else [])
    log = open(mnt + ".log", "w+")
    p = subprocess.Popen(cmd, stderr=log, stdout=log)
    DAEMONS.append((p, mnt, log))
    if wait_for(lambda: os.path.ismount(mnt)) is None:
        raise AssertionError("mount did not appear: %s" % cmd)
    return p, log


def end_mounts(tmp):
    """Stop the writers, unmount, count a daemon that did not exit 0 as a
    failure (its log shown when anything failed), remove tmp."""
    stop_writers()
    unmount_all()
    for p, mnt, log in DAEMONS:
        if p and p.returncode not in (0, None):
            RESULTS["failed"] += 1
            print("FAIL daemon for %s exited %s" % (mnt, p.returncode))
        if RESULTS["failed"] and os.path.exists(log.name):
            print("--- daemon log %s:" % log.name)
            print(open(log.name, errors="replace").read()[-4000:])
    shutil.rmtree(tmp, ignore_errors=True)


def _slurp(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().strip()
    except OSError as e:
        return str(e)


def daemon_stacks(pid):
    """Where each thread of a daemon that will not exit is waiting."""
    out = []
    for tid in sorted(os.listdir("/proc/%d/task" % pid), key=int):
        t = "/proc/%d/task/%s/" % (pid, tid)
        out.append("thread %s %s wchan=%s syscall=%s\n%s" % (
            tid, _slurp(t + "comm"), _slurp(t + "wchan"),
            _slurp(t + "syscall"), _slurp(t + "stack")))
    return "\n".join(out)


def holders(mnt):
    """Processes with a descriptor or directory under mnt."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            links = [os.readlink("/proc/%s/cwd" % pid)]
            fds = "/proc/%s/fd" % pid
            links += [os.readlink(os.path.join(fds, fd))
                      for fd in os.listdir(fds)]
        except OSError:
            continue
        if any(l == mnt or l.startswith(mnt + "/") for l in links):
            found.append("%s %s" % (pid, _slurp("/proc/%s/cmdline" % pid)
                                    .replace("\0", " ")))
    return found


def unmount_all():
    for p, mnt, log in DAEMONS:
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-u", "-z", mnt],
                           stderr=subprocess.DEVNULL, timeout=10)
        if p and p.poll() is None:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                print("daemon %d for %s outlived its unmount by 5 s; "
                      "held by %s;\n%s" % (p.pid, mnt, holders(mnt),
                                            daemon_stacks(p.pid)))
                p.kill()
                p.wait()
        log.close()
