#!/usr/bin/env bash
# brine benchmark suite: inspect, filter and scan against the Python ways.
#
#   bash bench/run.sh
#
# Builds the release binary and, if missing, the venv (bench/.venv) and the
# two sessions (bench/data/). Writes bench/RESULTS.md. See bench/README.md.
#
# Environment: BRINE=path skips the cargo build and uses that binary;
# PYTHON=path is the interpreter the venv is made from; FAST_RUNS (default 10)
# MID_RUNS (default 5, brine rows over ~10 s) and SLOW_RUNS (default 3, the
# Python rows) are hyperfine's run counts.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
BENCH=$ROOT/bench
DATA=$BENCH/data
OUTDIR=$DATA/out
WORK=$DATA/work
RESULTS=$BENCH/RESULTS.md
BASE_PY=${PYTHON:-/root/.pyenv/versions/3.11.7/bin/python}
FAST_RUNS=${FAST_RUNS:-10}
SLOW_RUNS=${SLOW_RUNS:-3}
MID_RUNS=${MID_RUNS:-5}
PY=$BENCH/.venv/bin/python

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
need() { command -v "$1" >/dev/null || { echo "bench: $1 is missing (${2:-})" >&2; exit 1; }; }
need hyperfine "apt-get install -y hyperfine"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 1; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the venv ---------------------------------------------------------------
if [ ! -x "$PY" ] || ! "$PY" -c 'import dill, numpy, pandas, picklescan' 2>/dev/null; then
    log "creating bench/.venv from $BASE_PY"
    "$BASE_PY" -m venv "$BENCH/.venv"
    "$PY" -m pip install -q -r "$BENCH/requirements.txt"
fi

# --- the binary -------------------------------------------------------------
mkdir -p "$DATA" "$OUTDIR" "$WORK"
if [ -z "${BRINE:-}" ]; then
    for attempt in 1 2 3 4 5; do
        log "cargo build --release (attempt $attempt)"
        if cargo build --release --quiet --bin brine; then break; fi
        [ "$attempt" = 5 ] && { echo "bench: cargo build --release keeps failing" >&2; exit 1; }
        sleep 60
    done
    BRINE_SRC=$ROOT/target/release/brine
else
    BRINE_SRC=$BRINE
fi
# A private copy: others rebuilding target/release mid-run must not swap it.
cp "$BRINE_SRC" "$WORK/brine"
B=$WORK/brine
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | wc -l)

# --- the data ---------------------------------------------------------------
log "building the sessions if missing"
"$PY" "$BENCH/make_data.py"
OBJ=$DATA/object-heavy.pkl
PAY=$DATA/payload-heavy.pkl
VIEWS=$DATA/views.pkl
ARRAY=$DATA/array.pkl
read -r -a DROP_OBJ <<<"$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import make_data as m; print(*m.DROP["objects"])' "$BENCH")"
read -r -a DROP_PAY <<<"$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import make_data as m; print(*m.DROP["payload"])' "$BENCH")"

