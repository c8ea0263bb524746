"""export_check.py: reads what `brine export` wrote back with real numpy/pandas/json and
compares it with the original value loaded by real dill from the session.
stdin: JSON list of {"session", "name", "file", "format"}; stdout: one JSON object
{"checked": N, "problems": [...]}. Used by tests/it/export.rs; never writes files.
"""
import datetime
import decimal
import json
import sys

import dill
import numpy as np
import pandas as pd
import pyarrow  # noqa: F401  (pd.read_parquet's engine: a missing one is a failure, not a skip)


def plain(v):
    """The JSON form brine promises for plain data."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    return v


items = json.load(sys.stdin)
sessions = {}
problems = []
for it in items:
    path = it["session"]
    if path not in sessions:
        sessions[path] = dill.load_module_asdict(path)
    orig = sessions[path][it["name"]]
    what = "%s %s (%s)" % (path.rsplit("/", 1)[-1], it["name"], it["format"])
    try:
        if it["format"] == "npy":
            got = np.load(it["file"], allow_pickle=False)
            kind = orig.dtype.kind
            if kind in "Mm":  # NaT never equals itself: compare the stored counts
                got_v, orig_v = got.view("i8"), orig.view("i8")
            else:
                got_v, orig_v = got, orig
            same = got.dtype == orig.dtype and got.shape == orig.shape and np.array_equal(
                got_v, orig_v, equal_nan=kind in "fc")
            if not same:
                problems.append("%s: %r %s != %r %s" % (what, got.dtype, got.shape, orig.dtype, orig.shape))
        elif it["format"] == "parquet":
            got = pd.read_parquet(it["file"])
            if isinstance(orig, pd.Series):
                got = got.iloc[:, 0]
                got.name = orig.name
                ok = got.equals(orig) and got.dtype == orig.dtype
            else:
                ok = (got.equals(orig) and list(got.columns) == list(orig.columns)
                      and all(got[c].dtype == orig[c].dtype for c in orig.columns))
            ok = ok and type(got.index) is type(orig.index) and got.index.name == orig.index.name
            if not ok:
                problems.append("%s: read back as\n%s\n%s\nnot\n%s\n%s" % (
                    what, got.head(), getattr(got, "dtypes", got.dtype),
                    orig.head(), getattr(orig, "dtypes", orig.dtype)))
        elif it["format"] == "csv" and it.get("typed"):
            # pandas' extension types: read back with the original dtypes, as a user who
            # knows them would. CSV cannot tell an empty string from a missing one (pandas'
            # own to_csv writes both as an empty field), so '' is missing on both sides.
            frame = orig.to_frame() if isinstance(orig, pd.Series) else orig
            dtypes = {str(c): frame[c].dtype for c in frame.columns}
            got = pd.read_csv(it["file"], index_col=0, dtype=dtypes, float_precision="round_trip")
            want = frame.copy()
            for c in want.columns:
                if str(want[c].dtype) == "string":
                    want[c] = want[c].replace("", pd.NA)
            got.columns = want.columns
            if isinstance(orig.index, pd.CategoricalIndex):
                got.index = got.index.astype(orig.index.dtype)
            ok = got.equals(want) and all(got[c].dtype == want[c].dtype for c in want.columns)
            if not ok:
                problems.append("%s: read back as\n%s\n%s\nnot\n%s\n%s" % (
                    what, got.head(), got.dtypes.to_dict(), want.head(), want.dtypes.to_dict()))
        elif it["format"] == "csv":
            frame = orig.to_frame() if isinstance(orig, pd.Series) else orig
            dates = [c for c in frame.columns if str(frame[c].dtype).startswith("datetime64")]
            got = pd.read_csv(it["file"], index_col=0, parse_dates=dates or False,
                              float_precision="round_trip")
            if isinstance(orig, pd.Series):
                got = got.iloc[:, 0]
                got.name = orig.name
                ok = got.equals(orig)
            else:
                for c in dates:
                    got[c] = got[c].astype(frame[c].dtype)
                ok = got.equals(orig) and list(got.columns) == [str(c) for c in orig.columns]
            if not ok:
                problems.append("%s: read back as\n%s\nnot\n%s" % (what, got.head(), orig.head()))
        else:
            with open(it["file"]) as f:
                got = json.load(f)
            if got != plain(orig):
                problems.append("%s: %r != %r" % (what, got, plain(orig)))
    except Exception as e:  # one line per failure, the rest still checked
        problems.append("%s: %s: %s" % (what, type(e).__name__, e))
print(json.dumps({"checked": len(items), "problems": problems}))
