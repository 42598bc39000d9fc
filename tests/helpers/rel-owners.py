#!/usr/bin/env python3
"""rel-owners.py - one user's hostile files, and another's read latency.

    rel-owners.py plant DIR SMALL READY
        As whoever runs it (the test runs it as uid 65534), write into DIR,
        each under a temporary name renamed into place whole, files that
        all name this very process (sys.pid, sys.created: a live writer):
          one.mmstats     10,000 'Q' fields, all labelled "LABEL";
          big.mmstats     64 MiB (the reader's limit), every field a 'B'
                          with a 3-byte label: about 6.7 million fields;
          small-K.mmstats K = 1..SMALL, 8 counters each.
        Then write READY and sleep until killed, so that the files stay the
        files of a live process.

    rel-owners.py latency FILE SECONDS [UNTIL]
        Read FILE again and again for SECONDS (or, given UNTIL, until the
        file UNTIL exists and SECONDS more), as a monitoring agent does:
        one descriptor, pread at offset 0, reopened every 100 reads.
        Prints "latency: median M us, p99 P us, worst W us, N reads".
"""
import os
import statistics
import struct
import sys
import time

PAGE = 4096
MAX_FILE = 64 << 20


def field(label, sig, value):
    return struct.pack('<H', len(label)) + label + \
        struct.pack('<H', len(sig)) + sig + b'\xff' + value


def sys_fields():
    return field(b'sys.pid', b'Q', struct.pack('<Q', os.getpid())) + \
        field(b'sys.created', b'd', struct.pack('<d', time.time()))


def put(d, name, body, size=None):
    data = b'\x01' + body + b'\0\0'
    data += b'\0' * ((size or len(data) + (-len(data) % PAGE)) - len(data))
    tmp = os.path.join(d, '.' + name + '.tmp')
    with open(tmp, 'wb') as f:
        f.write(data)
    os.rename(tmp, os.path.join(d, name))


def label3(i):
    a = b'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    return bytes((a[i % 62], a[i // 62 % 62], a[i // 3844 % 62]))


def plant(d, small, ready):
    one = sys_fields() + b''.join(field(b'LABEL', b'Q', struct.pack('<Q', i))
                                  for i in range(1, 10001))
    put(d, 'one.mmstats', one)
    head = sys_fields()
    n = (MAX_FILE - len(head) - 3) // 10
    cycle = b''.join(field(label3(i), b'B', b'\x07') for i in range(62 ** 3))
    big = head + (cycle * (n // 62 ** 3 + 1))[:n * 10]
    put(d, 'big.mmstats', big, MAX_FILE)
    for k in range(1, small + 1):
        put(d, 'small-%d.mmstats' % k, sys_fields() + b''.join(
            field(b'small.c%d' % i, b'Q', struct.pack('<Q', k))
            for i in range(8)))
    with open(ready, 'w') as f:
        f.write('%d\n' % os.getpid())
    while True:
        time.sleep(3600)


def latency(path, secs, until=None):
    lat = []
    fd = os.open(path, os.O_RDONLY)
    end = time.monotonic() + secs
    while time.monotonic() < end or (until and not os.path.exists(until)):
        if until and os.path.exists(until):
            end, until = time.monotonic() + secs, None
        if len(lat) % 100 == 99:
            os.close(fd)
            fd = os.open(path, os.O_RDONLY)
        t0 = time.perf_counter_ns()
        if not os.pread(fd, 4096, 0):
            sys.exit(f'{path}: empty read')
        lat.append((time.perf_counter_ns() - t0) / 1000)
    os.close(fd)
    lat.sort()
    print(f'latency: median {statistics.median(lat):.0f} us, '
          f'p99 {lat[len(lat) * 99 // 100]:.0f} us, worst {lat[-1]:.0f} us, '
          f'{len(lat)} reads')


def main():
    a = sys.argv
    if len(a) == 5 and a[1] == 'plant':
        plant(a[2], int(a[3]), a[4])
    elif len(a) in (4, 5) and a[1] == 'latency':
        latency(a[2], float(a[3]), a[4] if len(a) == 5 else None)
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()
