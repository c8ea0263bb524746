"""Turn run.sh's measurements (hyperfine JSON + peak RSS) into bench/RESULTS.md.

    python report.py WORKDIR RESULTS.md key=value...
"""
import json
import os
import statistics
import sys

work, out = sys.argv[1], sys.argv[2]
facts = dict(a.split("=", 1) for a in sys.argv[3:])

rows = {}
order = []
with open(os.path.join(work, "rows.tsv")) as f:
    for line in f:
        rid, rss, load, runs, cmd = line.rstrip("\n").split("\t", 4)
        with open(os.path.join(work, rid + ".json")) as j:
            times = json.load(j)["results"][0]["times"]
        rows[rid] = {
            "median": statistics.median(times),
            "min": min(times),
            "max": max(times),
            "n": len(times),
            "rss": int(rss) / 1024,  # KiB -> MiB
            "load": load,
            "cmd": cmd,
        }
        order.append(rid)


def short(cmd):
    """The command with the long paths cut down for the table."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(out)))
    for long, brief in (("bench/data/work/", ""), ("bench/data/out/", "out/"), ("bench/data/", ""),
                        ("bench/.venv/bin/", ""), ("bench/", "bench/")):
        cmd = cmd.replace(os.path.join(root, long), brief)
    return cmd.replace("|", "\\|")


def secs(x):
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


LABELS = {
    "inspect_obj_brine": ("inspect", "object-heavy", "brine inspect --json", None),
    "inspect_obj_dill": ("inspect", "object-heavy", "dill.load_module_asdict", "inspect_obj_brine"),
    "inspect_obj_genops": ("inspect", "object-heavy", "pickletools.genops (walk only)", "inspect_obj_brine"),
    "inspect_pay_brine": ("inspect", "payload-heavy", "brine inspect --json", None),
    "inspect_pay_cat": ("inspect", "payload-heavy", "cat FILE > /dev/null (hot cache)", "inspect_pay_brine"),
    "inspect_pay_dill": ("inspect", "payload-heavy", "dill.load_module_asdict", "inspect_pay_brine"),
    "inspect_pay_genops": ("inspect", "payload-heavy", "pickletools.genops (walk only)", "inspect_pay_brine"),
    "filter_obj_brine": ("filter", "object-heavy", "brine filter --exclude … -o OUT", None),
    "filter_obj_python": ("filter", "object-heavy", "Python: load_module_asdict, del, dump_module", "filter_obj_brine"),
    "filter_pay_brine": ("filter", "payload-heavy", "brine filter --exclude … -o OUT", None),
    "filter_pay_cp": ("filter", "payload-heavy", "cp FILE OUT", "filter_pay_brine"),
    "filter_pay_cpsync": ("filter", "payload-heavy", "cp FILE OUT && sync OUT", "filter_pay_brine"),
    "filter_pay_python": ("filter", "payload-heavy", "Python: load_module_asdict, del, dump_module", "filter_pay_brine"),
    "scan_obj_brine": ("scan", "object-heavy", "brine scan", "inspect_obj_brine"),
    "scan_obj_picklescan": ("scan", "object-heavy", "picklescan -p FILE", "scan_obj_brine"),
    "views_first_brine": ("first values", "array: 1 GiB array", "brine tree FILE big", None),
    "views_first_python": ("first values", "array: 1 GiB array", "Python: load_module_asdict, repr(big)", "views_first_brine"),
    "views_stats_brine": ("stats", "array: 1 GiB array", "brine tree FILE big --stats", None),
    "views_stats_python": ("stats", "array: 1 GiB array", "Python: load, nanmin/nanmax/nanmean/isnan", "views_stats_brine"),
    "views_df_inspect": ("first rows", "views: 2 M-row DataFrame", "brine inspect FILE (the parse alone)", None),
    "views_df_brine": ("first rows", "views: 2 M-row DataFrame", "brine tree FILE df", "views_df_inspect"),
    "views_df_python": ("first rows", "views: 2 M-row DataFrame", "Python: load_module_asdict, df.head()", "views_df_brine"),
}


def versus(rid):
    base = LABELS[rid][3]
    if base is None or base not in rows:
        return "—"
    r, b = rows[rid], rows[base]
    t = r["median"] / b["median"]
    m = r["rss"] / b["rss"]
    who = LABELS[base][2].split(" ")[0] if not base.endswith("brine") else "brine " + LABELS[base][0]
    return f"{t:.2f}× the time, {m:.2f}× the memory of {who}"


lines = []
w = lines.append
w("# brine benchmark results")
w("")
w(f"Measured {facts['date']} by `bash bench/run.sh` on commit `{facts['commit']}`"
  + (f" (working tree had {facts['dirty']} uncommitted change(s) under src/ or Cargo.*)" if facts["dirty"] != "0" else "")
  + f", binary `{facts['brine']}` (release).")
w("")
w("## Machine")
w("")
w(f"- CPU: {facts['cpu']}, `nproc` = {facts['nproc']}, memory {facts['mem']}")
w(f"- load average (1, 5, 15 min) at start: {facts['load_start']}; at end: {facts['load_end']}")
w("  (other engineers compile and test on the same machine: numbers are noisy; medians are shown)")
import dill, numpy, pandas  # noqa: E402  (this runs in bench/.venv)
from importlib.metadata import version  # noqa: E402

w(f"- Python {sys.version.split()[0]}, dill {dill.__version__}, numpy {numpy.__version__}, "
  f"pandas {pandas.__version__}, picklescan {version('picklescan')}; {facts['hyperfine']}")
w(f"- object-heavy.pkl: {int(facts['obj_size']) / 1e6:.1f} MB; payload-heavy.pkl: {int(facts['pay_size']) / 1e6:.1f} MB; "
  f"views.pkl: {int(facts.get('views_size', 0)) / 1e6:.1f} MB; array.pkl: {int(facts.get('array_size', 0)) / 1e6:.1f} MB "
  "(built by `bench/make_data.py` with `dill.dump_module`, protocol 4)")
w("")
w("## Results")
w("")
w("Wall time: hyperfine median (min–max) over N runs, hot page cache. Peak RSS: `/usr/bin/time -f %M`, one extra run. "
  "Load: 1-minute load average just before the row.")
w("")
w("| Task | Session | Tool | Median s | Min–max s | N | Peak RSS MiB | Compared with | Load |")
w("|---|---|---|---:|---:|---:|---:|---|---:|")
for rid in order:
    task, sess, tool, _ = LABELS[rid]
    r = rows[rid]
    w(f"| {task} | {sess} | {tool} | {secs(r['median'])} | {secs(r['min'])}–{secs(r['max'])} | {r['n']} | "
      f"{r['rss']:.0f} | {versus(rid)} | {r['load']} |")
w("")


def ratio(a, b, key="median"):
    return rows[a][key] / rows[b][key]


w("## Goals")
w("")
w("| Goal (issue) | Measured | Met? |")
w("|---|---|---|")
goals = []
if "inspect_obj_dill" in rows:
    s = ratio("inspect_obj_dill", "inspect_obj_brine")
    goals.append(("inspect object-heavy ≥ 15× faster than load_module_asdict (2)", f"{s:.1f}× faster", s >= 15))
    m = ratio("inspect_obj_brine", "inspect_obj_dill", "rss")
    goals.append(("inspect object-heavy peak RSS ≤ ½ of load_module_asdict (2)",
                  f"{rows['inspect_obj_brine']['rss']:.0f} vs {rows['inspect_obj_dill']['rss']:.0f} MiB = {m:.2f}×", m <= 0.5))
if "inspect_pay_cat" in rows:
    c = ratio("inspect_pay_brine", "inspect_pay_cat")
    goals.append(("inspect payload-heavy within 2× of `cat` (2)", f"{c:.2f}× cat's time", c <= 2))
if "filter_obj_python" in rows:
    s = ratio("filter_obj_python", "filter_obj_brine")
    goals.append(("filter object-heavy ≥ 50× faster than the Python way (3)", f"{s:.1f}× faster", s >= 50))
if "filter_pay_cp" in rows:
    c = ratio("filter_pay_brine", "filter_pay_cp")
    goals.append(("filter payload-heavy within 2× of `cp` (3)", f"{c:.2f}× cp's time", c <= 2))
if "filter_pay_cpsync" in rows:
    c = ratio("filter_pay_brine", "filter_pay_cpsync")
    goals.append(("(for reference) filter payload-heavy vs `cp` + fsync, as brine syncs its output",
                  f"{c:.2f}× cp+sync's time", None))
if "scan_obj_brine" in rows:
    c = ratio("scan_obj_brine", "inspect_obj_brine")
    goals.append(("scan object-heavy about the time of inspect (6)", f"{c:.2f}× inspect's time", 0.5 <= c <= 1.5))
if "scan_obj_picklescan" in rows:
    s = ratio("scan_obj_picklescan", "scan_obj_brine")
    goals.append(("(for reference) picklescan vs brine scan on object-heavy", f"brine scan {s:.1f}× faster", None))
if "views_first_brine" in rows:
    t = rows["views_first_brine"]["median"] * 1000
    goals.append(("first values of a 1 GiB array in under 50 ms, whole process (14)", f"{t:.0f} ms", t < 50))
if "views_df_brine" in rows:
    t = rows["views_df_brine"]["median"] * 1000
    goals.append(("first rows of a DataFrame in under 50 ms, whole process (14)", f"{t:.0f} ms", t < 50))
    if "views_df_inspect" in rows:
        v = t - rows["views_df_inspect"]["median"] * 1000
        goals.append(("(for reference) the same rows after the parse: tree − inspect medians", f"{v:+.0f} ms", None))
if "views_stats_brine" in rows:
    gbs = 2**30 / 1e9 / rows["views_stats_brine"]["median"]
    goals.append(("streaming stats over a 1 GiB array at ≥ 1 GB/s hot, whole process (14)", f"{gbs:.2f} GB/s", gbs >= 1))
for g, v, ok in goals:
    w(f"| {g} | {v} | {'—' if ok is None else ('yes' if ok else '**no**')} |")
w("")
w("## Output checks")
w("")
w(f"Dropped from object-heavy: `{facts['drop_obj']}`; from payload-heavy: `{facts['drop_pay']}` "
  "(~10 % of each session's own names). Every filtered file is loaded back with real dill (`bench/py_check.py`):")
w("")
w("```")
with open(os.path.join(work, "checks.txt")) as f:
    w(f.read().replace(os.path.dirname(os.path.dirname(os.path.abspath(out))) + "/", "").rstrip())
w("```")
w("")
for name, label, sess in (("scan_brine.txt", "brine scan", "object-heavy.pkl"),
                          ("scan_picklescan.txt", "picklescan -p", "object-heavy.pkl"),
                          ("views_brine.txt", "brine tree FILE big --stats", "array.pkl"),
                          ("views_python.txt", "Python's repr and stats", "array.pkl")):
    if not os.path.exists(os.path.join(work, name)):
        continue
    w(f"`{label}` on {sess} said:")
    w("")
    w("```")
    with open(os.path.join(work, name)) as f:
        text = f.read().replace(os.path.dirname(os.path.dirname(os.path.abspath(out))) + "/", "").rstrip()
    w("\n".join(text.splitlines()[:20]))
    w("```")
    w("")
w("## Exact commands")
w("")
w("Paths shortened: the binary is a copy of target/release/brine in bench/data/work/; python and picklescan are bench/.venv's; "
  "FILE paths are bench/data/…; `out/` is bench/data/out/. Filter rows remove their output before every run (hyperfine `--prepare`).")
w("")
w("| Row | Command |")
w("|---|---|")
for rid in order:
    w(f"| {rid} | `{short(rows[rid]['cmd'])}` |")
w("")
with open(out, "w") as f:
    f.write("\n".join(lines))
