#!/usr/bin/env python3
"""test_ref_liveness.py - a live reference writer's file survives a step
of the wall clock.

The reference's files have no sys.starttime, only sys.created (wall
clock).  Files of that kind are written here for live processes (`sleep
60`), with sys.created as a step of the clock since the file was made
would leave it: 5 s and a day into the past (the clock stepped forward:
NTP at boot, a machine without a real-time clock), 5 s into the future
(stepped back).  cleanstats must keep them, slurpstats --live must list
them and the mount must show their processes.

What no clock step fakes must still tell a stale file: a copy of a live
writer's file (tests/helpers/mmstats-writer) whose sys.starttime is not
its process's start, and a reference file whose pid a kernel thread
holds.  Those are removed, left out and not shown.

Needs root and /dev/fuse (exit 77 otherwise).  Every mount is unmounted
at the end, also when a check fails.
"""
import os
import subprocess
import time

from common import (WRITERS, Writer, check, end_mounts, finish, make_dirs,
                    mount, need_fuse, patch_field, put_file, ref_field,
                    ref_file, run, text, tool, wait_for)

DAY = 86400.0


def kernel_thread():
    """The pid of a kernel thread (PF_KTHREAD), or None: another pid
    namespace shows none."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open("/proc/%s/stat" % pid).read()
        except OSError:
            continue
        flags = int(stat[stat.rindex(")") + 2:].split()[6])
        if flags & 0x00200000:
            return int(pid)
    return None


def reference_file(pid, created, name):
    """A file as the reference writes it for process pid (no
    sys.starttime)."""
    return ref_file([
        ref_field("app.name", "16s", name),
        ref_field("app.hits", "Q", 7, buffered=True),
        ref_field("sys.pid", "I", pid),
        ref_field("sys.tid", "q", pid),
        ref_field("sys.uid", "Q", os.getuid()),
        ref_field("sys.gid", "Q", os.getgid()),
        ref_field("sys.created", "d", created),
    ])


class Setup:
    """The files of the test, stale ones first, so that when the live
    ones show in the mount, the stale ones have been seen too."""

    def __init__(self, src):
        self.src = src
        self.writer = Writer(src, ["app.name=string:library",
                                   "app.hits=counter:3"])
        self.own = self.writer.paths[0]
        # This library's file whose sys.starttime is not its running
        # process's start: the pid was reused, whatever the clock did.
        data = open(self.own, "rb").read()
        start = int(open("/proc/%d/stat" % self.writer.pid).read()
                    .rsplit(")", 1)[1].split()[19])
        self.copy = os.path.join(src, "copy-%d.mmstats" % self.writer.pid)
        put_file(self.copy, patch_field(data, "sys.starttime", start + 1))
        # A reference file of a pid a kernel thread holds now.
        self.kpid = kernel_thread()
        self.kfile = None
        if self.kpid:
            self.kfile = os.path.join(src, "mmstats-kworker-%d-%d.mmstats"
                                      % (self.kpid, self.kpid))
            put_file(self.kfile, reference_file(self.kpid, time.time(),
                                                "kthread"))
        # Live reference writers, their files after a clock step.
        self.live = {}
        for shift, name in ((5, "past5"), (DAY, "pastday"), (-5, "future")):
            p = subprocess.Popen(["sleep", "60"])
            WRITERS.append(p)
            path = os.path.join(src, "mmstats-sleep-%d-%d.mmstats"
                                % (p.pid, p.pid))
            put_file(path, reference_file(p.pid, time.time() - shift, name))
            self.live[name] = (p.pid, path)


def t_mount_shows_live(s, mnt):
    for name, (pid, path) in s.live.items():
        d = os.path.join(mnt, str(pid))
        assert wait_for(lambda: os.path.isdir(d), timeout=5) is not None, \
            "/%d (%s, sys.created shifted) never shown" % (pid, name)
        assert open(os.path.join(d, "app.name")).read() == name + "\n"
        assert open(os.path.join(d, "app.hits")).read() == "7\n"
        f = os.path.join(mnt, "files", os.path.basename(path))
        assert os.path.isdir(f), "%s not in /files" % f
    d = os.path.join(mnt, str(s.writer.pid))
    assert wait_for(lambda: os.path.isdir(d), timeout=5) is not None
    tasks = os.listdir(os.path.join(d, "task"))
    assert tasks == [str(s.writer.pid)], \
        "the stale copy counts for the writer: task/ %r" % tasks
    files = os.listdir(os.path.join(mnt, "files"))
    assert os.path.basename(s.copy) not in files, \
        "the copy with another sys.starttime is shown: %r" % files
    assert os.path.basename(s.own) in files
    if s.kpid:
        assert not os.path.exists(os.path.join(mnt, str(s.kpid))), \
            "a kernel thread's pid shown as a writer"
        assert os.path.basename(s.kfile) not in files


def t_slurpstats_live(s):
    r = run([tool("slurpstats"), "--live", s.src])
    out = text(r.stdout)
    assert r.returncode == 0, text(r.stderr)
    listed = [l[4:] for l in out.splitlines() if l.startswith("==> ")]
    for name, (pid, path) in s.live.items():
        assert path in listed, "--live left out %s (%s)" % (path, name)
    assert s.own in listed, "--live left out the library writer's file"
    assert s.copy not in listed, "--live listed the stale copy"
    assert not s.kfile or s.kfile not in listed, \
        "--live listed a kernel thread's file"


def t_cleanstats(s, mnt):
    r = run([tool("cleanstats"), "-v", s.src])
    out = text(r.stdout)
    assert r.returncode == 0, text(r.stderr)
    for name, (pid, path) in s.live.items():
        assert "PID %d is alive. Keeping %s\n" % (pid, path) in out, \
            "%s (%s) not kept: %r" % (path, name, out)
        assert os.path.exists(path), "%s removed" % path
    assert "PID %d is alive. Keeping %s\n" % (s.writer.pid, s.own) in out
    assert os.path.exists(s.own)
    assert ("PID %d was reused since %s was written. Deleting %s\n"
            % (s.writer.pid, s.copy, s.copy)) in out, out
    assert not os.path.exists(s.copy), "the stale copy stays"
    stale = 1
    if s.kpid:
        assert ("PID %d was reused since %s was written. Deleting %s\n"
                % (s.kpid, s.kfile, s.kfile)) in out, out
        assert not os.path.exists(s.kfile), "a kernel thread's file stays"
        stale += 1
    assert out.endswith("Removed %d file%s, kept %d alive\n"
                        % (stale, "" if stale == 1 else "s",
                           len(s.live) + 1)), out
    # what cleanstats kept, the mount still shows
    for pid, path in s.live.values():
        assert os.path.isdir(os.path.join(mnt, str(pid)))


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstats-refl-")
    try:
        s = Setup(src)
        if not s.kpid:
            print("note: no kernel thread visible, that part is left out")
        mount(src, mnt)
        check("mount shows live reference writers, not stale files",
              t_mount_shows_live, s, mnt)
        check("slurpstats --live", t_slurpstats_live, s)
        check("cleanstats keeps live reference writers' files",
              t_cleanstats, s, mnt)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
