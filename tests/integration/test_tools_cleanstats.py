#!/usr/bin/env python3
"""cleanstats: removes the files of dead writers (stopped by SIGTERM
asked to keep them, or killed by SIGKILL) and of reused PIDs, keeps live
writers' files (a reference file, without sys.starttime, while its PID
runs, whatever its sys.created), files without sys.pid, invalid files
and symlinks; -n removes nothing; the reference's words for decisions,
errors on stderr with a non-zero exit, a plain summary line.  Without
arguments (the timer's run on /tmp) a planted invalid file is said but
no failure, and a default directory that cannot be listed is one (for
slurpstats and pollstats too); a planted name with a newline forges no
line on stdout or stderr.  A file met again under another name gets
its first answer; a template $MMSTATS_PATH names the default
directories.  A writer in another PID namespace is named
by the pid this process sees (and slurpstats --json adds it as
host_pid)."""
import json
import os
import shutil
import signal
import struct
import subprocess

from common import (DEAD_PID, VECTORS, WRITER, Writer, dead_vector, expect,
                    finish, need_writer, patch_field, put_file, run, text,
                    tmpdir, tool, writer_below)

CLEAN = tool("cleanstats")
SLURP = tool("slurpstats")


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
        killed = Writer(d, ["z.count=counter:3"])
        killed_path, killed_pid = killed.paths[0], killed.pid
        killed.proc.kill()
        killed.stop()
        expect(os.path.exists(killed_path), "a killed writer left its file")

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

        files = [live.paths[0], dead_path, killed_path, reused, ref, nopid,
                 link]
        r = run([CLEAN, "-n"] + files)
        out = text(r.stdout)
        expect(r.returncode == 0 and r.stderr == b"", "-n: exit 0")
        expect("PID %d not found. Would delete %s\n" % (dead_pid, dead_path) in out,
               "-n: dead writer reported: %r" % out)
        expect("PID %d not found. Would delete %s\n" % (killed_pid, killed_path)
               in out, "-n: killed writer reported: %r" % out)
        expect("PID %d was reused since %s was written. Would delete %s\n"
               % (sleeper.pid, reused, reused) in out, "-n: reused PID reported")
        expect(out.endswith("Would remove 3 files, kept 2 alive, left 2 "
                            "unjudged\n"), "-n: summary: %r" % out)
        expect(all(os.path.lexists(f) for f in files), "-n removed nothing")

        # An invalid file cannot be judged: said on stderr, exit 1.
        r = run([CLEAN, "-n", invalid])
        err = text(r.stderr)
        expect(r.returncode == 1, "-n invalid: exit 1")
        expect(err.startswith("cleanstats: %s: invalid file: " % invalid) and
               err.count("\n") == 1, "-n invalid: one line on stderr: %r" % err)
        expect(text(r.stdout) == "Would remove 0 files, kept 0 alive, left 1 "
               "unjudged\n", "-n invalid: only the summary on stdout: %r"
               % r.stdout)

        files.append(invalid)
        r = run([CLEAN] + files)
        out = text(r.stdout)
        expect(r.returncode == 1, "an invalid file among them: exit 1")
        expect(text(r.stderr).startswith("cleanstats: %s: invalid file: "
                                         % invalid), "invalid file on stderr")
        expect("PID %d not found. Deleting %s\n" % (dead_pid, dead_path) in out,
               "dead writer's file deleted")
        expect("PID %d not found. Deleting %s\n" % (killed_pid, killed_path)
               in out, "killed writer's file deleted")
        expect("PID %d was reused since %s was written. Deleting %s\n"
               % (sleeper.pid, reused, reused) in out, "reused PID's file deleted")
        expect("File has no sys.pid entry: %s\n" % nopid in out, "no sys.pid reported")
        expect("Invalid file" not in out, "no error on stdout")
        expect("Not a regular file, skipping: %s\n" % link in out, "symlink skipped")
        expect(out.endswith("Removed 3 files, kept 2 alive, left 3 unjudged\n"),
               "summary, plain words: %r" % out)
        expect(not os.path.exists(dead_path) and not os.path.exists(reused)
               and not os.path.exists(killed_path), "stale files are gone")
        expect(os.path.exists(live.paths[0]), "the live writer's file stays")
        expect(os.path.exists(ref), "the live reference writer's file stays")
        expect(os.path.exists(nopid) and os.path.exists(invalid), "unjudged files stay")
        expect(os.path.islink(link) and os.path.exists(target),
               "neither the symlink nor its target was removed")

        # Default: $MMSTATS_PATH/*.mmstats; verbose names live files.
        env = dict(os.environ, MMSTATS_PATH=d)
        env.pop("MMSTATS_GLOB", None)
        os.unlink(invalid)
        r = run([CLEAN, "-v"], env=env)
        out = text(r.stdout)
        expect(r.returncode == 0, "default glob: exit 0: %r" % r.stderr)
        expect("PID %d is alive. Keeping %s\n" % (live.pid, live.paths[0]) in out,
               "-v reports a live file")
        expect("PID %d is alive. Keeping %s\n" % (sleeper.pid, ref) in out,
               "-v reports a live reference file")
        expect(out.endswith("Removed 0 files, kept 2 alive, left 2 unjudged\n"),
               "default glob summary: %r" % out)

        missing = os.path.join(d, "missing.mmstats")
        r = run([CLEAN, missing])
        expect(r.returncode == 1 and text(r.stderr) ==
               "cleanstats: %s: No such file or directory\n" % missing,
               "a missing file: reported, exit 1: %r" % r.stderr)
        # Nothing to look at is said, as grep says it: exit 1.
        empty = tmpdir("clean-empty")
        for args, env2, said in (([empty], None, "%s: no mmstats file" % empty),
                                 ([os.path.join(empty, "*.mmstats")], None,
                                  "%s/*.mmstats: no file matches" % empty),
                                 ([], dict(env, MMSTATS_PATH=empty + "/x"),
                                  "%s/x: No such file or directory" % empty)):
            r = run([CLEAN, "-n"] + args, env=env2)
            expect(r.returncode == 1 and text(r.stderr) ==
                   "cleanstats: %s\n" % said, "nothing found: %r" % r.stderr)
            expect(text(r.stdout) == "Would remove 0 files, kept 0 alive\n",
                   "nothing found: the summary says so: %r" % r.stdout)
        # The default directory without files: nothing to clean, exit 0
        # (a timer runs cleanstats on /tmp).
        r = run([CLEAN], env=dict(env, MMSTATS_PATH=empty))
        expect(r.returncode == 0 and r.stderr == b"" and
               text(r.stdout) == "Removed 0 files, kept 0 alive\n",
               "an empty default directory: nothing to do: %r" % r.stderr)
        os.rmdir(empty)
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


