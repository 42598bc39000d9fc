#!/usr/bin/env python3
"""test_reader_repr.py - mmstats_format_double() is Python's repr().

Feeds a few hundred thousand doubles to build/helpers/reader-repr and
compares each line with repr() of the same value: random bit patterns
(all exponents), random values of everyday magnitudes, every power of
two and its neighbours (lopsided rounding intervals), powers of ten and
their neighbours (where repr switches between fixed and exponent form),
integers (exact below 2**53, rounded above), and float32 values widened to double as readers
widen them.
"""
import math
import os
import random
import struct
import subprocess
import sys

BUILD = os.environ.get("MMSTATS_BUILD", "build")
HELPER = os.path.join(BUILD, "helpers", "reader-repr")


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def values():
    rng = random.Random(20261125)
    for _ in range(150000):
        yield from_bits(rng.getrandbits(64))
    for _ in range(50000):
        yield rng.uniform(-1e6, 1e6)
        yield round(rng.uniform(0, 1000), rng.randint(0, 6))
    for _ in range(30000):
        yield struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
    for e in range(-1074, 1024):
        p = math.ldexp(1.0, e)
        yield p
        yield math.nextafter(p, 0.0)
        yield math.nextafter(p, math.inf)
    for e in range(-325, 309):
        p = float("1e%d" % e)
        yield p
        yield math.nextafter(p, 0.0)
        yield math.nextafter(p, math.inf)
        yield -p
    for i in range(-1000, 1000):
        yield float(2**53 + i)
        yield float(i)
    for _ in range(20000):
        yield float(rng.randint(-2**53, 2**53))
        yield float(rng.randint(-2**63, 2**64))
    yield from (0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324,
                1.7976931348623157e308, 0.1, 0.0001, 0.00001, 1e16, 1e15)


def main():
    if not os.access(HELPER, os.X_OK):
        print("%s not built" % HELPER)
        return 77
    vals = list(values())
    text = "".join("%016x\n" % bits(v) for v in vals)
    out = subprocess.run([HELPER], input=text, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    if len(out) != len(vals):
        print("FAIL: %d values in, %d lines out" % (len(vals), len(out)))
        return 1
    bad = [(v, got) for v, got in zip(vals, out) if repr(v) != got]
    for v, got in bad[:20]:
        print("FAIL: bits %016x: got %r, python says %r"
              % (bits(v), got, repr(v)))
    print("%d passed, %d failed" % (len(vals) - len(bad), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
