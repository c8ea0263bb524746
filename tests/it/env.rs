//! Env metadata (sidecars, what the file tells, a probed Python), `brine env`,
//! and in submodules `brine diff` and `brine restore`, against real-dill fixtures.

mod diff;
mod restore;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use brine::env::{self, Env, check};
use brine::session::Session;
use brine::store::sidecar;
use serde_json::Value;

use super::{fixtures, py};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn sidecars() -> PathBuf {
    root().join("tests/fixtures/sidecars")
}

pub fn brine(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_brine"))
        .args(args)
        .output()
        .expect("run brine")
}

pub fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "brine failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("brine printed JSON")
}

/// A Python with dill for `tag` (the fixture venv), else `python3`/`BRINE_TEST_PYTHON`
/// with dill; `None` means skip (and under CI, `py::python_with_dill` has already failed).
pub fn python_for(tag: &str) -> Option<String> {
    if let Some(p) = py::fixture_env(tag) {
        return Some(p.display().to_string());
    }
    py::python_with_dill()
}

#[test]
fn inferred_python_is_the_writers_for_every_fixture_with_code() {
    let mut checked = 0;
    let mut versions = BTreeSet::new();
    let mut wrong = Vec::new();
    for (path, exp) in fixtures::all() {
        if exp["code_in_file"].as_bool() != Some(true) || exp["complete"].as_bool() == Some(false) {
            continue;
        }
        let Some(minor) = exp["python_minor"].as_str() else {
            continue;
        };
        let s = Session::open(&path).unwrap();
        let inf = env::infer(&s);
        checked += 1;
        versions.insert(minor.to_string());
        if !inf.pythons.iter().any(|v| v == minor) {
            wrong.push(format!(
                "{}: wrote {minor}, inferred {:?}",
                path.display(),
                inf.python
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked > 50, "only {checked} fixtures with code");
    assert!(versions.len() >= 3, "only {versions:?}");
}

#[test]
fn sidecar_fields_come_back_exactly() {
    let mut n = 0;
    for e in std::fs::read_dir(sidecars()).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix("_env.expected.json") else {
            continue;
        };
        let exp: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let side = sidecar::read(&sidecars().join(format!("{stem}_env.pkl"))).unwrap();
        assert_eq!(Value::Object(side.fields.clone()), exp["sidecar"], "{name}");
        // …and a checkpoint_<n>.pkl finds its <n>_env.pkl.
        let ck = sidecars().join(format!("checkpoint_{stem}.pkl"));
        let s = Session::open(&ck).unwrap();
        let env = Env::of(&ck, &s);
        assert_eq!(env.saved.as_ref().map(|x| &x.fields), Some(&side.fields));
        n += 1;
    }
    assert!(n >= 4, "only {n} sidecars");
}

#[test]
fn env_json_has_the_contract_shape() {
    let ck = sidecars().join("checkpoint_baseline_py310.pkl");
    let v = json_of(&brine(&["env", ck.to_str().unwrap(), "--json"]));
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(sidecars().join("baseline_py310_env.expected.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["saved"], exp["sidecar"]);
    assert_eq!(v["inferred"]["python"], "3.10");
    assert_eq!(v["inferred"]["protocol"], 4);
    assert!(v["inferred"]["dill"].is_string());
    assert!(v["inferred"]["imports"].is_array());
    assert!(v["inferred"].get("numpy").is_some());
    assert_eq!(v["local"], Value::Null);
    assert_eq!(v["mismatches"], serde_json::json!([]));
    assert_eq!(v["verdict"], "ok");
}

#[test]
fn a_py310_checkpoint_against_another_python_fails_with_the_reason() {
    let Some(python) = python_for("dill041-py311") else {
        return;
    };
    let here = py::minor_version(&python).unwrap();
    let ck = sidecars().join("checkpoint_baseline_py310.pkl");
    let v = json_of(&brine(&[
        "env",
        ck.to_str().unwrap(),
        "--python",
        &python,
        "--json",
    ]));
    assert_eq!(v["local"]["python"], here.as_str());
    let py_mismatch = v["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["field"] == "python")
        .cloned();
    if here == "3.10" {
        assert_eq!(py_mismatch, None);
    } else {
        let m = py_mismatch.expect("a python mismatch");
        assert_eq!(
            m["consequence"],
            format!("Python 3.10 wrote this; {here} cannot rebuild its functions")
        );
        assert_eq!(m["saved"], "3.10");
        assert_eq!(v["verdict"], "fail");
    }
    // The human table says the same.
    let out = brine(&["env", ck.to_str().unwrap(), "--python", &python]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("verdict: "), "{text}");
    assert!(text.contains("LOCAL ("), "{text}");
}

#[test]
fn a_module_the_probed_python_lacks_is_named() {
    let Some(python) = python_for("dill041-py311") else {
        return;
    };
    let f = fixtures::dir().join("imported_module--dill041-py311--p4.pkl");
    let v = json_of(&brine(&[
        "env",
        f.to_str().unwrap(),
        "--python",
        &python,
        "--json",
    ]));
    let ms = v["mismatches"].as_array().unwrap();
    assert!(
        ms.iter()
            .any(|m| m["consequence"] == "module `mymod` not found here"),
        "{ms:?}"
    );
    assert_eq!(v["local"]["found"]["mymod"], false);
    assert_eq!(v["local"]["found"]["math"], true);
    assert_eq!(v["verdict"], "fail");
}

#[test]
fn open_file_handles_and_their_modes_are_found() {
    let f = root().join("tests/fixtures/diff/handles.pkl");
    let exp: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/diff/handles.expected.json")).unwrap(),
    )
    .unwrap();
    let s = Session::open(&f).unwrap();
    let env = Env::of(&f, &s);
    let got: Vec<(String, String)> = env
        .inferred
        .file_handles
        .iter()
        .map(|h| (h.path.clone(), h.mode.clone()))
        .collect();
    let want: Vec<(String, String)> = exp["file_handles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["path"].as_str().unwrap().to_string(),
                h["mode"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    let ms = check::by_itself(&env);
    assert_eq!(ms.len(), 1, "{ms:?}");
    assert_eq!(
        ms[0].consequence,
        "would truncate /tmp/brine-fixtures/diff/out.csv on load"
    );
    assert_eq!(check::verdict(&ms), check::Verdict::Warn);
}

#[test]
fn against_another_checkpoint_compares_both_environments() {
    let a = sidecars().join("checkpoint_baseline_py310.pkl");
    let b = sidecars().join("checkpoint_baseline_py311.pkl");
    let v = json_of(&brine(&[
        "env",
        a.to_str().unwrap(),
        "--against",
        b.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["against"]["inferred"]["python"], "3.11");
    let m = v["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["field"] == "python")
        .cloned()
        .expect("python differs");
    assert_eq!(
        (m["saved"].as_str(), m["other"].as_str()),
        (Some("3.10"), Some("3.11"))
    );
    assert_eq!(v["verdict"], "warn");
}

#[test]
fn write_sidecar_writes_a_pickle_real_python_reads_and_backs_up_the_old_one() {
    let Some(python) = python_for("dill041-py311") else {
        return;
    };
    let here = py::minor_version(&python).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("checkpoint_x.pkl");
    std::fs::copy(fixtures::dir().join("code--dill041-py311--p4.pkl"), &ck).unwrap();
    let data = dir.path().join("data");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_brine"))
            .args([
                "env",
                ck.to_str().unwrap(),
                "--write-sidecar",
                "--python",
                &python,
                "--json",
            ])
            .env("BRINE_DATA_DIR", &data)
            .output()
            .unwrap()
    };
    let first = json_of(&run());
    let side = dir.path().join("x_env.pkl");
    assert_eq!(first["written"], side.to_str().unwrap());
    assert_eq!(first["backup"], Value::Null);
    // Real Python's pickle reads it as a plain dict.
    let out = Command::new(&python)
        .args([
            "-c",
            "import pickle, json, sys; d = pickle.load(open(sys.argv[1], 'rb')); print(json.dumps(d))",
            side.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d, first["fields"]);
    let written_py = d["python_version"].as_str().unwrap();
    if here == "3.11" {
        assert!(written_py.starts_with("3.11."), "{written_py}");
    } else {
        assert_eq!(written_py, "3.11");
    }
    assert!(
        d["modules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == "dill._dill")
    );
    // brine env now reads it back as the saved environment.
    let v = json_of(&brine(&["env", ck.to_str().unwrap(), "--json"]));
    assert_eq!(v["saved"], first["fields"]);
    // A second write keeps the first as a backup.
    let second = json_of(&run());
    let backup = second["backup"].as_str().expect("a backup");
    assert_eq!(
        std::fs::read(backup).unwrap(),
        std::fs::read(&side).unwrap()
    );
}
