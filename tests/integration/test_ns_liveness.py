#!/usr/bin/env python3
"""Writers in other PID namespaces (unshare --pid --fork --mount-proc,
and the same in a user namespace), writing into a directory of the host:
mmstats_writer_pid() gives the pid the host numbers them by (found here
through /proc/PID/task/PID/children), they are alive, cleanstats keeps
their files; each takes, in its namespace, the pid of a live host
process (through ns_last_pid), which is never taken for it.  Killed,
their files are stale and cleanstats removes them, whether the namespace
lives on or died with them.  A writer in a time namespace whose boot
clock is shifted records another start time than the host sees: still
alive, never removed, while it runs."""
import json
import os
import shutil
import signal
import subprocess

from common import (BUILD, WRITER, expect, finish, need_writer, run, skip,
                    text, tmpdir, tool, wait_for, writer_below)

WPID = os.path.join(BUILD, "helpers", "writer-pid")
CLEAN = tool("cleanstats")
SLURP = tool("slurpstats")
VARIANTS = {"pid": ["--pid"],
            "user+pid": ["--user", "--map-root-user", "--pid"]}
PROCS = []


def nspid(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    return []


def starttime(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def judge(path):
    """(sys.pid, writer pid or errno name, liveness) of the library."""
    r = run([WPID, path])
    expect(r.returncode == 0, "writer-pid %s: %r" % (path, r.stderr))
    _, syspid, writer, live = text(r.stdout).split()
    return int(syspid), int(writer) if writer.isdigit() else writer, live


def field(path, label):
    r = run([SLURP, "--json", path])
    for f in json.loads(text(r.stdout))[0]["fields"]:
        if f["label"] == label:
            return f["value"]
    return None


def clean(d):
    r = run([CLEAN, d])
    return text(r.stdout)


def start(args):
    """Start args (an unshare command line running the writer); returns
    (Popen, the writer's file)."""
    p = subprocess.Popen(["unshare", "--kill-child"] + args,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    PROCS.append(p)
    lines = []
    for line in p.stdout:
        if line.strip() == "ready":
            return p, lines[0]
        lines.append(line.strip())
    p.wait()
    return None, p.stderr.read()


def stop(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass
    p.wait()


def check_live(name, path, host, ns_pid):
    syspid, writer, live = judge(path)
    expect(syspid == ns_pid, "%s: sys.pid %d is its pid there (%d)"
           % (name, syspid, ns_pid))
    expect(writer == host, "%s: mmstats_writer_pid %r is its host pid %d"
           % (name, writer, host))
    expect(live == "alive", "%s: alive (%s)" % (name, live))
    expect(field(path, "sys.starttime") == starttime(host),
           "%s: sys.starttime is /proc/%d/stat's (same boot clock)"
           % (name, host))
    out = clean(os.path.dirname(path))
    expect(os.path.exists(path), "%s: cleanstats kept it: %r" % (name, out))


def check_dead(name, path, host, same_ns=False):
    os.kill(host, signal.SIGKILL)
    expect(wait_for(lambda: not os.path.exists("/proc/%d" % host),
                    timeout=10) is not None, "%s: writer reaped" % name)
    _, writer, live = judge(path)
    expect(writer == (host if same_ns else "ESRCH") and live == "stale",
           "%s: killed: %r %s" % (name, writer, live))
    out = clean(os.path.dirname(path))
    expect(not os.path.exists(path) and "Deleting " + path in out,
           "%s: cleanstats removed it: %r" % (name, out))


def namespace_lives_on(name, opts, d):
    """The writer is a child of the namespace's sh, at the pid of a live
    host process; killed, the namespace lives on (sleep)."""
    sleeper = subprocess.Popen(["sleep", "600"])
    PROCS.append(sleeper)
    try:
        script = ("echo %d > /proc/sys/kernel/ns_last_pid; "
                  "%s -d %s -k -p nsw x=counter; exec sleep 600"
                  % (sleeper.pid - 1, WRITER, d))
        p, path = start(opts + ["--fork", "--mount-proc", "sh", "-c", script])
        if p is None:
            skip("%s: unshare failed: %s" % (name, path))
        host = writer_below(p.pid)
        expect(host is not None, "%s: writer found from the host" % name)
        ns_pid = nspid(host)[-1]
        expect(ns_pid == sleeper.pid and host != sleeper.pid,
               "%s: its pid there %d is the host sleeper's %d"
               % (name, ns_pid, sleeper.pid))
        check_live(name, path, host, ns_pid)
        check_dead(name, path, host)
        expect(sleeper.poll() is None, "%s: the host sleeper runs" % name)
        stop(p)
    finally:
        sleeper.kill()
        sleeper.wait()


def namespace_dies(name, opts, d):
    """The writer is pid 1 of its namespace: killed, no process is left
    in it (the first PID namespace sees every other: gone)."""
    p, path = start(opts + ["--fork", "--mount-proc", WRITER, "-d", d, "-k",
                            "x=counter"])
    if p is None:
        skip("%s: unshare failed: %s" % (name, path))
    host = writer_below(p.pid)
    expect(host is not None and nspid(host)[-1] == 1,
           "%s: writer is pid 1 there" % name)
    check_live(name + " (pid 1)", path, host, 1)
    if os.stat("/proc/self/ns/pid").st_ino == 0xEFFFFFFC:
        check_dead(name + " (pid 1)", path, host)
    stop(p)


def time_namespace(d):
    """Same PID namespace, boot clock shifted by a day."""
    p, path = start(["--time", "--boottime", "86400", "--fork", WRITER,
                     "-d", d, "-k", "x=counter"])
    if p is None:
        print("no time namespaces here: %s" % path)
        return
    host = writer_below(p.pid)
    expect(field(path, "sys.starttime") != starttime(host),
           "time ns: the start it recorded is shifted")
    _, writer, live = judge(path)
    expect(writer == host and live == "alive",
           "time ns: alive (%r %s)" % (writer, live))
    out = clean(d)
    expect(os.path.exists(path), "time ns: cleanstats kept it: %r" % out)
    check_dead("time ns", path, host, same_ns=True)
    stop(p)


def main():
    need_writer()
    if os.geteuid() != 0:
        skip("needs root")
    if not shutil.which("unshare"):
        skip("no unshare")
    for prog in (WPID, CLEAN, SLURP):
        if not os.access(prog, os.X_OK):
            skip("not built: " + prog)
    d = tmpdir("ns")
    os.chmod(d, 0o755)
    try:
        for name, opts in VARIANTS.items():
            namespace_lives_on(name, opts, d)
            namespace_dies(name, opts, d)
        time_namespace(d)
    finally:
        for p in PROCS:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except OSError:
                    p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)
    finish()


main()
