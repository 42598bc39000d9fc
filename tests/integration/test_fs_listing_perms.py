#!/usr/bin/env python3
"""test_fs_listing_perms.py - a listing shows a caller only the labels of
the files it may read (mmstatsfs(8), PERMISSIONS).

A label name is part of its source file: nobody may learn through the
mount what they could not read from the source files, so a directory
that unites several files' labels (/<pid>/, /programs/<prog>@<uid>/)
lists, to each caller, the labels of the files that caller may read.

On a mount with allow_other, two live processes P and Q of uid 1000,
both of program "lp", and reference files of uid 1000:
  P-a.mmstats 0644  pub.a, pub.b, both.c   (the file that speaks for P)
  P-b.mmstats 0600  secret.x, secret.y, both.c
  Q-a.mmstats 0600  q.secret
  - root and uid 1000 list every label in /<P>/ and programs/lp@1000/,
    and P and Q in programs/lp@1000/task/;
  - nobody (uid 65534) lists and reaches only P-a's labels in both, and
    only P in task/: a name it may not see is ENOENT, even right after
    root looked it up; it reads pub.a;
  - once P-b is 0644 nobody lists its labels, once 0600 again no more;
  - nobody never reads a value of a 0600 file, whatever the listing.
Needs root and /dev/fuse (exit 77 otherwise).
"""
import os
import subprocess

from common import (NOBODY, RESULTS, USER, WRITERS, check, cmdline,
                    end_mounts, expect, finish, make_dirs, mount, need_fuse,
                    put_file, ref_field, ref_file, run_as, wait_for)

PROG = "lp@1000"
# Every file's own fields: in every listing that shows any of P's files.
SYS = {"sys.pid", "sys.program"}
PUBLIC = {"pub.a", "pub.b", "both.c"} | SYS
SECRET = {"secret.x", "secret.y"}
QSECRET = {"q.secret"}
SPECIAL = {"task", "%all", "%metrics"}
# What nobody must never read, as the daemon prints it.
SECRET_VALUES = ("770001", "880002", "990003")
GROUP = 4242    # of the group-readable file; no user has it


def spawn_user():
    """A process of uid 1000, once it runs sleep (setpriv drops to uid
    1000 before it execs)."""
    p = subprocess.Popen(USER + ("sleep", "100000"))
    WRITERS.append(p)
    if wait_for(lambda: cmdline(p.pid).startswith(b"sleep\0")) is None:
        raise AssertionError("setpriv sleep did not start")
    return p.pid


def lp_file(pid, fields):
    return ref_file([ref_field("sys.pid", "Q", pid),
                     ref_field("sys.program", "64s", b"lp")] +
                    [ref_field(label, "Q", value, buffered=True)
                     for label, value in fields])


def listing(who, path):
    """The names `ls -A` shows to `who` (() for root), or None if it
    fails."""
    r = run_as(who, "ls", "-A1", path)
    return set(r.stdout.split()) if r.returncode == 0 else None


def diff(got, want):
    if got is None:
        return "ls failed"
    return "missing %s, extra %s" % (sorted(want - got), sorted(got - want))


def expect_listing(who, name, path, want):
    got = listing(who, path)
    expect(got == want, "%s lists %s: %s" % (name, path, diff(got, want)))


def enoent(path):
    r = run_as(NOBODY, "stat", path)
    return r.returncode != 0 and "No such file" in r.stderr


def expect_enoent(path):
    r = run_as(NOBODY, "stat", path)
    expect(r.returncode != 0 and "No such file" in r.stderr,
           "nobody gets ENOENT for %s: %s" %
           (path, r.stderr.strip() or "stat found it"))


def expect_no_value(path):
    r = run_as(NOBODY, "cat", path)
    leaked = [v for v in SECRET_VALUES if v in r.stdout]
    expect(r.returncode != 0 and not leaked,
           "nobody cannot read %s: rc %d %r" %
           (path, r.returncode, (r.stdout + r.stderr).strip()))