# --- measuring ----------------------------------------------------------------
# measure ID RUNS WARMUP 'command' ['prepare']: hyperfine wall times + one peak RSS.
ROWS=$WORK/rows.tsv
: >"$ROWS"
measure() {
    local id=$1 runs=$2 warmup=$3 cmd=$4 prepare=${5:-}
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    log "$id: $cmd"
    local args=(--style basic --warmup "$warmup" --runs "$runs" --export-json "$WORK/$id.json")
    [ -n "$prepare" ] && args+=(--prepare "$prepare")
    hyperfine "${args[@]}" "$cmd" >&2
    [ -n "$prepare" ] && bash -c "$prepare"
    /usr/bin/time -f %M -o "$WORK/$id.rss" bash -c "$cmd" >/dev/null 2>"$WORK/$id.stderr" \
        || { echo "bench: $id failed: $(cat "$WORK/$id.stderr")" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$(tail -n1 "$WORK/$id.rss")" "$load" "$runs" "$cmd" >>"$ROWS"
}

DROP_OBJ_S=${DROP_OBJ[*]}
DROP_PAY_S=${DROP_PAY[*]}
# brine's -e/--exclude takes one pattern each time it is given.
EX_OBJ=$(printf -- '--exclude %s ' "${DROP_OBJ[@]}")
EX_PAY=$(printf -- '--exclude %s ' "${DROP_PAY[@]}")
OUT_B_OBJ=$OUTDIR/brine-object.pkl
OUT_P_OBJ=$OUTDIR/python-object.pkl
OUT_B_PAY=$OUTDIR/brine-payload.pkl
OUT_P_PAY=$OUTDIR/python-payload.pkl
OUT_CP=$OUTDIR/cp-payload.pkl

# Warm the page cache: every row below reads hot files.
cat "$OBJ" "$PAY" "$VIEWS" "$ARRAY" >/dev/null

# inspect (issue 2)
measure inspect_obj_brine "$FAST_RUNS" 1 "$B inspect --json $OBJ > /dev/null"
measure inspect_obj_dill "$SLOW_RUNS" 1 "$PY -c \"import dill; dill.load_module_asdict('$OBJ')\""
measure inspect_obj_genops "$SLOW_RUNS" 0 "$PY -c \"import pickletools; [None for _ in pickletools.genops(open('$OBJ','rb'))]\""
measure inspect_pay_brine "$FAST_RUNS" 1 "$B inspect --json $PAY > /dev/null"
measure inspect_pay_cat "$FAST_RUNS" 1 "cat $PAY > /dev/null"
measure inspect_pay_dill "$SLOW_RUNS" 1 "$PY -c \"import dill; dill.load_module_asdict('$PAY')\""
measure inspect_pay_genops "$SLOW_RUNS" 1 "$PY -c \"import pickletools; [None for _ in pickletools.genops(open('$PAY','rb'))]\""

# filter (issue 3); outputs are removed before each run
measure filter_obj_brine "$MID_RUNS" 1 "$B filter $OBJ $EX_OBJ-o $OUT_B_OBJ > /dev/null" "rm -f $OUT_B_OBJ"
measure filter_obj_python "$SLOW_RUNS" 0 "$PY $BENCH/py_filter.py $OBJ $OUT_P_OBJ $DROP_OBJ_S" "rm -f $OUT_P_OBJ"
measure filter_pay_brine "$FAST_RUNS" 1 "$B filter $PAY $EX_PAY-o $OUT_B_PAY > /dev/null" "rm -f $OUT_B_PAY"
measure filter_pay_cp "$FAST_RUNS" 1 "cp $PAY $OUT_CP" "rm -f $OUT_CP"
# brine fsyncs what it writes before renaming it into place; cp does not.
measure filter_pay_cpsync "$FAST_RUNS" 1 "cp $PAY $OUT_CP && sync $OUT_CP" "rm -f $OUT_CP"
measure filter_pay_python "$SLOW_RUNS" 1 "$PY $BENCH/py_filter.py $PAY $OUT_P_PAY $DROP_PAY_S" "rm -f $OUT_P_PAY"

# scan (issue 6)
measure scan_obj_brine "$FAST_RUNS" 1 "$B scan $OBJ > /dev/null"
measure scan_obj_picklescan "$SLOW_RUNS" 0 "$BENCH/.venv/bin/picklescan -p $OBJ > /dev/null"

# value views (issue 14): each brine row is a whole process (start, parse, the
# view); the Python way loads the session, then asks numpy/pandas. array.pkl
# holds only the 1 GiB array; views.pkl's DataFrame has a 2 M-string column,
# which a parse must walk, so its row includes that.
measure views_first_brine "$FAST_RUNS" 1 "$B tree $ARRAY big > /dev/null"
measure views_first_python "$SLOW_RUNS" 1 "$PY -c \"import dill; d = dill.load_module_asdict('$ARRAY'); repr(d['big'])\""
measure views_stats_brine "$FAST_RUNS" 1 "$B tree $ARRAY big --stats > /dev/null"
measure views_stats_python "$SLOW_RUNS" 1 "$PY -c \"import dill, numpy as np; a = dill.load_module_asdict('$ARRAY')['big']; np.nanmin(a), np.nanmax(a), np.nanmean(a), int(np.isnan(a).sum())\""
measure views_df_inspect "$FAST_RUNS" 1 "$B inspect $VIEWS > /dev/null"
measure views_df_brine "$FAST_RUNS" 1 "$B tree $VIEWS df > /dev/null"
measure views_df_python "$SLOW_RUNS" 1 "$PY -c \"import dill; repr(dill.load_module_asdict('$VIEWS')['df'].head())\""

# --- checking the outputs -------------------------------------------------------
log "checking that every filtered file loads with dill and lacks the dropped names"
CHECKS=$WORK/checks.txt
: >"$CHECKS"
for f in "$OUT_B_OBJ" "$OUT_P_OBJ"; do "$PY" "$BENCH/py_check.py" "$f" "${DROP_OBJ[@]}" >>"$CHECKS" 2>&1 || echo "FAILED: $f" >>"$CHECKS"; done
for f in "$OUT_B_PAY" "$OUT_P_PAY"; do "$PY" "$BENCH/py_check.py" "$f" "${DROP_PAY[@]}" >>"$CHECKS" 2>&1 || echo "FAILED: $f" >>"$CHECKS"; done
"$B" scan "$OBJ" >"$WORK/scan_brine.txt" 2>&1 || true
"$B" tree "$ARRAY" big --stats >"$WORK/views_brine.txt" 2>&1 || true
"$PY" -c "import dill, numpy as np; a = dill.load_module_asdict('$ARRAY')['big']; print(repr(a)); print('min', np.nanmin(a), 'max', np.nanmax(a), 'mean', np.nanmean(a), 'nan', int(np.isnan(a).sum()))" >"$WORK/views_python.txt" 2>&1 || true
"$BENCH/.venv/bin/picklescan" -p "$OBJ" >"$WORK/scan_picklescan.txt" 2>&1 || true

LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report -------------------------------------------------------------------
"$PY" "$BENCH/report.py" "$WORK" "$RESULTS" \
    "nproc=$(nproc)" "load_start=$LOAD_START" "load_end=$LOAD_END" \
    "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
    "mem=$(free -g | awk '/^Mem:/ {print $2}') GiB" \
    "commit=$COMMIT" "dirty=$DIRTY" "brine=$BRINE_SRC" \
    "obj=$OBJ" "obj_size=$(stat -c %s "$OBJ")" "pay=$PAY" "pay_size=$(stat -c %s "$PAY")" \
    "views_size=$(stat -c %s "$VIEWS")" "array_size=$(stat -c %s "$ARRAY")" \
    "drop_obj=$DROP_OBJ_S" "drop_pay=$DROP_PAY_S" \
    "hyperfine=$(hyperfine --version)" "date=$(date -u +%Y-%m-%dT%H:%MZ)"
log "wrote $RESULTS"
cat "$RESULTS"
