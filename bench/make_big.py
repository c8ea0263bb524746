"""Write a dill session N times the size of object-heavy.pkl directly as pickle ops.

    python bench/make_big.py [--scale N] [--out PATH] [--cut FRACTION]

dill needs the whole namespace in memory (and more) to write a big session, so
this writes the ops itself, the way dill 0.4 / pickle protocol 4 lays them out
for a ``dump_module`` of ``__main__``: PROTO 4, 64 KiB frames, ``_import_module``
REDUCE, the namespace dict filled by SETITEMS batches of 1000 pairs, every
str / list / dict / tuple MEMOIZEd, repeated strings (dict keys, tags) fetched
back with BINGET / LONG_BINGET, BUILD, STOP. The names are the object-heavy
families (``records_*`` lists of 100 k dicts, ``pairs_*`` of 250 k tuples,
``floats_*`` of 500 k floats, ``strings_*`` of 250 k strings) repeated so that
the file is about N x 160 MB. Only builtins, so real dill loads it (checked for
``--scale 1`` in bench/README.md). Memory stays small: frames are written as
they fill.

``--cut F`` also writes PATH.cut holding the first F of the file (a dump cut
off when the disk filled), for salvage.
"""

import argparse
import os
import random
import struct
import sys

FRAME = 64 * 1024
WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]


class Writer:
    def __init__(self, f):
        self.f = f
        self.buf = bytearray()
        self.memo = 0
        self.strings = {}  # str -> memo index, for strings the pickler would share

    def flush(self, force=False):
        if self.buf and (force or len(self.buf) >= FRAME):
            self.f.write(b"\x95" + struct.pack("<Q", len(self.buf)))
            self.f.write(self.buf)
            self.buf = bytearray()

    def memoize(self):
        self.buf += b"\x94"
        self.memo += 1
        return self.memo - 1

    def get(self, i):
        self.buf += (b"h" + bytes([i])) if i < 256 else (b"j" + struct.pack("<I", i))

    def str_(self, s, share=False):
        if share and s in self.strings:
            self.get(self.strings[s])
            return
        b = s.encode()
        if len(b) < 256:
            self.buf += b"\x8c" + bytes([len(b)]) + b
        else:
            self.buf += b"X" + struct.pack("<I", len(b)) + b
        i = self.memoize()
        if share:
            self.strings[s] = i

    def int_(self, n):
        if 0 <= n < 256:
            self.buf += b"K" + bytes([n])
        elif 0 <= n < 65536:
            self.buf += b"M" + struct.pack("<H", n)
        else:
            self.buf += b"J" + struct.pack("<i", n)

    def float_(self, x):
        self.buf += b"G" + struct.pack(">d", x)


def write_session(f, scale, seed=7):
    w = Writer(f)
    rnd = random.Random(seed)
    f.write(b"\x80\x04")
    w.str_("dill._dill", share=True)
    w.str_("_import_module")
    w.buf += b"\x93"
    w.memoize()
    w.str_("__main__", share=True)
    w.buf += b"\x85"
    w.memoize()
    w.buf += b"R"
    w.memoize()
    w.buf += b"}"
    w.memoize()

    names = []  # (name, writer of the value)

    def records(j):
        def value():
            w.buf += b"]"
            w.memoize()
            for start in range(0, 100_000, 1000):
                w.buf += b"("
                for i in range(start, start + 1000):
                    w.buf += b"}"
                    w.memoize()
                    w.buf += b"("
                    w.str_("id", share=True)
                    w.int_(j * 100_000 + i)
                    w.str_("name", share=True)
                    w.str_(f"item-{j}-{i}")
                    w.str_("score", share=True)
                    w.float_(rnd.random() * 100.0)
                    w.str_("ok", share=True)
                    w.buf += b"\x88" if i % 3 == 0 else b"\x89"
                    w.str_("tag", share=True)
                    w.str_(WORDS[i % 8], share=True)
                    w.buf += b"u"
                    w.flush()
                w.buf += b"e"
        return value

    def pairs(j):
        def value():
            w.buf += b"]"
            w.memoize()
            for start in range(0, 250_000, 1000):
                w.buf += b"("
                for i in range(start, start + 1000):
                    w.int_(i)
                    w.float_(rnd.random())
                    w.str_(f"p{j}:{i}")
                    w.buf += b"\x87"
                    w.memoize()
                    w.flush()
                w.buf += b"e"
        return value

    def floats(j):
        def value():
            w.buf += b"]"
            w.memoize()
            for start in range(0, 500_000, 1000):
                w.buf += b"("
                for _ in range(1000):
                    w.float_(rnd.gauss(0.0, 1.0))
                w.flush()
                w.buf += b"e"
        return value

    def strings(j):
        def value():
            w.buf += b"]"
            w.memoize()
            for start in range(0, 250_000, 1000):
                w.buf += b"("
                for i in range(start, start + 1000):
                    w.str_(f"{WORDS[i % 8]}_{j}_{i:07d}")
                w.flush()
                w.buf += b"e"
        return value

    for r in range(scale):
        for j in range(16):
            names.append((f"records_{r:02d}_{j:02d}", records(r * 16 + j)))
        for j in range(4):
            names.append((f"pairs_{r:02d}_{j}", pairs(r * 4 + j)))
        for j in range(6):
            names.append((f"floats_{r:02d}_{j}", floats(r * 6 + j)))
        for j in range(6):
            names.append((f"strings_{r:02d}_{j}", strings(r * 6 + j)))

    def small():
        w.str_("object-heavy benchmark session, written op by op")
    names.append(("title", small))

    # The namespace: __name__ first, as dill writes it, then the names in batches of 1000.
    pending = [("__name__", lambda: w.str_("__main__", share=True))] + names
    for start in range(0, len(pending), 1000):
        w.buf += b"("
        for name, value in pending[start:start + 1000]:
            w.str_(name)
            value()
            w.flush()
        w.buf += b"u"
    w.buf += b"b."
    w.flush(force=True)
    return len(names)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "data", "object-big.pkl"))
    ap.add_argument("--cut", type=float, default=None)
    a = ap.parse_args(argv)
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        n = write_session(f, a.scale)
    os.replace(tmp, a.out)
    size = os.path.getsize(a.out)
    print(f"{a.out}: {n} names, {size / 1e6:.1f} MB")
    if a.cut is not None:
        keep = int(size * a.cut)
        with open(a.out, "rb") as src, open(a.out + ".cut", "wb") as dst:
            left = keep
            while left:
                b = src.read(min(left, 1 << 24))
                dst.write(b)
                left -= len(b)
        print(f"{a.out}.cut: first {keep / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