def test_owners(mnt, p, q):
    pdir = os.path.join(mnt, str(p))
    prog = os.path.join(mnt, "programs", PROG)
    for who, name in (((), "root"), (USER, "uid 1000")):
        expect_listing(who, name, pdir, PUBLIC | SECRET | SPECIAL)
        expect_listing(who, name, prog,
                       PUBLIC | SECRET | QSECRET | SPECIAL)
        expect_listing(who, name, os.path.join(prog, "task"),
                       {str(p), str(q)})
    r = run_as(USER, "cat", os.path.join(pdir, "secret.x"))
    expect(r.stdout == "770001\n", "uid 1000 reads its secret.x: %r" %
           (r.stdout + r.stderr))


def test_nobody_pid(mnt, p):
    pdir = os.path.join(mnt, str(p))
    # root's lookup leaves a dentry nobody's stat must not get through
    os.stat(os.path.join(pdir, "secret.y"))
    expect_listing(NOBODY, "nobody", pdir, PUBLIC | SPECIAL)
    for label in sorted(SECRET):
        expect_enoent(os.path.join(pdir, label))
    r = run_as(NOBODY, "cat", os.path.join(pdir, "pub.a"))
    expect(r.stdout == "11\n", "nobody reads /<P>/pub.a: %r" %
           (r.stdout + r.stderr))


def test_nobody_program(mnt, p, q):
    prog = os.path.join(mnt, "programs", PROG)
    os.stat(os.path.join(prog, "q.secret"))
    os.stat(os.path.join(prog, "task", str(q)))
    expect_listing(NOBODY, "nobody", prog, PUBLIC | SPECIAL)
    expect_enoent(os.path.join(prog, "q.secret"))
    expect_listing(NOBODY, "nobody", os.path.join(prog, "task"), {str(p)})
    expect_enoent(os.path.join(prog, "task", str(q)))


def test_no_values(mnt, p, q):
    pdir = os.path.join(mnt, str(p))
    prog = os.path.join(mnt, "programs", PROG)
    for path in (os.path.join(pdir, "secret.x"),
                 os.path.join(pdir, "secret.y"),
                 os.path.join(prog, "secret.x"),
                 os.path.join(prog, "q.secret"),
                 os.path.join(mnt, str(q), "q.secret")):
        expect_no_value(path)


def test_chmod(src, mnt, p, q):
    pdir = os.path.join(mnt, str(p))
    pb = os.path.join(src, "P-b.mmstats")
    secret_x = os.path.join(pdir, "secret.x")
    # else the 0644 step below would pass without any filtering
    expect_listing(NOBODY, "nobody, P-b 0600", pdir, PUBLIC | SPECIAL)
    os.chmod(pb, 0o644)
    want = PUBLIC | SECRET | SPECIAL
    expect(wait_for(lambda: listing(NOBODY, pdir) == want, timeout=10)
           is not None, "P-b 0644: nobody lists /<P>/: %s" %
           diff(listing(NOBODY, pdir), want))
    expect(wait_for(lambda: run_as(NOBODY, "cat", secret_x).stdout ==
                    "770001\n", timeout=10) is not None,
           "P-b 0644: nobody reads /<P>/secret.x: %r" %
           run_as(NOBODY, "cat", secret_x).stderr)
    os.chmod(pb, 0o600)
    want = PUBLIC | SPECIAL
    expect(wait_for(lambda: listing(NOBODY, pdir) == want, timeout=10)
           is not None, "P-b 0600 again: nobody lists /<P>/: %s" %
           diff(listing(NOBODY, pdir), want))
    # nobody's own lookup of secret.x above, while all of /<P>/'s files
    # were 0644, may stay in the kernel's cache for the entry timeout
    for label in sorted(SECRET):
        path = os.path.join(pdir, label)
        took = wait_for(lambda: enoent(path), timeout=10)
        print("P-b 0600 again: nobody's stat of %s is ENOENT after %s s" %
              (label, took if took is None else "%.2f" % took))
        expect_enoent(path)
    test_no_values(mnt, p, q)