def default_env(d):
    env = dict(os.environ, MMSTATS_PATH=d)
    env.pop("MMSTATS_GLOB", None)
    return env


def invalid_in_default_dir():
    """Anyone can touch /tmp/x.mmstats: the timer's run must not fail."""
    d = tmpdir("clean-planted")
    try:
        bad = os.path.join(d, "x.mmstats")
        put_file(bad, b"\x07" + bytes(4095))
        r = run([CLEAN], env=default_env(d))
        err = text(r.stderr)
        expect(r.returncode == 0, "default dir, invalid file: exit 0: %d %r"
               % (r.returncode, err))
        expect(err.startswith("cleanstats: %s: invalid file: " % bad) and
               err.count("\n") == 1, "default dir: said, one line: %r" % err)
        expect(text(r.stdout) == "Removed 0 files, kept 0 alive, left 1 "
               "unjudged\n", "default dir: counted unjudged: %r" % r.stdout)
        # Asked for by name (the file, or its directory): a failure.
        for args in ([bad], [d]):
            r = run([CLEAN] + args, env=default_env(d))
            expect(r.returncode == 1 and text(r.stderr).startswith(
                   "cleanstats: %s: invalid file: " % bad),
                   "%r: an invalid file named: exit 1: %r" % (args, r.stderr))
        expect(os.path.exists(bad), "the invalid file stays")
    finally:
        shutil.rmtree(d)


