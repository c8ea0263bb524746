"""Build the benchmark sessions in bench/data/ with real dill.

    bench/.venv/bin/python bench/make_data.py [--force] [payload|objects ...]

Each session is written by a fresh Python process that runs this file as
``__main__`` (``python make_data.py --child KIND OUT``), builds its names as
module globals, deletes its own helpers and calls ``dill.dump_module(OUT)``
(default protocol, 4) -- the same thing a notebook user does.

* payload-heavy.pkl: 8 float64 arrays of 128 MiB (``arr_0`` .. ``arr_7``) plus
  three small names: ~1 GiB, nearly all of it in eight BINBYTES8 payloads.
* object-heavy.pkl: 1.6 M small dicts, 1 M tuples, 3 M floats, 1.5 M strings,
  200 k instances of ``Reading`` (a class defined in ``__main__``) and a few
  functions, in 45 names: ~160 MB of small opcodes.
* array.pkl: one 1 GiB float64 array ``big`` (128 Mi values, 1,000 of them NaN)
  and nothing else; views.pkl: a 2,000,000-row DataFrame ``df`` (float, int,
  datetime and string columns). What the value-view rows (first values,
  streaming stats, a DataFrame's first rows) read; apart, so the array rows
  time the array and not the parse of two million strings.

The names ``run.sh`` drops for the filter rows are listed in DROP below.
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
FILES = {"payload": "payload-heavy.pkl", "objects": "object-heavy.pkl", "views": "views.pkl",
         "array": "array.pkl"}
# ~10 % of each session's own names; each is a unique substring of one name only.
DROP = {
    "payload": ["arr_7"],
    "objects": ["records_03", "pairs_1", "floats_2", "strings_3", "readings_2"],
}


def _child(kind, out):
    import dill

    g = globals()
    if kind == "payload":
        import numpy as np

        rng = np.random.default_rng(20240601)
        n = 128 * 1024 * 1024 // 8  # 16 Mi float64 = 128 MiB
        for i in range(8):
            g[f"arr_{i}"] = rng.standard_normal(n)
        g["meta"] = {"experiment": "bench", "seed": 20240601, "shape": (n,), "dtype": "float64"}
        g["label"] = "payload-heavy benchmark session"
        g["epochs"] = list(range(10))
    elif kind == "array":
        import numpy as np

        rng = np.random.default_rng(20241204)
        big = rng.standard_normal(128 * 1024 * 1024)  # 1 GiB of float64
        big[rng.integers(0, big.size, 1000)] = np.nan
        g["big"] = big
    elif kind == "views":
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(20241204)
        n = 2_000_000
        g["df"] = pd.DataFrame({
            "x": rng.standard_normal(n),
            "n": np.arange(n, dtype=np.int64),
            "t": pd.date_range("2024-01-01", periods=n, freq="s"),
            "s": [f"row-{i}" for i in range(n)],
        })
        g["note"] = "value-view benchmark session"
    elif kind == "objects":
        import random

        rnd = random.Random(7)
        words = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"]

        # The session class, compiled in __main__'s globals like a notebook cell.
        exec(
            "class Reading:\n"
            "    'A session class: defined in __main__, so dill pickles it by value.'\n"
            "    def __init__(self, sensor, t, value, label):\n"
            "        self.sensor = sensor\n"
            "        self.t = t\n"
            "        self.value = value\n"
            "        self.label = label\n"
            "\n"
            "    def scaled(self, k):\n"
            "        return self.value * k\n",
            g,
        )
        Reading = g["Reading"]

        # 16 lists x 100 k dicts
        for j in range(16):
            g[f"records_{j:02d}"] = [
                {
                    "id": j * 100_000 + i,
                    "name": f"item-{j}-{i}",
                    "score": rnd.random() * 100.0,
                    "ok": i % 3 == 0,
                    "tag": words[i % 8],
                }
                for i in range(100_000)
            ]
        # 4 lists x 250 k tuples
        for j in range(4):
            g[f"pairs_{j}"] = [(i, rnd.random(), f"p{j}:{i}") for i in range(250_000)]
        # 6 lists x 500 k floats
        for j in range(6):
            g[f"floats_{j}"] = [rnd.gauss(0.0, 1.0) for _ in range(500_000)]
        # 6 lists x 250 k strings
        for j in range(6):
            g[f"strings_{j}"] = [f"{words[i % 8]}_{j}_{i:07d}" for i in range(250_000)]
        # 4 lists x 50 k instances of the session class
        for j in range(4):
            g[f"readings_{j}"] = [
                Reading(f"s{i % 64}", j * 50_000 + i, rnd.random(), words[i % 8])
                for i in range(50_000)
            ]
        g["config"] = {"lr": 1e-3, "batch": 64, "layers": [128, 64, 32], "name": "bench"}
        g["title"] = "object-heavy benchmark session"
        g["index"] = {f"k{i}": i for i in range(1000)}
        g["threshold"] = 0.75

        exec(
            "def summarize(records):\n"
            "    return sum(r['score'] for r in records) / max(len(records), 1)\n"
            "\n"
            "def normalize(xs, k=threshold):\n"
            "    m = max(xs)\n"
            "    return [x / m * k for x in xs]\n"
            "\n"
            "def make_reading(i):\n"
            "    return Reading('s0', i, 0.0, 'alpha')\n"
            "\n"
            "square = lambda x: x * x\n",
            g,
        )
    else:
        raise SystemExit(f"unknown kind {kind}")

    replace, tmp = os.replace, out + ".tmp"
    # Leave only the session's own names (and the modules it imported).
    for name in ("_child", "_parent", "_build", "HERE", "DATA", "FILES", "DROP", "os",
                 "subprocess", "sys", "time"):
        g.pop(name, None)
    dill.dump_module(tmp)
    replace(tmp, out)


def _build(kind, force):
    out = os.path.join(DATA, FILES[kind])
    if os.path.exists(out) and not force:
        print(f"{out}: exists ({os.path.getsize(out) / 1e6:.1f} MB)")
        return
    os.makedirs(DATA, exist_ok=True)
    t = time.time()
    subprocess.run([sys.executable, os.path.abspath(__file__), "--child", kind, out], check=True)
    print(f"{out}: {os.path.getsize(out) / 1e6:.1f} MB in {time.time() - t:.1f} s")


def _parent(argv):
    force = "--force" in argv
    kinds = [a for a in argv if not a.startswith("--")] or list(FILES)
    for kind in kinds:
        _build(kind, force)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        _parent(sys.argv[1:])
