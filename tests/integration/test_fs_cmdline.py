#!/usr/bin/env python3
"""test_fs_cmdline.py - the command line of mmstatsfs, on real mounts.

- --help is mmstatsfs's own: every option it names is accepted and is in
  mmstatsfs(8), and none of libfuse's text for other programs is left;
- an unknown option or a bad value is refused in mmstatsfs's words, with
  exit status 1, before anything is created or mounted;
- a second mmstatsfs on a live one is refused, however it is named, and
  the first goes on serving; a dead one is refused with how to clear it;
- a missing mountpoint is created when its parent exists (and left after
  the unmount), nothing else ever is;
- the fstab lines of README.md, mmstatsfs(8) and packaging/README.md mount
  through mount(8) and mount.fuse3, on a mountpoint that does not exist.

Needs root and /dev/fuse (exit 77 otherwise).  Every mount is unmounted
and every daemon ended at the end, also when a check fails.
"""
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile

from common import (DAEMONS, FS, RESULTS, TOP, check, finish, make_dirs,
                    mount, need_fuse, start_writer, stop_writers,
                    unmount_all, wait_for)

USAGE = "usage: mmstatsfs [SOURCE] MOUNTPOINT"


def fs(*args, cwd=None):
    """mmstatsfs ARGS; a mount it makes is daemonized (no -f) unless
    asked, so that it returns; CompletedProcess."""
    return subprocess.run([FS] + list(args), capture_output=True,
                          text=True, timeout=20, cwd=cwd)


def mounts_at(path):
    """The mounts at path, as mountinfo lists them (fstype, source)."""
    out = []
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        mp = f[4].encode().decode("unicode_escape")
        if mp == path:
            rest = f[f.index("-") + 1:]
            out.append((rest[0], rest[1]))
    return out


def names_mnt(arg, mnt):
    """Whether a command line argument names mnt (absolute), or may (the
    same last component, relative)."""
    arg = arg.decode(errors="replace").rstrip("/")
    if arg.startswith("/"):
        return arg == mnt
    return os.path.basename(arg) == os.path.basename(mnt)


