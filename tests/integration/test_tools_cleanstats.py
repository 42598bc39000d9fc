#!/usr/bin/env python3
"""cleanstats: removes the files of dead writers and of reused PIDs,
keeps live writers' files (a reference file, without sys.starttime,
while its PID runs, whatever its sys.created), files without sys.pid,
invalid files and symlinks; -n removes nothing; the reference's words
and summary line."""
import os
import shutil
import struct
import subprocess

from common import (VECTORS, Writer, expect, finish, need_writer,
                    patch_field, run, text, tmpdir, tool)

CLEAN = tool("cleanstats")


def patch_pid(data, pid):
    """The vector with its *sys.pid field set to `pid`."""
    off = 1
    while True:
        (lsz,) = struct.unpack_from("<H", data, off)
        label = data[off + 2:off + 2 + lsz]
        off += 2 + lsz
        (tsz,) = struct.unpack_from("<H", data, off)
        sig = data[off + 2:off + 2 + tsz].decode()
        off += 2 + tsz
        idx = data[off]
        off += 1
        size = struct.calcsize("<" + sig)
        if label.endswith(b"sys.pid"):
            slot = off if idx == 255 else off + size * (idx ^ 1)
            return data[:slot] + struct.pack("<" + sig, pid) + data[slot + size:]
        off += size if idx == 255 else 2 * size


def main():
    need_writer()
    d = tmpdir("clean")
    sleeper = subprocess.Popen(["sleep", "60"])
    live = Writer(d, ["x.count=counter:1"])
    try:
        dead = Writer(d, ["y.count=counter:2"], keep=True)
        dead_path, dead_pid = dead.paths[0], dead.pid
        dead.stop()
        expect(os.path.exists(dead_path), "-k writer left its file")

        # This library's file naming a live PID that did not start at
        # its sys.starttime: reused.
        start = int(open("/proc/%d/stat" % sleeper.pid).read()
                    .rsplit(")", 1)[1].split()[19])
        reused = os.path.join(d, "reused.mmstats")
        data = patch_pid(open(dead_path, "rb").read(), sleeper.pid)
        open(reused, "wb").write(patch_field(data, "sys.starttime",
                                             start + 1))
        # The reference's file (no sys.starttime) naming a live PID that
        # started after its sys.created: alive, for a step of the clock
        # since it was written would make it look just the same.
        allt = open(os.path.join(VECTORS, "all_types.mmstats"), "rb").read()
        ref = os.path.join(d, "ref.mmstats")
        open(ref, "wb").write(patch_pid(allt, sleeper.pid))
        nopid = os.path.join(d, "nopid.mmstats")
        shutil.copy(os.path.join(VECTORS, "buffered_flip_states.mmstats"), nopid)
        invalid = os.path.join(d, "invalid.mmstats")
        open(invalid, "wb").write(b"\x07" + bytes(4095))
        # A symlink to a stale file, from a directory of its own.
        other = tmpdir("clean-link")
        target = os.path.join(other, "target.mmstats")
        shutil.copy(dead_path, target)
        link = os.path.join(d, "link.mmstats")
        os.symlink(target, link)

        files = [live.paths[0], dead_path, reused, ref, nopid, invalid,
                 link]
        r = run([CLEAN, "-n"] + files)
        out = text(r.stdout)
        expect(r.returncode == 0, "-n: exit 0")
        expect("PID %d not found. Would delete %s\n" % (dead_pid, dead_path) in out,
               "-n: dead writer reported: %r" % out)
        expect("PID %d was reused since %s was written. Would delete %s\n"
               % (sleeper.pid, reused, reused) in out, "-n: reused PID reported")
        expect(out.endswith("Would remove 2  -  2 alive\n"), "-n: summary")
        expect(all(os.path.lexists(f) for f in files), "-n removed nothing")

        r = run([CLEAN] + files)
        out = text(r.stdout)
        expect(r.returncode == 0, "exit 0: %r" % text(r.stderr))
        expect("PID %d not found. Deleting %s\n" % (dead_pid, dead_path) in out,
               "dead writer's file deleted")
        expect("PID %d was reused since %s was written. Deleting %s\n"
               % (sleeper.pid, reused, reused) in out, "reused PID's file deleted")
        expect("File has no sys.pid entry: %s\n" % nopid in out, "no sys.pid reported")
        expect("Invalid file: %s\n" % invalid in out, "invalid file reported")
        expect("Not a regular file, skipping: %s\n" % link in out, "symlink skipped")
        expect(out.endswith("Removed 2  -  2 alive\n"), "summary, the reference's words")
        expect(not os.path.exists(dead_path) and not os.path.exists(reused),
               "stale files are gone")
        expect(os.path.exists(live.paths[0]), "the live writer's file stays")
        expect(os.path.exists(ref), "the live reference writer's file stays")
        expect(os.path.exists(nopid) and os.path.exists(invalid), "unjudged files stay")
        expect(os.path.islink(link) and os.path.exists(target),
               "neither the symlink nor its target was removed")

        # Default: $MMSTATS_PATH/*.mmstats; verbose names live files.
        env = dict(os.environ, MMSTATS_PATH=d)
        env.pop("MMSTATS_GLOB", None)
        r = run([CLEAN, "-v"], env=env)
        out = text(r.stdout)
        expect("PID %d is alive. Keeping %s\n" % (live.pid, live.paths[0]) in out,
               "-v reports a live file")
        expect("PID %d is alive. Keeping %s\n" % (sleeper.pid, ref) in out,
               "-v reports a live reference file")
        expect(out.endswith("Removed 0  -  2 alive\n"), "default glob summary")

        r = run([CLEAN, os.path.join(d, "missing.mmstats")])
        expect(r.returncode == 1 and b"missing.mmstats" in r.stderr,
               "a missing file: reported, exit 1")
        shutil.rmtree(other)
    finally:
        live.stop()
        sleeper.kill()
        sleeper.wait()
        shutil.rmtree(d)

    r = run([CLEAN, "--help"])
    expect(r.returncode == 0 and b"Usage: cleanstats" in r.stdout, "--help")
    r = run([CLEAN, "--version"])
    expect(r.returncode == 0 and r.stdout.startswith(b"cleanstats "), "--version")
    r = run([CLEAN, "-x"])
    expect(r.returncode == 2, "bad option: exit 2")


main()
finish()
