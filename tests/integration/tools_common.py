"""Shared by the reader tools' integration tests: run the tools from
$MMSTATS_BUILD, start real writers (tests/helpers/mmstats-writer), and
count checks so that a test reports every failure, not just the first."""
import os
import subprocess
import sys
import tempfile

BUILD = os.environ.get("MMSTATS_BUILD", os.path.abspath("build"))
TOP = os.environ.get("MMSTATS_TOP", os.path.abspath("."))
VECTORS = os.environ.get("MMSTATS_VECTORS", os.path.join(TOP, "tests/vectors"))
WRITER = os.path.join(BUILD, "helpers", "mmstats-writer")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def tool(name):
    return os.path.join(BUILD, name)


def run(args, **kw):
    """Run a tool; returns CompletedProcess with text stdout/stderr."""
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", 60)
    return subprocess.run(args, **kw)


def text(data):
    return data.decode("utf8", "replace") if isinstance(data, bytes) else data


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
        self.proc = subprocess.Popen(args + specs, stdout=subprocess.PIPE,
                                     text=True)
        self.paths = []
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                break
            self.paths.append(line)
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


def tmpdir(name):
    return tempfile.mkdtemp(prefix="mmstats-%s." % name)


def finish():
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def need_writer():
    if not os.access(WRITER, os.X_OK):
        print("skip: %s not built" % WRITER)
        sys.exit(77)
