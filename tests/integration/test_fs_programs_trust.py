#!/usr/bin/env python3
"""test_fs_programs_trust.py - nobody joins, takes over or learns of
another user's program (mmstatsfs(8), PROGRAMS).

On a mount with allow_other, as root:
  - root's program "web" (a pre-fork master and 2 workers, files 0600)
    is /programs/web@0; a process of uid 1000 whose file (its own, 0644)
    says sys.program "web", sys.created 1.0 (older than everything) and
    a negative counter is /programs/web@1000: root's web@0 keeps its
    values (the sums of its own processes, its string), its owner and
    its mode, and its task/ lists root's processes only;
  - nobody (uid 65534) does not see web@0 in programs/ nor reach it by
    name (even right after root did), but sees root's 0644 program;
  - a root `bash -c '... --db-password=...'` with a reference-style file
    (no sys.program) is bash@0: no text of its -c code makes a name;
  - two sys.program names alike in their first 64 bytes are two
    programs;
  - a root process that drops to uid 1000 after its file joined
    "drop@0", and one of real uid 0 and effective uid 1000: a file of
    uid 1000 naming it (sys.created 1.0) is shown in its /<pid> but
    counts for no program: drop@0 keeps root's values, owner and mode,
    and /<pid> stays root's;
  - uid 1000's sys.program "web@0" is web%400@1000.
"""
import os
import subprocess

from common import (NOBODY, USER, WRITER, WRITERS, check, cmdline,
                    end_mounts, expect, finish, make_dirs, mount, need_fuse,
                    put_file, ref_field, ref_file, run_as, wait_for)

SPECS = ("web.requests=counter:7", "web.secret=string/16:s3cret")


def read(path):
    with open(path) as f:
        return f.read()


def prefork(src, program, nworkers, umask):
    """mmstats-writer -F under umask: the master's and workers' pids."""
    p = subprocess.Popen([WRITER, "-d", src, "-p", program,
                          "-F", str(nworkers)] + list(SPECS),
                         stdout=subprocess.PIPE, text=True,
                         preexec_fn=lambda: os.umask(umask))
    WRITERS.append(p)
    pids = [p.pid]
    p.stdout.readline()                 # the master's file
    for line in p.stdout:
        if line.strip() == "ready":
            break
        pids.append(int(line.split()[1]))
    return pids


def task(mnt, prog):
    try:
        return sorted(int(n) for n in
                      os.listdir(os.path.join(mnt, "programs", prog, "task")))
    except OSError:
        return None


def spawn(args, prog, **kw):
    """A process, once it runs prog: its command line starts with it
    (setpriv's holds it too, but setpriv changes its uids before it
    execs; the daemon judges a file by its process's uids once)."""
    p = subprocess.Popen(args, **kw)
    WRITERS.append(p)
    expect(wait_for(lambda: cmdline(p.pid).startswith(prog + b"\0"))
           is not None, "%r runs" % (args,))
    return p


def test_takeover(src, mnt, root):
    expect(wait_for(lambda: task(mnt, "web@0") == sorted(root)) is not None,
           "programs/web@0/task lists root's 3 processes: %r" %
           task(mnt, "web@0"))
    user = spawn(USER + ("sleep", "100000"), b"sleep")
    put_file(os.path.join(src, "planted.mmstats"), ref_file([
        ref_field("sys.pid", "Q", user.pid),
        ref_field("sys.created", "d", 1.0),
        ref_field("sys.program", "64s", b"web"),
        ref_field("web.requests", "q", -999999, buffered=True),
        ref_field("web.secret", "16s", b"pwned")]), 1000, 0o644)
    expect(wait_for(lambda: task(mnt, "web@1000") == [user.pid])
           is not None, "the planted file's program is web@1000: %r" %
           os.listdir(os.path.join(mnt, "programs")))
    base = os.path.join(mnt, "programs", "web@0")
    expect(task(mnt, "web@0") == sorted(root),
           "web@0/task is root's only: %r" % task(mnt, "web@0"))
    expect(read(os.path.join(base, "web.requests")) == "21\n",
           "web@0/web.requests is 3 x 7: %r" %
           read(os.path.join(base, "web.requests")))
    expect(read(os.path.join(base, "web.secret")) == "s3cret\n",
           "web@0/web.secret is root's: %r" %
           read(os.path.join(base, "web.secret")))
    st = os.stat(base)
    expect((st.st_uid, st.st_mode & 0o7777) == (0, 0o500),
           "web@0 is root's, 0500 (files 0600): uid %d mode %o" %
           (st.st_uid, st.st_mode & 0o7777))
    mine = os.path.join(mnt, "programs", "web@1000")
    expect(read(os.path.join(mine, "web.requests")) == "-999999\n",
           "web@1000 holds the planted counter")
    expect(os.stat(mine).st_uid == 1000, "web@1000 is uid 1000's")