def as_member(*groups):
    """nobody, with these supplementary groups."""
    return ("setpriv", "--reuid=65534", "--regid=65534",
            "--groups=" + ",".join(str(g) for g in groups))


def test_groups(src, mnt, p):
    """A 0640 file of group GROUP shows to a member of GROUP (one of 70
    groups: more than the daemon reads at first), not to others."""
    pdir = os.path.join(mnt, str(p))
    put_file(os.path.join(src, "P-g.mmstats"), lp_file(p, [("grp.z", 5)]),
          1000, 0o640, GROUP)
    expect(wait_for(lambda: "grp.z" in (listing((), pdir) or ()),
                    timeout=10) is not None, "root lists grp.z")
    # the kernel sorts a process's groups: GROUP is the 70th
    many = list(range(GROUP - 69, GROUP + 1))
    for who, name in ((as_member(GROUP), "a member of its group"),
                      (as_member(*many), "a member of 70 groups")):
        expect_listing(who, name, pdir, PUBLIC | {"grp.z"} | SPECIAL)
        r = run_as(who, "cat", os.path.join(pdir, "grp.z"))
        expect(r.stdout == "5\n", "%s reads grp.z: %r" %
               (name, r.stdout + r.stderr))
    expect_listing(as_member(GROUP + 1), "a member of another group",
                   pdir, PUBLIC | SPECIAL)
    expect_listing(NOBODY, "nobody", pdir, PUBLIC | SPECIAL)
    expect_enoent(os.path.join(pdir, "grp.z"))


def part(name, fn, *args):
    """check(), its line "FAIL" when any of its expectations failed."""
    def whole():
        before = RESULTS["failed"]
        fn(*args)
        if RESULTS["failed"] != before:
            raise AssertionError("%d expectations failed" %
                                 (RESULTS["failed"] - before))
    check(name, whole)


def main():
    need_fuse()
    tmp, src, mnt = make_dirs("mmstats-lsperm.")
    try:
        mount(src, mnt, "-o", "allow_other")
        p = spawn_user()                # first: the oldest, lp's speaker
        q = spawn_user()
        put_file(os.path.join(src, "P-a.mmstats"), lp_file(p, [
            ("pub.a", 11), ("pub.b", 22), ("both.c", 3)]), 1000, 0o644)
        put_file(os.path.join(src, "P-b.mmstats"), lp_file(p, [
            ("secret.x", 770001), ("secret.y", 880002), ("both.c", 4)]),
            1000, 0o600)
        put_file(os.path.join(src, "Q-a.mmstats"), lp_file(q, [
            ("q.secret", 990003)]), 1000, 0o600)
        task = os.path.join(mnt, "programs", PROG, "task")
        ready = wait_for(lambda: listing((), task) == {str(p), str(q)} and
                         "secret.x" in (listing((), os.path.join(
                             mnt, str(p))) or ()), timeout=10)
        expect(ready is not None, "programs/%s/task lists P and Q: %r" %
               (PROG, listing((), task)))
        part("1. root and uid 1000 list every label", test_owners,
              mnt, p, q)
        part("2. nobody lists and reaches only readable labels of "
              "/<pid>", test_nobody_pid, mnt, p)
        part("3. nobody lists and reaches only readable labels and "
              "tasks of /programs", test_nobody_program, mnt, p, q)
        part("5. nobody never reads a 0600 file's value", test_no_values,
              mnt, p, q)
        part("4. a chmod of the source shows or hides its labels",
              test_chmod, src, mnt, p, q)
        part("6. a group-readable file shows to its group's members",
             test_groups, src, mnt, p)
    finally:
        end_mounts(tmp)
    finish()


if __name__ == "__main__":
    main()
