#!/usr/bin/env python3
"""An independent reader of mmstats format 1, written from the format
description with nothing but struct, decodes files that libmmstats wrote
(through tests/helpers/mmstats-writer) and checks every field type's
value, that every value is naturally aligned, and that every field ends
at an even offset.  Every field the library writes carries field notes
(mmstats(5)): pad bytes "Nx" that struct sizes and never unpacks, so a
reader that reads as the reference does (struct.unpack(sig, slot)[0],
sig.endswith('s') for strings) gets the values it got without them."""
import math
import os
import re
import struct
import subprocess
import tempfile
import time

from common import WRITER, expect, finish, need_writer

PAGE = os.sysconf("SC_PAGE_SIZE")


def decode(data):
    """Fields of a format 1 file: (label, sig, buffered, value, value_off,
    field_start, field_end), stopping at the first zero label size."""
    expect(data[0] == 1, "version byte is 1")
    fields = []
    off = 1
    while off + 2 <= len(data):
        start = off
        (label_sz,) = struct.unpack_from("<H", data, off)
        if label_sz == 0:
            break
        off += 2
        label = data[off:off + label_sz].decode("utf8")
        off += label_sz
        (sig_sz,) = struct.unpack_from("<H", data, off)
        off += 2
        sig = data[off:off + sig_sz].decode("ascii")
        off += sig_sz
        wb = data[off]
        off += 1
        size = struct.calcsize(sig)
        if wb == 0xFF:
            value_off = off
            off += size
        else:
            value_off = off + size * (wb ^ 1)
            off += 2 * size
        (value,) = struct.unpack_from("<" + sig.strip(), data, value_off)
        # The reference's own read: native struct, padding and all.
        (ref,) = struct.unpack(sig, data[value_off:value_off + size])
        expect(ref == value or (ref != ref and value != value),
               f"{label}: the reference's read {ref!r} is {value!r}")
        if sig.endswith("s"):
            value = value.split(b"\0", 1)[0].decode("utf8")
        fields.append((label, sig, wb != 0xFF, value, value_off, start, off))
    return fields


def notes_len(sig):
    """N of a leading "Nx" (field notes), else 0."""
    m = re.match(r"\s*(\d+)x", sig)
    return int(m.group(1)) if m else 0


def base(sig):
    """The signature without padding and notes: "Q", "255s"."""
    return re.sub(r"^\s*(\d+x)?", "", sig)


def notes(data, value_off, sig):
    """(metric, unit, help, bound, name_len) of a field's notes, or None."""
    n = notes_len(sig)
    if n < 24 or data[value_off:value_off + 4] != b"mmN1":
        return None
    metric, ulen, hlen, bound, name_len = struct.unpack_from(
        "<BBHdH", data, value_off + 4)
    p = value_off + 24
    unit = data[p:p + ulen].decode("utf8")
    help_ = data[p + ulen:p + ulen + hlen].decode("utf8")
    return metric, unit, help_, bound, name_len


