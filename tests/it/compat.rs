//! Real dill loads what brine writes: for every fixture real dill can load here,
//! several filter and extract edits are loaded in a fresh interpreter and compared
//! with the original minus the dropped names (tests/compat/check.py does the loading).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use brine::session::{Format, Session};
use serde_json::{Value, json};

use super::{fixtures, py};

struct Item {
    original: PathBuf,
    edited: PathBuf,
    dropped: Vec<String>,
    what: String,
}

/// The edits made on one session: each user name alone, every third name kept, the first half dropped.
fn edits(s: &Session) -> Vec<(String, Vec<String>)> {
    let users: Vec<String> = s
        .entries
        .iter()
        .map(|e| e.name.clone())
        .filter(|n| !n.starts_with("__"))
        .collect();
    let mut out: Vec<(String, Vec<String>)> = users
        .iter()
        .map(|n| (format!("-{n}"), vec![n.clone()]))
        .collect();
    let keep: Vec<String> = users.iter().step_by(3).cloned().collect();
    let drop_rest: Vec<String> = users
        .iter()
        .filter(|n| !keep.contains(n))
        .cloned()
        .collect();
    out.push((format!("extract {keep:?}"), drop_rest));
    out.push(("-first half".into(), users[..users.len() / 2].to_vec()));
    out
}

/// Runs check.py with `py` over the items; returns (checked, skipped, problems).
fn run_checker(py: &str, items: &[Item]) -> (usize, usize, Vec<String>) {
    let manifest: Vec<Value> = items
        .iter()
        .map(|i| json!({"original": i.original, "edited": i.edited, "dropped": i.dropped}))
        .collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/check.py");
    let mut child = Command::new(py)
        .arg(&script)
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&manifest).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{py} check.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("check.py output");
    let mut problems = Vec::new();
    let mut skipped = 0;
    for (r, i) in results.iter().zip(items) {
        if r["skip"].as_bool().unwrap_or(false) {
            skipped += 1;
        } else if !r["ok"].as_bool().unwrap_or(false) {
            let name = i.original.file_name().unwrap().to_string_lossy();
            problems.push(format!("{name} [{}]: {}", i.what, r["problems"]));
        }
    }
    (items.len() - skipped, skipped, problems)
}

