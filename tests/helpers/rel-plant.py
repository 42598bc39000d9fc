#!/usr/bin/env python3
"""rel-plant.py - a planted file of many fields with one label, and timings.

    rel-plant.py gen FILE N
        Write FILE in format 1 (mmstats(5)): N fields, all labelled
        "LABEL", each an unbuffered 'Q' whose value is its 1-based index,
        so the daemon's name LABEL%#K (LABEL for K = 1) must read K.  The
        reference packs its fields (no padding), and so does this.

    rel-plant.py index FILE DEST SHOWN
        Rename FILE to DEST (into the source directory, whole at once) and
        print how long it took, polling every 1 ms, until SHOWN exists.

    rel-plant.py churn touch|append FILE STOP
        Until the file STOP exists, every 2 ms: touch FILE (utime: an
        IN_ATTRIB, no open, no change of shape), or append a zero byte to
        it (past its end: an IN_MODIFY, a new size, the same fields)
        through one descriptor opened at the start.  Prints the count.

    rel-plant.py times MNT WRITER ROUNDS DIR BOUND
        ROUNDS times: start WRITER (mmstats-writer) writing into DIR, and
        time, polling every 1 ms, how long after its file exists (it
        prints "ready") MNT/<pid> appears; then SIGKILL it, and time how
        long after the kill MNT/<pid> is gone.  Prints each pair and the
        median and worst of each, in ms.  Stops early once 5 rounds took
        longer than BOUND ms (enough to tell, and a slow daemon would
        make a slow test).
"""
import os
import signal
import statistics
import struct
import subprocess
import sys
import time

PAGE = 4096


def gen(path, n):
    label = b'LABEL'
    head = struct.pack('<H', len(label)) + label + struct.pack('<H', 1) + \
        b'Q' + b'\xff'
    parts = [b'\x01']
    for i in range(1, n + 1):
        parts.append(head + struct.pack('<Q', i))
    data = b''.join(parts) + b'\0\0'
    data += b'\0' * (-len(data) % PAGE)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.rename(tmp, path)


def churn(mode, path, stop):
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    n = 0
    while not os.path.exists(stop):
        if mode == 'append':
            os.write(fd, b'\0')
        else:
            os.utime(path)
        n += 1
        time.sleep(0.002)
    os.close(fd)
    print(f'churn: {n} {mode}es' if mode == 'touch' else
          f'churn: {n} {mode}s')


def wait_for(cond, limit):
    """Poll cond every 1 ms; the time it took in ms, or None."""
    t0 = time.monotonic()
    while not cond():
        if time.monotonic() - t0 > limit:
            return None
        time.sleep(0.001)
    return (time.monotonic() - t0) * 1000


def times(mnt, writer, rounds, src, bound):
    appear, vanish = [], []
    late = 0
    for r in range(rounds):
        if late == 5:
            print(f'stopped after {r} rounds: 5 went past {bound} ms')
            break
        w = subprocess.Popen([writer, '-d', src, 'plant.round=uint64:%d' % r],
                             stdout=subprocess.PIPE, text=True)
        path = w.stdout.readline().strip()
        for line in w.stdout:
            if line.strip() == 'ready':
                break
        d = os.path.join(mnt, str(w.pid))
        a = wait_for(lambda: os.path.exists(d), 10)
        t0 = time.monotonic()
        w.send_signal(signal.SIGKILL)
        v = wait_for(lambda: not os.path.exists(d), 10)
        if v is not None:
            v = (time.monotonic() - t0) * 1000	# from the kill
        w.wait()
        w.stdout.close()
        os.unlink(path)		# left behind by the kill
        print(f'round {r}: pid {w.pid} appeared after '
              f'{"never" if a is None else "%.1f ms" % a}, vanished after '
              f'{"never" if v is None else "%.1f ms" % v}')
        appear.append(a if a is not None else float('inf'))
        vanish.append(v if v is not None else float('inf'))
        late += max(appear[-1], vanish[-1]) > bound
    for what, v in (('appear', appear), ('vanish', vanish)):
        print(f'{what}: median {statistics.median(v):.1f} ms, '
              f'worst {max(v):.1f} ms over {len(v)} writers')


def index(path, dest, shown):
    t0 = time.monotonic()
    os.rename(path, dest)
    ms = wait_for(lambda: os.path.exists(shown), 120)
    if ms is None:
        sys.exit(f'{shown} not shown 120 s after {dest} was planted')
    print(f'indexed: {shown} shown {ms:.0f} ms after the file was planted')


def main():
    a = sys.argv
    if len(a) == 4 and a[1] == 'gen':
        gen(a[2], int(a[3]))
    elif len(a) == 5 and a[1] == 'index':
        index(a[2], a[3], a[4])
    elif len(a) == 5 and a[1] == 'churn' and a[2] in ('touch', 'append'):
        churn(a[2], a[3], a[4])
    elif len(a) == 7 and a[1] == 'times':
        times(a[2], a[3], int(a[4]), a[5], float(a[6]))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