def daemons_for(mnt):
    """Pids of mmstatsfs processes whose command line names mnt."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
        except OSError:
            continue
        if cmd and os.path.basename(cmd[0]) == b"mmstatsfs" and \
                any(names_mnt(a, mnt) for a in cmd[1:]):
            found.append(int(pid))
    return found


def daemonized(src, mnt, *opts):
    """mmstatsfs SRC MNT OPTS, as a user types it: it detaches."""
    r = fs(src, mnt, *opts)
    DAEMONS.append((None, mnt, open(os.devnull)))
    assert r.returncode == 0, r
    assert os.path.ismount(mnt), mnt
    return r


def refused_quietly(r, want):
    """Exit 1, one line on stderr that says `want`, nothing on stdout."""
    assert r.returncode == 1, r
    assert r.stdout == "", r
    assert r.stderr.count("\n") == 1 and r.stderr.endswith("\n"), r
    assert r.stderr.startswith("mmstatsfs: ") and want in r.stderr, r
    assert "fuse:" not in r.stderr, r


# ---------------------------------------------------------------- checks

def between(text, start, end):
    """The words of the comma list from start to end, in text."""
    i = text.index(start) + len(start)
    return [w for w in re.split(r"[\s,]+", text[i:text.index(end, i)])
            if w and w != "and"]


def help_options(text):
    """Every option --help names, as (name, an argument that uses it):
    "-o name", and the items of its three comma lists."""
    names = set(re.findall(r"-o ([a-z_]+)", text))
    names |= set(between(text, "-o nosuid", ": passed to mount(2)"))
    names |= set(between(text, "-o ro", ": always on"))
    fstab = between(text, "fstab(5):", ".\n")
    assert "nofail" in fstab and "x-*" in fstab, fstab
    out = []
    for name in sorted(names | set(fstab)):
        if name.endswith("*"):
            out.append((name[:-1], name[:-1] + "v"))
        elif name.startswith(("max_", "owner_")):
            out.append((name, name + "=1"))
        else:
            out.append((name, name))
    return out


def t_help(tmp):
    r = fs("--help")
    assert r.returncode == 0 and r.stderr == "", r
    text = r.stdout
    assert text.startswith(USAGE), text[:200]
    assert fs("-h").stdout == text
    # its own, not libfuse's text for other programs
    for libfuse in ("disable multi-threaded", "FUSE options:",
                    "usage: ", "-o clone_fd            use separate"):
        assert libfuse not in text.replace(USAGE, ""), libfuse
    for want in ("-f", "-d", "-s", "-o multithread", "max_threads=N",
                 "max_idle_threads=N", "clone_fd", "max_fields=N",
                 "max_label_bytes=N", "owner_files=N", "owner_fields=N",
                 "owner_bytes=N", "allow_other", "allow_root",
                 "auto_unmount", "default_permissions", "nofail",
                 "x-*", "--version"):
        assert want in text, want
    # -s tells the truth: one thread is the default
    s = re.search(r"^ +-s +(.*\n(?: {20,}.*\n)*)", text, re.M).group(1)
    assert "even with" in s and "multithread" in s and "default" in s, s
    # the thread options say they need -o multithread
    block = text[text.index("-o multithread"):text.index("-o clone_fd")]
    assert "apply only then" in block, block
    # defaults are the ones in effect (owners.h)
    assert re.search(r"max_fields=N +.*\(50000\)", text), text
    assert re.search(r"owner_files=N +.*\(4096\)", text), text
    opts = help_options(text)
    names = {n for n, _ in opts}
    assert {"multithread", "max_threads", "clone_fd", "nosuid", "async",
            "allow_other", "max_fields", "owner_bytes", "defaults",
            "comment=", "x-", "X-"} <= names, names
    man = open(os.path.join(TOP, "fs/mmstatsfs.8")).read().replace("\\-",
                                                                    "-")
    for name, opt in opts:
        # every option named is accepted (options are checked before
        # --help is acted on) and documented
        r = fs("-o", opt, "--help")
        assert r.returncode == 0 and r.stderr == "", (opt, r)
        assert re.search(r"(?<![\w-])%s(?![\w])" % re.escape(name), man), \
            "%s not in mmstatsfs(8)" % name
    # and what is not named is not accepted
    for opt in ("max_read=4096", "fsname=x", "subtype=x", "kernel_cache",
                "blkdev", "nodiratime"):
        r = fs("-o", opt, "--help")
        assert r.returncode == 1 and "unknown option" in r.stderr, (opt, r)


def t_unknown_options(tmp):
    src = tempfile.mkdtemp(dir=tmp)
    mnt = os.path.join(tmp, "never")       # not made by a refusal
    for opts, want in (
            (["-o", "bogus"], "unknown option 'bogus' (see mmstatsfs "
             "--help)"),
            (["-o", "allow_other,bogus"], "unknown option 'bogus'"),
            (["--bogus"], "unknown option '--bogus'"),
            (["-o", "fsname=x"], "unknown option 'fsname=x'"),
            (["-o", "max_fields=lots"], "'lots' is not a number"),
            (["-o", "max_fields=-1"], "'-1' is not a number"),
            (["-o", "owner_files"], "needs a value"),
            (["-o", "max_threads=0"], "out of range"),
            (["-o"], "-o needs an argument")):
        # -f: were it mounted, it would not return; the timeout tells
        r = fs(src, mnt, "-f", *opts)
        refused_quietly(r, want)
        assert not os.path.lexists(mnt), (opts, "made the mountpoint")
    r = fs(src, mnt, "-o", "bogus")
    assert r.stderr == ("mmstatsfs: unknown option 'bogus' "
                        "(see mmstatsfs --help)\n"), r
    os.mkdir(mnt)
    refused_quietly(fs(src, mnt, "-o", "bogus"), "unknown option")
    assert not os.path.ismount(mnt) and mounts_at(mnt) == []


def t_second_mount_refused(tmp):
    src = tempfile.mkdtemp(dir=tmp)
    mnt = tempfile.mkdtemp(dir=tmp)
    first, _ = mount(src, mnt)                  # foreground, tracked
    w1, _, _ = start_writer(src, "one=uint64:1")
    assert wait_for(lambda: os.path.exists(
        os.path.join(mnt, str(w1.pid), "one"))) is not None
    rel = os.path.relpath(mnt, tmp)
    for args, cwd in (([src, mnt], None), ([src, mnt + "/"], None),
                      ([src, mnt, "-f"], None), ([src, rel], tmp),
                      ([src, mnt, "-o", "allow_other"], None)):
        DAEMONS.append((None, mnt, open(os.devnull)))   # were it mounted
        r = fs(*args, cwd=cwd)
        refused_quietly(r, "already an mmstatsfs mount")
        assert "fusermount3 -u" in r.stderr, r
    # one mount, one daemon: the first, still serving
    assert mounts_at(mnt) == [("fuse.mmstatsfs", src)], mounts_at(mnt)
    assert first.poll() is None, "the first daemon is gone"
    assert daemons_for(mnt) == [first.pid], daemons_for(mnt)
    assert open(os.path.join(mnt, str(w1.pid), "one")).read() == "1\n"
    w2, _, _ = start_writer(src, "two=uint64:2")  # its events still come
    assert wait_for(lambda: os.path.exists(
        os.path.join(mnt, str(w2.pid), "two"))) is not None
    assert open(os.path.join(mnt, str(w2.pid), "two")).read() == "2\n"
    # another file system there is no reason to refuse: mounted over
    other = tempfile.mkdtemp(dir=tmp)
    subprocess.run(["mount", "-t", "tmpfs", "none", other], check=True)
    try:
        daemonized(src, other)
        assert [t for t, _ in mounts_at(other)] == ["tmpfs",
                                                    "fuse.mmstatsfs"]
        subprocess.run(["fusermount3", "-u", other], check=True)
    finally:
        subprocess.run(["umount", other])


def t_dead_mount(tmp):
    src = tempfile.mkdtemp(dir=tmp)
    mnt = tempfile.mkdtemp(dir=tmp)
    p, _ = mount(src, mnt)
    os.listdir(mnt)                 # attributes cached: stat still works
    p.send_signal(signal.SIGKILL)
    p.wait()
    DAEMONS.append((None, mnt, open(os.devnull)))       # were it mounted
    r = fs(src, mnt, "-f")
    refused_quietly(r, "a FUSE mount whose daemon is gone")
    assert "fusermount3 -u %s" % mnt in r.stderr, r
    assert len(mounts_at(mnt)) == 1
    subprocess.run(["fusermount3", "-u", mnt], check=True)
    daemonized(src, mnt)                        # cleared: mounts again
    subprocess.run(["fusermount3", "-u", mnt], check=True)


def t_missing_mountpoint(tmp):
    src = tempfile.mkdtemp(dir=tmp)
    run = tempfile.mkdtemp(dir=tmp)
    mnt = os.path.join(run, "mmstats")          # as /run/mmstats at boot
    old = os.umask(0o022)
    try:
        daemonized(src, mnt)
    finally:
        os.umask(old)
    w, _, _ = start_writer(src, "hits=uint64:3")
    assert wait_for(lambda: os.path.exists(
        os.path.join(mnt, str(w.pid), "hits"))) is not None
    subprocess.run(["fusermount3", "-u", mnt], check=True)
    assert wait_for(lambda: not daemons_for(mnt)) is not None
    # left in place, as mount -o X-mount.mkdir leaves it
    st = os.lstat(mnt)
    assert stat.S_ISDIR(st.st_mode) and st.st_mode & 0o7777 == 0o755, \
        oct(st.st_mode)
    # relative, with a trailing slash
    r = fs(src, "again/", cwd=run)
    DAEMONS.append((None, os.path.join(run, "again"), open(os.devnull)))
    assert r.returncode == 0, r
    assert os.path.ismount(os.path.join(run, "again"))
    subprocess.run(["fusermount3", "-u", os.path.join(run, "again")],
                   check=True)
    # only the last component: a missing parent is an error
    r = fs(src, os.path.join(run, "no", "mnt"), "-f")
    refused_quietly(r, "No such file or directory")
    assert not os.path.lexists(os.path.join(run, "no"))
    # never through a symbolic link, even a dangling one
    os.symlink(os.path.join(run, "target"), os.path.join(run, "link"))
    refused_quietly(fs(src, os.path.join(run, "link"), "-f"),
                    "No such file or directory")
    assert not os.path.lexists(os.path.join(run, "target"))
    # not a directory
    open(os.path.join(run, "file"), "w").close()
    refused_quietly(fs(src, os.path.join(run, "file"), "-f"),
                    "Not a directory")
    # a bad source comes first: nothing made for a mount that cannot be
    refused_quietly(fs(os.path.join(run, "nosrc"), os.path.join(run, "m2"),
                       "-f"), "nosrc")
    assert not os.path.lexists(os.path.join(run, "m2"))


def fstab_line(path, pattern):
    """The first fstab line of type fuse.mmstatsfs in a document."""
    text = open(os.path.join(TOP, path)).read().replace("\\-", "-")
    m = re.search(r"^ *(/\S+) +(/\S+) +fuse\.mmstatsfs +(\S+) +0 +0 *$",
                  text, re.M)
    assert m, "no fstab line in %s" % path
    assert re.search(pattern, m.group(0)), (path, m.group(0))
    return m.group(3)


def t_fstab_lines(tmp):
    """Each documented fstab line, through mount(8) and mount.fuse3, on a
    mountpoint that does not exist (/run after a boot).  mount(8) gives a
    helper its own PATH, where this build's mmstatsfs is not, so the line
    names the program as type fuse does (PROGRAM#SOURCE); the options are
    the document's."""
    lines = [("README.md", r"/tmp /run/mmstats fuse.mmstatsfs "),
             ("fs/mmstatsfs.8", r"/run/mmstats +fuse.mmstatsfs"),
             ("packaging/README.md", r"X-mount.mkdir")]
    opts = [(doc, fstab_line(doc, pat)) for doc, pat in lines]
    if not shutil.which("mount.fuse3"):
        print("     (no mount.fuse3: lines found, not mounted)")
        return
    src = tempfile.mkdtemp(dir=tmp)
    w, _, _ = start_writer(src, "hits=uint64:5")
    for i, (doc, o) in enumerate(opts):
        run = tempfile.mkdtemp(dir=tmp)
        mnt = os.path.join(run, "mmstats%d" % i)
        fstab = os.path.join(tmp, "fstab%d" % i)
        with open(fstab, "w") as f:
            f.write("%s#%s %s fuse %s 0 0\n" % (FS, src, mnt, o))
        r = subprocess.run(["mount", "-T", fstab, mnt], capture_output=True,
                           text=True, timeout=20)
        DAEMONS.append((None, mnt, open(os.devnull)))
        assert r.returncode == 0, (doc, o, r)
        assert os.path.ismount(mnt), doc
        assert wait_for(lambda: os.path.exists(
            os.path.join(mnt, str(w.pid), "hits"))) is not None, doc
        assert open(os.path.join(mnt, str(w.pid), "hits")).read() == "5\n"
        # mount again: refused by the daemon, the first one unharmed
        r2 = subprocess.run(["mount", "-T", fstab, mnt],
                            capture_output=True, text=True, timeout=20)
        assert r2.returncode != 0, (doc, r2)
        assert len(mounts_at(mnt)) == 1, (doc, mounts_at(mnt))
        assert os.listdir(os.path.join(mnt, str(w.pid)))
        subprocess.run(["umount", mnt], check=True)
        assert wait_for(lambda: not daemons_for(mnt)) is not None, \
            "the daemon outlived umount"


def main():
    need_fuse()
    tmp, _, _ = make_dirs("mmstatsfs-cmdline-")
    try:
        check("--help is mmstatsfs's own", t_help, tmp)
        check("unknown options refused, nothing mounted", t_unknown_options,
              tmp)
        check("second mount refused, first serves", t_second_mount_refused,
              tmp)
        check("dead mount refused, with its cure", t_dead_mount, tmp)
        check("missing mountpoint created, nothing else",
              t_missing_mountpoint, tmp)
        check("fstab lines of the documents", t_fstab_lines, tmp)
    finally:
        stop_writers()
        unmount_all()
        for _, m, _ in DAEMONS:     # left by a failed check, or dead
            for _ in range(10):     # (which os.path.ismount() misses)
                if not mounts_at(m):
                    break
                RESULTS["failed"] += 1
                print("FAIL %s still mounted" % m)
                subprocess.run(["fusermount3", "-u", "-z", m])
        for _, m, _ in DAEMONS:             # none should be left
            if wait_for(lambda: not daemons_for(m)) is None:
                for pid in daemons_for(m):
                    RESULTS["failed"] += 1
                    print("FAIL daemon %d for %s left running" % (pid, m))
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