def test_nobody(src, mnt):
    pub = prefork(src, "pub", 1, 0o022)
    expect(wait_for(lambda: task(mnt, "pub@0") == sorted(pub)) is not None,
           "programs/pub@0 appears")
    os.stat(os.path.join(mnt, "programs", "web@0"))     # root's dentry
    r = run_as(NOBODY, "ls", "-a", os.path.join(mnt, "programs"))
    names = r.stdout.split()
    expect(r.returncode == 0, "nobody lists programs/: %s" % r.stderr)
    expect("web@0" not in names, "nobody does not see web@0: %r" % names)
    expect("pub@0" in names, "nobody sees the 0644 pub@0: %r" % names)
    for name in ("web@0", "web@0/web.requests"):
        r = run_as(NOBODY, "stat", os.path.join(mnt, "programs", name))
        expect(r.returncode != 0 and "No such file" in r.stderr,
               "nobody cannot reach programs/%s: %r" % (name, r.stderr))
    r = run_as(NOBODY, "cat", os.path.join(mnt, "programs", "pub@0",
                                      "web.requests"))
    expect(r.stdout == "14\n", "nobody reads pub@0/web.requests: %r" %
           (r.stdout + r.stderr))


def test_shell_code(src, mnt):
    secret = b"--db-password=hunter2"
    # read, a builtin, waits: the shell forks no child to outlive it
    sh = spawn(("bash", "-c", "read x; : " + secret.decode()), b"bash",
               stdin=subprocess.PIPE)
    put_file(os.path.join(src, "shell.mmstats"), ref_file([
        ref_field("sys.pid", "Q", sh.pid),
        ref_field("hits", "Q", 5, buffered=True)]), 0, 0o600)
    expect(wait_for(lambda: task(mnt, "bash@0") == [sh.pid]) is not None,
           "the shell is programs/bash@0: %r" %
           os.listdir(os.path.join(mnt, "programs")))
    names = os.listdir(os.path.join(mnt, "programs"))
    expect(not [n for n in names if "hunter2" in n or "sleep" in n],
           "no name holds the -c code: %r" % names)


def test_long_names(src, mnt):
    head = b"x" * 64
    pids = []
    for i, tail in enumerate((b"-one", b"-two")):
        p = spawn(("sleep", "100001"), b"sleep")
        pids.append(p.pid)
        put_file(os.path.join(src, "long%d.mmstats" % i), ref_file([
            ref_field("sys.pid", "Q", p.pid),
            ref_field("sys.program", "80s", head + tail),
            ref_field("hits", "Q", i + 1, buffered=True)]), 0, 0o644)
    progs = os.path.join(mnt, "programs")

    def found():
        return [n for n in os.listdir(progs) if n.startswith("xxxx")]
    expect(wait_for(lambda: len(found()) == 2) is not None,
           "two long names, two programs: %r" % os.listdir(progs))
    for n in found():
        expect(n.endswith("@0") and len(task(mnt, n)) == 1,
               "%s holds one process" % n)


# Drops to uid 1000 at its first line of input (euid: runs with real uid
# 0 and effective uid 1000 from the start), says so, waits for another.
TURNCOAT = r'''
import os, sys
if sys.argv[1] == "euid":
    os.setresuid(0, 1000, 0)
else:
    sys.stdin.readline()
    os.setgroups([]); os.setresgid(1000, 1000, 1000)
    os.setresuid(1000, 1000, 1000)
print("ready", flush=True)
sys.stdin.readline()
'''


