"""Load a session with real dill; print its names count and whether NAMEs are absent.

    python py_check.py FILE [NAME...]
"""
import sys

import dill

d = dill.load_module_asdict(sys.argv[1])
gone = [n for n in sys.argv[2:] if n not in d]
print(f"{sys.argv[1]}: loads, {len(d)} names, dropped present: {[n for n in sys.argv[2:] if n in d]}")
if "make_reading" in d:  # a function whose globals must still resolve Reading
    r = d["make_reading"](3)
    assert type(r).__name__ == "Reading" and r.t == 3, r
    assert d["normalize"]([1.0, 2.0]) == [0.375, 0.75]
    print("  functions still work: make_reading(3) ->", type(r).__name__, "normalize ok")
sys.exit(1 if len(gone) != len(sys.argv[2:]) else 0)