def run_writer(tmp, args):
    out = subprocess.run([WRITER, "-d", tmp, "-k"] + args, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    lines = out.split("\n")
    expect("ready" in lines, "writer printed ready")
    return [line for line in lines[:lines.index("ready")]]


# label, spec, expected value, expected signature (spaces removed), buffered
ALL_TYPES = [
    ("counter", "counter:1005", 1005, "Q", True),
    ("average", "average:2.5", 2.5, "d", True),
    ("moving_average", "moving_average:3.5", 3.5, "d", True),
    ("timer", "timer:0.375", 0.375, "d", True),
    ("uint64", "uint64:18446744073709551001", 18446744073709551001, "Q", True),
    ("uint32", "uint32:4294967291", 4294967291, "I", True),
    ("int32", "int32:-2147483601", -2147483601, "i", True),
    ("int16", "int16:-32001", -32001, "h", True),
    ("uint16", "uint16:65001", 65001, "H", True),
    ("byte", "byte:-101", -101, "b", False),
    ("float", "float:0.1", struct.unpack("f", struct.pack("f", 0.1))[0],
     "f", True),
    ("static_float", "static_float:0.5", 0.5, "f", False),
    ("double", "double:3.141592653589793", 3.141592653589793, "d", True),
    ("static_double", "static_double:-2.75", -2.75, "d", False),
    ("bool", "bool:true", True, "?", False),
    ("string", "string/32:h\u00e9llo w\u00f6rld 1 \u2014 ok",
     "h\u00e9llo w\u00f6rld 1 \u2014 ok", "32s", False),
    ("string_default", "string:x", "x", "255s", False),
    ("cut", "string/5:h\u00e9\u00e9llo", "h\u00e9\u00e9", "5s", False),
    ("static_uint", "static_uint32:4000000001", 4000000001, "I", False),
    ("static_int64", "static_int64:-8999999999999999999",
     -8999999999999999999, "q", False),
    ("static_uint64", "static_uint64:18446744073709551614",
     18446744073709551614, "Q", False),
    ("static_text", "static_text:r\u00e9plica \u00fcn\u00efcode 1",
     "r\u00e9plica \u00fcn\u00efcode 1", "256s", False),
]


def check_layout(fields, data):
    expect(len(data) % PAGE == 0, "file is whole pages")
    for label, sig, _, _, value_off, start, end in fields:
        core = sig.strip()
        expect(sig == " " * (len(sig) - len(core)) + core,
               f"{label}: signature only padded in front: {sig!r}")
        expect(struct.calcsize(sig) == struct.calcsize(core),
               f"{label}: padding does not change the size")
        n = notes_len(sig)
        if not core.endswith("s"):
            size = struct.calcsize(base(sig))
            expect((value_off + n) % size == 0,
                   f"{label}: value at {value_off + n} aligned to {size}")
        if n:
            expect(n % 8 == 0 and n >= 24, f"{label}: {n} bytes of notes")
            expect(notes(data, value_off, sig) is not None,
                   f"{label}: notes in the slot read")
        expect(end % 2 == 0, f"{label}: field ends at even offset {end}")


def test_all_types(tmp):
    specs = [f"{label}={spec}" for label, spec, _, _, _ in ALL_TYPES]
    before = time.time()
    (path,) = run_writer(tmp, ["-c", "0", "-P", "web.stats."] + specs)
    data = open(path, "rb").read()
    fields = decode(data)
    check_layout(fields, data)
    got = {f[0]: f for f in fields}
    for label, _, value, sig, buffered in ALL_TYPES:
        f = got.get("web.stats." + label)
        expect(f is not None, f"field {label} present")
        if f is None:
            continue
        expect(base(f[1]) == sig, f"{label}: signature {f[1]!r} is {sig}")
        expect(notes_len(f[1]) >= 24, f"{label}: has notes")
        expect(f[2] == buffered, f"{label}: buffered is {buffered}")
        expect(f[3] == value, f"{label}: value {f[3]!r} == {value!r}")
    expect([f[0] for f in fields[:len(ALL_TYPES)]] ==
           ["web.stats." + t[0] for t in ALL_TYPES], "fields in table order")
    check_defaults(got, path, before)


def check_defaults(got, path, before):
    pid = int(os.path.basename(path).split("-")[-2])
    sigs = {"sys.pid": "I", "sys.tid": "q", "sys.uid": "Q", "sys.gid": "Q",
            "sys.created": "d", "sys.starttime": "Q", "sys.pidns": "Q",
            "sys.program": "64s"}
    for name, sig in sigs.items():
        f = got.get("web.stats." + name)
        expect(f is not None and f[1].strip() == sig and not f[2],
               f"default field {name} ({sig}, unbuffered)")
    if any(got.get("web.stats." + n) is None for n in sigs):
        return
    expect(got["web.stats.sys.pid"][3] == pid, "sys.pid is the writer's")
    expect(got["web.stats.sys.tid"][3] == pid, "main thread: tid == pid")
    expect(got["web.stats.sys.uid"][3] == os.getuid(), "sys.uid")
    expect(got["web.stats.sys.gid"][3] == os.getgid(), "sys.gid")
    created = got["web.stats.sys.created"][3]
    expect(before - 1 <= created <= time.time() + 1, "sys.created is now")
    with open("/proc/self/stat") as f:
        mine = int(f.read().rsplit(")", 1)[1].split()[19])
    expect(got["web.stats.sys.starttime"][3] >= mine,
           "sys.starttime: the writer started after this test")
    expect(got["web.stats.sys.pidns"][3] ==
           os.stat("/proc/self/ns/pid").st_ino, "sys.pidns is ours")
    expect(got["web.stats.sys.program"][3] == "mmstats-writer",
           "sys.program: %r" % got["web.stats.sys.program"][3])


def test_threads(tmp):
    paths = run_writer(tmp, ["-T", "3", "-i", "1", "-c", "10",
                             "hits=counter:5", "avg=average", "n=uint32:7"])
    expect(len(paths) == 3, "one file per thread")
    tids = set()
    for path in paths:
        fields = {f[0]: f for f in decode(open(path, "rb").read())}
        expect(fields["hits"][3] == 15, f"{path}: 5 + 10 increments")
        expect(fields["avg"][3] == 1.0, f"{path}: average of ten 1.0")
        expect(fields["n"][3] == 7, f"{path}: uint32 initial value")
        tids.add(fields["sys.tid"][3])
    expect(len(tids) == 3, "distinct sys.tid per thread")


# label, spec, (metric, unit, help) expected in the notes
NOTED = [
    ("rx", "counter:7;unit=bytes;help=Bytes received", (1, "bytes",
                                                        "Bytes received")),
    ("t", "timer:0.5", (2, "seconds", "")),
    ("s", "string/31:h\u00e9llo;help=State \u2014 now", (3, "",
                                                         "State \u2014 now")),
    ("g", "uint16:9;metric=counter;unit=requests", (1, "requests", "")),
]


def test_notes_and_histogram(tmp):
    specs = [f"{label}={spec}" for label, spec, _ in NOTED]
    specs += ["lat=histogram/2:1..8;unit=seconds;help=Latency",
              "sz=histogram:0.1,0.5,1"]
    (path,) = run_writer(tmp, ["-c", "0", "-o", "lat=0.5,1,3,100,nan",
                               "-o", "sz=0.2"] + specs)
    data = open(path, "rb").read()
    fields = decode(data)
    check_layout(fields, data)
    got = {f[0]: f for f in fields}
    for label, _, want in NOTED:
        f = got[label]
        expect(notes(data, f[4], f[1])[:3] == want, f"{label}: notes")
    expect(got["rx"][3] == 7 and got["t"][3] == 0.5 and got["g"][3] == 9,
           "noted values as without notes")
    expect(got["s"][3] == "h\u00e9llo" and got["s"][1].endswith("s"),
           "a noted string still ends in 's'")
    bounds = ["1.0", "1.5", "2.0", "3.0", "4.0", "6.0", "8.0", "inf"]
    counts = [got["lat.le." + b][3] for b in bounds]
    expect(counts == [2, 0, 0, 1, 0, 0, 0, 2], f"lat buckets {counts}")
    expect(math.isnan(got["lat.sum"][3]), "lat.sum took the nan")
    expect(notes(data, got["lat.sum"][4], got["lat.sum"][1]) ==
           (4, "seconds", "Latency", 0.0, 3), "lat.sum notes")
    n = notes(data, got["lat.le.1.5"][4], got["lat.le.1.5"][1])
    expect(n == (5, "", "", 1.5, 3), f"lat.le.1.5 notes {n}")
    expect(got["sz.sum"][3] == 0.2 and got["sz.le.0.5"][3] == 1,
           "explicit bounds")
    for name in ("sys.pid", "sys.tid", "sys.created"):
        expect(notes_len(got[name][1]) == 0, f"{name}: no notes")


def main():
    need_writer()
    with tempfile.TemporaryDirectory() as tmp:
        test_all_types(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        test_threads(tmp)
    with tempfile.TemporaryDirectory() as tmp:
        test_notes_and_histogram(tmp)
    finish()


if __name__ == "__main__":
    main()