def as_nobody():
    """The command prefix that runs as nobody, or None (said)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("skip: an unlistable directory needs root and setpriv")
        return None
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def unlistable_default_dir():
    """glob() calls a directory it cannot read empty: the tools must not."""
    nobody = as_nobody()
    if not nobody:
        return
    top = tmpdir("clean-unlistable")
    try:
        os.chmod(top, 0o755)
        d = os.path.join(top, "stats")
        os.mkdir(d)
        dead_vector(os.path.join(d, "dead.mmstats"))
        os.chmod(d, 0o711)      # others may enter, not list
        for name, args in (("cleanstats", []), ("slurpstats", []),
                           ("pollstats", ["-c", "1", "web.stats.uint32"])):
            r = run(nobody + [tool(name)] + args, env=default_env(d))
            expect(r.returncode == 1 and text(r.stderr) ==
                   "%s: %s: Permission denied\n" % (name, d),
                   "%s: an unlistable default directory: exit 1, said: "
                   "%d %r" % (name, r.returncode, r.stderr))
        expect(os.path.exists(os.path.join(d, "dead.mmstats")),
               "nothing removed")
    finally:
        shutil.rmtree(top)


def planted_names():
    """A name with a newline: escaped on stdout and stderr, one line each."""
    d = tmpdir("clean-names")
    forged = "PID 1 is alive. Keeping everything"
    try:
        bad = os.path.join(d, "a\n%s\n.mmstats" % forged)
        put_file(bad, b"\x07" + bytes(4095))
        dead = dead_vector(os.path.join(d, "b\n%s\n.mmstats" % forged))
        r = run([CLEAN], env=default_env(d))
        out, err = text(r.stdout), text(r.stderr)
        shown_bad = bad.replace("\n", "\\x0a")
        shown_dead = dead.replace("\n", "\\x0a")
        expect(r.returncode == 0, "planted names: exit 0: %r" % err)
        expect(err.startswith("cleanstats: %s: invalid file: " % shown_bad)
               and err.count("\n") == 1, "stderr: escaped: %r" % err)
        expect(out == "PID %d not found. Deleting %s\nRemoved 1 file, kept 0 "
               "alive, left 1 unjudged\n" % (DEAD_PID, shown_dead),
               "stdout: escaped: %r" % out)
        expect(not any(line.startswith("PID 1 ")
                       for line in (out + err).split("\n")),
               "no forged line")
        expect(not os.path.exists(dead), "the stale file is removed")
    finally:
        shutil.rmtree(d)


def other_namespace():
    """A writer that is pid 1 of its own PID namespace: its file says 1,
    the tools say the pid we know it by."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("not root or no unshare: other namespaces not tried")
        return
    d = tmpdir("cleanns")
    p = subprocess.Popen(["unshare", "--kill-child", "--pid", "--fork",
                          "--mount-proc", WRITER, "-d", d, "-k", "x=counter"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        path = p.stdout.readline().strip()
        if p.stdout.readline().strip() != "ready":
            print("unshare failed: %r" % p.stderr.read())
            return
        host = writer_below(p.pid)
        expect(host is not None, "the writer, seen from here")
        r = run([SLURP, "--json", path])
        f = json.loads(text(r.stdout))[0]
        expect(f["pid"] == 1 and f.get("host_pid") == host,
               "slurpstats: pid as recorded, host_pid ours: %r" % f)
        r = run([CLEAN, "-v", d])
        expect("PID %d is alive. Keeping %s\n" % (host, path)
               in text(r.stdout), "cleanstats: our pid: %r" % r.stdout)
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        shutil.rmtree(d)


def one_answer_per_file():
    """A file met again under another name (a hard link, "DIR/./NAME")
    gets the answer it got, not a second question: a stale file's other
    name goes too, a live one is kept, each file counted once."""
    d = tmpdir("clean-once")
    w = Writer(d, ["x=counter:1"])
    try:
        live, dead = w.paths[0], dead_vector(os.path.join(d, "dead.mmstats"))
        other_dead = os.path.join(d, "dead-link.mmstats")
        other_live = os.path.join(d, "zz-live.mmstats")
        os.link(dead, other_dead)
        os.link(live, other_live)
        r = run([CLEAN, "-v", d, os.path.join(d, ".", "zz-live.mmstats")])
        want = ("PID %d not found. Deleting %s\n"
                "Same file as %s. Deleting %s\n"
                "PID %d is alive. Keeping %s\n"
                "Same file as %s. Keeping %s\n"
                "Same file as %s. Keeping %s/./zz-live.mmstats\n"
                "Removed 1 file, kept 1 alive\n" %
                (DEAD_PID, other_dead, other_dead, dead, w.pid, live,
                 live, other_live, live, d))
        expect(r.returncode == 0 and text(r.stdout) == want,
               "one answer per file: %r" % r.stdout)
        expect(not os.path.exists(dead) and not os.path.exists(other_dead),
               "both names of the stale file are gone")
        expect(os.path.exists(live) and os.path.exists(other_live),
               "both names of the live file stay")
    finally:
        w.stop()
        shutil.rmtree(d)


def template_default_dirs():
    """$MMSTATS_PATH a template: the directories it names are the default
    ones, and none (no writer of it yet) is nothing to clean, no error."""
    d = tmpdir("clean-tmpl")
    env = dict(os.environ, MMSTATS_PATH=os.path.join(d, "w-{CMD}"))
    env.pop("MMSTATS_GLOB", None)
    try:
        r = run([CLEAN], env=env)
        expect(r.returncode == 0 and r.stderr == b"" and
               text(r.stdout) == "Removed 0 files, kept 0 alive\n",
               "template, no directory yet: %d %r %r" %
               (r.returncode, r.stdout, r.stderr))
        for sub in ("w-a", "other"):
            os.mkdir(os.path.join(d, sub))
            dead_vector(os.path.join(d, sub, "dead.mmstats"))
        r = run([CLEAN], env=env)
        expect(r.returncode == 0 and text(r.stdout) ==
               "PID %d not found. Deleting %s/w-a/dead.mmstats\n"
               "Removed 1 file, kept 0 alive\n" % (DEAD_PID, d),
               "template: its directories only: %r" % r.stdout)
        expect(os.path.exists(os.path.join(d, "other", "dead.mmstats")),
               "a directory it does not name is left alone")
    finally:
        shutil.rmtree(d)


def template_unlistable_dir():
    """A template names every user's directories: one this user cannot
    list (another user's 0700 /tmp/mmstats-x) is passed over, as glob()
    passes it over, and the others are cleaned."""
    nobody = as_nobody()
    if not nobody:
        return
    top = tmpdir("clean-tmpl-unlistable")
    env = dict(os.environ, MMSTATS_PATH=os.path.join(top, "mmstats-{CMD}"))
    env.pop("MMSTATS_GLOB", None)
    try:
        os.chmod(top, 0o755)
        theirs, mine = (os.path.join(top, "mmstats-" + n) for n in "xy")
        for sub in (theirs, mine):
            os.mkdir(sub)
            dead_vector(os.path.join(sub, "dead.mmstats"))
        os.chmod(theirs, 0o700)
        shutil.chown(mine, "nobody")
        r = run(nobody + [CLEAN], env=env)
        expect(r.returncode == 0 and r.stderr == b"" and text(r.stdout) ==
               "PID %d not found. Deleting %s/dead.mmstats\n"
               "Removed 1 file, kept 0 alive\n" % (DEAD_PID, mine),
               "template, another user's directory: %d %r %r" %
               (r.returncode, r.stdout, r.stderr))
        expect(os.path.exists(os.path.join(theirs, "dead.mmstats")),
               "the unlistable directory's file is left")
    finally:
        shutil.rmtree(top)


main()
one_answer_per_file()
template_default_dirs()
template_unlistable_dir()
invalid_in_default_dir()
unlistable_default_dir()
planted_names()
other_namespace()
finish()
