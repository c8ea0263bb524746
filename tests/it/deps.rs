//! Dependency-aware editing against real dill's account of each fixture: brine's
//! "globals used" equals what Python's own disassembler finds (every fixture with
//! functions), extract warns with the exact names a kept function loses, and
//! `--with-deps` keeps the whole closure over several hops.

use std::collections::BTreeSet;
use std::process::Command;

use brine::session::Session;
use serde_json::Value;

use super::fixtures;

/// The namespace names of a fixture entry's recorded globals (Python's `dis`).
fn recorded_globals(exp: &Value) -> Vec<(String, Vec<String>)> {
    exp["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let g = e["globals"].as_array()?;
            Some((
                e["name"].as_str()?.to_string(),
                g.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
            ))
        })
        .collect()
}

#[test]
fn globals_used_are_what_pythons_disassembler_finds() {
    let mut functions = 0;
    let mut problems = Vec::new();
    for (pkl, exp) in fixtures::all() {
        let recorded = recorded_globals(&exp);
        if recorded.is_empty() {
            continue;
        }
        let file = pkl.file_name().unwrap().to_string_lossy().to_string();
        let s = Session::open(&pkl).unwrap();
        let d = s.describer();
        for (name, want) in recorded {
            let Some(v) = s.entry(&name).and_then(|e| e.value) else {
                continue;
            };
            // A function dill stored by reference (`getattr(module, name)`, a global) has no
            // code in the file.
            let by_ref = matches!(
                s.program.node(v).kind,
                brine::pickle::NodeKind::Global | brine::pickle::NodeKind::StackGlobal
            ) || d
                .called(v)
                .is_some_and(|q| q.is("builtins", "getattr") || q.is("__builtin__", "getattr"));
            if by_ref {
                continue;
            }
            functions += 1;
            match d.function_globals(v) {
                Some(g) if g.exact && g.names == want => {}
                got => problems.push(format!("{file}: {name}: got {got:?}, Python says {want:?}")),
            }
        }
    }
    println!(
        "globals: {functions} functions checked against dis, {} problems",
        problems.len()
    );
    assert!(
        functions > 50,
        "only {functions} functions with recorded globals"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The closure of `name` by Python's recorded globals alone (names in the namespace).
fn oracle_closure(exp: &Value, name: &str) -> BTreeSet<String> {
    let globals = recorded_globals(exp);
    let names: BTreeSet<String> = exp["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str().map(String::from))
        .collect();
    let mut out = BTreeSet::new();
    let mut todo = vec![name.to_string()];
    while let Some(n) = todo.pop() {
        for (f, g) in &globals {
            if *f == n {
                for x in g {
                    if names.contains(x) && *x != name && out.insert(x.clone()) {
                        todo.push(x.clone());
                    }
                }
            }
        }
    }
    out
}

fn deps_fixtures() -> Vec<(std::path::PathBuf, Value)> {
    let all: Vec<_> = fixtures::all()
        .into_iter()
        .filter(|(p, _)| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("deps--")
        })
        .collect();
    assert!(
        all.len() >= 10,
        "deps fixtures missing: run tests/fixtures/gen_all.sh"
    );
    all
}

#[test]
fn extract_warns_with_the_exact_names_a_kept_function_loses() {
    for (pkl, exp) in deps_fixtures() {
        let file = pkl.file_name().unwrap().to_string_lossy().to_string();
        let s = Session::open(&pkl).unwrap();
        let plan = s.dump_only(&["lr_schedule"]).unwrap().plan;
        // lr_schedule's globals are round, helper, floor: the namespace holds helper and floor.
        let direct: BTreeSet<String> = recorded_globals(&exp)
            .into_iter()
            .find(|(n, _)| n == "lr_schedule")
            .unwrap()
            .1
            .into_iter()
            .filter(|g| s.entry(g).is_some())
            .collect();
        assert_eq!(
            direct,
            ["floor", "helper"].map(String::from).into(),
            "{file}"
        );
        let missing: Vec<&(String, Vec<String>)> = plan.missing.iter().collect();
        assert_eq!(missing.len(), 1, "{file}: {missing:?}");
        let got: BTreeSet<String> = missing[0].1.iter().cloned().collect();
        assert_eq!(got, direct, "{file}");
        let order: Vec<&str> = s.entries.iter().map(|e| e.name.as_str()).collect();
        let mut want: Vec<&str> = direct.iter().map(String::as_str).collect();
        want.sort_by_key(|n| order.iter().position(|x| x == n));
        assert_eq!(
            plan.warnings(),
            vec![format!(
                "lr_schedule uses {}, which this edit drops",
                want.join(", ")
            )],
            "{file}"
        );
        // Keeping everything: nothing to warn about.
        assert!(
            s.dump_without(&["unrelated"])
                .unwrap()
                .plan
                .missing
                .is_empty(),
            "{file}"
        );
    }
}

#[test]
fn with_deps_keeps_the_closure_over_several_hops() {
    for (pkl, exp) in deps_fixtures() {
        let file = pkl.file_name().unwrap().to_string_lossy().to_string();
        let s = Session::open(&pkl).unwrap();
        // lr_schedule → helper → base_rate → config, math: three hops.
        let want = oracle_closure(&exp, "lr_schedule");
        for n in ["helper", "base_rate", "config", "math", "SCALE", "floor"] {
            assert!(
                want.contains(n),
                "{file}: the oracle closure lacks {n}: {want:?}"
            );
        }
        let edited = s.dump_only_with_deps(&["lr_schedule"]).unwrap();
        let got: BTreeSet<String> = edited.plan.kept_for_deps.iter().cloned().collect();
        assert_eq!(got, want, "{file}");
        assert!(
            edited.plan.missing.is_empty(),
            "{file}: {:?}",
            edited.plan.missing
        );
        let out = Session::from_bytes(edited.to_vec().unwrap());
        for n in &want {
            assert!(out.entry(n).is_some(), "{file}: {n} not in the output");
        }
        assert!(out.entry("unrelated").is_none(), "{file}");
        // A method of a kept instance's class uses SCALE: scaler → Scaler → SCALE.
        let kept = s.needed_by(&["use_scaler"]);
        for n in ["scaler", "Scaler", "SCALE", "table"] {
            assert!(
                kept.iter().any(|k| k == n),
                "{file}: use_scaler needs {n}: {kept:?}"
            );
        }
        // A closure's inner function, a comprehension, a lambda.
        assert!(
            s.needed_by(&["add3"]).contains(&"SCALE".to_string()),
            "{file}"
        );
        let sq = s.needed_by(&["squares"]);
        assert!(
            sq.contains(&"table".into()) && sq.contains(&"SCALE".into()),
            "{file}: {sq:?}"
        );
        assert!(
            s.needed_by(&["root"]).contains(&"math".to_string()),
            "{file}"
        );
        // filter --with-deps: dropping helper's needs while keeping helper keeps them.
        let drop = s.drop_keeping_deps(&["config", "math", "unrelated"]);
        assert_eq!(drop, vec!["unrelated".to_string()], "{file}");
    }
}

#[test]
fn the_cli_warns_and_json_lists_the_dependencies() {
    let (pkl, _) = deps_fixtures()
        .into_iter()
        .find(|(p, _)| p.to_string_lossy().contains("dill041-py311--p4"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ex.pkl");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_brine"))
            .arg("extract")
            .arg(&pkl)
            .arg("lr_schedule")
            .arg("-o")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let o = run(&[]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("brine: warning: lr_schedule uses floor, helper, which this edit drops"),
        "{err}"
    );
    std::fs::remove_file(&out).unwrap();
    let o = run(&["--with-deps", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("warning"));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["missing"], serde_json::json!([]));
    assert_eq!(v["warnings"], serde_json::json!([]));
    let deps = v["dependencies"].as_array().unwrap();
    let lr = deps.iter().find(|d| d["name"] == "lr_schedule").unwrap();
    assert_eq!(lr["uses"], serde_json::json!(["floor", "helper"]));
    let kept: Vec<&str> = v["kept_for_deps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x.as_str())
        .collect();
    assert!(
        kept.contains(&"base_rate") && kept.contains(&"config"),
        "{kept:?}"
    );
    // filter: the same warning, and --with-deps keeps what kept names need.
    let o = Command::new(env!("CARGO_BIN_EXE_brine"))
        .arg("filter")
        .arg(&pkl)
        .args(["--dry-run", "--json", "-e", "config"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["warnings"],
        serde_json::json!(["base_rate uses config, which this edit drops"])
    );
    let o = Command::new(env!("CARGO_BIN_EXE_brine"))
        .arg("filter")
        .arg(&pkl)
        .args(["--dry-run", "--json", "--with-deps", "-e", "config"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["dropped"], serde_json::json!([]));
    assert_eq!(v["kept_for_deps"], serde_json::json!(["config"]));
}

/// Runs tests/compat/check.py over a manifest; returns its per-item results.
fn run_check(py: &str, manifest: &[Value]) -> Vec<Value> {
    use std::io::Write;
    use std::process::Stdio;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/check.py");
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
        .write_all(serde_json::to_string(manifest).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{py} check.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("check.py output")
}

#[test]
fn functions_called_with_arguments_after_extract_and_filter_in_real_dill() {
    let ci_python = super::py::python_with_dill();
    let ci_minor = ci_python.as_deref().and_then(super::py::minor_version);
    let dir = tempfile::tempdir().unwrap();
    let mut by_python: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    let mut n = 0;
    for (pkl, exp) in deps_fixtures() {
        if !exp["reload_ok"].as_bool().unwrap_or(false) {
            continue;
        }
        let tag = exp["tag"].as_str().unwrap_or_default();
        let py = match super::py::fixture_env(tag) {
            Some(p) => p.to_string_lossy().to_string(),
            None => match &ci_python {
                Some(p) if ci_minor.as_deref() == exp["python_minor"].as_str() => p.clone(),
                _ => continue,
            },
        };
        let s = Session::open(&pkl).unwrap();
        let calls = exp["calls"].as_array().unwrap();
        assert!(calls.len() >= 8, "{}", pkl.display());
        let mut write = |edited: brine::edit::Edited| {
            n += 1;
            let out = dir.path().join(format!("{n}.pkl"));
            std::fs::write(&out, edited.to_vec().unwrap()).unwrap();
            out
        };
        for c in calls {
            let name = c["name"].as_str().unwrap();
            let items = by_python.entry(py.clone()).or_default();
            // extract NAME: brine warns, and the call indeed fails with NameError.
            let bare = s.dump_only(&[name]).unwrap();
            assert!(!bare.plan.missing.is_empty(), "{name}: no warning");
            items.push(serde_json::json!({"edited": write(bare), "calls": [c], "broken": true, "what": format!("extract {name}")}));
            // extract --with-deps NAME, and filter --with-deps of everything else: the call works.
            let with = s.dump_only_with_deps(&[name]).unwrap();
            items.push(serde_json::json!({"edited": write(with), "calls": [c], "what": format!("extract --with-deps {name}")}));
            let others: Vec<&str> = s
                .entries
                .iter()
                .map(|e| e.name.as_str())
                .filter(|x| *x != name && !x.starts_with("__"))
                .collect();
            let filtered = s.dump_without_keeping_deps(&others).unwrap();
            assert!(
                filtered.plan.missing.is_empty(),
                "{name}: {:?}",
                filtered.plan.missing
            );
            items.push(serde_json::json!({"edited": write(filtered), "calls": [c], "what": format!("filter --with-deps all but {name}")}));
        }
    }
    if by_python.is_empty() {
        return; // no Python here, and not under CI (py::python_with_dill said so)
    }
    let mut checked = 0;
    let mut problems = Vec::new();
    for (py, items) in &by_python {
        for (r, i) in run_check(py, items).iter().zip(items) {
            checked += 1;
            if !r["ok"].as_bool().unwrap_or(false) {
                problems.push(format!("{py}: {}: {}", i["what"], r["problems"]));
            }
        }
    }
    println!(
        "deps compat: {checked} edits called in real dill, {} problems",
        problems.len()
    );
    assert!(checked > 0, "nothing was checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