def turncoat_file(pid, prog, created, requests, secret, extra=()):
    return ref_file([ref_field("sys.pid", "Q", pid),
                     ref_field("sys.created", "d", created),
                     ref_field("sys.program", "64s", prog),
                     ref_field("web.requests", "q", requests, buffered=True),
                     ref_field("web.secret", "16s", secret)] + list(extra))


def test_turncoat(src, mnt, how):
    p = subprocess.Popen(["python3", "-c", TURNCOAT, how], text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    WRITERS.append(p)
    prog = ("turn" + how).encode()
    name = "turn%s@0" % how
    if how == "euid":
        expect(p.stdout.readline() == "ready\n", "euid set")
    put_file(os.path.join(src, "turn%s-root.mmstats" % how),
          turncoat_file(p.pid, prog, 100.0, 7, b"rootsecret"), 0, 0o600)
    expect(wait_for(lambda: task(mnt, name) == [p.pid]) is not None,
           "the root file's program is %s" % name)
    if how == "drop":
        p.stdin.write("go\n")
        p.stdin.flush()
        expect(p.stdout.readline() == "ready\n", "dropped to uid 1000")
    put_file(os.path.join(src, "turn%s-user.mmstats" % how),
          turncoat_file(p.pid, prog, 1.0, -999999, b"pwned",
                        [ref_field("user.only", "q", 1, buffered=True)]),
          1000, 0o644)
    piddir = os.path.join(mnt, str(p.pid))
    expect(wait_for(lambda: os.path.exists(os.path.join(piddir,
                                                        "user.only")))
           is not None, "/<pid> shows the user's file too")
    base = os.path.join(mnt, "programs", name)
    got = {n: read(os.path.join(base, n)) for n in ("web.requests",
                                                    "web.secret")}
    expect(got == {"web.requests": "7\n", "web.secret": "rootsecret\n"},
           "%s holds root's file only: %r" % (name, got))
    expect("user.only" not in os.listdir(base),
           "no label of the user's file in %s" % name)
    expect(task(mnt, name) == [p.pid], "%s/task: %r" % (name,
                                                        task(mnt, name)))
    for path in (base, piddir):
        st = os.stat(path)
        expect((st.st_uid, st.st_mode & 0o7777) == (0, 0o500),
               "%s is root's, 0500: uid %d mode %o" %
               (path, st.st_uid, st.st_mode & 0o7777))
    names = os.listdir(os.path.join(mnt, "programs"))
    expect(not [n for n in names if n.startswith("turn%s@1" % how)],
           "no program of uid 1000 made: %r" % names)
    r = run_as(USER, "cat", os.path.join(base, "web.secret"))
    expect(r.returncode != 0 and "rootsecret" not in r.stdout,
           "uid 1000 cannot read %s: %r" % (name, r.stdout))
    p.stdin.close()


def test_at_sign(src, mnt):
    user = spawn(USER + ("sleep", "100002"), b"sleep")
    put_file(os.path.join(src, "at.mmstats"), ref_file([
        ref_field("sys.pid", "Q", user.pid),
        ref_field("sys.program", "64s", b"web@0")]), 1000, 0o644)
    expect(wait_for(lambda: task(mnt, "web%400@1000") == [user.pid])
           is not None, "web@0 of uid 1000 is web%%400@1000: %r" %
           os.listdir(os.path.join(mnt, "programs")))
    names = os.listdir(os.path.join(mnt, "programs"))
    expect(not [n for n in names if n.count("@") != 1],
           "one '@' in each program's name: %r" % names)


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstats-trust.")
    try:
        mount(src, mnt, "-o", "allow_other")
        root = prefork(src, "web", 2, 0o077)
        check("a user's file joins its own program, never root's",
              test_takeover, src, mnt, root)
        check("nobody sees only programs it may read", test_nobody, src,
              mnt)
        check("a shell's -c code is no name", test_shell_code, src, mnt)
        check("long names stay apart", test_long_names, src, mnt)
        check("a file of the user a root process dropped to counts for "
              "no program", test_turncoat, src, mnt, "drop")
        check("a file of the effective user of a root process counts for "
              "no program", test_turncoat, src, mnt, "euid")
        check("'@' of a name is %40", test_at_sign, src, mnt)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