#[test]
fn real_dill_loads_every_filtered_and_extracted_fixture() {
    let ci_python = py::python_with_dill();
    let ci_minor = ci_python.as_deref().and_then(py::minor_version);
    let dir = tempfile::tempdir().unwrap();
    let mut by_python: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut n = 0;
    for (pkl, exp) in fixtures::all() {
        let complete = exp["complete"].as_bool().unwrap_or(true);
        if !complete || !exp["reload_ok"].as_bool().unwrap_or(false) {
            continue;
        }
        let tag = exp["tag"].as_str().unwrap_or_default();
        // The fixture's own interpreter when this machine has it; else the CI one, for files it can load.
        let py = match py::fixture_env(tag) {
            Some(p) => p.to_string_lossy().to_string(),
            None => {
                let same_minor = ci_minor.as_deref() == exp["python_minor"].as_str();
                let no_code = !exp["code_in_file"].as_bool().unwrap_or(true);
                match &ci_python {
                    Some(p) if same_minor || no_code => p.clone(),
                    _ => continue,
                }
            }
        };
        let s = Session::open(&pkl).unwrap();
        if s.format != Format::DillModule {
            continue;
        }
        for (what, dropped) in edits(&s) {
            let names: Vec<&str> = dropped.iter().map(String::as_str).collect();
            let edited = s
                .dump_without(&names)
                .unwrap_or_else(|e| panic!("{}: {what}: {e}", pkl.display()));
            n += 1;
            let out = dir.path().join(format!("{n}.pkl"));
            std::fs::write(&out, edited.to_vec().unwrap()).unwrap();
            by_python.entry(py.clone()).or_default().push(Item {
                original: pkl.clone(),
                edited: out,
                dropped,
                what,
            });
        }
    }
    if by_python.is_empty() {
        return; // no Python here, and not under CI (py::python_with_dill said so)
    }
    let mut checked = 0;
    let mut skipped = 0;
    let mut problems = Vec::new();
    for (py, items) in &by_python {
        let (c, s, p) = run_checker(py, items);
        println!(
            "{py}: {c} edits loaded and compared, {s} skipped (original does not load), {} problems",
            p.len()
        );
        checked += c;
        skipped += s;
        problems.extend(p);
    }
    println!(
        "compat: {checked} edited files loaded by real dill, {skipped} skipped, {} problems",
        problems.len()
    );
    assert!(checked > 0, "nothing was checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Cut points through a file: every `step` bytes.
fn cuts(len: usize, step: usize) -> impl Iterator<Item = usize> {
    (step..len).step_by(step)
}

#[test]
fn salvaged_cuts_load_in_real_dill_with_exactly_the_names_brine_lists() {
    let ci_python = py::python_with_dill();
    let ci_minor = ci_python.as_deref().and_then(py::minor_version);
    let dir = tempfile::tempdir().unwrap();
    let mut by_python: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut n = 0;
    let mut nothing_readable = 0;
    for (pkl, exp) in fixtures::all() {
        let file = pkl.file_name().unwrap().to_string_lossy().to_string();
        let picked = [
            "basic--",
            "code--",
            "graphs--",
            "stdlib--",
            "datasci--",
            "refimported--",
        ]
        .iter()
        .any(|p| file.starts_with(p));
        if !picked
            || !exp["reload_ok"].as_bool().unwrap_or(false)
            || !exp["complete"].as_bool().unwrap_or(true)
        {
            continue;
        }
        let tag = exp["tag"].as_str().unwrap_or_default();
        let py = match py::fixture_env(tag) {
            Some(p) => p.to_string_lossy().to_string(),
            None => match &ci_python {
                Some(p) if ci_minor.as_deref() == exp["python_minor"].as_str() => p.clone(),
                _ => continue,
            },
        };
        let data = std::fs::read(&pkl).unwrap();
        let whole = Session::from_bytes(data.clone());
        let all: Vec<String> = whole.entries.iter().map(|e| e.name.clone()).collect();
        for end in cuts(data.len(), 300) {
            let cut = Session::from_bytes(data[..end].to_vec());
            if cut.entries.is_empty() {
                nothing_readable += 1;
                continue;
            }
            let listed: Vec<String> = cut.entries.iter().map(|e| e.name.clone()).collect();
            let edited = cut
                .salvage()
                .unwrap_or_else(|e| panic!("{file} cut at {end}: {e}"));
            n += 1;
            let out = dir.path().join(format!("s{n}.pkl"));
            std::fs::write(&out, edited.to_vec().unwrap()).unwrap();
            // The salvaged file is the whole file minus the names after the cut.
            let dropped: Vec<String> = all
                .iter()
                .filter(|x| !listed.contains(x))
                .cloned()
                .collect();
            by_python.entry(py.clone()).or_default().push(Item {
                original: pkl.clone(),
                edited: out,
                dropped,
                what: format!("salvage of a cut at byte {end}"),
            });
        }
    }
    if by_python.is_empty() {
        return;
    }
    let mut checked = 0;
    let mut problems = Vec::new();
    for (py, items) in &by_python {
        let (c, _, p) = run_checker(py, items);
        checked += c;
        problems.extend(p);
    }
    println!(
        "salvage: {checked} cuts salvaged and loaded by real dill ({nothing_readable} cuts had nothing readable), {} problems",
        problems.len()
    );
    assert!(checked > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn real_failed_dumps_salvage_to_the_names_python_wrote_before_failing() {
    let ci = py::python_with_dill();
    let minor = ci.as_deref().and_then(py::minor_version);
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (pkl, exp) in fixtures::all() {
        let file = pkl.file_name().unwrap().to_string_lossy().to_string();
        if !file.starts_with("failed_dump--") || exp["py2"].as_bool().unwrap_or(false) {
            continue;
        }
        let want: Vec<&str> = exp["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        let s = Session::open(&pkl).unwrap();
        let got: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(got, want, "{file}: names listed");
        if want.is_empty() {
            continue;
        }
        let out = dir.path().join(&file);
        std::fs::write(&out, s.salvage().unwrap().to_vec().unwrap()).unwrap();
        let tag = exp["tag"].as_str().unwrap_or_default();
        let python = match (py::fixture_env(tag), &ci) {
            (Some(p), _) => p.to_string_lossy().to_string(),
            (None, Some(py)) if minor.as_deref() == exp["python_minor"].as_str() => py.clone(),
            _ => continue,
        };
        let code = "import dill, sys\nd = dill.load_module_asdict(sys.argv[1]) if hasattr(dill, 'load_module_asdict') else None\nif d is None:\n    import __main__; dill.load_session(sys.argv[1]); d = vars(__main__)\nprint('\\n'.join(k for k in d if k not in ('__builtins__', '__loader__', '__session__')))";
        let o = Command::new(&python)
            .args(["-c", code])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let loaded: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(String::from)
            .collect();
        for w in &want {
            assert!(
                loaded.iter().any(|l| l == w),
                "{file}: '{w}' missing after load: {loaded:?}"
            );
        }
        checked += 1;
    }
    println!("failed dumps: {checked} salvaged and loaded");
    if ci.is_some() {
        assert!(checked > 0, "no failed dump was checked");
    }
}
