#!/usr/bin/env python3
"""slurpstats and cleanstats on a terminal: a hostile file's labels, strings and name
must not reach the terminal as escape sequences (they could retitle the
window, clear the screen or fake output).  Piped, the bytes stay the
reference's, untouched."""
import os
import pty
import shutil
import select
import struct
import subprocess

from common import expect, finish, run, tmpdir, tool

ESC_LABEL = b"esc\x1b[2Jlabel"
BEL_VALUE = b"v\x1b]0;pwn\x07\xc2\x9b"


def field(label, sig, value):
    return (struct.pack("=H", len(label)) + label +
            struct.pack("=H", len(sig)) + sig + b"\xff" + value)


def hostile_file(directory):
    path = os.path.join(directory, "x\x1b[31mred.mmstats")
    data = b"\x01" + field(ESC_LABEL, b"11s", BEL_VALUE) + b"\0\0"
    with open(path, "wb") as f:
        f.write(data.ljust(4096, b"\0"))
    return path


def on_terminal(args, stream="stdout"):
    """Run args with `stream` on a pty; returns everything it printed."""
    master, slave = pty.openpty()
    where = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    where[stream] = slave
    proc = subprocess.Popen(args, **where)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:		# EIO: the pty's other side closed
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=10)
    os.close(master)
    return proc.returncode, out


def main():
    d = tmpdir("terminal")
    path = hostile_file(d)
    rc, out = on_terminal([tool("slurpstats"), path])
    expect(rc == 0, "slurpstats on a terminal exits 0 (%s)" % rc)
    expect(b"label" in out and b"pwn" in out,
           "slurpstats on a terminal still shows the field: %r" % out)
    expect(b"\x1b" not in out and b"\x07" not in out and
           b"\xc2\x9b" not in out,
           "no control character reaches the terminal: %r" % out)
    piped = run([tool("slurpstats"), path]).stdout
    expect(ESC_LABEL in piped and b"v\x1b]0;pwn\x07" in piped,
           "piped output keeps the bytes as they are: %r" % piped)
    rc, out = on_terminal([tool("cleanstats"), "-n", path])
    expect(b"File has no sys.pid entry" in out,
           "cleanstats on a terminal still names the file: %r" % out)
    expect(b"\x1b" not in out,
           "no control character of a file name reaches the terminal: %r"
           % out)
    missing = os.path.join(d, "gone\x1b]0;x\x07.mmstats")
    rc, out = on_terminal([tool("slurpstats"), missing], "stderr")
    expect(rc == 1 and b"gone" in out,
           "slurpstats reports the missing file on the terminal: %r" % out)
    expect(b"\x1b" not in out,
           "no control character reaches the terminal on stderr: %r" % out)
    shutil.rmtree(d)
    finish()


if __name__ == "__main__":
    main()
